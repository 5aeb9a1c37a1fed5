"""Stage 5b, render the EPUB: the same `Document` as XHTML documents, one per chapter.

Links are rewritten across files, citations become noterefs that pop up, and the print
edition's page breaks are marked where each print page starts, from the print layout.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape as xml_escape

from jinja2 import Environment
from lxml import etree, html
from lxml.html import HtmlElement

from ..stages.document import Document, TocEntry, detach_backlinks
from ..stages.load import Styles
from .render import BackLink, byline, environment, place_references

# Containers never carry a print page marker themselves: their first block does. Every other
# element with an id can, including inline anchors such as a citation in a paragraph that
# began on the page before (the marker then sits exactly where the page turns).
CONTAINERS = ("section", "nav", "header", "div", "ol", "ul", "tbody", "thead", "body", "html")
# Inside these the marker must go into the element, not before it (a <span> cannot be a
# child of <ol>, <table> or <dl>).
MARK_INSIDE = ("li", "dt", "dd", "tr")


@dataclass(frozen=True)
class EpubDocument:
    """One XHTML file of the EPUB, in reading order."""

    file_name: str
    title: str
    xhtml: str
    is_nav: bool = False


@dataclass(frozen=True)
class Landmark:
    """An entry of the nav's landmarks: cover, toc, bodymatter, bibliography…"""

    kind: str
    href: str
    title: str


@dataclass(frozen=True)
class PageTarget:
    """A print page as the EPUB page-list names it."""

    label: str
    href: str


@dataclass(frozen=True)
class EpubEdition:
    """Everything the EPUB writer packages, already rendered."""

    documents: tuple[EpubDocument, ...]
    toc: tuple[TocEntry, ...]
    landmarks: tuple[Landmark, ...]
    pages: tuple[PageTarget, ...]
    cover_svg: str
    stylesheet: str


@dataclass(frozen=True)
class _Draft:
    file_name: str
    title: str
    body: HtmlElement
    body_type: str | None = None
    lang: str | None = None


def cover_alt(document: Document) -> str:
    """The cover's text alternative: what the cover says."""
    meta = document.meta
    subtitle = f": {meta.subtitle}" if meta.subtitle else ""
    return f"Cover: {meta.title}{subtitle}. {byline(meta)}. {meta.publisher}."


