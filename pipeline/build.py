"""The build, top to bottom: load, parse, number, document once; then every edition from that
one `Document` (independent editions in parallel processes); then one all-or-nothing write."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from .core.errors import Location, ManuscriptError, Problem, raise_if_any
from .core.fingerprint import (
    Stamp,
    content_hash,
    keyed,
    page_map_path,
    read_stamp,
    stamp_bytes,
    stamp_path,
    unchanged,
)
from .core.output import output_lock, write_all
from .core.project import Project, output_problem
from .core.sandbox import Limits, run_limited
from .editions.catalog import DEFAULT_EDITIONS, PRESS, Edition, known_editions, output_name
from .editions.layout import PrintLayout, page_map_bytes, read_page_map

if TYPE_CHECKING:
    # The making half (below `make_all`) imports WeasyPrint, EbookLib, Markdown… inside the
    # build's child process, so a build with nothing to make stays quick (under a second).
    from .editions.epub_render import EpubEdition
    from .editions.pdf import PrintWriter
    from .editions.workers import LayoutWorkers
    from .stages.document import Document
    from .stages.load import ChapterSource, Styles
    from .stages.metadata import BookMeta
    from .stages.parse import ParsedChapter


@dataclass(frozen=True)
class BuildOptions:
    """What to make: editions by name, or also those book.yaml lists; in how many processes."""

    editions: tuple[str, ...] = DEFAULT_EDITIONS
    listed: bool = False  # add the editions book.yaml lists (`--all-editions`)
    jobs: int = 1
    # Remove markup the allowlist refuses, with a warning, instead of failing.
    sanitize: bool = False
    # Any warning fails the build (for a publisher's CI): nothing is written.
    strict: bool = False
    # The day review dates are checked against (the command line passes today's date); the
    # editions never depend on it.
    today: dt.date | None = None
    # What the build's child process may use (CPU time, memory, wall clock).
    limits: Limits = dataclasses.field(default_factory=Limits)
    # Make the editions even when nothing changed since the last build into the folder.
    force: bool = False
    # Also write each print edition's final HTML beside its PDF, as `<slug>.html` (the HTML
    # WeasyPrint gives the same pages from, with the house stylesheets).
    keep_html: bool = False
    # Which of the variants book.yaml lists (None: the first, when it lists any).
    variant: str | None = None


@dataclass(frozen=True)
class StageReport:
    """One line of progress: the stage, the edition it worked on, what it did, how long."""

    stage: str
    detail: str
    seconds: float
    edition: str = ""


@dataclass(frozen=True)
class BuildResult:
    """The files written and the warnings worth showing."""

    files: Mapping[str, Path]  # each edition's file (the web edition's index.html), by name
    warnings: tuple[Problem, ...]
    review_date: dt.date | None
    book_file: str
    layouts: Mapping[str, PrintLayout]  # by profile; page maps only, no WeasyPrint document
    unchanged: bool = False  # nothing was made: the inputs were those of the last build

    @property
    def outputs(self) -> tuple[Path, ...]:
        """Every edition's file."""
        return tuple(self.files.values())

    @property
    def layout(self) -> PrintLayout | None:
        """The first print layout made (the A4 one in a default build)."""
        return next(iter(self.layouts.values()), None)


Reporter = Callable[[StageReport], None]


class _Stage:
    """The detail line a stage fills in once it knows what it did."""

    detail = ""


@contextmanager
def _stage(report: Reporter, name: str, edition: str = "") -> Iterator[_Stage]:
    started = time.perf_counter()
    stage = _Stage()
    yield stage
    report(StageReport(name, stage.detail, time.perf_counter() - started, edition))


