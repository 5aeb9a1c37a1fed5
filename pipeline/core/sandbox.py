"""Running the work on a manuscript in a child process with CPU-time, memory and wall-clock
limits, so crafted input (a stylesheet that makes layout loop, a table of a million cells)
ends in a clear error instead of a machine brought to its knees.

The child is forked, so it needs nothing re-imported; its result comes back through a pipe as
a tagged value: ("ok", value), ("error", problems) for a ManuscriptError, or ("bug", traceback)
for anything else, which the parent raises again as a bug with the child's traceback.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

from .errors import Location, ManuscriptError, Problem

T = TypeVar("T")
MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one build may use; generous enough for a 300-page book on a small machine."""

    cpu_seconds: int = 600
    memory_mib: int = 4096
    wall_seconds: int = 900


class BugInChildError(RuntimeError):
    """An unexpected exception in the child: a bug, shown with the child's traceback."""


def _apply(limits: Limits) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    memory = limits.memory_mib * MIB
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))


def _child(
    limits: Limits, function: Callable[..., Any], args: tuple[Any, ...], sender: Connection
) -> None:
    os.setpgid(0, 0)  # its own process group, so a timeout can stop any workers it starts
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        _apply(limits)
        result = function(*args, lambda message: sender.send(("report", message)))
        sender.send(("ok", result))
    except ManuscriptError as error:
        # Out of memory, a library may catch the failure and report it as a problem with the
        # input (citeproc: "could not format entry"): the limit is then the real reason.
        sender.send(("memory", None) if _out_of_memory(limits) else ("error", error.problems))
    except MemoryError:
        sender.send(("memory", None))
    except BaseException:  # a bug, unless memory ran out where C code does not say so
        bug = ("bug", traceback.format_exc())
        sender.send(("memory", None) if _out_of_memory(limits) else bug)
    finally:
        sender.close()


def _out_of_memory(limits: Limits) -> bool:
    """True when the address space is (nearly) used up: C extensions then fail in odd ways
    (a SystemError from the regex compiler, say) instead of raising MemoryError."""
    try:  # Linux tells the process's size; elsewhere a probe allocation has to do
        pages = int(Path("/proc/self/statm").read_text().split()[0])
        if pages * os.sysconf("SC_PAGE_SIZE") > (limits.memory_mib - 64) * MIB:
            return True
    except (OSError, ValueError):
        pass
    try:
        bytearray(16 * MIB)
    except MemoryError:
        return True
    return False


def run_limited(
    function: Callable[..., T],
    args: tuple[Any, ...],
    limits: Limits,
    where: Location,
    on_report: Callable[[Any], None] = lambda _message: None,
) -> T:
    """`function(*args, report)` in a limited child process; ManuscriptError when a limit is
    hit. What the child passes to `report` reaches `on_report` here as it happens."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    # Not a daemon: the child may start worker processes of its own (parallel editions).
    child = context.Process(target=_child, args=(limits, function, args, sender))
    child.start()
    sender.close()
    pid = child.pid
    assert pid is not None, "a started process has a pid"
    # Also here, as the child may not have run yet; it may also have done it first.
    with contextlib.suppress(PermissionError, ProcessLookupError):
        os.setpgid(pid, pid)
    deadline = time.monotonic() + limits.wall_seconds
    outcome, timed_out = None, False
    try:
        while outcome is None:
            if not receiver.poll(max(0.0, deadline - time.monotonic())):
                timed_out = True
                break
            kind, value = receiver.recv()
            if kind == "report":
                on_report(value)
            else:
                outcome = (kind, value)
    except EOFError:  # the child died without a word: killed by a limit
        pass
    finally:
        if child.is_alive() or outcome is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        child.join()
        receiver.close()
    if outcome is None:
        raise ManuscriptError([Problem(where, _why_it_stopped(child.exitcode, limits, timed_out))])
    kind, value = outcome
    if kind == "ok":
        return value  # type: ignore[no-any-return]
    if kind == "error":
        raise ManuscriptError(value)
    if kind == "memory":
        raise ManuscriptError([Problem(where, _why_it_stopped(None, limits, False, True))])
    raise BugInChildError(f"the build failed with a bug:\n{value}")


def _why_it_stopped(
    exitcode: int | None, limits: Limits, timed_out: bool, out_of_memory: bool = False
) -> str:
    if timed_out:
        return (
            f"the build took longer than {limits.wall_seconds} s and was stopped; look for a "
            "very large table or a stylesheet rule that makes the layout repeat, or allow "
            "more time with --time-limit"
        )
    if exitcode == -signal.SIGXCPU:
        return (
            f"the build used more than {limits.cpu_seconds} s of processor time and was "
            "stopped; look for a very large table or a stylesheet rule that makes the layout "
            "repeat, or allow more with --time-limit"
        )
    if out_of_memory or exitcode in {-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT}:
        return (
            f"the build needed more than {limits.memory_mib} MiB of memory and was stopped; "
            "look for very large images or tables, or allow more with --memory-limit"
        )
    return f"the build stopped unexpectedly (exit status {exitcode})"
