"""The booklet edition: the A5 leaflet imposed two-up on A4 landscape sheets, in saddle-stitch
order, for an office printer. Print double-sided, flipping on the short edge; fold the stack
in half; staple on the fold if you like. pikepdf places each leaflet page as a form XObject.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pikepdf

A4_LANDSCAPE = (841.8898, 595.2756)  # points
HOW_TO_PRINT = "print double-sided, flip on the short edge, then fold the stack in half"
# Copied from the leaflet; its XMP is not, because it claims PDF/UA and the booklet is untagged.
INFO_KEYS = ("/Title", "/Author", "/Subject", "/Keywords", "/Creator", "/CreationDate", "/ModDate")


@dataclass(frozen=True)
class Booklet:
    """The imposed PDF and what a person printing it needs to know."""

    data: bytes
    sheets: int
    pages: int  # leaflet pages, before padding
    how: str = HOW_TO_PRINT


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
    """The leaflet's pages two-up on A4 landscape, ready for duplex printing and folding."""
    width, height = A4_LANDSCAPE
    halves = (
        pikepdf.Rectangle(0, 0, width / 2, height),
        pikepdf.Rectangle(width / 2, 0, width, height),
    )
    with pikepdf.open(io.BytesIO(leaflet_pdf)) as leaflet, pikepdf.new() as booklet:
        pages = list(leaflet.pages)
        order = saddle_stitch_order(len(pages))
        for side in order:
            sheet = booklet.add_blank_page(page_size=A4_LANDSCAPE)
            for number, half in zip(side, halves, strict=True):
                if number is not None:
                    _place(sheet, pages[number - 1], number, half)
        for key in INFO_KEYS:
            if key in leaflet.docinfo:
                booklet.docinfo[key] = leaflet.docinfo[key]
        booklet.docinfo.Title = f"{leaflet.docinfo.get('/Title', 'Leaflet')} (booklet for printing)"
        booklet.Root.Lang = leaflet.Root.Lang
        # Print dialogs that honour these preselect the right duplex mode and no scaling.
        booklet.Root.ViewerPreferences = pikepdf.Dictionary(
            Duplex=pikepdf.Name.DuplexFlipShortEdge, PrintScaling=pikepdf.Name("/None")
        )
        out = io.BytesIO()
        booklet.save(out, deterministic_id=True)
    return Booklet(out.getvalue(), len(order) // 2, len(pages))


def _place(sheet: pikepdf.Page, page: pikepdf.Page, number: int, half: pikepdf.Rectangle) -> None:
    """The leaflet page as a form XObject, centred in its half at its own size. What
    Page.add_overlay does, but with a resource name of our own: pikepdf's are random."""
    form = page.as_form_xobject()
    name = sheet.add_resource(form, pikepdf.Name.XObject, pikepdf.Name(f"/LeafletPage{number}"))
    placement = sheet.calc_form_xobject_placement(
        form, name, half, invert_transformations=True, allow_shrink=True, allow_expand=False
    )
    sheet.contents_add(b"q\n" + placement + b"Q\n")