def print_layout(
    project: Project,
    styles: Styles,
    document: Document,
    profile: str,
    chapters: tuple[ChapterSource, ...],
    hint: PrintLayout | None = None,
    workers: LayoutWorkers | None = None,
    token: str = "",
    meanwhile: Callable[[], None] | None = None,
) -> tuple[PrintWriter | None, PrintLayout]:
    """Lay the book out: in parts by `workers` when it can be cut (editions/parallel.py,
    `hint` the parts' first guess at their page numbers; no writer then, the layout holds
    the PDF; `meanwhile` runs here while the workers work), else whole, once, in this
    process (editions/parts.py)."""
    from .editions.parallel import book_parts, lay_out_in_parts
    from .editions.part_layout import WriterConfig
    from .editions.workers import LayoutWorkers

    parts = book_parts(document, bool(document.stylesheets)) if profile != PRESS else ()
    if parts:
        token = token or f"{os.getpid()}:{time.monotonic_ns()}:{profile}"
        config = WriterConfig(
            project, styles, profile, chapters, document.assets, document.stylesheets, token
        )
        layout = lay_out_in_parts(
            config, document, parts, hint, workers or LayoutWorkers(1), meanwhile
        )
        if layout is not None:
            return None, layout
    from .editions.libraries import import_weasyprint

    import_weasyprint()
    from .editions.parts import lay_out_book
    from .editions.pdf import PrintWriter

    writer = PrintWriter(project, styles, profile, chapters, document.assets, document.stylesheets)
    return writer, lay_out_book(writer, document, styles, profile)


def build(project: Project, options: BuildOptions, report: Reporter) -> BuildResult:
    """Build the requested editions into project.output; raise ManuscriptError on bad input.

    The work runs in a child process with CPU, memory and time limits (a crafted manuscript
    cannot bring the machine down); the editions come back in memory and are written here,
    all or nothing. One build at a time writes into an output folder: a second one waits.
    """
    where = Location(project.show(project.output))
    problem = output_problem(project.manuscript, project.output)
    if problem:
        raise ManuscriptError.at(where, f"the output folder {problem}")
    started = time.perf_counter()

    def waiting() -> None:
        report(StageReport("wait", "another build is writing into this folder; waiting", 0.0))

    key = options_key(options)
    try:
        with output_lock(project.output, waiting):
            if time.perf_counter() - started > 0.5:
                report(StageReport("wait", "done", time.perf_counter() - started))
            with _stage(report, "inputs") as stage:
                content = content_hash(project.manuscript, project.styles)
                inputs = keyed(content, key)
                stamp_file = stamp_path(project.output, project.manuscript, key)
                stamp = read_stamp(stamp_file)
                if not options.force and stamp and unchanged(stamp, inputs, project.output):
                    stage.detail = "unchanged since the last build: nothing to make (--force)"
                    return _result_of(stamp, project, options.today)
                stage.detail = "changed" if stamp else "first build into this folder"
            # The A4 page map an EPUB-only build can reuse (the EPUB's page-list needs it).
            map_file = page_map_path(project.output, project.manuscript, options.variant)
            map_key = keyed(content, _map_options(A4, options))
            cached = _cached_page_map(map_file, map_key)
            # Each profile's last page map, whatever it was made from: the first guess at the
            # page numbers of a book laid out in parts (editions/parallel.py).
            hints = _page_map_hints(project, options.variant)
            made = run_limited(
                functools.partial(make_all, page_maps={A4: cached} if cached else {}, hints=hints),
                (project, options),
                options.limits,
                Location(project.show(project.manuscript)),
                report,
            )
            review = _review_warnings(made.review_date, made.book_file, options.today)
            _strict(list(review), options.strict)
            written = {
                path.relative_to(project.output).as_posix(): data
                for path, data in made.files.items()
            }
            files = {
                **made.files,
                stamp_file: stamp_bytes(
                    inputs,
                    {
                        name: path.relative_to(project.output).as_posix()
                        for name, path in made.outputs
                    },
                    written,
                    made.warnings,
                    made.review_date.isoformat() if made.review_date else None,
                    made.book_file,
                ),
            }
            for profile, fresh in made.layouts:
                map_of = page_map_path(project.output, project.manuscript, options.variant, profile)
                if profile != A4 or cached is None:
                    files[map_of] = page_map_bytes(
                        fresh, keyed(content, _map_options(profile, options))
                    )
            with _stage(report, "write") as stage:
                write_all(files)
                stage.detail = ", ".join(project.show(path) for _, path in made.outputs)
    except OSError as error:
        raise ManuscriptError.at(
            where,
            f"cannot write the editions there ({error.strerror}); choose a writable folder "
            "with --output",
        ) from error
    return BuildResult(
        MappingProxyType(dict(made.outputs)),
        (*made.warnings, *review),
        made.review_date,
        made.book_file,
        MappingProxyType(dict(made.layouts)),
    )


def _map_options(profile: str, options: BuildOptions) -> tuple[str, ...]:
    """What a profile's page map depends on besides the inputs' content."""
    return (f"{profile}-page-map", f"sanitize={options.sanitize}", f"variant={options.variant}")


