"""A layout counted first and finished once its page numbers are known (editions/paging.py)
is the layout WeasyPrint makes of the final HTML from scratch, even when a number grows
enough to move a page break."""

from __future__ import annotations

from typing import Any

from pipeline.editions.libraries import import_weasyprint

import_weasyprint()

from weasyprint import CSS, HTML  # noqa: E402

from pipeline.editions.paging import lay_out_again, numbered, renumber  # noqa: E402

STYLE = CSS(
    string="""
    @page { size: 100mm 60mm; margin: 10mm; @bottom-center { content: counter(page) " of "
            counter(pages); } }
    body { font: 10pt/1.2 serif; }
    a.xref::after { content: " (p.\\00A0" attr(data-page) ")"; }
    h1 { break-before: page; font-size: 12pt; }
    """
)


def book(first: str, second: str) -> str:
    """Two chapters; the first fills its page to the last line, then cites a page."""
    lines = " ".join(f"Line {n} of the first chapter runs on." for n in range(15))
    return (
        f"<html lang='en'><body><h1 id='one'>One</h1><p>{lines} See "
        f"<a class='xref' href='#two' data-page='{first}'>chapter two</a>.</p>"
        f"<h1 id='two'>Two</h1><p>The second chapter, see "
        f"<a class='xref' href='#one' data-page='{second}'>chapter one</a>.</p></body></html>"
    )


def render(html: str, margins: bool = True) -> Any:
    with numbered(margins=margins) as level:
        document = HTML(string=html).render(stylesheets=[STYLE])
    return document, level


def page_texts(document: Any) -> list[list[str]]:
    """Each page's text boxes, margin boxes included, in order."""
    return [
        [box.text for box in page._page_box.descendants() if hasattr(box, "text")]
        for page in document.pages
    ]


def finished(counted_with: tuple[str, str], numbers: tuple[str, str]) -> tuple[Any, set[int]]:
    document, level = render(book(*counted_with), margins=False)
    kept = level.paginated(document)
    changed = renumber(kept, "data-page", list(numbers))
    assert changed is not None
    return lay_out_again(kept, changed, 1, len), changed


def test_a_part_finished_with_its_numbers_is_the_part_laid_out_with_them() -> None:
    again, changed = finished(("0", "0"), ("2", "1"))
    fresh, _ = render(book("2", "1"))
    assert changed == {1, 2}  # only the pages that show a number are laid out again
    assert page_texts(again) == page_texts(fresh)
    assert again.write_pdf() == fresh.write_pdf()


def test_a_number_that_grows_moves_the_page_break_as_a_fresh_layout_does() -> None:
    wide = "1" * 60  # the first chapter's last line no longer holds its cross-reference
    counted, _ = render(book("0", "0"), margins=False)
    again, _ = finished(("0", "0"), (wide, "1"))
    fresh, _ = render(book(wide, "1"))
    assert len(fresh.pages) > len(counted.pages)
    assert page_texts(again) == page_texts(fresh)
    assert again.write_pdf() == fresh.write_pdf()


def test_boxes_that_do_not_show_the_number_plainly_are_not_guessed_at() -> None:
    document, level = render(book("0", "0"), margins=False)
    assert renumber(level.paginated(document), "data-page", ["1"]) is None  # one value each
    document, level = render(book("p", "0"), margins=False)  # " (p. p)": which "p" is it?
    assert renumber(level.paginated(document), "data-page", ["12", "1"]) is None


def test_a_number_in_a_table_widens_its_column_on_every_page_of_the_table() -> None:
    """WeasyPrint measures a table's columns once, for all its pages: a number that widens a
    cell must give the table the columns a fresh layout gives it, on its pages before too."""
    rows = "".join(f"<tr><td>Row {n}</td><td>text</td></tr>" for n in range(30))

    def table_book(number: str) -> str:
        cited = f"<tr><td>see <a class='xref' href='#one' data-page='{number}'>one</a></td>"
        return (
            "<html lang='en'><body><h1 id='one'>One</h1><table>"
            f"{rows}{cited}<td>text</td></tr></table></body></html>"
        )

    wide = "1" * 30
    document, level = render(table_book("0"), margins=False)
    kept = level.paginated(document)
    changed = renumber(kept, "data-page", [wide])
    assert changed is not None and len(changed) > 1  # the table's every page
    again = lay_out_again(kept, changed, 1, len)
    fresh, _ = render(table_book(wide))
    assert page_texts(again) == page_texts(fresh)
    assert again.write_pdf() == fresh.write_pdf()


def test_a_number_inside_a_heading_is_laid_out_anew() -> None:
    """A heading's text is copied into the outline when the boxes are built: a number in it
    cannot be changed in place."""
    html = "<html lang='en'><body><h1>See <a class='xref' href='#x' data-page='0'>x</a></h1>"
    document, level = render(html + "<p id='x'>x</p></body></html>", margins=False)
    assert renumber(level.paginated(document), "data-page", ["5"]) is None
