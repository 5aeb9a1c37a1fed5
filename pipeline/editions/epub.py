"""Stage 6b, write the EPUB: EbookLib packages the rendered documents; the zip is made
byte-reproducible afterwards."""

from __future__ import annotations

import datetime as dt
import io
import uuid
import zipfile
from collections.abc import Mapping
from typing import Any

from ebooklib import epub

from ..stages.document import Document, TocEntry
from ..stages.load import Asset
from .epub_render import EpubEdition

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ACCESSIBILITY = (
    ("schema:accessMode", "textual"),
    ("schema:accessMode", "visual"),
    ("schema:accessModeSufficient", "textual"),
    ("schema:accessibilityFeature", "structuralNavigation"),
    ("schema:accessibilityFeature", "tableOfContents"),
    ("schema:accessibilityFeature", "readingOrder"),
    ("schema:accessibilityFeature", "alternativeText"),
    ("schema:accessibilityFeature", "pageNavigation"),
    ("schema:accessibilityFeature", "pageBreakMarkers"),
    ("schema:accessibilityFeature", "displayTransformability"),
    ("schema:accessibilityHazard", "none"),
    ("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"),
)


class _Writer(epub.EpubWriter):  # type: ignore[misc]
    """EbookLib 0.20 writes no xml:lang on <package>; Ace reports that as serious."""

    def _write_opf_file(self, root: Any) -> None:
        root.set(XML_LANG, self.book.language)
        super()._write_opf_file(root)


