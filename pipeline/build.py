"""The build, top to bottom: load, parse, number, document, render, write. No logic of its own."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .core.errors import Location, ManuscriptError, Problem, raise_if_any
from .core.output import write_all
from .core.project import Project
from .editions.epub import write_epub
from .editions.epub_render import render_epub
from .editions.pdf import PrintLayout, PrintWriter
from .editions.render import render_print_html
from .stages.document import Document, build_document
from .stages.load import ChapterSource, Styles, load_assets, load_manuscript, load_styles
from .stages.number import number_book
from .stages.parse import parse_book

FORMATS = ("pdf", "epub")


@dataclass(frozen=True)
class BuildOptions:
    """What to make: which editions, and the print profile."""

    formats: tuple[str, ...] = FORMATS
    profile: str = "a4"


@dataclass(frozen=True)
class StageReport:
    """One line of progress: the stage, what it did, how long it took."""

    stage: str
    detail: str
    seconds: float


@dataclass(frozen=True)
class BuildResult:
    """The files written and the warnings worth showing."""

    outputs: tuple[Path, ...]
    warnings: tuple[Problem, ...]
    review_date: dt.date | None
    book_file: str
    layout: PrintLayout | None


Reporter = Callable[[StageReport], None]


class _Stage:
    """The detail line a stage fills in once it knows what it did."""

    detail = ""


@contextmanager
def _stage(report: Reporter, name: str) -> Iterator[_Stage]:
    started = time.perf_counter()
    stage = _Stage()
    yield stage
    report(StageReport(name, stage.detail, time.perf_counter() - started))


def output_name(slug: str, profile: str, extension: str) -> str:
    """`slug.pdf` for the default A4 report, `slug-<profile>.pdf` for the others."""
    suffix = "" if profile == "a4" or extension == "epub" else f"-{profile}"
    return f"{slug}{suffix}.{extension}"


def print_layout(
    project: Project,
    styles: Styles,
    document: Document,
    profile: str,
    chapters: tuple[ChapterSource, ...],
) -> tuple[PrintWriter, PrintLayout]:
    """Lay the book out twice: the second time the reference list knows which pages cite
    each entry. Only the list at the end changes, so no earlier page moves."""
    writer = PrintWriter(project, styles, profile, chapters, document.stylesheets)
    first = writer.layout(render_print_html(document, styles, None))
    return writer, writer.layout(render_print_html(document, styles, first.pages_of))


def build(project: Project, options: BuildOptions, report: Reporter) -> BuildResult:
    """Build the requested editions into project.output; raise ManuscriptError on bad input."""
    with _stage(report, "load") as stage:
        manuscript = load_manuscript(project)
        styles = load_styles(project)
        stage.detail = (
            f"{len(manuscript.chapters)} chapters, "
            f"{len(manuscript.bibliography)} bibliography entries"
        )
    with _stage(report, "parse") as stage:
        chapters = parse_book(manuscript.chapters)
        raise_if_any(problem for chapter in chapters for problem in chapter.problems)
        stage.detail = f"{sum(len(c.found.citations) for c in chapters)} citations"
    with _stage(report, "assets") as stage:
        assets, problems = load_assets(
            project, [(image.src, image.location) for c in chapters for image in c.images]
        )
        raise_if_any(problems)
        stage.detail = f"{len(assets)} images"
    with _stage(report, "number") as stage:
        numbering = number_book(
            chapters,
            manuscript.bibliography,
            manuscript.meta.number_sections,
            Location(manuscript.bibliography_file) if manuscript.bibliography_file else None,
            manuscript.meta.nocite,
            Location(manuscript.meta.source, manuscript.meta.nocite_line),
        )
        stage.detail = (
            f"{len(numbering.reference_order)} references, {len(numbering.tables)} "
            f"tables, {len(numbering.figures)} figures"
        )
    with _stage(report, "document") as stage:
        document = build_document(manuscript, chapters, numbering, assets)
        stage.detail = f"{len(document.toc)} contents entries"
    warnings = list(document.warnings)
    files: dict[Path, bytes] = {}
    # The print layout is always made: the EPUB's page-list is the A4 edition's pages.
    with _stage(report, "pdf") as stage:
        writer, layout = print_layout(
            project, styles, document, options.profile, manuscript.chapters
        )
        warnings += layout.warnings
        name = output_name(document.meta.slug, options.profile, "pdf")
        if "pdf" in options.formats:
            files[project.output / name] = writer.pdf_bytes(layout)
            stage.detail = f"{name}, {layout.page_count} pages"
        else:
            stage.detail = f"layout only (the EPUB's page-list), {layout.page_count} pages"
    if "epub" in options.formats:
        with _stage(report, "epub") as stage:
            a4 = (
                layout
                if options.profile == "a4"
                else print_layout(project, styles, document, "a4", manuscript.chapters)[1]
            )
            edition = render_epub(document, styles, a4.pages_of)
            name = output_name(document.meta.slug, options.profile, "epub")
            files[project.output / name] = write_epub(edition, document)
            stage.detail = (
                f"{name}, {len(edition.documents)} documents, "
                f"{len(edition.pages)} print pages marked"
            )
    with _stage(report, "write") as stage:
        try:
            write_all(files)
        except OSError as error:
            raise ManuscriptError.at(
                Location(project.show(project.output)),
                f"cannot write the editions there ({error.strerror}); choose a writable folder "
                "with --output",
            ) from error
        stage.detail = ", ".join(project.show(path) for path in files)
    return BuildResult(
        tuple(files), tuple(warnings), document.meta.review_date, document.meta.source, layout
    )
