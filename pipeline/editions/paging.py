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

A layout made only to count a part's pages can be kept (`Paginated`) and finished later,
once the numbers are known, by `lay_out_again`: the pages whose text shows a page number
that changed are marked and WeasyPrint's own repagination remakes them (and any page after
them whose start moved), as it does when a `target-counter()` changes; the other pages are
reused as they are. WeasyPrint is pinned exactly (pyproject.toml), so the three functions
wrapped here are stable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import weasyprint.layout as weasyprint_layout
from weasyprint.anchors import gather_anchors
from weasyprint.document import Page
from weasyprint.formatting_structure.boxes import TableBox, TextBox

PageBoxes = Sequence[Any]  # WeasyPrint's laid-out page boxes, before their margin boxes
Total = Callable[[PageBoxes], int]


@dataclass(frozen=True)
class Paginated:
    """A document WeasyPrint has paginated, kept as its pagination left it (before the margin
    boxes and the last steps), to be finished by `lay_out_again`."""

    document: Any  # WeasyPrint's Document, for its metadata, fonts and fetcher
    context: Any  # its LayoutContext: styles, page states, footnotes
    root_box: Any
    html: Any
    pages: tuple[Any, ...]  # the page boxes
    children: tuple[tuple[Any, ...], ...]  # each page's boxes as pagination made them
    footnotes: tuple[Any, ...]  # the footnotes still to place when pagination began


@dataclass
class _Level:
    first_page: int
    total: Total
    margins: bool = True
    pages: list[Any] = field(default_factory=list)
    decided: int | None = None
    reuse: Sequence[Any] = ()  # pages of a kept layout, offered to the first pagination
    made_with: tuple[Any, Any, Any] | None = None  # context, root box, html
    footnotes: tuple[Any, ...] = ()
    children: list[tuple[Any, ...]] = field(default_factory=list)

    def paginated(self, document: Any) -> Paginated:
        """This level's last pagination, to finish later."""
        assert self.made_with is not None
        context, root_box, html = self.made_with
        return Paginated(
            document,
            context,
            root_box,
            html,
            tuple(self.pages),
            tuple(self.children),
            self.footnotes,
        )


_levels: list[_Level] = []
_originals: dict[str, Any] = {}


def _make_all_pages(context: Any, root_box: Any, html: Any, pages: Any) -> Iterator[Any]:
    """WeasyPrint's pagination loop, keeping the pages of its last round for `total`."""
    level = _levels[-1]
    if level.made_with is None:  # the first round: before any footnote is placed
        level.made_with = (context, root_box, html)
        level.footnotes = tuple(context.footnotes)
    if not pages and level.reuse:
        pages, level.reuse = list(level.reuse), ()
    level.pages, level.children = [], []
    for page in _originals["make_all_pages"](context, root_box, html, pages):
        level.pages.append(page)
        level.children.append(page.children)  # the last steps replace them
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
) -> Iterator[_Level]:
    """Renders inside this block number their pages from `first_page`, and `counter(pages)`
    in their margin boxes is `total(pages)`, called once with the paginated page boxes
    (default: the number of pages before `first_page` plus this document's own). Without
    `margins` the pages get no margin boxes at all: a layout made only to count its pages
    (pagination is over before they are made). It gives the level, whose `paginated()`
    keeps the layout to finish later."""
    if not _levels:
        _originals["make_all_pages"] = weasyprint_layout.make_all_pages
        _originals["make_margin_boxes"] = weasyprint_layout.make_margin_boxes
        weasyprint_layout.make_all_pages = _make_all_pages
        weasyprint_layout.make_margin_boxes = _make_margin_boxes
    level = _Level(first_page, total or (lambda pages: first_page - 1 + len(pages)), margins)
    _levels.append(level)
    try:
        yield level
    finally:
        _levels.pop()
        if not _levels:
            weasyprint_layout.make_all_pages = _originals["make_all_pages"]
            weasyprint_layout.make_margin_boxes = _originals["make_margin_boxes"]


