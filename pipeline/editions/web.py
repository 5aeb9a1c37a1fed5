"""The web edition: one accessible HTML page in a folder with its stylesheet, fonts and figures.

Rendered from the same `Document` as the PDFs and the EPUB (same numbers, citations, boxes,
tables). The fonts are the house fonts, subset to the characters the page uses and compressed
to WOFF2 with fontTools (which WeasyPrint already depends on), so the folder stays small.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from fontTools import subset
from fontTools.ttLib import TTFont
from lxml import html
from lxml.html import HtmlElement

from ..stages.document import Document
from ..stages.load import Styles
from ..stages.parse import local_path
from .epub_render import expand_ranges
from .render import BackLink, environment, place_references

# The house fonts web.css's @font-face rules name (as .woff2): body, italic, bold; headings.
WEB_FONTS = (
    "GentiumBookPlus-Regular.ttf",
    "GentiumBookPlus-Italic.ttf",
    "GentiumBookPlus-Bold.ttf",
    "Andika-Regular.ttf",
    "Andika-Bold.ttf",
)
# SIL's fonts carry Graphite tables too; fontTools cannot subset them and browsers ignore them.
GRAPHITE_TABLES = ["Silf", "Silt", "Sill", "Glat", "Gloc", "Feat"]


@dataclass(frozen=True)
class WebPage:
    """The folder's files by relative path: index.html, style.css, fonts/, figures."""

    files: Mapping[str, bytes]


def render_web(document: Document, styles: Styles, fonts_folder: Path) -> WebPage:
    """The web edition of the book, every file in memory."""
    env = environment(styles)
    chapters = {c.number: web_body(c.body_html, c.number) for c in document.chapters}
    labels = citation_places(document)
    backlinks = {ref.number: web_backlinks(ref.cited_by, labels) for ref in document.references}
    if document.references_in is not None:  # pandoc's `::: {#refs}`: the list goes there
        listing = env.get_template("_references-web.html.j2").render(
            doc=document, backlinks=backlinks
        )
        chapters[document.references_in] = with_references(
            chapters[document.references_in], listing, document.meta.references_title
        )
    page = env.get_template("web.html.j2").render(
        doc=document, meta=document.meta, bodies=chapters, backlinks=backlinks
    )
    files: dict[str, bytes] = {
        "index.html": page.encode("utf-8"),
        "style.css": styles.stylesheets["web.css"].encode("utf-8"),
    }
    text = cast(HtmlElement, html.document_fromstring(page)).text_content()
    for name in WEB_FONTS:
        woff2 = Path(name).with_suffix(".woff2").name
        files[f"fonts/{woff2}"] = subset_font((fonts_folder / name).read_bytes(), text)
    for asset in document.assets.values():
        files[local_path(asset.path)] = asset.data
    # The author's stylesheets (book.yaml `css:`) and what they name, at their manuscript paths.
    for sheet in document.stylesheets:
        files[sheet.path] = sheet.text.encode("utf-8")
        files.update({resource.path: resource.data for resource in sheet.resources})
    return WebPage(files)


def subset_font(font: bytes, text: str) -> bytes:
    """The font cut down to the characters of `text` (and printable ASCII), as WOFF2."""
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]  # keep ligatures, kerning and small caps
    options.name_IDs = ["*"]  # keep the licence and the reserved font name
    options.drop_tables += GRAPHITE_TABLES  # browsers shape with OpenType, not Graphite
    subsetter = subset.Subsetter(options)
    keep = {chr(code) for code in range(0x20, 0x7F)} | set(text)
    subsetter.populate(text="".join(sorted(keep)))
    loaded = TTFont(io.BytesIO(font), recalcTimestamp=False)  # no clock in the output
    subsetter.subset(loaded)
    out = io.BytesIO()
    loaded.flavor = "woff2"
    loaded.save(out)
    return out.getvalue()


def web_body(body_html: str, chapter: int) -> str:
    """A chapter's body for the page: as in the EPUB, every number of a citation range is a
    link; notes get a visible 'Notes' heading (print sets them at the page foot); each box's
    landmark name says its chapter, since on one page two boxes called 'Quick summary' must
    still be told apart."""
    root = html.fragment_fromstring(body_html, create_parent="div")
    expand_ranges(root)
    for notes in root.xpath(".//section[@class='footnotes']"):
        heading = html.Element("h2", {"class": "notes-title"})
        heading.text = "Notes"
        notes.insert(0, heading)
    for box in root.xpath(".//aside[@aria-labelledby]"):
        title = root.xpath(f".//*[@id='{box.get('aria-labelledby')}']")
        if title:
            del box.attrib["aria-labelledby"]
            box.set("aria-label", f"{title[0].text_content().strip()} (chapter {chapter})")
    return (root.text or "") + "".join(
        html.tostring(child, encoding="unicode", method="html") for child in root
    )


def with_references(body_html: str, listing: str, title: str) -> str:
    """A chapter body with the reference list in its `<div id="refs">`."""
    root = html.fragment_fromstring(body_html, create_parent="div")
    holder = html.fragment_fromstring(listing, create_parent="div")
    holder.set("aria-label", title)
    place_references(root, holder)
    return (root.text or "") + "".join(
        html.tostring(child, encoding="unicode", method="html") for child in root
    )


def citation_places(document: Document) -> Mapping[str, str]:
    """For every citing anchor, the part of the book it is in: 'section 1.2', or 'chapter 1'
    in the chapter's title or before its first section, or an unnumbered section's title."""
    places: dict[str, str] = {}
    for chapter in document.chapters:
        place = f"chapter {chapter.number}"
        title = html.fragment_fromstring(chapter.title_html, create_parent="div")
        places.update({cite.get("id"): place for cite in title.xpath(".//*[@id]")})
        root = html.fragment_fromstring(chapter.body_html, create_parent="div")
        for element in root.iter():
            if not isinstance(element.tag, str):  # a comment kept from the Markdown
                continue
            if element.tag in {"h2", "h3", "h4"} and not _in_box(element):
                place = _heading_place(element)
            elif element.get("id", "").startswith("cite-"):
                places[element.get("id")] = place
    return places


def _in_box(element: HtmlElement) -> bool:
    return any(parent.tag in {"aside", "blockquote"} for parent in element.iterancestors())


def _heading_place(heading: HtmlElement) -> str:
    number = heading.find("span[@class='secno']")
    if number is not None and number.text:
        return f"section {number.text}"
    return f"‘{heading.text_content().strip()}’"


def web_backlinks(cited_by: tuple[str, ...], places: Mapping[str, str]) -> tuple[BackLink, ...]:
    """One link per part of the book that cites the reference, to its first citation there."""
    first: dict[str, str] = {}
    for anchor in cited_by:
        first.setdefault(places.get(anchor, "the text"), anchor)
    return tuple(BackLink(label, anchor) for label, anchor in first.items())
