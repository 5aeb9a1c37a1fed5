"""Page numbers a WeasyPrint document cannot know on its own.

A book laid out in parts (the chapters in one document, the reference list in another, or
groups of chapters in parallel processes) needs each part's margin boxes to say "Page 41 of
297": its first page is not page 1, and the total is the book's, not the part's. WeasyPrint 70
makes every margin box at the very end of a layout, after pagination, from a per-page state
whose counters hold `page` and `pages`. `numbered()` wraps that last step (and the pagination
loop, to see the paginated pages) for the time of one render: the margin boxes get the page
number moved on by the part's first page, and a total that may be decided only then, once the
part's own pages are known (the reference list is laid out at that moment, from the pages
that cite it). The content itself is laid out exactly as WeasyPrint lays it out.

Renders may nest (the reference list is rendered while the chapters' margin boxes wait for
its length): each `numbered()` is a level of a stack, and the wrappers serve the innermost.
WeasyPrint is pinned exactly (pyproject.toml), so the two functions wrapped here are stable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import weasyprint.layout as weasyprint_layout
from weasyprint.anchors import gather_anchors

PageBoxes = Sequence[Any]  # WeasyPrint's laid-out page boxes, before their margin boxes
Total = Callable[[PageBoxes], int]


@dataclass
class _Level:
    first_page: int
    total: Total
    margins: bool = True
    pages: list[Any] = field(default_factory=list)
    decided: int | None = None


_levels: list[_Level] = []
_originals: dict[str, Any] = {}


def _make_all_pages(context: Any, root_box: Any, html: Any, pages: Any) -> Iterator[Any]:
    """WeasyPrint's pagination loop, keeping the pages of its last round for `total`."""
    level = _levels[-1]
    level.pages = []
    for page in _originals["make_all_pages"](context, root_box, html, pages):
        level.pages.append(page)
        yield page


def _make_margin_boxes(context: Any, page: Any, state: Any) -> Any:
    """WeasyPrint's margin boxes, with the book's page number and total."""
    level = _levels[-1]
    if not level.margins:
        return []
    if level.decided is None:
        level.decided = level.total(level.pages)
    quote_depth, counters, scopes, groups = state
    counters = {**counters, "pages": [level.decided]}
    counters["page"] = [counters["page"][0] + level.first_page - 1]
    return _originals["make_margin_boxes"](context, page, (quote_depth, counters, scopes, groups))


@contextmanager
def numbered(
    first_page: int = 1, total: Total | None = None, margins: bool = True
) -> Iterator[None]:
    """Renders inside this block number their pages from `first_page`, and `counter(pages)`
    in their margin boxes is `total(pages)`, called once with the paginated page boxes
    (default: the number of pages before `first_page` plus this document's own). Without
    `margins` the pages get no margin boxes at all: a layout made only to count its pages
    (pagination is over before they are made)."""
    if not _levels:
        _originals["make_all_pages"] = weasyprint_layout.make_all_pages
        _originals["make_margin_boxes"] = weasyprint_layout.make_margin_boxes
        weasyprint_layout.make_all_pages = _make_all_pages
        weasyprint_layout.make_margin_boxes = _make_margin_boxes
    _levels.append(
        _Level(first_page, total or (lambda pages: first_page - 1 + len(pages)), margins)
    )
    try:
        yield
    finally:
        _levels.pop()
        if not _levels:
            weasyprint_layout.make_all_pages = _originals["make_all_pages"]
            weasyprint_layout.make_margin_boxes = _originals["make_margin_boxes"]


def anchor_pages(pages: PageBoxes, first_page: int = 1) -> dict[str, int]:
    """The page each element id first falls on, read from laid-out page boxes."""
    found: dict[str, int] = {}
    for number, page in enumerate(pages, start=first_page):
        anchors: dict[str, Any] = {}
        gather_anchors(page, anchors, [], [], {None: []})
        for anchor in anchors:
            found.setdefault(anchor, number)
    return found


def anchors_on(page: Any) -> set[str]:
    """Every element id with a box on one laid-out page box (an element split over pages is on
    each of them)."""
    anchors: dict[str, Any] = {}
    gather_anchors(page, anchors, [], [], {None: []})
    return set(anchors)
