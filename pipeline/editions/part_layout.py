"""One part of a book laid out in a worker process (parallel.py cuts the book and joins
the parts; workers.py runs the processes).

This half is kept apart, and light to import, because the build forks the first worker
before it parses the book: the worker imports only WeasyPrint, pikepdf and this, not the
Markdown, citation and template modules the build itself is busy importing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.errors import Problem
from ..core.project import Project
from ..stages.load import Asset, ChapterSource, Styles, UserStylesheet

if TYPE_CHECKING:
    from .paging import Paginated
    from .pdf import PrintWriter


@dataclass(frozen=True)
class PartRender:
    """What one part is laid out from: its HTML and where its page numbers start and end."""

    html: str
    first_page: int
    total: int


@dataclass(frozen=True)
class PartPages:
    """One part laid out: its page count, the pages of its element ids counted from its own
    first page, WeasyPrint's warnings, and its PDF (None when the round only counted)."""

    page_count: int
    spans: Mapping[str, tuple[int, ...]]
    warnings: tuple[Problem, ...]
    pdf: bytes | None
    finish_in: int | None = None  # the process (id) that should finish a counted part
    from_count: bool = False  # finished from the layout that counted it


@dataclass(frozen=True)
class WriterConfig:
    """What a worker makes its PrintWriter from (plain data: it is sent to the workers,
    which start importing WeasyPrint before the book is even parsed)."""

    project: Project
    styles: Styles
    profile: str
    chapters: tuple[ChapterSource, ...]
    assets: Mapping[str, Asset]
    user_stylesheets: tuple[UserStylesheet, ...]
    token: str  # one build's: a worker keeps the writer it made for it

    def __reduce__(self) -> tuple[Any, ...]:
        # Styles hold read-only mapping proxies, which do not pickle: send plain dicts.
        styles = Styles(
            dict(self.styles.templates), dict(self.styles.stylesheets), dict(self.styles.profiles)
        )
        fields = (self.project, styles, self.profile, self.chapters, dict(self.assets))
        return (WriterConfig, (*fields, self.user_stylesheets, self.token))


_WRITER: tuple[str, PrintWriter] | None = None  # the last build's, by its token


def warm_up_writer(config: WriterConfig) -> None:
    """The first worker's warm-up, while the build still parses the book: import WeasyPrint,
    pikepdf and fontTools, and make the writer (stylesheets, fonts) the parts will share; the
    other workers are forked from it ready. The book's images come with the parts."""
    from .libraries import import_weasyprint

    import_weasyprint()  # first: a plain `import weasyprint` searches for its libraries
    from . import join, pdfua  # noqa: F401

    _writer(config)


def _writer(config: WriterConfig) -> PrintWriter:
    """This process's writer for `config`: stylesheets and fonts parsed once per process."""
    from .libraries import import_weasyprint

    import_weasyprint()
    from .pdf import PrintWriter

    global _WRITER
    if _WRITER is None or _WRITER[0] != config.token:
        writer = PrintWriter(
            config.project,
            config.styles,
            config.profile,
            config.chapters,
            config.assets,
            config.user_stylesheets,
        )
        _WRITER = (config.token, writer)
    _WRITER[1].use_assets(config.assets)
    return _WRITER[1]


def lay_out_part(
    config: WriterConfig, render: PartRender, count_only: bool, key: str | None = None
) -> PartPages:
    """One part laid out with its given numbers, and written as a PDF unless only counted.
    A part only counted under a `key` may be kept in this process (PartPages.finish_in), to
    be finished by the call that gives the same key with the real numbers."""
    from .pdf import PDF_VARIANT, anchor_spans
    from .pdfua import finish_pdfua, languages_in_structure

    writer = _writer(config)
    assert writer.variant == PDF_VARIANT
    if count_only:
        return _counted(writer, render, key, config.token)
    kept = _KEPT.pop(key, None) if key else None
    with writer.watching() as collector:
        finished = _finished(kept, render) if kept else None
        rendered = finished or writer.render(
            render.html, first_page=render.first_page, total=lambda _pages: render.total
        )
    warnings = writer.warnings_in(collector)
    if kept and finished is not None:  # the pages reused were laid out, and watched, when counted
        warnings = tuple(dict.fromkeys((*kept.warnings, *warnings)))
    with writer.watching(), languages_in_structure(), _links_to_other_parts():
        pdf = finish_pdfua(rendered.write_pdf(pdf_variant=writer.variant))
    spans = anchor_spans(rendered)
    return PartPages(len(rendered.pages), spans, warnings, pdf, from_count=finished is not None)


