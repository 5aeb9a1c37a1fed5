"""How a book is cut into parts for parallel layout (editions/parallel.py), and what a part's
failure becomes. The parts joined are checked page by page against one layout of the whole
book in test_long_book.py."""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import pipeline.build as build_module
from pipeline.build import BuildOptions
from pipeline.core.errors import Location, ManuscriptError
from pipeline.core.project import Project
from pipeline.editions import parallel
from pipeline.editions.parallel import book_parts
from pipeline.editions.workers import LayoutWorkers, WorkerBugError, WorkerStoppedError
from pipeline.stages.load import ChapterSource, load_manuscript
from pipeline.stages.parse import parse_book

from .conftest import DATA, REPO, document_of


def test_a_short_book_is_cut_in_two_the_front_and_the_list_with_its_halves() -> None:
    document, _ = document_of(REPO / "manuscript")
    parts = book_parts(document, has_author_css=False)
    assert [(p.front, p.chapters, p.references) for p in parts] == [
        (True, frozenset({1}), False),
        (False, frozenset({2}), True),
    ]


def test_groups_of_chapters_are_consecutive_balanced_and_cover_the_book(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    document, _ = document_of(REPO / "manuscript")
    many = dataclasses.replace(
        document,
        chapters=tuple(
            dataclasses.replace(document.chapters[i % 2], number=i + 1, element_id=f"c{i + 1}")
            for i in range(40)
        ),
    )
    monkeypatch.setattr(parallel, "PART_CHARACTERS", 3 * len(document.chapters[0].body_html))
    parts = book_parts(many, has_author_css=False)
    assert parts[0].front and not parts[0].chapters  # a long book: the front and the list apart
    assert parts[-1].references and not parts[-1].chapters
    groups = [sorted(part.chapters or ()) for part in parts[1:-1]]
    assert [number for group in groups for number in group] == list(range(1, 41))
    assert all(group == list(range(group[0], group[-1] + 1)) for group in groups)
    assert len(groups) == parallel.MOST_PARTS  # 40 chapters would make more: capped
    sizes = [len(group) for group in groups]
    assert max(sizes) - min(sizes) <= 2


def test_what_cannot_be_cut_is_laid_out_whole() -> None:
    document, _ = document_of(REPO / "manuscript")
    assert book_parts(document, has_author_css=True) == ()  # `css:` may join chapters' pages
    one_chapter = dataclasses.replace(document, chapters=document.chapters[:1])
    assert book_parts(one_chapter, has_author_css=False) == ()
    list_inside = dataclasses.replace(document, references_in=1)
    assert book_parts(list_inside, has_author_css=False) == ()
    tiny, _ = document_of(DATA / "tiny")
    assert len(tiny.chapters) >= 2 and book_parts(tiny, has_author_css=False)


def _square(number: int) -> int:
    return number * number


def _refuses(name: str) -> None:
    raise ManuscriptError.at(Location(name, 3), "refused")


def _dies(*_args: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)  # as a memory or CPU limit would


_WARMED: list[int] = []


def _warm_up() -> None:
    _WARMED.append(os.getpid())


def _warmed_where(_number: int) -> tuple[int, tuple[int, ...]]:
    time.sleep(0.2)  # long enough that each worker takes a task
    return os.getpid(), tuple(_WARMED)


def _warm_up_fails() -> None:
    raise RuntimeError("WeasyPrint cannot be imported")


def _warm_up_runs_out_of_memory() -> None:
    raise MemoryError


def _warm_up_refuses_a_font() -> None:
    raise ManuscriptError.at(Location("styles/print.css", 4), "refused to read 'x.woff2'")


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"  # a zombie is gone
    except FileNotFoundError:
        return False


def _all_gone(pids: list[int]) -> bool:
    """True once none of these processes runs (a worker killed with its parent dies a moment
    after it, not at once)."""
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_workers_give_back_results_in_order_and_a_parts_problem() -> None:
    with LayoutWorkers(2) as workers:
        assert workers.jobs == 2
        assert workers.run(_square, [(n,) for n in range(6)]) == [0, 1, 4, 9, 16, 25]
        with pytest.raises(ManuscriptError) as raised:
            workers.run(_refuses, [("chapters/two.md",)])
        pids = workers._pids
    assert str(raised.value.problems[0].location) == "chapters/two.md:3"
    assert _all_gone(pids)  # not left running after the error


def test_the_workers_are_forked_from_one_that_warmed_up_once() -> None:
    with LayoutWorkers(2, _warm_up) as workers:
        answers = workers.run(_warmed_where, [(n,) for n in range(4)])
        pids = workers._pids
    assert len({pid for pid, _ in answers}) == 2 and os.getpid() not in pids
    warmed = {warmed for _, warmed in answers}
    assert len(warmed) == 1 and len(next(iter(warmed))) == 1  # the same single warm-up
    assert _all_gone(pids)  # stopped and reaped when the build is done


def test_a_worker_killed_is_a_stopped_process_not_a_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    document, _ = document_of(REPO / "manuscript")
    monkeypatch.setattr(parallel, "lay_out_part", _dies)
    with pytest.raises(ManuscriptError) as raised, LayoutWorkers(2) as workers:
        parallel._laid_out(workers, [()], document)
    (problem,) = raised.value.problems
    assert problem.location.path.endswith("book.yaml")
    assert "--memory-limit" in problem.message and "--time-limit" in problem.message
    assert _all_gone(workers._pids)  # the other one is stopped too


@pytest.mark.parametrize(
    ("warm_up", "raised"),
    [
        (_warm_up_fails, WorkerBugError),
        (_warm_up_runs_out_of_memory, WorkerStoppedError),
        (_warm_up_refuses_a_font, ManuscriptError),  # the build's own message, no traceback
    ],
)
def test_a_warm_up_that_fails_is_said_not_waited_for(
    warm_up: Callable[[], None], raised: type[Exception]
) -> None:
    with pytest.raises(raised) as error, LayoutWorkers(2, warm_up) as workers:
        workers.run(_square, [(3,)])
    if raised is WorkerBugError:
        assert "WeasyPrint cannot be imported" in str(error.value)


def _worker_pid(_number: int) -> int:
    time.sleep(0.05)
    return os.getpid()


def test_a_task_goes_to_the_worker_named_for_it_or_to_any_if_that_one_is_gone() -> None:
    """A part counted and kept by one worker is finished by that worker (part_layout.py)."""
    with LayoutWorkers(2) as workers:
        first, second = sorted({pid for pid, _ in workers.run(_warmed_where, [(1,), (2,)])})
        pinned = workers.run(_worker_pid, [(n,) for n in range(6)], where=[second] * 6)
        assert pinned == [second] * 6  # the other worker waits rather than take them
        mixed = workers.run(_worker_pid, [(n,) for n in range(4)], where=[first, None, 1, 1])
        assert mixed[0] == first and set(mixed[2:]) <= {first, second}  # pid 1: no worker


def test_one_job_works_here() -> None:
    with LayoutWorkers(1) as workers:
        assert workers.jobs == 1 and workers.run(_square, [(7,)]) == [49]


def test_a_long_books_chapters_parsed_on_two_processes_are_the_ones_one_parses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A long book's Markdown is parsed in processes forked from the build, the longest
    chapter first; the chapters come back in reading order, exactly as one process makes
    them (a file holding two chapters, and one that cannot be read, included)."""
    sources = (
        *load_manuscript(Project.at(REPO, REPO / "manuscript", REPO / "output")).chapters,
        ChapterSource("two.md", "# One\n\nText [@missing].\n\n# Two\n\nMore text.\n"),
        ChapterSource("deep.md", "> " * 5000 + "too deep\n"),
    )
    monkeypatch.setattr(build_module, "PARSE_APART_CHARACTERS", 0)
    apart = build_module._parse(sources, BuildOptions(jobs=2))
    assert [chapter.number for chapter in apart] == [1, 2, 3, 4, 5]
    assert apart == parse_book(sources)
    assert apart[-1].problems and not apart[0].problems
