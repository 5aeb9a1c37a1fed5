"""Laying a print edition out once.

The reference list prints the pages that cite each entry ("Cited on pp. 4, 5"), which only a
layout can tell. Laying the whole book out twice for that costs a second full layout; instead
the cover, contents and chapters are laid out once, and when WeasyPrint has paginated them
(before it draws a single running head, which needs the book's page total) the reference
list alone is rendered from their pages and laid out as a document of its own, numbered on
from the chapters (whose document ends with an empty page where the list will start, so that
the contents can count its page). The two documents' pages are then written as one PDF:
WeasyPrint tags, links and outlines a PDF page by page, so the file is the one a single
layout would give.
The contents and the cross-references are counted by WeasyPrint itself (target-counter).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..stages.document import Document
from ..stages.load import Styles
from .layout import PrintLayout
from .paging import PageBoxes, anchor_pages, anchors_on
from .pdf import PrintWriter
from .render import PrintPart, render_print_html

CHAPTERS_ONLY = PrintPart(references=False)
REFERENCES_ONLY = PrintPart(front=False, chapters=frozenset(), references=True)


@dataclass
class _ReferenceList:
    """The reference list, laid out once the chapters' pages are known."""

    rendered: Any = None
    pages_of: dict[str, int] | None = None
    shares_a_page: bool = False


def lay_out_book(
    writer: PrintWriter, document: Document, styles: Styles, profile: str
) -> PrintLayout:
    """The whole print edition, laid out once in this process (see the module's docstring;
    a book that can be cut into parts is laid out by parallel.py instead)."""
    if not document.references:
        return writer.layout(render_print_html(document, styles, None, profile))
    if document.references_in is not None:
        # The list sits inside a chapter (pandoc's `#refs`): pages after it may move.
        return _lay_out_twice(writer, document, styles, profile)
    references = _ReferenceList()

    def book_total(chapter_pages: PageBoxes) -> int:
        # Called once WeasyPrint has paginated the chapters, before any margin box is made.
        # Their last page is the empty one where the reference list starts, unless an
        # author's stylesheet let the list start on the last chapter's page.
        if anchors_on(chapter_pages[-1]) != {"references"}:
            references.shares_a_page = True
            return len(chapter_pages)
        references.pages_of = anchor_pages(chapter_pages)
        page = render_print_html(document, styles, references.pages_of, profile, REFERENCES_ONLY)
        references.rendered = writer.render(page, first_page=len(chapter_pages))
        return len(chapter_pages) - 1 + len(references.rendered.pages)

    with writer.watching() as collector:
        chapters = writer.render(
            render_print_html(document, styles, None, profile, CHAPTERS_ONLY), total=book_total
        )
    if references.shares_a_page:
        return _lay_out_twice(writer, document, styles, profile)
    book = chapters.copy([*chapters.pages[:-1], *references.rendered.pages])
    whole = render_print_html(document, styles, references.pages_of, profile)
    return writer.layout_of(book, whole, collector)


def _lay_out_twice(
    writer: PrintWriter, document: Document, styles: Styles, profile: str
) -> PrintLayout:
    """The whole book laid out, then again with the back-link pages the first layout found
    (only the list at the end changes, so no earlier page moves)."""
    first = writer.layout(render_print_html(document, styles, None, profile))
    return writer.layout(render_print_html(document, styles, first.pages_of, profile))