def _page_map_hints(project: Project, variant: str | None) -> dict[str, PrintLayout]:
    """The page map each profile's last build kept, made from whatever inputs it was."""
    hints = {}
    for sheet in sorted((project.styles / "profiles").glob("*.css")):
        path = page_map_path(project.output, project.manuscript, variant, sheet.stem)
        try:
            found = read_page_map(path.read_bytes(), None)
        except OSError:
            continue
        if found is not None:
            hints[sheet.stem] = found
    return hints


def _cached_page_map(path: Path, key: str) -> PrintLayout | None:
    """The A4 page map the last build kept, if it was made from these inputs."""
    try:
        return read_page_map(path.read_bytes(), key)
    except OSError:
        return None


def options_key(options: BuildOptions) -> tuple[str, ...]:
    """The options that choose what is made (not how fast, nor the day it is made)."""
    return (
        *sorted(options.editions),
        f"listed={options.listed}",
        f"sanitize={options.sanitize}",
        f"strict={options.strict}",
        *(["keep-html"] if options.keep_html else []),
        # Variants share the manuscript and the output folder: each keeps its own stamp.
        *((f"variant={options.variant}",) if options.variant is not None else ()),
    )


def _review_warnings(
    review_date: dt.date | None, book_file: str, today: dt.date | None
) -> tuple[Problem, ...]:
    """The one warning that depends on the day: a review date that has passed."""
    if today is None or review_date is None or review_date >= today:
        return ()
    return (
        Problem(
            Location(book_file),
            f"the review date {review_date} has passed; check the content and set a new "
            "'review-date'",
        ),
    )


def _result_of(stamp: Stamp, project: Project, today: dt.date | None) -> BuildResult:
    """What a skipped build reports: the editions already there, the last build's warnings."""
    review_date = dt.date.fromisoformat(stamp.review_date) if stamp.review_date else None
    return BuildResult(
        MappingProxyType({name: project.output / path for name, path in stamp.outputs.items()}),
        (*stamp.warnings, *_review_warnings(review_date, stamp.book_file, today)),
        review_date,
        stamp.book_file,
        MappingProxyType({}),
        unchanged=True,
    )


@dataclass(frozen=True)
class MadeBook:
    """Every requested edition in memory, as the child process hands it back."""

    files: dict[Path, bytes]
    outputs: tuple[tuple[str, Path], ...]
    warnings: tuple[Problem, ...]
    review_date: dt.date | None
    book_file: str
    layouts: tuple[tuple[str, PrintLayout], ...]  # page maps only


