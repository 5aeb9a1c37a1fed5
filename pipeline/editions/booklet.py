"""The booklet edition: the A5 leaflet imposed two-up on A4 landscape sheets, in saddle-stitch
order, for an office printer. Print double-sided, flipping on the short edge; fold the stack
in half; staple on the fold if you like.

The booklet stays a tagged PDF/UA-1 file. The imposition is done inside the leaflet's own PDF
(pikepdf): each leaflet page becomes a form XObject drawn on its sheet, and everything that
pointed at the page is pointed at the sheet — the structure tree (its marked content now
lives in the form XObject, so each MCID becomes a marked-content reference with /Stm, and the
form carries the page's /StructParents: ISO 32000-1 §14.7.4.3 and §14.7.4.4), the link
annotations, the named destinations and the outline. The structure tree itself is kept whole,
so a screen reader reads the booklet in the book's order whatever order the sheets print in.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pikepdf

from .tagged import ObjGen, as_list, elements, parent_tree, tree_roots

A4_LANDSCAPE = (841.8898, 595.2756)  # points
HOW_TO_PRINT = "print double-sided, flip on the short edge, then fold the stack in half"
TITLE_SUFFIX = " (booklet for printing)"
# Which operands of an explicit destination are x and which y ("-": the zoom, or none).
DESTINATION_AXES = {
    "/XYZ": "xy-",
    "/FitH": "y",
    "/FitBH": "y",
    "/FitV": "x",
    "/FitBV": "x",
    "/FitR": "xyxy",
}


@dataclass(frozen=True)
class Booklet:
    """The imposed PDF and what a person printing it needs to know."""

    data: bytes
    sheets: int
    pages: int  # leaflet pages, before padding
    how: str = HOW_TO_PRINT


@dataclass(frozen=True)
class Placement:
    """Where one leaflet page went: its sheet, the form XObject it became, and the matrix
    from the leaflet page's coordinates to the sheet's."""

    sheet: pikepdf.Object
    form: pikepdf.Object
    matrix: pikepdf.Matrix

    def point(self, x: float, y: float) -> tuple[float, float]:
        """A point of the leaflet page on the sheet."""
        return self.coordinate("x", x), self.coordinate("y", y)

    def coordinate(self, axis: str, value: float) -> float:
        """One coordinate of the leaflet page on the sheet (the placement has no rotation)."""
        m = self.matrix
        return round(m.a * value + m.e if axis == "x" else m.d * value + m.f, 4)


def saddle_stitch_order(page_count: int) -> tuple[tuple[int | None, int | None], ...]:
    """(left, right) leaflet page numbers for each printed side, sheet by sheet, front then
    back; None is a blank page padding the count to a multiple of four.

    Folded, sheet 1 is the outside: its front carries the last and first pages, its back the
    second and the second-last; the middle sheet's back holds the two centre pages.
    """
    padded = -(-page_count // 4) * 4

    def page(number: int) -> int | None:
        return number if number <= page_count else None

    sides = []
    for sheet in range(padded // 4):
        first, last = 2 * sheet + 1, padded - 2 * sheet
        sides.append((page(last), page(first)))
        sides.append((page(first + 1), page(last - 1)))
    return tuple(sides)


def impose_booklet(leaflet_pdf: bytes) -> Booklet:
    """The leaflet's pages two-up on A4 landscape, ready for duplex printing and folding,
    tagged as the leaflet is."""
    width, height = A4_LANDSCAPE
    halves = (
        pikepdf.Rectangle(0, 0, width / 2, height),
        pikepdf.Rectangle(width / 2, 0, width, height),
    )
    with pikepdf.open(io.BytesIO(leaflet_pdf)) as pdf:
        leaflet = list(pdf.pages)
        order = saddle_stitch_order(len(leaflet))
        placed: dict[ObjGen, Placement] = {}
        for side in order:
            sheet = pdf.add_blank_page(page_size=A4_LANDSCAPE)
            for number, half in zip(side, halves, strict=True):
                if number is not None:
                    page = leaflet[number - 1]
                    placed[page.obj.objgen] = _place(pdf, sheet, page, number, half)
        old_pages = _old_pages_of_elements(pdf)
        for page in leaflet:
            _move_annotations(page, placed[page.obj.objgen])
        _retarget_structure(old_pages, placed)
        _retarget_destinations(pdf, placed)
        for _ in leaflet:
            del pdf.pages[0]
        _describe(pdf)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
    return Booklet(out.getvalue(), len(order) // 2, len(leaflet))


def _place(
    pdf: pikepdf.Pdf, sheet: pikepdf.Page, page: pikepdf.Page, number: int, half: pikepdf.Rectangle
) -> Placement:
    """The leaflet page as a form XObject, centred in its half at its own size. What
    Page.add_overlay does, but with a resource name of our own: pikepdf's are random."""
    form = page.as_form_xobject()
    if "/StructParents" in page.obj:
        # The form's marked content keeps its MCIDs, so the page's ParentTree entry serves it.
        form.StructParents = page.obj.StructParents
    name = sheet.add_resource(form, pikepdf.Name.XObject, pikepdf.Name(f"/LeafletPage{number}"))
    placement = sheet.calc_form_xobject_placement(
        form, name, half, invert_transformations=True, allow_shrink=True, allow_expand=False
    )
    sheet.contents_add(b"q\n" + placement + b"Q\n")
    # The same matrices, to move what points into the page (links, destinations) with it.
    moved = next(
        _matrix(instruction.operands)
        for instruction in pikepdf.parse_content_stream(pikepdf.Stream(pdf, placement))
        if instruction.operator == pikepdf.Operator("cm")
    )
    inner = _matrix(form.get("/Matrix", [1, 0, 0, 1, 0, 0]))
    return Placement(sheet.obj, form, inner @ moved)


