"""How a book is cut into parts for parallel layout (editions/parallel.py), and what a part's
failure becomes. The parts joined are checked page by page against one layout of the whole
book in test_long_book.py."""

from __future__ import annotations

import dataclasses
import os
import signal
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool

import pytest

from pipeline.core.errors import Location, ManuscriptError
from pipeline.editions import parallel
from pipeline.editions.parallel import PartPages, book_parts
from pipeline.editions.workers import LayoutWorkers

from .conftest import DATA, REPO, document_of


def test_the_embedded_book_is_cut_at_its_chapters_with_the_front_and_the_list_apart() -> None:
    document, _ = document_of(REPO / "manuscript")
    parts = book_parts(document, has_author_css=False)
    assert [(p.front, p.chapters, p.references) for p in parts] == [
        (True, frozenset(), False),
        (False, frozenset({1}), False),
        (False, frozenset({2}), False),
        (False, frozenset(), True),
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


def test_a_worker_stopped_by_a_limit_is_a_message_not_a_traceback() -> None:
    document, _ = document_of(REPO / "manuscript")
    future: Future[PartPages] = Future()
    future.set_exception(BrokenProcessPool("a child process terminated abruptly"))
    with pytest.raises(ManuscriptError) as raised:
        parallel._result(future, document)
    (problem,) = raised.value.problems
    assert problem.location.path.endswith("book.yaml")
    assert "--memory-limit" in problem.message and "--time-limit" in problem.message


def _square(number: int) -> int:
    return number * number


def _refuses(name: str) -> None:
    raise ManuscriptError.at(Location(name, 3), "refused")


def _dies() -> None:
    os.kill(os.getpid(), signal.SIGKILL)  # as a memory or CPU limit would


def test_workers_give_back_results_and_a_parts_problem() -> None:
    with LayoutWorkers(2) as workers:
        assert workers.jobs == 2
        squares = [workers.submit(_square, n) for n in range(6)]
        refused = workers.submit(_refuses, "chapters/two.md")
        assert [future.result(timeout=60) for future in squares] == [0, 1, 4, 9, 16, 25]
        with pytest.raises(ManuscriptError) as raised:
            refused.result(timeout=60)
    assert str(raised.value.problems[0].location) == "chapters/two.md:3"


def test_a_worker_killed_is_a_stopped_process_not_a_hang() -> None:
    document, _ = document_of(REPO / "manuscript")
    with LayoutWorkers(2) as workers:
        killed = workers.submit(_dies)
        with pytest.raises(ManuscriptError) as raised:
            parallel._result(killed, document)
    assert "--memory-limit" in raised.value.problems[0].message


def test_one_job_works_here() -> None:
    with LayoutWorkers(1) as workers:
        assert workers.jobs == 1 and workers.submit(_square, 7).result() == 49
