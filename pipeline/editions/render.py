"""Stage 5, render: the `Document` through Jinja2 templates into each edition's markup."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass

from jinja2 import DictLoader, Environment, StrictUndefined
from lxml import html
from lxml.html import HtmlElement
from markupsafe import Markup

from ..stages.document import Document, Reference, detach_backlinks
from ..stages.load import Styles
from ..stages.metadata import BookMeta
from .math_images import draw_formulas

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class PrintPart:
    """Which part of the book a print document holds: the cover, imprint and contents; some
    chapters (None: all); the reference list at the end. The default is the whole book."""

    front: bool = True
    chapters: frozenset[int] | None = None
    references: bool = True

    def has_chapter(self, number: int) -> bool:
        """True when chapter `number` is in this part."""
        return self.chapters is None or number in self.chapters


WHOLE_BOOK = PrintPart()


@dataclass(frozen=True)
class BackLink:
    """A link from a reference back to a citing place, labelled by print page when known."""

    label: str
    anchor: str


def long_date(value: dt.date) -> str:
    """21 November 2026: unambiguous on both sides of the Atlantic."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def month_year(value: dt.date) -> str:
    """November 2027."""
    return f"{MONTHS[value.month - 1]} {value.year}"


def css_string(value: str) -> Markup:
    """A value as a CSS string literal for a generated <style>; `<` is escaped so the text can
    never close the style element, which makes the result safe to insert unescaped."""
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3C ")
    )
    return Markup(f'"{escaped}"')


def byline(meta: BookMeta) -> str:
    """'Edited by A and B' or 'By A and B'."""
    names = [person.name for person in meta.authors]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    editors = all(person.role == "editor" for person in meta.authors)
    return f"{'Edited by' if editors else 'By'} {joined}"


def environment(styles: Styles) -> Environment:
    """Jinja with autoescaping on every template (select_autoescape misses *.html.j2), one
    per set of templates: a book in parts renders its print HTML once a part, and compiling
    the templates again each time cost more than rendering them."""
    return _environment(tuple(sorted(styles.templates.items())))


@functools.lru_cache(maxsize=4)
def _environment(templates: tuple[tuple[str, str], ...]) -> Environment:
    env = Environment(
        loader=DictLoader(dict(templates)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(long_date=long_date, month_year=month_year, css_string=css_string)
    env.globals.update(byline=byline)
    return env


def print_backlinks(
    reference: Reference, pages_of: Mapping[str, int] | None
) -> tuple[BackLink, ...]:
    """One link per print page that cites the reference ('p. 3, 5'), each to its first cite.

    Before the first layout the pages are unknown: every citing place gets a link, and the
    build lays the book out again with the real pages (only the reference list changes).
    """
    if pages_of is None:
        return tuple(BackLink("?", anchor) for anchor in reference.cited_by)
    first_on_page: dict[int, str] = {}
    for anchor in reference.cited_by:
        first_on_page.setdefault(pages_of[anchor], anchor)  # every citation is laid out
    return tuple(BackLink(str(page), anchor) for page, anchor in sorted(first_on_page.items()))


def print_body(body_html: str, pages_of: Mapping[str, int] | None = None) -> str:
    """A chapter body for print: formulas drawn, and each note moved to where it is first
    called, as a floated span WeasyPrint sets at the foot of that page; the list of notes at
    the end goes. With a page map, each cross-reference carries its target's page (a part of
    a long book laid out alone cannot count pages in the other parts)."""
    root = html.fragment_fromstring(body_html, create_parent="div")
    draw_formulas(root)
    if pages_of is not None:
        for xref in root.xpath(".//a[contains(concat(' ', @class, ' '), ' xref ')]"):
            page = pages_of.get((xref.get("href") or "")[1:])
            if page is not None:
                xref.set("data-page", str(page))
    notes = {note.get("id"): note for note in root.xpath(".//section[@class='footnotes']//li")}
    for call in root.xpath(".//sup[a[@role='doc-noteref']]"):
        target = call[0].get("href")[1:]
        note = notes.pop(target, None)
        if note is None:
            continue  # a second call to the same note keeps its number, linked to the note
        floated = html.Element("span", {"class": "fn", "id": target})
        detach_backlinks(note)
        for index, paragraph in enumerate(note.findall("p")):
            paragraph.tag = "span"  # a note at the page foot is one run of text
            paragraph.text = (" " if index else "") + (paragraph.text or "")
            floated.append(paragraph)
        anchor = html.Element("span", {"class": "fn-call", "id": call.get("id")})
        anchor.tail, floated.tail = None, call.tail
        parent = call.getparent()
        parent.replace(call, anchor)
        anchor.addnext(floated)
    for listing in root.xpath(".//section[@class='footnotes']"):
        listing.drop_tree()
    return (root.text or "") + "".join(
        html.tostring(child, encoding="unicode", method="html") for child in root
    )


def place_references(root: HtmlElement, listing: HtmlElement) -> None:
    """Fill pandoc's `<div id="refs">` with the reference list, marked as the bibliography."""
    (holder,) = root.xpath(".//*[@id='refs']")
    holder.set("class", " ".join([*(holder.get("class") or "").split(), "references"]))
    holder.set("role", "doc-bibliography")
    holder.set("aria-label", listing.get("aria-label") or "")
    holder.text = listing.text
    holder.extend(list(listing))


def render_print_html(
    document: Document,
    styles: Styles,
    pages_of: Mapping[str, int] | None,
    profile: str = "a4",
    part: PrintPart = WHOLE_BOOK,
    numbered: bool = False,
) -> str:
    """The print edition in `profile` as one HTML document for WeasyPrint (or one part of it).

    `pages_of` gives the reference list its back-link pages. WeasyPrint counts the pages of
    the contents and the cross-references itself, unless `numbered`: then they are written
    from `pages_of` too, for a part laid out without the pages they point to.
    """
    env = environment(styles)
    backlinks = {ref.number: print_backlinks(ref, pages_of) for ref in document.references}
    given = pages_of if numbered else None
    bodies = {
        chapter.number: print_body(chapter.body_html, given)
        for chapter in document.chapters
        if part.has_chapter(chapter.number)
    }
    if document.references_in is not None and document.references_in in bodies:
        listing = env.get_template("_references-print.html.j2").render(
            doc=document, backlinks=backlinks
        )
        root = html.fragment_fromstring(bodies[document.references_in], create_parent="div")
        holder = html.fragment_fromstring(listing, create_parent="div")
        holder.set("aria-label", document.meta.references_title)
        place_references(root, holder)
        bodies[document.references_in] = (root.text or "") + "".join(
            html.tostring(child, encoding="unicode", method="html") for child in root
        )

    def toc_page(target: str) -> Markup:
        # An attribute the stylesheet prints instead of counting (print.css, contents).
        return Markup(f' data-page="{given[target]}"') if given is not None else Markup("")

    return env.get_template("print.html.j2").render(
        doc=document,
        meta=document.meta,
        backlinks=backlinks,
        bodies=bodies,
        toc_page=toc_page,
        profile=profile,
        part=part,
    )