def _matrix(values: Iterable[Any]) -> pikepdf.Matrix:
    a, b, c, d, e, f = (float(value) for value in values)
    # Leaflet pages are never rotated: a placement only scales and moves.
    assert b == c == 0, "a rotated leaflet page"
    return pikepdf.Matrix(a, b, c, d, e, f)


def _move_annotations(page: pikepdf.Page, placement: Placement) -> None:
    """The page's annotations (links) onto its sheet, their rectangles moved with the page."""
    annotations = page.obj.get("/Annots")
    if not annotations:
        return
    sheet = placement.sheet
    if "/Annots" not in sheet:
        sheet.Annots = pikepdf.Array()
    for annotation in annotations:
        x1, y1, x2, y2 = (float(v) for v in annotation.Rect)
        (a, b), (c, d) = placement.point(x1, y1), placement.point(x2, y2)
        annotation.Rect = pikepdf.Array([min(a, c), min(b, d), max(a, c), max(b, d)])
        if "/P" in annotation:
            annotation.P = sheet
        sheet.Annots.append(annotation)
    # PDF/UA: annotations are visited in structure order.
    sheet.Tabs = pikepdf.Name.S


def _old_pages_of_elements(
    pdf: pikepdf.Pdf,
) -> list[tuple[pikepdf.Dictionary, pikepdf.Object | None]]:
    """Every structure element with its leaflet page (its /Pg, or the one it inherits), read
    before anything moves: those of the tree, then any only the ParentTree knows."""
    known = [entry for value in parent_tree(pdf).values() for entry in as_list(value)]
    return [
        (element, element.get("/Pg", inherited))
        for element, inherited in elements([*tree_roots(pdf), *known])
    ]


def _retarget_structure(
    elements: list[tuple[pikepdf.Dictionary, pikepdf.Object | None]],
    placed: dict[ObjGen, Placement],
) -> None:
    """Each element's /Pg to its sheet; each MCID to a marked-content reference into the form
    XObject the page became; each object reference's /Pg to the sheet."""
    for element, page in elements:
        if "/Pg" in element:
            element.Pg = placed[element.Pg.objgen].sheet
        kids = element.get("/K")
        if kids is None:
            continue
        moved = [_retarget_kid(kid, page, placed) for kid in as_list(kids)]
        element.K = pikepdf.Array(moved) if isinstance(kids, pikepdf.Array) else moved[0]


