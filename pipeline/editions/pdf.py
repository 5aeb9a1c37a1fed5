"""Stage 6a, write a print edition: WeasyPrint lays the HTML out in one profile and writes it
as a tagged PDF/UA-1 file (or, for the press edition, as PDF/X-4)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from ..core.errors import Location, ManuscriptError, Problem
from ..core.project import Project
from ..stages.load import Asset, ChapterSource, Styles, UserStylesheet
from .catalog import PRESS
from .fetcher import ProjectFetcher, RefusedResourceError
from .layout import PrintLayout
from .paging import Paginated, Total, numbered
from .pdfua import finish_pdfua, languages_in_structure

PDF_VARIANT = "pdf/ua-1"
# A print shop's file: PDF/X-4 is not tagged; the PDF/UA editions are the readers' files.
PRESS_VARIANT = "pdf/x-4"


def locate(message: str, sources: Iterable[tuple[str, str]], fallback: Location) -> Location:
    """The source line (chapter or stylesheet: path, text) that names a resource WeasyPrint
    complained about, if any does."""
    for quoted in re.findall(r"[\"'‘“]([^\"'’”]{3,})[\"'’”]", message):
        for path, text in sources:
            for number, line in enumerate(text.splitlines(), start=1):
                if quoted in line:
                    return Location(path, number)
    return fallback


def anchor_spans(rendered: Any) -> dict[str, tuple[int, ...]]:
    """The pages (from 1) each element id of a rendered document is on: an element split
    over pages is on each of them."""
    spans: dict[str, list[int]] = {}
    for number, page in enumerate(rendered.pages, start=1):
        for anchor in page.anchors:
            spans.setdefault(anchor, []).append(number)
    return {anchor: tuple(pages) for anchor, pages in spans.items()}


class _Collector(logging.Handler):
    """Keeps WeasyPrint's log records: it logs errors and still writes a PDF, so we look."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class PrintWriter:
    """Lays out and writes one profile; fonts and stylesheets are parsed once per build."""

    def __init__(
        self,
        project: Project,
        styles: Styles,
        profile: str,
        chapters: Sequence[ChapterSource],
        assets: Mapping[str, Asset],
        user_stylesheets: Sequence[UserStylesheet] = (),
    ) -> None:
        if profile not in styles.profiles:
            raise ManuscriptError.at(
                Location(project.show(project.styles / "profiles")),
                f"unknown profile '{profile}'; choose one of {', '.join(styles.profiles)}",
            )
        self.project = project
        self.chapters = chapters
        self.variant = PRESS_VARIANT if profile == PRESS else PDF_VARIANT
        self.fetcher = ProjectFetcher(project.readable_roots)
        self.use_assets(assets)
        self.fonts = FontConfiguration()
        # Filled by the stylesheets' @color-profile rules (the press edition's output intent).
        self.color_profiles: dict[str, Any] = {}
        base = project.styles.as_uri() + "/"
        house = (styles.stylesheets["print.css"], styles.profiles[profile])
        self.stylesheets = [self._stylesheet(text, base, None) for text in house]
        # The author's own stylesheets (book.yaml `css:`) last, so they win; their url()s
        # resolve next to them and go through the same fetcher.
        self.stylesheets += [
            self._stylesheet(sheet.text, (project.manuscript / sheet.path).as_uri(), sheet)
            for sheet in user_stylesheets
        ]
        self.css_source = project.show(project.styles / "print.css")

    def use_assets(self, assets: Mapping[str, Asset]) -> None:
        """The book's images as they were checked (a writer made before the book was parsed,
        to lay its parts out, gets them with the parts)."""
        self.fetcher.use_checked(
            {self.project.manuscript / name: a.data for name, a in assets.items()}
        )

    def _stylesheet(self, text: str, base_url: str, sheet: UserStylesheet | None) -> CSS:
        """Parse one stylesheet; a file it reads (@import, url()) is fetched here already."""
        shown = self.project.show(
            self.project.manuscript / sheet.path if sheet else self.project.styles
        )
        sources = ((shown, text),) if sheet else ()
        with self._refusals(sources, Location(shown)):
            return CSS(
                string=text,
                base_url=base_url,
                url_fetcher=self.fetcher,
                font_config=self.fonts,
                color_profiles=self.color_profiles,
            )

    @contextmanager
    def _refusals(self, sources: Iterable[tuple[str, str]], fallback: Location) -> Iterator[None]:
        """Turn the fetcher's refusal into a ManuscriptError naming the resource and, when a
        source line names it, that line."""
        try:
            yield
        except RefusedResourceError as refused:
            shown = refused.url.replace(self.project.manuscript.as_uri() + "/", "")
            raise ManuscriptError.at(
                locate(f"'{shown}'", sources, fallback),
                f"refused to read '{shown}': rendering reads only files inside the "
                "manuscript and styles folders and never the network; copy the file into "
                "the manuscript folder and link it by a relative path",
            ) from None

    def layout(self, page: str) -> PrintLayout:
        """Lay the book out; raise if WeasyPrint logged an error or was refused a file."""
        with self.watching() as collector:
            rendered = self.render(page)
        return self.layout_of(rendered, page, collector)

    def render(
        self, page: str, first_page: int = 1, total: Total | None = None, margins: bool = True
    ) -> Any:
        """WeasyPrint's document for `page`, its pages numbered from `first_page` of `total`
        (see paging.py; no margin boxes without `margins`); call it inside `watching()`."""
        with numbered(first_page, total, margins):
            return self._weasyprint_render(page)

    def count(self, page: str) -> Paginated:
        """`page` laid out only to count its pages (no margin boxes), kept to be finished
        (paging.lay_out_again) once its page numbers are known; inside `watching()`."""
        with numbered(margins=False) as level:
            return level.paginated(self._weasyprint_render(page))

    def _weasyprint_render(self, page: str) -> Any:
        return HTML(
            string=page,
            base_url=self.project.manuscript.as_uri() + "/",
            url_fetcher=self.fetcher,
        ).render(
            stylesheets=self.stylesheets,
            font_config=self.fonts,
            color_profiles=self.color_profiles,
            pdf_variant=self.variant,
        )

    def layout_of(self, rendered: Any, page: str, collector: _Collector) -> PrintLayout:
        """Where everything fell in a rendered document, with the warnings collected."""
        spans = anchor_spans(rendered)
        return PrintLayout(
            pages_of=MappingProxyType({anchor: pages[0] for anchor, pages in spans.items()}),
            spans=MappingProxyType(spans),
            page_count=len(rendered.pages),
            warnings=self.warnings_in(collector),
            rendered=rendered,
            html=page,
        )

    def warnings_in(self, collector: _Collector) -> tuple[Problem, ...]:
        """The warnings WeasyPrint logged while `collector` watched."""
        return self._problems(collector, logging.WARNING)

    def pdf_bytes(self, layout: PrintLayout) -> bytes:
        """The laid-out book as PDF bytes: PDF/UA-1 with languages and artifacts finished
        (pdfua.py), or PDF/X-4 for the press."""
        with self.watching(), languages_in_structure():
            data = layout.rendered.write_pdf(pdf_variant=self.variant)
        assert isinstance(data, bytes)
        return data if self.variant == PRESS_VARIANT else finish_pdfua(data)

    @contextmanager
    def watching(self) -> Iterator[_Collector]:
        """Collect WeasyPrint's log; turn errors and refused files into ManuscriptErrors."""
        logger = logging.getLogger("weasyprint")
        collector = _Collector()
        logger.addHandler(collector)
        chapters = [(chapter.path, chapter.text) for chapter in self.chapters]
        try:
            with self._refusals(chapters, Location(self.project.show(self.project.manuscript))):
                yield collector
        except RecursionError:
            raise ManuscriptError.at(
                Location(self.project.show(self.project.manuscript)),
                "the book nests elements too deeply to be laid out; flatten its lists, quotes "
                "or HTML",
            ) from None
        finally:
            logger.removeHandler(collector)
        errors = self._problems(collector, logging.ERROR)
        if errors:
            raise ManuscriptError(errors)

    def _problems(self, collector: _Collector, level: int) -> tuple[Problem, ...]:
        found = []
        chapters = [(chapter.path, chapter.text) for chapter in self.chapters]
        for record in collector.records:
            if (record.levelno >= logging.ERROR) != (level >= logging.ERROR):
                continue
            # Paths as the author knows them: relative to the manuscript, not file:///…
            message = (
                record.getMessage()
                .replace(self.project.manuscript.as_uri() + "/", "")
                .replace(self.project.styles.as_uri() + "/", "styles/")
                .rstrip(": ")
            )
            css = message.startswith(("Ignored", "Invalid", "Unsupported"))
            where = Location(self.css_source if css else self.project.show(self.project.manuscript))
            found.append(
                Problem(
                    where if css else locate(message, chapters, where),
                    f"WeasyPrint: {message}",
                )
            )
        return tuple(found)
