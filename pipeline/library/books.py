"""One book of a library: where it is, and building every variant of it in a worker.

`build_book` is what a worker runs — a process of the local pool or of a Dask cluster — so its
argument and its result are plain frozen dataclasses (they cross processes and machines) and
it never raises: a broken book comes back as a failed outcome and never stops the others.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import multiprocessing
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..build import BuildOptions, StageReport, build
from ..core.errors import Location, ManuscriptError, Problem
from ..core.project import BOOK_FILE, Project
from ..proof.lint import lint
from ..stages.load import list_variants, load_meta

BUILT, UNCHANGED, FAILED = "built", "unchanged", "failed"


def find_books(library: Path, skip: Path | None = None) -> tuple[Path, ...]:
    """Every folder under `library` that holds a book.yaml (the library itself too), in path
    order; hidden folders and `skip` (the output folder) are not searched."""
    library, skip = library.resolve(), skip.resolve() if skip else None
    found = []
    for book_file in sorted(library.rglob(BOOK_FILE)):
        folder = book_file.parent.resolve()
        relative = folder.relative_to(library)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if skip is not None and folder.is_relative_to(skip):
            continue
        if book_file.is_file():
            found.append(folder)
    return tuple(found)


@dataclass(frozen=True)
class BookTask:
    """What a worker needs to build one book: paths (on a store it shares) and options."""

    root: Path  # messages name paths relative to it (the folder the command runs in)
    manuscript: Path
    output: Path
    options: BuildOptions
    lint: bool = True  # lint the book too, for the library report


@dataclass(frozen=True)
class VariantOutcome:
    """One variant of a book (or the book itself, `variant` None): what became of it."""

    variant: str | None
    status: str  # built, unchanged or failed
    title: str | None
    identifier: str | None
    files: tuple[tuple[str, str], ...]  # edition → its file, relative to the output folder
    review_date: dt.date | None
    warnings: tuple[Problem, ...]
    errors: tuple[Problem, ...]
    seconds: float


@dataclass(frozen=True)
class LintStatus:
    """What `lint` found in the book: counts, and the first error if any."""

    errors: int
    warnings: int
    first: str | None


@dataclass(frozen=True)
class BookOutcome:
    """Every variant of one book, as its worker hands it back."""

    folder: str  # as messages show it
    output: Path
    variants: tuple[VariantOutcome, ...]
    lint: LintStatus | None
    seconds: float

    @property
    def status(self) -> str:
        """Failed when any variant failed; built when any was made; else unchanged."""
        kinds = {v.status for v in self.variants}
        return FAILED if FAILED in kinds else BUILT if BUILT in kinds else UNCHANGED

    @property
    def first_error(self) -> str | None:
        """The first problem of the first variant that failed, as the build prints it."""
        for outcome in self.variants:
            if outcome.errors:
                problem = outcome.errors[0]
                return f"{problem.location}: error: {problem.message}"
        return None

    @property
    def title(self) -> str:
        """The book's title (its first variant's), or its folder when it could not be read."""
        return next((v.title for v in self.variants if v.title), self.folder)


def build_book(task: BookTask) -> BookOutcome:
    """Build every variant of one book into its output folder (written all-or-nothing by the
    build, as `build` does), then lint it; never raises."""
    started = time.perf_counter()
    project = Project.at(task.root, task.manuscript, task.output)
    with _children_allowed():
        try:
            variants: tuple[str | None, ...] = list_variants(project) or (None,)
        except ManuscriptError:
            variants = (None,)  # the build says what is wrong
        outcomes = tuple(_build_variant(project, task.options, v) for v in variants)
    status = _lint_status(project, task.options, variants[0]) if task.lint else None
    return BookOutcome(
        project.show(project.manuscript),
        task.output,
        outcomes,
        status,
        time.perf_counter() - started,
    )


def _build_variant(project: Project, options: BuildOptions, variant: str | None) -> VariantOutcome:
    started = time.perf_counter()

    def quiet(_line: StageReport) -> None:
        pass

    title: str | None
    identifier: str | None
    review: dt.date | None
    try:  # for the report, even when the build fails further on
        meta = load_meta(project, variant)
        title, identifier, review = meta.full_title, meta.identifier, meta.review_date
    except ManuscriptError:
        title = identifier = review = None  # the build reports the problem
    try:
        result = build(project, dataclasses.replace(options, variant=variant), quiet)
    except ManuscriptError as error:
        problems = error.problems
    except Exception as bug:  # a bug in one book must not stop the library
        last = str(bug).strip().splitlines()[-1:] or [type(bug).__name__]
        problems = (
            Problem(
                Location(project.show(project.manuscript)),
                f"the build failed with a bug ({type(bug).__name__}: {last[0]}); please report it",
            ),
        )
    else:
        return VariantOutcome(
            variant,
            UNCHANGED if result.unchanged else BUILT,
            title,
            identifier,
            tuple(
                (name, path.relative_to(project.output).as_posix())
                for name, path in result.files.items()
            ),
            result.review_date,
            result.warnings,
            (),
            time.perf_counter() - started,
        )
    seconds = time.perf_counter() - started
    return VariantOutcome(variant, FAILED, title, identifier, (), review, (), problems, seconds)


def _lint_status(project: Project, options: BuildOptions, variant: str | None) -> LintStatus:
    """`lint` of the book (as its first variant: they share their text)."""
    try:
        result = lint(project, options.today or dt.date.today(), variant)
    except Exception as bug:  # lint is advice for the report; it never fails a book
        return LintStatus(1, 0, f"lint failed with a bug: {type(bug).__name__}")
    first = next((str(f) for f in result.findings if f.severity == "error"), None)
    return LintStatus(result.errors, result.warnings, first)


@contextlib.contextmanager
def _children_allowed() -> Iterator[None]:
    """Let the build start its limited child process inside a daemonic worker.

    Dask's nanny starts its workers as daemon processes by default, and `multiprocessing`
    refuses to start a child from one (so that no orphan outlives it). The build's child is
    in its own process group, which the build kills on any way out, and it has a wall-clock
    limit, so it cannot outlive the task either: the flag is lifted for the task's duration.
    """
    config = multiprocessing.current_process()._config  # type: ignore[attr-defined]
    was = config.get("daemon")
    config["daemon"] = False
    try:
        yield
    finally:
        if was is not None:
            config["daemon"] = was
        else:
            config.pop("daemon", None)