def make_all(
    project: Project,
    options: BuildOptions,
    report: Reporter,
    page_maps: Mapping[str, PrintLayout] = MappingProxyType({}),
    hints: Mapping[str, PrintLayout] = MappingProxyType({}),
) -> MadeBook:
    """Load, parse, number and document the book once, then make every edition from it
    (`page_maps`: layouts known from an earlier build, for groups that need no PDF)."""
    from .stages.load import (
        book_images,
        load_assets,
        load_manuscript,
        load_styles,
        with_shortcodes,
    )

    with _stage(report, "load") as stage:
        manuscript = load_manuscript(project, options.variant)
        styles = with_shortcodes(load_styles(project), manuscript.meta.values)
        wanted = choose_editions(options, manuscript.meta, known_editions(styles.profiles), project)
        stage.detail = (
            f"{len(manuscript.chapters)} chapters, "
            f"{len(manuscript.bibliography)} bibliography entries"
        )
    groups = group_by_layout(wanted)
    # One group, one layout, of a book of chapters: its parts are laid out on every process,
    # by workers started now, which import WeasyPrint while this process parses the book
    # (editions/parallel.py). Several groups: each in a process of its own (a part of the
    # book is then laid out in the group's process, in turn: the same file either way).
    from .editions.workers import LayoutWorkers

    may_be_cut = len(manuscript.chapters) > 1 and not manuscript.meta.css
    cut = (
        len(groups) == 1
        and groups[0][0] not in (None, PRESS)
        and not _page_map_will_do(groups[0][0], groups[0][1], page_maps)
        and may_be_cut
    )
    token, warm_up = "", None  # the writer the first worker makes while the book is parsed
    if cut:
        from .editions.part_layout import WriterConfig, warm_up_writer

        profile = groups[0][0]
        assert profile is not None
        token = f"{os.getpid()}:{time.monotonic_ns()}:{profile}"
        early_config = WriterConfig(project, styles, profile, manuscript.chapters, {}, (), token)
        warm_up = functools.partial(warm_up_writer, early_config)
    with LayoutWorkers(options.jobs if cut else 1, warm_up) as workers:
        from .dialect.sanitize import check_bibliography
        from .stages.document import build_document
        from .stages.number import number_manuscript

        unsafe, dropped_from_bibliography = check_bibliography(
            ((e.key, e.data, e.location) for e in manuscript.bibliography.values()),
            options.sanitize,
        )
        raise_if_any(unsafe)
        with _stage(report, "parse") as stage:
            chapters = _parse(manuscript.chapters, options)
            raise_if_any(problem for chapter in chapters for problem in chapter.problems)
            stage.detail = f"{sum(len(c.found.citations) for c in chapters)} citations"
        with _stage(report, "assets") as stage:
            loaded = load_assets(
                project,
                [
                    *((image.src, image.location) for c in chapters for image in c.images),
                    *book_images(manuscript.meta),
                ],
                options.sanitize,
            )
            raise_if_any(loaded.problems)
            assets = loaded.assets
            stage.detail = f"{len(assets)} images"
        with _stage(report, "number") as stage:
            numbering = number_manuscript(manuscript, chapters)
            stage.detail = (
                f"{len(numbering.reference_order)} references, {len(numbering.tables)} "
                f"tables, {len(numbering.figures)} figures"
            )
        with _stage(report, "document") as stage:
            document = build_document(manuscript, chapters, numbering, assets)
            stage.detail = f"{len(document.toc)} contents entries"
        early = [*loaded.warnings, *dropped_from_bibliography, *document.warnings]
        meta = document.meta
        # Before the long part, when it can already tell.
        _strict(
            [*early, *_review_warnings(meta.review_date, meta.source, options.today)],
            options.strict,
        )
        shared = Shared(
            project,
            styles,
            document,
            manuscript.chapters,
            options.keep_html,
            page_maps,
            hints,
            workers,
            token,
        )
        made = make_editions(shared, groups, options.jobs, report)
        # Each profile's layout repeats the same CSS warnings: each is said once.
        warnings = list(dict.fromkeys([*early, *(w for group in made for w in group.warnings)]))
        _strict(warnings, options.strict)
        return MadeBook(
            files={path: data for group in made for path, data in group.files.items()},
            outputs=tuple(output for group in made for output in group.outputs),
            warnings=tuple(warnings),
            review_date=meta.review_date,
            book_file=meta.source,
            layouts=tuple((g.layout_name, g.layout) for g in made if g.layout_name and g.layout),
        )


# A book this long (about 60 A4 pages) has its chapters parsed on every core: its Markdown
# takes seconds (the 300-page book, 1.7 s), while the layout workers have nothing to do yet.
PARSE_APART_CHARACTERS = 200_000


def _parse(sources: tuple[ChapterSource, ...], options: BuildOptions) -> tuple[ParsedChapter, ...]:
    """The chapters parsed, in this process or, for a long book, in processes forked from it
    (they have the parse modules already); the same chapters either way."""
    from .editions.workers import LayoutWorkers
    from .stages.parse import parse_planned, plan_chapters

    planned = plan_chapters(sources)
    size = sum(len(source.text) for source in sources)
    if options.jobs < 2 or len(planned) < 2 or size < PARSE_APART_CHARACTERS:
        return tuple(parse_planned(chapter, options.sanitize) for chapter in planned)
    # The longest first, so that no process is left with a long one at the end.
    order = sorted(range(len(planned)), key=lambda index: -planned[index].size)
    with LayoutWorkers(options.jobs, _nothing_to_import) as helpers:
        parsed = helpers.run(parse_planned, [(planned[i], options.sanitize) for i in order])
    by_index = dict(zip(order, parsed, strict=True))
    return tuple(by_index[index] for index in range(len(planned)))


def _nothing_to_import() -> None:
    """The parse helpers' warm-up: forked from the build, they have what they need."""


def _page_map_will_do(
    layout: str | None, names: tuple[str, ...], page_maps: Mapping[str, PrintLayout]
) -> bool:
    """True when a group needs no layout: an EPUB alone, whose A4 page map is kept."""
    return set(names) == {"epub"} and (layout or "") in page_maps


