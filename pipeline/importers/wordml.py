"""WordprocessingML as the importer reads it: namespaces, a parser that never expands an entity
or fetches a DTD, and the few facts about styles and runs the import needs."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = {
    "w": W_NS,
    "r": R_NS,
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "v": "urn:schemas-microsoft-com:vml",
    "o": "urn:schemas-microsoft-com:office:office",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}
REL_TYPES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
# A run Word hides is marked with this attribute before anything reads the text, so no
# message quotes it; the runs are removed before pandoc sees the document.
HIDDEN = "{urn:manuscript-pipeline}hidden"
# The shown text of a field that will be dropped (INCLUDETEXT, TOC…): never quoted either.
SKIP = "{urn:manuscript-pipeline}skip"


def w(name: str) -> str:
    """A WordprocessingML element or attribute name in Clark notation: w('p') -> {…}p."""
    return f"{{{W_NS}}}{name}"


def r(name: str) -> str:
    """A relationships-namespace attribute name (r:id, r:embed, r:link)."""
    return f"{{{R_NS}}}{name}"


class UnsafeXmlError(ValueError):
    """A part that declares a DTD or entities, or that is not well-formed XML."""


_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, dtd_validation=False
)


def parse_part(data: bytes, name: str) -> etree._Element:
    """A package part's XML root; UnsafeXmlError for a DTD, entities or broken XML. Word never
    writes a DOCTYPE, so one is refused outright: no billion laughs, no external entities."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise UnsafeXmlError(f"the part '{name}' declares a DTD or entities")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        raise UnsafeXmlError(f"the part '{name}' is not well-formed XML ({error.msg})") from None
    info = root.getroottree().docinfo
    if info.internalDTD is not None or info.doctype:
        raise UnsafeXmlError(f"the part '{name}' declares a DTD or entities")
    return root


def is_on(element: etree._Element | None) -> bool:
    """A Word toggle property (<w:b/>, <w:vanish w:val="0"/>) read as on or off."""
    if element is None:
        return False
    return element.get(w("val"), "true").lower() not in {"0", "false", "off", "none"}


def visible_text(paragraph: etree._Element) -> str:
    """The text a reader sees in a paragraph: its runs' text and tabs, not deleted text,
    field codes, or the paragraphs of text boxes anchored in it."""
    pieces: list[str] = []
    for node in paragraph.iter(w("t"), w("tab"), w("br"), w("noBreakHyphen"), w("sym")):
        if _inside_text_box(node, paragraph):
            continue
        run = node.getparent()
        if run is not None and (run.get(HIDDEN) is not None or run.get(SKIP) is not None):
            continue
        if node.tag == w("t"):
            pieces.append(node.text or "")
        elif node.tag == w("noBreakHyphen"):
            pieces.append("-")
        elif node.tag in (w("tab"), w("br")):
            parent = node.getparent()
            if parent is not None and parent.tag == w("r"):
                pieces.append(" ")
    return "".join(pieces)


def deleted_text(paragraph: etree._Element) -> str:
    """The text tracked as deleted in a paragraph."""
    return "".join(node.text or "" for node in paragraph.iter(w("delText")))


def _inside_text_box(node: etree._Element, paragraph: etree._Element) -> bool:
    parent = node.getparent()
    while parent is not None and parent is not paragraph:
        if parent.tag == w("txbxContent"):
            return True
        parent = parent.getparent()
    return False


@dataclass(frozen=True)
class StyleFacts:
    """What the import needs to know of one style, its based-on chain already applied."""

    name: str
    kind: str  # paragraph, character, table, numbering
    bold: bool | None
    size: int | None  # half-points
    hidden: bool
    numbered: bool


@dataclass(frozen=True)
class StyleSheet:
    """The document's styles by id, and its default run size (half-points)."""

    styles: dict[str, StyleFacts]
    default_size: int
    default_lang: str | None
    default_paragraph: str | None

    def name(self, style_id: str | None) -> str:
        """A style's name as Word shows it ("heading 1", "Key Points")."""
        if not style_id:
            return ""
        found = self.styles.get(style_id)
        return found.name if found else style_id

    def facts(self, style_id: str | None) -> StyleFacts | None:
        """A style's facts, or None when the id is unknown."""
        return self.styles.get(style_id or "") if style_id else None


def read_styles(root: etree._Element | None) -> StyleSheet:
    """The styles part read into StyleFacts, each style's based-on chain followed."""
    if root is None:
        return StyleSheet({}, 20, None, None)
    raw: dict[str, etree._Element] = {}
    default_paragraph = None
    for style in root.iter(w("style")):
        ident = style.get(w("styleId"))
        if ident:
            raw[ident] = style
            if style.get(w("type")) == "paragraph" and is_on_attr(style.get(w("default"))):
                default_paragraph = ident
    defaults = root.find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}")
    default_size = _size(defaults) or 20  # the standard's default: 10 pt
    lang = defaults.find(w("lang")) if defaults is not None else None
    default_lang = lang.get(w("val")) if lang is not None else None

    def resolve(ident: str, depth: int = 0) -> StyleFacts:
        style = raw[ident]
        parent_id = _val(style.find(w("basedOn")))
        parent = (
            resolve(parent_id, depth + 1)
            if parent_id in raw and parent_id != ident and depth < 20
            else None
        )
        run = style.find(w("rPr"))
        paragraph = style.find(w("pPr"))
        bold_node = run.find(w("b")) if run is not None else None
        hidden_node = run.find(w("vanish")) if run is not None else None
        numbered = paragraph is not None and paragraph.find(w("numPr")) is not None
        return StyleFacts(
            name=_val(style.find(w("name"))) or ident,
            kind=style.get(w("type"), "paragraph"),
            bold=is_on(bold_node) if bold_node is not None else (parent.bold if parent else None),
            size=_size(run) or (parent.size if parent else None),
            hidden=is_on(hidden_node)
            if hidden_node is not None
            else bool(parent and parent.hidden),
            numbered=numbered or bool(parent and parent.numbered),
        )

    return StyleSheet(
        {ident: resolve(ident) for ident in raw}, default_size, default_lang, default_paragraph
    )


def is_on_attr(value: str | None) -> bool:
    """An on/off attribute value (w:default="1")."""
    return value is not None and value.lower() in {"1", "true", "on"}


def _val(element: etree._Element | None) -> str | None:
    return element.get(w("val")) if element is not None else None


def _size(run_properties: etree._Element | None) -> int | None:
    if run_properties is None:
        return None
    value = _val(run_properties.find(w("sz")))
    return int(value) if value and value.isdigit() else None


def run_facts(
    run: etree._Element, paragraph_style: StyleFacts | None, sheet: StyleSheet
) -> tuple[bool, int, bool]:
    """(bold, size in half-points, hidden) of a run: its own properties, then its character
    style, then its paragraph's style, then the document's defaults."""
    properties = run.find(w("rPr"))
    character = sheet.facts(_val(properties.find(w("rStyle")))) if properties is not None else None
    bold_node = properties.find(w("b")) if properties is not None else None
    hidden_node = properties.find(w("vanish")) if properties is not None else None
    if bold_node is not None:
        bold = is_on(bold_node)
    else:
        bold = next(
            (s.bold for s in (character, paragraph_style) if s is not None and s.bold is not None),
            False,
        )
    size = _size(properties) or next(
        (s.size for s in (character, paragraph_style) if s is not None and s.size),
        sheet.default_size,
    )
    if hidden_node is not None:
        hidden = is_on(hidden_node)
    else:
        hidden = bool(
            (character and character.hidden) or (paragraph_style and paragraph_style.hidden)
        )
    return bold, size, hidden
