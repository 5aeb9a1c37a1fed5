"""Building a library: every book a task for a `concurrent.futures` executor — a local pool
of worker processes, or a Dask cluster through its client's executor — so both are one code
path. The workers build and write (a shared store); the outcomes come back here."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..build import BuildOptions
from ..core.errors import Location, ManuscriptError, Problem
from ..core.project import Project
from .books import FAILED, BookOutcome, BookTask, VariantOutcome, build_book, find_books


class ClusterError(Exception):
    """The cluster cannot be reached or used; the message says what to do."""


@dataclass(frozen=True)
class Library:
    """The books found under a folder and where each one's editions go."""

    folder: Path
    output: Path
    tasks: tuple[BookTask, ...]


def plan_library(
    root: Path, folder: Path, output: Path, options: BuildOptions, run_lint: bool = True
) -> Library:
    """A task per book under `folder`; each book's editions go to the same relative place
    under `output` (the library's own book.yaml, if it has one, straight into `output`)."""
    folder, output = folder.resolve(), output.resolve()
    if not folder.is_dir():
        raise ManuscriptError.at(Location(str(folder)), "not a folder; name the library folder")
    tasks = tuple(
        BookTask(root, book, output / book.relative_to(folder), options, run_lint)
        for book in find_books(folder, skip=output)
    )
    return Library(folder, output, tasks)


@contextmanager
def local_pool(workers: int) -> Iterator[Executor]:
    """A pool of worker processes on this machine. They are started by a fork server, from a
    clean process: not forked from this one, whose threads (a progress bar's) they must not
    inherit."""
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield pool


@contextmanager
def dask_cluster(address: str, timeout: float = 30.0) -> Iterator[Executor]:
    """A running Dask cluster's `concurrent.futures` executor: its workers run `build_book`
    with the installed package and write to the store they share with this machine."""
    try:
        from distributed import Client
    except ImportError as missing:
        raise ClusterError(
            "--scheduler needs Dask distributed: pip install 'manuscript-pipeline[library]'"
        ) from missing
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address} ({error}); start one with "
            "`dask scheduler`, or leave out --scheduler to build on this machine"
        ) from error
    try:
        # pure=False: two tasks for one book are two builds, never one cached result.
        yield client.get_executor(pure=False)
    finally:
        client.close()


def run_library(
    tasks: Iterable[BookTask],
    executor: Executor,
    on_done: Callable[[BookOutcome], None],
) -> tuple[BookOutcome, ...]:
    """Submit every book, hand each outcome to `on_done` as it arrives, return them all in
    the tasks' order. A task that fails outside `build_book` (a worker lost) is a failed book."""
    submitted: dict[Future[BookOutcome], BookTask] = {
        executor.submit(build_book, task): task for task in tasks
    }
    done: dict[BookTask, BookOutcome] = {}
    try:
        for future in as_completed(submitted):
            task = submitted[future]
            try:
                outcome = future.result()
            except Exception as lost:  # the worker died, or the cluster went away
                outcome = _lost(task, lost)
            done[task] = outcome
            on_done(outcome)
    except BaseException:
        for future in submitted:
            future.cancel()
        raise
    return tuple(done[task] for task in submitted.values())


def _lost(task: BookTask, error: BaseException) -> BookOutcome:
    folder = Project.at(task.root, task.manuscript, task.output).show(task.manuscript)
    problem = Problem(
        Location(folder),
        f"the worker building this book was lost ({type(error).__name__}: {error}); build it again",
    )
    failed = VariantOutcome(None, FAILED, None, None, (), None, (), (problem,), 0.0)
    return BookOutcome(folder, task.output, (failed,), None, 0.0)