def _strict(warnings: list[Problem], strict: bool) -> None:
    """Under --strict a warning stops the build before anything is written."""
    if strict and warnings:
        raise ManuscriptError(
            Problem(w.location, f"{w.message} (a warning, an error under --strict)")
            for w in warnings
        )


def choose_editions(
    options: BuildOptions, meta: BookMeta, known: Mapping[str, Edition], project: Project
) -> tuple[Edition, ...]:
    """The editions asked for, checked by name, in the catalogue's order."""
    problems = []
    listed = (meta.editions or DEFAULT_EDITIONS) if options.listed else ()
    for name in listed:
        if name not in known:
            problems.append(_unknown(name, known, Location(meta.source, meta.editions_line)))
    for name in options.editions:
        if name not in known:
            where = Location(project.show(project.styles / "profiles"))
            problems.append(_unknown(name, known, where))
    raise_if_any(problems)
    asked = set(listed) | set(options.editions)
    return tuple(edition for name, edition in known.items() if name in asked)


def _unknown(name: str, known: Mapping[str, Edition], where: Location) -> Problem:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"choose from {', '.join(known)}"
    return Problem(where, f"unknown edition '{name}'; {hint}")


def group_by_layout(wanted: Sequence[Edition]) -> tuple[tuple[str | None, tuple[str, ...]], ...]:
    """Editions that share a print layout are made together (the EPUB with the A4 report,
    the booklet with the leaflet); each group is independent of the others."""
    groups: dict[str | None, list[str]] = {}
    for edition in wanted:
        groups.setdefault(edition.layout, []).append(edition.name)
    # Layouts take seconds, the web page a fraction of one: start the long jobs first.
    return tuple(sorted(((k, tuple(v)) for k, v in groups.items()), key=lambda g: g[0] is None))


@dataclass(frozen=True)
class Shared:
    """What every edition is made from: the one Document, the styles, the chapters' text."""

    project: Project
    styles: Styles
    document: Document
    chapters: tuple[ChapterSource, ...]
    keep_html: bool = False
    page_maps: Mapping[str, PrintLayout] = dataclasses.field(default_factory=dict)
    hints: Mapping[str, PrintLayout] = dataclasses.field(default_factory=dict)
    workers: LayoutWorkers | None = None  # lay parts of one book out (editions/parallel.py)
    writer_token: str = ""  # names the writer the workers made while the book was parsed


@dataclass(frozen=True)
class Made:
    """One group's editions, in memory: files, progress lines, warnings, its page map."""

    files: Mapping[Path, bytes]
    outputs: tuple[tuple[str, Path], ...]  # (edition, its file)
    reports: tuple[StageReport, ...]
    warnings: tuple[Problem, ...]
    layout_name: str | None
    layout: PrintLayout | None


def make_editions(
    shared: Shared,
    groups: Sequence[tuple[str | None, tuple[str, ...]]],
    jobs: int,
    report: Reporter,
) -> list[Made]:
    """Each group in this process, or with jobs > 1 in a pool of forked processes (which
    inherit the Document, so nothing is read twice and the editions cannot disagree)."""
    if jobs <= 1 or len(groups) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [make_group(shared, layout, names, report) for layout, names in groups]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        min(jobs, len(groups)), context, initializer=_adopt, initargs=(shared,)
    ) as pool:
        futures = [pool.submit(_make_group_in_worker, layout, names) for layout, names in groups]
        try:
            for done in as_completed(futures):  # progress as each group finishes
                for line in done.result().reports:
                    report(line)
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise
    return [future.result() for future in futures]  # the catalogue's order, as a serial build


_SHARED: Shared | None = None


def _adopt(shared: Shared) -> None:
    """Pool initializer: the forked worker keeps the parent's Document (no pickling)."""
    global _SHARED
    _SHARED = shared


def _make_group_in_worker(layout: str | None, names: tuple[str, ...]) -> Made:
    assert _SHARED is not None, "the pool's initializer sets the shared Document"
    return make_group(_SHARED, layout, names, lambda _line: None)