def render_epub(document: Document, styles: Styles, pages_of: Mapping[str, int]) -> EpubEdition:
    """All documents of the EPUB, with page markers for the print pages in `pages_of`."""
    env = environment(styles)
    meta = document.meta
    alt = cover_alt(document)

    def fragment(template: str, **values: object) -> HtmlElement:
        text = env.get_template(template).render(meta=meta, doc=document, **values)
        return html.fragment_fromstring(text, create_parent="div")

    backlinks = {
        ref.number: tuple(
            BackLink(str(pages_of.get(anchor, "?")), anchor) for anchor in ref.cited_by
        )
        for ref in document.references
    }
    drafts = [
        _Draft("cover.xhtml", "Cover", fragment("epub-cover.html.j2", cover_alt=alt), "cover"),
        _Draft("titlepage.xhtml", "Title page", fragment("epub-titlepage.html.j2"), "frontmatter"),
        _Draft("imprint.xhtml", "Imprint", fragment("epub-imprint.html.j2"), "frontmatter"),
        # Stands in for the contents until the nav is rendered, so the print contents page
        # gets its marker like any other page.
        _Draft(
            "nav.xhtml",
            "Contents",
            html.fragment_fromstring('<p id="contents-title"></p>', create_parent="div"),
        ),
        *[
            _Draft(
                f"chapter-{chapter.number}.xhtml",
                chapter.title,
                fragment("epub-chapter.html.j2", chapter=chapter),
                "bodymatter",
                chapter.lang,
            )
            for chapter in document.chapters
        ],
    ]
    if document.references_in is not None:
        holder = fragment("_references-epub.html.j2", backlinks=backlinks)
        holder.set("aria-label", meta.references_title)
        chapter_draft = next(
            d for d in drafts if d.file_name == f"chapter-{document.references_in}.xhtml"
        )
        place_references(chapter_draft.body, holder)
        (placed,) = chapter_draft.body.xpath(".//*[@id='refs']")
        placed.set("epub:type", "bibliography")
    elif document.references:
        drafts.append(
            _Draft(
                "references.xhtml",
                meta.references_title,
                fragment("epub-references.html.j2", backlinks=backlinks),
                "backmatter",
            )
        )
    files = {
        element.get("id"): draft.file_name
        for draft in drafts
        for element in draft.body.iter()
        if element.get("id")
    }
    files["toc"] = "nav.xhtml"
    pages = _mark_pages(drafts, pages_of)
    for draft in drafts:
        _epub_semantics(draft.body, draft.file_name, files)
    toc = tuple(_toc_with_files(entry, files) for entry in document.toc)
    chapter_files = [d.file_name for d in drafts if d.file_name.startswith("chapter-")]
    bibliography = (
        "references.xhtml"
        if document.references_in is None
        else f"chapter-{document.references_in}.xhtml#refs"
    )
    landmarks = (
        Landmark("cover", "cover.xhtml", "Cover"),
        Landmark("titlepage", "titlepage.xhtml", "Title page"),
        Landmark("toc", "nav.xhtml#toc", "Contents"),
        Landmark("bodymatter", chapter_files[0], "Start of content"),
        *(
            (Landmark("bibliography", bibliography, meta.references_title),)
            if document.references
            else ()
        ),
    )
    nav_body = fragment("epub-nav.html.j2", toc=toc, landmarks=landmarks, pages=pages)
    nav = next(i for i, draft in enumerate(drafts) if draft.file_name == "nav.xhtml")
    nav_marker = drafts[nav].body.find("span")
    if nav_marker is not None:  # outside the <nav>: its content model allows no <span>
        nav_body.insert(0, nav_marker)
    drafts[nav] = _Draft("nav.xhtml", "Contents", nav_body)
    page_template = env.get_template("epub-page.xhtml.j2")
    documents = tuple(
        EpubDocument(
            draft.file_name,
            draft.title,
            page_template.render(
                lang=draft.lang or meta.lang,
                title=draft.title,
                body_type=draft.body_type,
                body=_xhtml(draft.body),
                user_stylesheets=document.stylesheets,
            ),
            is_nav=draft.file_name == "nav.xhtml",
        )
        for draft in drafts
    )
    return EpubEdition(
        documents,
        toc,
        landmarks,
        pages,
        _cover_svg(document, env, alt),
        styles.stylesheets["epub.css"],
    )


def _mark_pages(drafts: Sequence[_Draft], pages_of: Mapping[str, int]) -> tuple[PageTarget, ...]:
    """Put a page-break marker where each print page starts; return the page-list.

    A print page "starts" at the first element with an id, in reading order, whose layout
    begins on it: usually a block, or a citation inside a paragraph carried over from the page
    before. A page with neither (a table row running on, say) gets no marker of its own.
    """
    marked: set[int] = set()
    pages = []
    for draft in drafts:
        for element in list(draft.body.iter()):
            if element.tag in CONTAINERS:
                continue
            page = pages_of.get(element.get("id", ""))
            if page is None or page in marked or (marked and page < max(marked)):
                continue
            marked.add(page)
            _insert_marker(element, page)
            pages.append(PageTarget(str(page), f"{draft.file_name}#page-{page}"))
    return tuple(pages)


def _marker(page: int) -> HtmlElement:
    marker = html.Element(
        "span", {"id": f"page-{page}", "role": "doc-pagebreak", "aria-label": str(page)}
    )
    marker.set("epub:type", "pagebreak")
    return marker


def _insert_marker(element: HtmlElement, page: int) -> None:
    marker = _marker(page)
    if element.tag in MARK_INSIDE:
        target = element[0] if element.tag == "tr" else element
        marker.tail = target.text
        target.text = None
        target.insert(0, marker)
    else:
        element.addprevious(marker)