def lay_out_again(kept: Paginated, changed: Iterable[int], first_page: int, total: Total) -> Any:
    """The document `kept` finished with its margin boxes: the pages at the indexes `changed`
    (whose text has changed since) are laid out again, as WeasyPrint does when a
    `target-counter()` changes, and so is any page after them whose start moved; the others
    are reused. Call it once per kept layout, inside the writer's `watching()`."""
    context = kept.context
    # Undo the last steps of the first layout, which the second one takes again.
    for page, children in zip(kept.pages, kept.children, strict=True):
        page.children = children
    context.string_set = defaultdict(lambda: defaultdict(list))
    context.footnotes = list(kept.footnotes)  # as WeasyPrint's own repagination does
    context.tables.clear()  # column widths measured with the old numbers
    for index in changed:
        context.page_maker[index][-1]["content_changed"] = True
    original = weasyprint_layout.initialize_page_maker
    weasyprint_layout.initialize_page_maker = lambda context, root_box: None  # keep the states
    try:
        with numbered(first_page, total) as level:
            level.reuse = kept.pages
            boxes = list(weasyprint_layout.layout_document(kept.html, kept.root_box, context))
    finally:
        weasyprint_layout.initialize_page_maker = original
    return kept.document.copy([Page(box) for box in boxes])


PSEUDO = ("::before", "::after")


def renumber(kept: Paginated, attribute: str, values: Sequence[str]) -> set[int] | None:
    """Give the elements that carry `attribute` (in document order) their new `values`: in
    the element, and in the text its ::before or ::after content shows (`attr(...)`). Returns
    the indexes of the pages those elements are on, for `lay_out_again`; None when the kept
    boxes do not show the values plainly (then lay the document out anew)."""
    elements = [
        element for element in kept.html.etree_element.iter() if attribute in element.attrib
    ]
    if len(elements) != len(values):
        return None
    changed: dict[int, tuple[str, str]] = {}
    for element, value in zip(elements, values, strict=True):
        if element.get(attribute) != value:
            changed[id(element)] = (element.get(attribute), value)
            element.set(attribute, value)
    shown: set[int] = set()
    tables: set[int] = set()
    for box, table, labelled in _walk(kept.root_box, None, False):
        key = id(box.element)
        if isinstance(box, TextBox) and key in changed and box.element_tag.endswith(PSEUDO):
            old, new = changed[key]
            if box.text.count(old) != 1 or labelled:
                return None
            box.text = box.text.replace(old, new)
            shown.add(key)
            if table is not None:
                tables.add(id(table.element))
    if shown != set(changed):
        return None
    # WeasyPrint sizes a table's columns once for all its pages: every page of a table with a
    # changed cell is laid out again, with the columns measured anew (lay_out_again).
    return _pages_holding(kept, set(changed) | tables)


def _walk(box: Any, table: Any, labelled: bool) -> Iterator[tuple[Any, Any, bool]]:
    """Every box of a box tree, each with the innermost table it is in (or None) and whether
    it is inside a box whose text was copied when the tree was built (a heading's outline
    entry, a running head's string-set), where a changed number would not follow."""
    table = box if isinstance(box, TableBox) else table
    style = box.style
    copied = [] if style["string_set"] == "none" else [value for _, value in style["string_set"]]
    if style["bookmark_level"] != "none":
        copied.append(style["bookmark_label"])
    labelled = labelled or any(kind == "content()" for value in copied for kind, _ in value)
    yield box, table, labelled
    for child in getattr(box, "children", ()):
        yield from _walk(child, table, labelled)


def pages_showing(kept: Paginated, attribute: str) -> set[int]:
    """The indexes of the pages that hold an element carrying `attribute`."""
    elements = kept.html.etree_element.iter()
    return _pages_holding(
        kept, {id(element) for element in elements if attribute in element.attrib}
    )


def _pages_holding(kept: Paginated, elements: set[int]) -> set[int]:
    """The indexes of the pages with a box of one of `elements` (by id)."""
    return {
        index
        for index, children in enumerate(kept.children)
        if any(id(box.element) in elements for child in children for box in child.descendants())
    }


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