def make_group(
    shared: Shared, layout_name: str | None, names: tuple[str, ...], report: Reporter
) -> Made:
    """Lay out one profile (if the group needs it) and make each of the group's editions."""
    reports: list[StageReport] = []

    def keep(line: StageReport) -> None:
        reports.append(line)
        report(line)

    project, document, slug = shared.project, shared.document, shared.document.meta.slug
    writer, layout, pdf = None, None, None
    early_epub: list[tuple[Mapping[str, int], EpubEdition]] = []
    cached = shared.page_maps.get(layout_name or "")
    if cached is not None and _page_map_will_do(layout_name, names, shared.page_maps):
        # Only the EPUB's page-list needs this layout, and it is known: no WeasyPrint at all.
        layout = cached
        keep(StageReport("layout", f"{layout.page_count} pages (page map kept)", 0.0, A4))
    elif layout_name is not None:
        hint = shared.hints.get(layout_name)

        def meanwhile() -> None:
            # The EPUB's page-list wants this layout's page numbers: while the workers lay
            # the parts out, make it with the last build's, kept below if they still hold.
            if "epub" in names and hint is not None:
                from .editions.epub_render import render_epub

                early_epub.append(
                    (hint.pages_of, render_epub(document, shared.styles, hint.pages_of))
                )

        with _stage(keep, "layout", layout_name) as stage:
            writer, layout = print_layout(
                project,
                shared.styles,
                document,
                layout_name,
                shared.chapters,
                hint,
                shared.workers,
                shared.writer_token,
                meanwhile,
            )
            stage.detail = f"{layout.page_count} pages" + (f", {layout.how}" if layout.how else "")
    files: dict[Path, bytes] = {}
    outputs = []
    for name in names:
        target = project.output / output_name(slug, name)
        with _stage(keep, _STAGE_NAMES.get(name, "pdf"), name) as stage:
            if name == "web":
                from .editions.web import render_web

                page = render_web(document, shared.styles, project.styles / "fonts")
                files.update({target.parent / path: data for path, data in page.files.items()})
                stage.detail = f"{project.show(target)}, {len(page.files)} files"
            elif name == "epub":
                from .editions.epub import write_epub
                from .editions.epub_render import render_epub

                assert layout is not None
                edition = next(
                    (made for pages, made in early_epub if pages == layout.pages_of),
                    None,
                ) or render_epub(document, shared.styles, layout.pages_of)
                files[target] = write_epub(edition, document)
                stage.detail = (
                    f"{target.name}, {len(edition.documents)} documents, "
                    f"{len(edition.pages)} print pages marked"
                )
            else:
                assert layout is not None
                if pdf is None:  # a layout in parts holds its PDF; a whole one, its writer
                    pdf = layout.pdf if writer is None else writer.pdf_bytes(layout)
                assert pdf is not None
                if name == "booklet":
                    from .editions.booklet import impose_booklet

                    booklet = impose_booklet(pdf)
                    files[target] = booklet.data
                    stage.detail = f"{target.name}, {booklet.sheets} A4 sheets, {booklet.how}"
                else:
                    final = pdf
                    if name == PRESS:
                        from .editions.press import finish_press_pdf

                        final = finish_press_pdf(pdf, document.meta.identifier)
                    files[target] = final
                    if shared.keep_html:
                        html = layout.html or _whole_html(shared, layout_name, layout)
                        files[target.with_suffix(".html")] = html.encode("utf-8")
                    stage.detail = f"{target.name}, {layout.page_count} pages"
        outputs.append((name, target))
    return Made(
        files,
        tuple(outputs),
        tuple(reports),
        layout.warnings if layout else (),
        layout_name,
        _page_map(layout) if layout else None,
    )


def _whole_html(shared: Shared, profile: str | None, layout: PrintLayout) -> str:
    """The print HTML of a book laid out in parts: what one `weasyprint` pass over the whole
    book lays out as the same pages."""
    from .editions.render import render_print_html

    assert profile is not None
    return render_print_html(shared.document, shared.styles, layout.pages_of, profile)


def _page_map(layout: PrintLayout) -> PrintLayout:
    """The layout without WeasyPrint's document, in plain dicts: it crosses processes."""
    return dataclasses.replace(
        layout,
        pages_of=dict(layout.pages_of),
        spans=dict(layout.spans),
        rendered=None,
        html="",
        pdf=None,
    )


A4 = "a4"
_STAGE_NAMES = {"web": "web", "epub": "epub", "booklet": "impose", PRESS: "pdf/x"}
