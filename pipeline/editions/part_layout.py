"""One part of a book laid out in a worker process (parallel.py cuts the book and joins
the parts; workers.py runs the processes).

This half is kept apart, and light to import, because the build forks the first worker
before it parses the book: the worker imports only WeasyPrint, pikepdf and this, not the
Markdown, citation and template modules the build itself is busy importing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.errors import Problem
from ..core.project import Project
from ..stages.load import Asset, ChapterSource, Styles, UserStylesheet

if TYPE_CHECKING:
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


def lay_out_part(config: WriterConfig, render: PartRender, count_only: bool) -> PartPages:
    """One part laid out with its given numbers, and written as a PDF unless only counted."""
    from .pdf import PDF_VARIANT, anchor_spans
    from .pdfua import finish_pdfua, languages_in_structure

    writer = _writer(config)
    assert writer.variant == PDF_VARIANT
    with writer.watching() as collector:
        rendered = writer.render(
            render.html,
            first_page=render.first_page,
            total=lambda _pages: render.total,
            margins=not count_only,  # running heads and page numbers: drawn, never counted
        )
    pdf = None
    if not count_only:
        with writer.watching(), languages_in_structure(), _links_to_other_parts():
            pdf = finish_pdfua(rendered.write_pdf(pdf_variant=writer.variant))
    return PartPages(
        len(rendered.pages),
        anchor_spans(rendered),
        writer.warnings_in(collector),
        pdf,
    )


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