def print_edition_id(document: Document) -> str:
    """Identifier of the A4 print edition, whose pages the page-list follows."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, document.meta.identifier + '#a4-pdf')}"


def accessibility_summary(document: Document, pages: int) -> str:
    """What a reader relying on assistive technology can expect, in plain words, counted from
    the book itself (a table without a caption is not claimed to have one)."""
    bodies = "".join(chapter.body_html for chapter in document.chapters)
    images = bodies.count("<img ")
    tables, captions = bodies.count("<table"), bodies.count("<caption")
    pictures = {
        0: "The cover has a text description.",
        1: "The cover and the one image have text descriptions.",
    }
    sentences = [
        "Structured with headings, a table of contents and landmarks.",
        pictures.get(images, f"The cover and all {images} images have text descriptions."),
    ]
    if tables == 1:
        sentences.append(
            "The table has a caption and header cells."
            if captions
            else "The table has header cells."
        )
    elif tables:
        sentences.append(
            "Tables have captions and header cells."
            if captions == tables
            else "Tables have header cells."
        )
    sentences += [
        f"{pages} page numbers of the A4 print edition are marked.",
        "No hazards; text and colours follow the reading system's settings.",
    ]
    return " ".join(sentences)


def write_epub(edition: EpubEdition, document: Document) -> bytes:
    """The EPUB file's bytes: same sources, same bytes."""
    meta = document.meta
    book = epub.EpubBook()
    book.set_identifier(meta.identifier)
    book.set_title(meta.full_title)
    book.set_language(meta.lang)
    for number, person in enumerate(meta.authors, start=1):
        role = "edt" if person.role == "editor" else "aut"
        book.add_author(person.name, role=role, uid=f"creator-{number}")
    book.add_metadata("DC", "publisher", meta.publisher)
    book.add_metadata("DC", "date", meta.date.isoformat())
    book.add_metadata("DC", "rights", meta.rights)
    book.add_metadata("DC", "source", print_edition_id(document))
    if meta.description:
        book.add_metadata("DC", "description", meta.description)
    for keyword in meta.keywords:
        book.add_metadata("DC", "subject", keyword)
    for prop, value in (
        *ACCESSIBILITY,
        ("schema:accessibilitySummary", accessibility_summary(document, len(edition.pages))),
        ("pageBreakSource", f"{meta.title}, A4 print edition ({meta.edition})"),
    ):
        book.add_metadata(None, "meta", value, {"property": prop})
    book.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})

    stylesheet = epub.EpubItem(
        uid="css",
        file_name="style/epub.css",
        media_type="text/css",
        content=edition.stylesheet.encode(),
    )
    book.add_item(stylesheet)
    cover = epub.EpubItem(
        uid="cover-image",
        file_name="images/cover.svg",
        media_type="image/svg+xml",
        content=edition.cover_svg.encode(),
    )
    cover.properties = ["cover-image"]
    book.add_item(cover)
    # The author's stylesheets and the files they name keep their manuscript paths, so
    # their relative url()s still resolve inside the EPUB.
    for index, sheet in enumerate(document.stylesheets, start=1):
        book.add_item(
            epub.EpubItem(
                uid=f"user-css-{index}",
                file_name=sheet.path,
                media_type="text/css",
                content=sheet.text.encode(),
            )
        )
    resources = {r.path: r for sheet in document.stylesheets for r in sheet.resources}
    for index, asset in enumerate(_assets({**resources, **document.assets}), start=1):
        book.add_item(
            epub.EpubItem(
                uid=f"asset-{index}",
                file_name=asset.path,
                media_type=asset.media_type,
                content=asset.data,
            )
        )
    spine = []
    for document_file in edition.documents:
        item = epub.EpubItem(
            uid=document_file.file_name.removesuffix(".xhtml"),
            file_name=document_file.file_name,
            media_type="application/xhtml+xml",
            content=document_file.xhtml.encode(),
        )
        item.properties = ["nav"] if document_file.is_nav else []
        if "<math" in document_file.xhtml:
            item.properties.append("mathml")  # EPUB 3 requires it of documents with MathML
        book.add_item(item)
        spine.append(item)
    book.spine = spine
    book.add_item(epub.EpubNcx())
    book.toc = [_ncx_entry(entry, index) for index, entry in enumerate(edition.toc, start=1)]
    book.guide = [
        {"type": "cover", "href": "cover.xhtml", "title": "Cover"},
        {"type": "toc", "href": "nav.xhtml", "title": "Contents"},
        {"type": "text", "href": _landmark(edition, "bodymatter"), "title": "Start"},
    ]

    buffer = io.BytesIO()
    modified = dt.datetime.combine(meta.modified, dt.time(0, 0), tzinfo=dt.UTC)
    writer = _Writer(
        buffer, book, {"mtime": modified, "epub3_pages": False, "epub3_landmark": False}
    )
    writer.process()
    writer.write()
    return reproducible_zip(buffer.getvalue(), modified)


def _landmark(edition: EpubEdition, kind: str) -> str:
    return next(landmark.href for landmark in edition.landmarks if landmark.kind == kind)


def _assets(assets: Mapping[str, Asset]) -> list[Asset]:
    return [assets[name] for name in sorted(assets)]


def _ncx_entry(entry: TocEntry, index: int) -> Any:
    """EPUB 2 readers' table of contents; uids must be XML names (no leading digit)."""
    title = f"{entry.number} {entry.title}" if entry.number else entry.title
    if not entry.children:
        return epub.Link(entry.target, title, f"nav-{index}")
    children = [
        epub.Link(
            child.target,
            f"{child.number} {child.title}" if child.number else child.title,
            f"nav-{index}-{sub}",
        )
        for sub, child in enumerate(entry.children, start=1)
    ]
    return (epub.Section(title, href=entry.target), children)


def reproducible_zip(data: bytes, when: dt.datetime) -> bytes:
    """The same zip with fixed timestamps and attributes: mimetype first and stored."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    entries.sort(key=lambda entry: entry[0] != "mimetype")  # stable: keeps EbookLib's order
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for name, content in entries:
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.create_system = 3  # Unix, whatever machine builds it
            info.external_attr = 0o644 << 16
            stored = name == "mimetype"
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            target.writestr(info, content, compresslevel=None if stored else 9)
    return output.getvalue()
