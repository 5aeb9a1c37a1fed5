"""The processes that lay the parts of a book out (parallel.py), started early.

A build forks them as soon as it knows the book will be laid out in parts, before it parses
the Markdown: each imports WeasyPrint, pikepdf and fontTools (half a second) while the build
parses, so the parts can start the moment their HTML exists. This module imports nothing
heavy itself, so that starting them costs the build nothing.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class LayoutWorkers:
    """A pool of `jobs` forked worker processes, or this process itself for one job. Use it
    as a context manager; a failure cancels the tasks not yet begun."""

    def __init__(self, jobs: int) -> None:
        self.jobs = max(1, jobs)
        self._pool: ProcessPoolExecutor | None = None
        if self.jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            self._pool = ProcessPoolExecutor(self.jobs, context, initializer=_warm_up)
            self._pool.submit(_ready)  # with fork, every worker starts at the first task
        else:
            self.jobs = 1

    def submit(self, function: Callable[..., T], *args: object) -> Future[T]:
        """`function(*args)` in a worker (it must be a module-level function), or here."""
        if self._pool is not None:
            return self._pool.submit(function, *args)
        future: Future[T] = Future()
        future.set_result(function(*args))
        return future

    def __enter__(self) -> LayoutWorkers:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=error is not None)


def _warm_up() -> None:
    """Pool initializer: import what laying out and writing a part needs."""
    from .libraries import import_weasyprint

    import_weasyprint()
    from . import join, parallel, pdf, pdfua  # noqa: F401  (WeasyPrint, pikepdf, fontTools)


def _ready() -> None:
    """The task that makes the pool start its workers."""