def expand_ranges(body: HtmlElement) -> None:
    """'[3–7]' becomes '[3, 4, 5, 6, 7]': on paper a range is the convention, on a screen every
    number should be a link that pops its reference up. The anchors for 4–6 are already there
    (the document stage keeps one per citing place); here they become links."""
    for anchor in list(body.iter("span")):
        if "cite-anchor" not in (anchor.get("class") or "").split():
            continue
        number = anchor.get("id").split("-")[1]
        link = html.Element(
            "a",
            {
                "href": f"#ref-{number}",
                "id": anchor.get("id"),
                "class": "cite",
                "role": "doc-biblioref",
            },
        )
        link.text = number
        link.tail = ", " if anchor.tail == "\u2013" else anchor.tail
        previous = anchor.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + ", "
        anchor.getparent().replace(anchor, link)


def _pop_up_notes(body: HtmlElement) -> None:
    """Each note becomes an <aside epub:type="footnote">, which Apple Books, Kobo and Kindle
    show as a pop-up (and others as a note at the chapter's end); the link back comes first,
    where Kindle looks for it."""
    for listing in body.xpath(".//section[@class='footnotes']"):
        heading = html.Element("h2", {"class": "notes-title"})
        heading.text = "Notes"
        notes = list(listing.iter("li"))
        listing.clear()
        listing.attrib.update({"class": "footnotes", "aria-label": "Notes"})
        listing.append(heading)
        for number, note in enumerate(notes, start=1):
            aside = html.Element(
                "aside", {"id": note.get("id"), "class": "footnote", "role": "doc-footnote"}
            )
            aside.set("epub:type", "footnote")
            backs = detach_backlinks(note)
            for paragraph in note.findall("p"):
                aside.append(paragraph)
            first = aside.find("p")
            if first is not None and backs:
                link = html.Element(
                    "a",
                    {
                        "href": backs[0],
                        "role": "doc-backlink",
                        "aria-label": f"Back to the text of note {number}",
                    },
                )
                link.text = f"{number}."
                link.tail = " " + (first.text or "")
                first.text = None
                first.insert(0, link)
            listing.append(aside)
    for link in body.xpath(".//a[@role='doc-noteref']"):
        link.set("epub:type", "noteref")


def _epub_semantics(body: HtmlElement, file_name: str, files: Mapping[str, str]) -> None:
    """Noterefs for citations and notes, and every #fragment link pointed at its file."""
    expand_ranges(body)
    _pop_up_notes(body)
    for page_break in body.xpath(".//div[@class='page-break']"):
        page_break.drop_tree()  # a reflowing text has no pages to break
    for element in body.xpath(".//*[@lang]"):
        element.set("xml:lang", element.get("lang"))  # XHTML: both, and the same
    for link in body.iter("a"):
        href = link.get("href", "")
        if href.startswith("#"):
            target_file = files.get(href[1:])
            if target_file is None:
                raise AssertionError(f"link to missing id {href} in {file_name}")
            if target_file != file_name:
                link.set("href", f"{target_file}{href}")
        if "cite" in (link.get("class") or "").split():
            # epub:type drives pop-ups in Apple Books, Kobo and Kindle; the role must match it.
            link.set("epub:type", "noteref")
            link.set("role", "doc-noteref")


def _toc_with_files(entry: TocEntry, files: Mapping[str, str]) -> TocEntry:
    href = f"{files[entry.target]}#{entry.target}"
    children = tuple(_toc_with_files(child, files) for child in entry.children)
    return TocEntry(entry.level, entry.number, entry.title, href, children)


def _xhtml(body: HtmlElement) -> str:
    """The body's children serialised as XML, which is what XHTML needs (<br/>, <td/>)."""
    children = "".join(etree.tostring(child, encoding="unicode", method="xml") for child in body)
    return xml_escape(body.text or "") + children


def _cover_svg(document: Document, env: Environment, alt: str) -> str:
    """The cover drawn from book.yaml: title wrapped to the cover's measure."""
    meta = document.meta
    return env.get_template("cover.svg.j2").render(
        meta=meta,
        alt=alt,
        byline=byline(meta),
        title_lines=textwrap.wrap(meta.title, 18),
        subtitle_lines=textwrap.wrap(meta.subtitle or "", 34),
    )