def _retarget_kid(
    kid: pikepdf.Object, page: pikepdf.Object | None, placed: dict[ObjGen, Placement]
) -> pikepdf.Object:
    if isinstance(kid, int):
        assert page is not None, "an MCID with no page"
        where = placed[page.objgen]
        return pikepdf.Dictionary(Type=pikepdf.Name.MCR, Pg=where.sheet, Stm=where.form, MCID=kid)
    if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") in ("/MCR", "/OBJR"):
        on = kid.get("/Pg", page)
        assert on is not None, "a content item with no page"
        where = placed[on.objgen]
        if kid.Type == "/MCR" and "/Stm" not in kid:
            kid.Stm = where.form
        kid.Pg = where.sheet
    return kid


def _retarget_destinations(pdf: pikepdf.Pdf, placed: dict[ObjGen, Placement]) -> None:
    """Named destinations, the outline and every link onto the sheets, at the same place."""
    catalog_names = pdf.Root.get("/Names")
    names = catalog_names.get("/Dests") if catalog_names is not None else None
    if names is not None:
        tree = pikepdf.NameTree(names)
        for name, destination in list(tree.items()):
            tree[name] = _retarget_destination(destination, placed)
    if "/Dests" in pdf.Root:
        for name in list(pdf.Root.Dests.keys()):
            pdf.Root.Dests[name] = _retarget_destination(pdf.Root.Dests[name], placed)
    if "/OpenAction" in pdf.Root:
        pdf.Root.OpenAction = _retarget_destination(pdf.Root.OpenAction, placed)
    for holder in _destination_holders(pdf):
        if "/Dest" in holder:
            holder.Dest = _retarget_destination(holder.Dest, placed)
        action = holder.get("/A")
        if action is not None and action.get("/S") == "/GoTo" and "/D" in action:
            action.D = _retarget_destination(action.D, placed)


def _destination_holders(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Object]:
    """Outline items and annotations: what may hold a /Dest or a GoTo action."""
    outlines = pdf.Root.get("/Outlines")
    stack = [outlines.First] if outlines is not None and "/First" in outlines else []
    while stack:
        item = stack.pop()
        yield item
        stack += [item[key] for key in ("/First", "/Next") if key in item]
    for page in pdf.pages:
        yield from page.obj.get("/Annots", [])


def _retarget_destination(
    destination: pikepdf.Object, placed: dict[ObjGen, Placement]
) -> pikepdf.Object:
    """An explicit destination [page /XYZ left top zoom] (or /Fit…) onto the page's sheet;
    named destinations (strings) are left to the name tree."""
    if isinstance(destination, pikepdf.Dictionary) and "/D" in destination:
        destination.D = _retarget_destination(destination.D, placed)
        return destination
    if not isinstance(destination, pikepdf.Array) or len(destination) < 2:
        return destination
    target = destination[0]
    if not isinstance(target, pikepdf.Dictionary) or target.objgen not in placed:
        return destination
    where = placed[target.objgen]
    kind, values = destination[1], list(destination[2:])
    axes = DESTINATION_AXES.get(str(kind), "").ljust(len(values), "-")
    moved = [
        where.coordinate(axis, float(value)) if axis in "xy" and value is not None else value
        for axis, value in zip(axes, values, strict=True)
    ]
    return pikepdf.Array([where.sheet, kind, *moved])


def _describe(pdf: pikepdf.Pdf) -> None:
    """The booklet's own title (in the Info and the XMP, which PDF/UA reads) and the print
    settings dialogs that honour them preselect: duplex flipped on the short edge, no scaling."""
    title = str(pdf.docinfo.get("/Title", "Leaflet")) + TITLE_SUFFIX
    pdf.docinfo.Title = title
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
        xmp["dc:title"] = title
    preferences = pdf.Root.get("/ViewerPreferences", pikepdf.Dictionary())
    preferences.Duplex = pikepdf.Name.DuplexFlipShortEdge
    preferences.PrintScaling = pikepdf.Name("/None")
    pdf.Root.ViewerPreferences = preferences