@dataclass(frozen=True)
class _Kept:
    """A part counted in this process, kept to be finished: the HTML it was laid out from."""

    html: str
    paginated: Paginated
    warnings: tuple[Problem, ...]


_KEPT: dict[str, _Kept] = {}
# At most this many counted pages kept by a process (about half a megabyte a page), fewer by
# the one that counted the contents: it lays them out again itself, and the contents take
# more memory than any chapter (every leader dot is a box). Kept parts are finished first
# (parallel.py), so that they are let go before the contents are laid out.
KEEP_PAGES = 120
KEEP_PAGES_BESIDE_CONTENTS = 40
_COUNTED_CONTENTS = ""  # the build (writer token) in which this process counted the contents
# The page numbers a part's text shows: generated content from this attribute (the
# contents' page column, the "(p. 12)" after a cross-reference).
_PAGE_ATTRIBUTE = "data-page"
_PAGE_NUMBERS = re.compile(r'data-page="([^"]*)"')


def _counted(writer: PrintWriter, render: PartRender, key: str | None, build: str) -> PartPages:
    """A part laid out only to count its pages, kept under `key` when that is worth it."""
    from .paging import pages_showing
    from .pdf import anchor_spans

    global _COUNTED_CONTENTS
    for stale in [other for other in _KEPT if not other.startswith(f"{build}/")]:
        del _KEPT[stale]  # an earlier build's, in this process (one job, or a failed build)
    with writer.watching() as collector:
        paginated = writer.count(render.html)
    warnings = writer.warnings_in(collector)
    pages = len(paginated.pages)
    finish_here = None
    if key and len(pages_showing(paginated, _PAGE_ATTRIBUTE)) > pages / 4:
        # Many of its pages show a number (the contents: all of them), and finishing it
        # would lay those out again anyway: this process lays it out anew, later.
        _COUNTED_CONTENTS, finish_here = build, os.getpid()
    elif key and _room_for(paginated, build == _COUNTED_CONTENTS):
        _KEPT[key] = _Kept(render.html, paginated, warnings)
        finish_here = os.getpid()
    spans = anchor_spans(paginated.document)
    return PartPages(pages, spans, warnings, None, finish_here)


def _room_for(paginated: Paginated, beside_contents: bool) -> bool:
    """Whether this process may keep one more counted part: a few chapters at most, so that
    it stays far below what one layout of the book takes."""
    kept = sum(len(kept.paginated.pages) for kept in _KEPT.values())
    most = KEEP_PAGES_BESIDE_CONTENTS if beside_contents else KEEP_PAGES
    return kept + len(paginated.pages) <= most and not any(
        page.fixed_boxes
        for page in paginated.pages  # they are laid out at the very end
    )


def _finished(kept: _Kept, render: PartRender) -> Any:
    """The kept part finished with `render`'s numbers, or None when its HTML differs from
    the kept one in more than the page numbers its text shows (then it is laid out anew)."""
    from .paging import lay_out_again, renumber

    before, after = _PAGE_NUMBERS.split(kept.html), _PAGE_NUMBERS.split(render.html)
    if len(before) != len(after) or before[0::2] != after[0::2]:
        return None
    changed = renumber(kept.paginated, _PAGE_ATTRIBUTE, after[1::2])
    if changed is None:
        return None
    return lay_out_again(kept.paginated, changed, render.first_page, lambda _pages: render.total)


@contextmanager
def _links_to_other_parts() -> Iterator[None]:
    """WeasyPrint drops (and logs as an error) a link to an id its document does not have;
    in a part, that id is in another part: keep the link (its named destination resolves
    when the parts are joined, and the join checks that every one does)."""
    import weasyprint.pdf as weasyprint_pdf

    original = weasyprint_pdf.resolve_links

    def resolve_keeping_all(pages: Any) -> Iterator[Any]:
        seen: set[str] = set()
        for page in pages:
            anchors = []
            for name, (x, y, _, _) in page.anchors.items():
                if name not in seen:  # an id twice: the first one counts, as in WeasyPrint
                    seen.add(name)
                    anchors.append((name, x, y))
            yield list(page.links), anchors

    weasyprint_pdf.resolve_links = resolve_keeping_all
    try:
        yield
    finally:
        weasyprint_pdf.resolve_links = original
