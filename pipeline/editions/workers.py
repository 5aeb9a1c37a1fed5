"""The processes that lay the parts of a book out (parallel.py), started early.

A build starts them as soon as it knows the book will be laid out in parts, before it parses
the Markdown. Importing WeasyPrint, pikepdf and fontTools takes most of a second of processor
time, so it is done once: the build forks one worker, which imports them (and may make the
profile's writer) while the build parses, then forks the other workers from itself, ready
to work. On two cores this leaves one import, not two, racing the parse.

The build talks to each worker over a pipe of its own, turn by turn: the worker says it is
ready, is sent one task, sends back the result, is sent the next. No thread and no shared
queue, so nothing can wait on a lock a dead process held: a worker that dies (a memory limit,
a CPU limit) closes its pipe, and the build sees that at once. This module imports nothing
heavy itself, so that starting the workers costs the build nothing.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

from ..core.errors import ManuscriptError

T = TypeVar("T")


class WorkerStoppedError(RuntimeError):
    """A worker died while it held a task (killed by a memory or processor-time limit)."""


class WorkerBugError(RuntimeError):
    """A task failed with an exception that could not be sent back: a bug, with its trace."""


class LayoutWorkers:
    """`jobs` worker processes, or this process itself for one job (or where processes cannot
    be forked). `warm_up` runs once in the first worker before the others are forked from it.
    Use it as a context manager. After an error (a task's, or the build's) the workers are
    killed: the tasks still running are not waited for."""

    def __init__(self, jobs: int, warm_up: Callable[[], None] | None = None) -> None:
        self.jobs = max(1, jobs)
        self._first: multiprocessing.process.BaseProcess | None = None
        self._idle: list[Connection] = []
        self._live: list[Connection] = []
        self._pids: list[int] = []
        self._pid_of: dict[Connection, int] = {}
        self._broken = False
        if self.jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
            self.jobs = 1
            return
        context = multiprocessing.get_context("fork")
        pipes = [context.Pipe(duplex=True) for _ in range(self.jobs)]
        ours, theirs = [here for here, _ in pipes], [there for _, there in pipes]
        self._first = context.Process(
            target=_first_worker, args=(theirs, ours, warm_up or _import_layout), daemon=True
        )
        self._first.start()
        for end in theirs:  # only the workers hold these: a worker's death closes its pipe
            end.close()
        self._live = ours

    def run(
        self,
        function: Callable[..., T],
        calls: Sequence[tuple[Any, ...]],
        meanwhile: Callable[[], None] | None = None,
        where: Sequence[int | None] = (),
    ) -> list[T]:
        """`function(*args)` for each of `calls` (started in that order, as workers come
        free), the results in the same order. `function` must be a module-level function.
        `where` may name, call by call, the process (its id) that should do it (one that
        kept what an earlier call made); any worker does it if that process is gone.
        `meanwhile` runs here while the workers work. A task's exception is raised here; a
        worker that dies holding a task raises WorkerStoppedError."""
        if self._first is None:
            if meanwhile is not None:
                meanwhile()
            return [function(*args) for args in calls]
        if self._broken:
            raise WorkerStoppedError("the workers were stopped by an earlier error")
        self._broken = True  # until every task is back: an error leaves tasks running
        results: dict[int, T] = {}
        waiting = list(enumerate(calls))
        busy: dict[Connection, int] = {}
        wanted = dict(enumerate(where))

        def give_work(end: Connection) -> None:
            others = {self._pid_of[other] for other in self._live if other in self._pid_of}
            others.discard(self._pid_of.get(end, 0))
            free = [n for n, (index, _) in enumerate(waiting) if wanted.get(index) not in others]
            if free:
                index, args = waiting.pop(free[0])
                end.send((function, args))
                busy[end] = index
            else:
                self._idle.append(end)

        idle, self._idle = self._idle, []
        for end in idle:
            give_work(end)
        if meanwhile is not None:
            meanwhile()
        while len(results) < len(calls):
            if not self._live:
                raise WorkerStoppedError("every worker process has stopped")
            for readable in wait(self._live):
                end = self._live[self._live.index(readable)]  # type: ignore[arg-type]
                try:
                    kind, value = end.recv()
                except EOFError:  # the worker died; its task, if it held one, is lost
                    self._live.remove(end)
                    if end in busy:
                        raise WorkerStoppedError("a worker process stopped") from None
                    continue
                if kind == "ready":
                    self._pids.append(value)
                    self._pid_of[end] = value
                elif kind == "done":
                    results[busy.pop(end)] = value
                elif kind == "raised":
                    raise value
                elif kind == "memory":
                    raise WorkerStoppedError("a worker process ran out of memory")
                else:
                    raise WorkerBugError(f"a worker process failed with a bug:\n{value}")
                give_work(end)
        self._broken = False
        return [results[index] for index in range(len(calls))]

    def __enter__(self) -> LayoutWorkers:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if self._first is None:
            return
        if self._broken or error is not None:  # what the workers are doing is not wanted
            # The others die with the first (_die_with), ready or not.
            first = self._first.pid
            for pid in [*self._pids, *([first] if first else [])]:  # never 0: the group
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        for end in self._live:
            with contextlib.suppress(OSError):
                end.send(None)  # stop
            end.close()
        self._first.join()


def _first_worker(
    theirs: list[Connection], ours: list[Connection], warm_up: Callable[[], None]
) -> None:
    """The first worker: warm up, fork the others from this warm process, then work."""
    for end in ours:  # the build's ends: closed here, so that its death reads as end of file
        end.close()
    try:
        warm_up()
    except BaseException as error:
        _say_why_not(theirs[0], error)
        return
    children, first = [], os.getpid()
    for index in range(1, len(theirs)):
        try:
            pid = os.fork()
        except OSError:  # no more processes allowed: the build goes on with fewer workers
            theirs[index].close()
            continue
        if pid == 0:
            status = 0
            try:
                _die_with(first)
                for other, end in enumerate(theirs):
                    if other != index:
                        end.close()
                _serve(theirs[index])
            except BaseException:
                status = 1
            finally:
                os._exit(status)  # never run the first worker's clean-up a second time
        children.append(pid)
        theirs[index].close()
    try:
        _serve(theirs[0])
    finally:
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _die_with(parent: int) -> None:
    """Ask Linux to kill this process when its parent, the first worker, dies (killed with the
    build on an error or a limit), so that no worker outlives the build; elsewhere the closed
    pipe stops it."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the first worker died before that took effect
        os._exit(1)


PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


def _serve(end: Connection) -> None:
    """Say ready, then do each task the build sends until it sends None or goes away."""
    end.send(("ready", os.getpid()))
    while True:
        try:
            task = end.recv()
        except EOFError:
            return
        if task is None:
            return
        function, args = task
        try:
            reply: tuple[str, Any] = ("done", function(*args))
        except MemoryError:
            reply = ("memory", None)
        except Exception as error:  # the build raises it as its own (a ManuscriptError)
            reply = ("raised", error)
        try:
            end.send(reply)
        except MemoryError:
            end.send(("memory", None))
        except Exception:  # the exception or the result does not pickle
            end.send(("bug", traceback.format_exc()))


def _say_why_not(end: Connection, error: BaseException) -> None:
    """The first worker could not warm up: out of memory (a limit), a problem with the book
    (a stylesheet's font refused: the build reports it as its own), or a bug."""
    with contextlib.suppress(BaseException):
        if isinstance(error, MemoryError):
            end.send(("memory", None))
        elif isinstance(error, ManuscriptError):
            end.send(("raised", error))
        else:
            end.send(("bug", "".join(traceback.format_exception(error))))


def _import_layout() -> None:
    """The default warm-up: import what laying out and writing a part needs."""
    from .libraries import import_weasyprint

    import_weasyprint()
    from . import join, parallel, pdf, pdfua  # noqa: F401  (WeasyPrint, pikepdf, fontTools)
