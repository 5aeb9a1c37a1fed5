"""The limited child process: results, errors and bugs come back; a runaway is stopped."""

from __future__ import annotations

import time

import pytest

from pipeline.core.errors import Location, ManuscriptError, Problem
from pipeline.core.sandbox import BugInChildError, Limits, run_limited

WHERE = Location("book.yaml")


def _double(value: int, _report: object) -> int:
    return value * 2


def _refuse(_report: object) -> None:
    raise ManuscriptError([Problem(Location("one.md", 3), "a problem")])


def _spin(_report: object) -> None:
    while True:
        time.sleep(0.01)


def _burn(_report: object) -> None:
    while True:
        pass


def _hog(_report: object) -> bytes:
    return b"x" * (512 * 1024 * 1024)


def _bug(_report: object) -> None:
    raise KeyError("a bug")


def test_a_result_and_a_manuscript_error_come_back() -> None:
    assert run_limited(_double, (21,), Limits(), WHERE) == 42
    with pytest.raises(ManuscriptError) as failure:
        run_limited(_refuse, (), Limits(), WHERE)
    assert [str(p) for p in failure.value.problems] == ["one.md:3: a problem"]


def test_a_bug_keeps_its_traceback() -> None:
    with pytest.raises(BugInChildError, match="KeyError: 'a bug'"):
        run_limited(_bug, (), Limits(), WHERE)


@pytest.mark.parametrize(
    ("function", "limits", "message"),
    [
        (_spin, Limits(wall_seconds=1), "took longer than 1 s"),
        (_burn, Limits(cpu_seconds=1, wall_seconds=30), "more than 1 s of processor time"),
        (_hog, Limits(memory_mib=256), "more than 256 MiB of memory"),
    ],
)
def test_a_runaway_is_stopped_with_a_clear_error(
    function: object, limits: Limits, message: str
) -> None:
    started = time.monotonic()
    with pytest.raises(ManuscriptError) as failure:
        run_limited(function, (), limits, WHERE)  # type: ignore[arg-type]
    assert message in str(failure.value) and str(failure.value).startswith("book.yaml: ")
    assert time.monotonic() - started < 20


def test_a_problem_reported_once_memory_ran_out_is_the_memory_limit() -> None:
    """Out of memory, a library may catch the failure and report it as a problem with the
    input (citeproc's "could not format entry"): the build names the limit instead."""
    with pytest.raises(ManuscriptError) as failure:
        run_limited(_refuse, (), Limits(memory_mib=64), WHERE)
    (problem,) = failure.value.problems
    assert "needed more than 64 MiB of memory" in problem.message
    assert problem.location == WHERE
