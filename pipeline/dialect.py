"""The pandoc-compatible manuscript dialect, read from raw lines so every item keeps its line.

Python-Markdown keeps no source positions, so this pre-pass finds citations, cross-references,
fenced boxes, table captions, figures and heading labels while it still sees the lines. It
records each with its `Location` and leaves a placeholder element that Markdown passes through
untouched; the document stage later swaps the placeholders for numbered markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import Location, Problem

XREF_KINDS = {"tbl": "table", "fig": "figure", "sec": "section", "box": "box"}
BOX_KINDS = {
    "key-points": "Key points",
    "summary": "Summary",
    "note": "Note",
    "warning": "Warning",
}
# Quarto users write callouts; they map onto our four boxes.
BOX_ALIASES = {
    "callout-note": "note",
    "callout-tip": "note",
    "callout-important": "warning",
    "callout-warning": "warning",
    "callout-caution": "warning",
}
FORBIDDEN_HTML = (
    "script",
    "iframe",
    "object",
    "embed",
    "style",
    "link",
    "meta",
    "base",
    "form",
    "input",
    "frame",
    "frameset",
    "applet",
)

_KEY = r"[\w](?:[\w:.#$%&+?<>~/-]*[\w])?"
_CITE_ITEM = re.compile(rf"^\s*(?P<prefix>[^@]*?)\s*-?@(?P<key>{_KEY})(?P<rest>.*?)\s*$", re.DOTALL)
_BRACKET = re.compile(r"(?<!!)\[(?P<body>[^\[\]]*@[^\[\]]*)\](?![(\[{])")
_BARE_XREF = re.compile(r"(?<![\w@.\[])@(?P<label>(?:tbl|fig|sec|box):[A-Za-z0-9_-]*[A-Za-z0-9])")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_DIV = re.compile(r"^ {0,3}(?P<colons>:{3,})\s*(?P<attrs>\{[^}]*\}|[A-Za-z][\w-]*)?\s*:*\s*$")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.*?)(?:\s+\{(?P<attrs>[^}]*)\})?\s*#*\s*$")
_CAPTION = re.compile(r"^(?:Table)?:\s+(?P<text>.*?)(?:\s+\{(?P<attrs>[^}]*)\})?\s*$")
_FIGURE = re.compile(
    r"^!\[(?P<caption>[^\]]*)\]\((?P<src>[^)\s]+)(?:\s+\"[^\"]*\")?\)(?:\{(?P<attrs>[^}]*)\})?\s*$"
)
_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$|^[^|]+\|[^|]+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_ATTR = re.compile(
    r"""#(?P<id>[^\s}]+)|\.(?P<cls>[\w-]+)"""
    r"""|(?P<key>[\w-]+)=(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s}]+))"""
    r"""|(?P<dash>-)(?=\s|$)"""
)
_FORBIDDEN = re.compile(rf"<\s*({'|'.join(FORBIDDEN_HTML)})\b", re.IGNORECASE)


@dataclass(frozen=True)
class CiteItem:
    """One key in a citation, with pandoc's optional prefix and locator (`see @a, p. 4`)."""

    key: str
    prefix: str = ""
    locator: str = ""


@dataclass(frozen=True)
class CitationUse:
    """A bracketed citation `[@a; @b]` as written at one place."""

    items: tuple[CiteItem, ...]
    location: Location


@dataclass(frozen=True)
class CrossRefUse:
    """`@tbl:compare` (or `[@fig:x]`) as written at one place."""

    label: str
    location: Location


@dataclass(frozen=True)
class Attributes:
    """Pandoc attributes `{#id .class key="value"}`."""

    id: str | None = None
    classes: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()

    def get(self, key: str) -> str | None:
        """The value of `key=...`, if given."""
        return dict(self.pairs).get(key)


@dataclass(frozen=True)
class BoxDef:
    """A fenced div box: its kind (key-points, summary, note, warning), title and label."""

    kind: str
    title: str
    label: str | None
    location: Location


@dataclass(frozen=True)
class TableDef:
    """A pipe table that has a `Table:` caption under it."""

    label: str | None
    row_headers: bool
    location: Location


@dataclass(frozen=True)
class FigureDef:
    """An image alone in its paragraph: a numbered figure with caption and alt text."""

    src: str
    alt: str
    label: str | None
    location: Location


@dataclass(frozen=True)
class HeadingDef:
    """An ATX heading: level, text, optional `sec:` label, whether it is numbered."""

    level: int
    text: str
    label: str | None
    numbered: bool
    in_box: bool
    location: Location


@dataclass(frozen=True)
class Prepared:
    """The chapter text with placeholders, and everything found in it, in reading order."""

    text: str
    citations: tuple[CitationUse, ...]
    xrefs: tuple[CrossRefUse, ...]
    boxes: tuple[BoxDef, ...]
    tables: tuple[TableDef, ...]
    figures: tuple[FigureDef, ...]
    headings: tuple[HeadingDef, ...]
    images: tuple[tuple[str, Location], ...]
    problems: tuple[Problem, ...]


def placeholder(kind: str, index: int, tag: str = "span", block: bool = False) -> str:
    """The element Markdown passes through and the document stage replaces."""
    extra = ' markdown="1"' if block else ""
    closing = "" if block else f"</{tag}>"
    return f'<{tag} data-pp="{kind}" data-i="{index}"{extra}>{closing}'


def element_id(label: str) -> str:
    """`tbl:compare` -> `tbl-compare`: colons are awkward in ids (NCX needs XML names)."""
    return label.replace(":", "-")


def parse_attributes(text: str | None) -> Attributes:
    """Read `#id .class key="value"` (the inside of pandoc's braces)."""
    if not text:
        return Attributes()
    ident, classes, pairs = None, [], []
    for match in _ATTR.finditer(text.strip().strip("{}")):
        if match.group("id"):
            ident = match.group("id")
        elif match.group("cls"):
            classes.append(match.group("cls"))
        elif match.group("dash"):
            classes.append("unnumbered")
        elif match.group("key"):
            value = next(
                v
                for v in (match.group("dq"), match.group("sq"), match.group("bare"))
                if v is not None
            )
            pairs.append((match.group("key"), value))
    return Attributes(ident, tuple(classes), tuple(pairs))


@dataclass
class _Reader:
    """Mutable state of one pass over one chapter; only `prepare` sees it."""

    path: str
    out: list[str] = field(default_factory=list)
    citations: list[CitationUse] = field(default_factory=list)
    xrefs: list[CrossRefUse] = field(default_factory=list)
    boxes: list[BoxDef] = field(default_factory=list)
    tables: list[TableDef] = field(default_factory=list)
    figures: list[FigureDef] = field(default_factory=list)
    headings: list[HeadingDef] = field(default_factory=list)
    images: list[tuple[str, Location]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    open_boxes: list[Location] = field(default_factory=list)

    def at(self, line: int) -> Location:
        return Location(self.path, line)

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.at(line), message))


def prepare(text: str, path: str) -> Prepared:
    """Find the dialect's constructs in a chapter and replace them with placeholders."""
    reader = _Reader(path)
    fence: str | None = None
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        fence_match = _FENCE.match(line)
        if fence is not None:
            reader.out.append(line)
            if (
                fence_match
                and fence_match.group(1)[0] == fence[0]
                and len(fence_match.group(1)) >= len(fence)
            ):
                fence = None
            continue
        if fence_match:
            fence = fence_match.group(1)
            reader.out.append(line)
            continue
        _read_line(reader, line, number, lines[number] if number < len(lines) else "")
    for opened in reader.open_boxes:
        reader.problems.append(
            Problem(
                opened,
                "box opened with ':::' is never closed; add a "
                "line with ':::' after its last paragraph",
            )
        )
    return Prepared(
        text="\n".join(reader.out) + "\n",
        citations=tuple(reader.citations),
        xrefs=tuple(reader.xrefs),
        boxes=tuple(reader.boxes),
        tables=tuple(reader.tables),
        figures=tuple(reader.figures),
        headings=tuple(reader.headings),
        images=tuple(reader.images),
        problems=tuple(reader.problems),
    )


def _read_line(reader: _Reader, line: str, number: int, next_line: str) -> None:
    if _FORBIDDEN.search(_without_code(line)):
        tag = _FORBIDDEN.search(_without_code(line))
        assert tag is not None
        reader.problem(
            number,
            f"raw <{tag.group(1).lower()}> is not allowed in a manuscript "
            "(it is unsafe or breaks the EPUB); remove it and use Markdown",
        )
        return
    div = _DIV.match(line)
    if div:
        _read_div(reader, div, number)
        return
    caption = _CAPTION.match(line)
    if caption and _table_above(reader.out) is not None:
        _read_caption(reader, caption, number)
        return
    if line.startswith("Table:"):
        reader.problem(
            number,
            "'Table:' caption has no pipe table above it; put the caption "
            "line right under the table (one blank line between is fine)",
        )
        return
    figure = _FIGURE.match(line)
    alone = all(not prior.strip() for prior in reader.out[-1:]) and not next_line.strip()
    if figure and alone:
        _read_figure(reader, figure, number)
        return
    heading = _HEADING.match(line)
    if heading:
        line = _read_heading(reader, heading, number)
    for image in _IMAGE.finditer(_without_code(line)):
        _check_image(reader, image.group("src"), image.group("alt"), number)
    reader.out.append(_replace_inline(reader, line, number))


def _without_code(line: str) -> str:
    """The line with inline code spans blanked out, so `[@x]` in code stays literal."""
    return _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)


def _replace_inline(reader: _Reader, line: str, number: int) -> str:
    """Swap citations and cross-references outside code spans for placeholders."""
    pieces, last = [], 0
    for code in [*_CODE_SPAN.finditer(line), None]:
        end = code.start() if code else len(line)
        pieces.append(_replace_in_text(reader, line[last:end], number))
        if code:
            pieces.append(code.group(0))
            last = code.end()
    return "".join(pieces)


def _replace_in_text(reader: _Reader, text: str, number: int) -> str:
    def bracket(match: re.Match[str]) -> str:
        items = [_CITE_ITEM.match(part) for part in match.group("body").split(";")]
        if not all(items):
            return match.group(0)
        parsed = [
            CiteItem(
                m.group("key"),
                m.group("prefix").strip(),
                m.group("rest").strip().lstrip(",").strip(),
            )
            for m in items
            if m
        ]
        if all(item.key.split(":")[0] in XREF_KINDS and ":" in item.key for item in parsed):
            return ", ".join(_xref(reader, item.key, number) for item in parsed)
        if any(item.key.split(":")[0] in XREF_KINDS and ":" in item.key for item in parsed):
            reader.problem(
                number,
                f"'{match.group(0)}' mixes citations and cross-references; write them separately",
            )
            return match.group(0)
        reader.citations.append(CitationUse(tuple(parsed), reader.at(number)))
        return placeholder("cite", len(reader.citations) - 1)

    text = _BRACKET.sub(bracket, text)
    return _BARE_XREF.sub(lambda m: _xref(reader, m.group("label"), number), text)


def _xref(reader: _Reader, label: str, number: int) -> str:
    reader.xrefs.append(CrossRefUse(label, reader.at(number)))
    return placeholder("xref", len(reader.xrefs) - 1)


LABEL_EXAMPLES = {
    "box": "box:key-points",
    "tbl": "tbl:compare",
    "fig": "fig:trends",
    "sec": "sec:intro",
}


def _label(reader: _Reader, attrs: Attributes, kind: str, number: int) -> str | None:
    """The `#kind:name` label of a construct; another prefix is reported and dropped."""
    label = attrs.id
    if label is None or label.startswith(f"{kind}:"):
        return label
    reader.problem(
        number,
        f"{XREF_KINDS[kind]} label '#{label}' must start with '{kind}:' "
        f"(e.g. #{LABEL_EXAMPLES[kind]}) so '@{kind}:…' can refer to it",
    )
    return None


def _read_div(reader: _Reader, div: re.Match[str], number: int) -> None:
    attrs_text = div.group("attrs")
    if not attrs_text:
        if not reader.open_boxes:
            reader.problem(
                number, "':::' closes no box; remove it or open the box with '::: {.key-points}'"
            )
            return
        reader.open_boxes.pop()
        reader.out.extend(["", "</aside>", ""])
        return
    attrs = (
        parse_attributes(attrs_text)
        if attrs_text.startswith("{")
        else Attributes(classes=(attrs_text,))
    )
    kinds = [BOX_ALIASES.get(c, c) for c in attrs.classes if BOX_ALIASES.get(c, c) in BOX_KINDS]
    if not kinds:
        reader.problem(
            number, f"unknown box {attrs_text}; use one of {', '.join('.' + k for k in BOX_KINDS)}"
        )
        kinds = ["note"]
    label = _label(reader, attrs, "box", number)
    title = attrs.get("title") or BOX_KINDS[kinds[0]]
    reader.boxes.append(BoxDef(kinds[0], title, label, reader.at(number)))
    reader.open_boxes.append(reader.at(number))
    reader.out.extend(["", placeholder("box", len(reader.boxes) - 1, "aside", block=True), ""])


def _table_above(out: list[str]) -> int | None:
    """Index in `out` where the pipe table just above starts, if there is one."""
    end = len(out)
    while end and not out[end - 1].strip():
        end -= 1
    if end < len(out) - 1:  # at most one blank line between table and caption
        return None
    start = end
    while start and _TABLE_ROW.match(out[start - 1]):
        start -= 1
    rows = out[start:end]
    if len(rows) >= 2 and _TABLE_RULE.match(rows[1]):
        return start
    return None


def _read_caption(reader: _Reader, caption: re.Match[str], number: int) -> None:
    start = _table_above(reader.out)
    assert start is not None
    attrs = parse_attributes(caption.group("attrs"))
    label = _label(reader, attrs, "tbl", number)
    reader.tables.append(TableDef(label, "row-headers" in attrs.classes, reader.at(number)))
    table = reader.out[start:]
    del reader.out[start:]
    text = _replace_inline(reader, caption.group("text"), number)
    reader.out.extend(
        [
            placeholder("table", len(reader.tables) - 1, "div", block=True),
            "",
            *[row for row in table if row.strip()],
            "",
            text,
            "",
            "</div>",
            "",
        ]
    )


def _read_figure(reader: _Reader, figure: re.Match[str], number: int) -> None:
    attrs = parse_attributes(figure.group("attrs"))
    label = _label(reader, attrs, "fig", number)
    caption = figure.group("caption").strip()
    alt = (attrs.get("alt") or attrs.get("fig-alt") or caption).strip()
    src = figure.group("src")
    if not caption:
        reader.problem(number, "a figure needs a caption: write it inside ![…]")
    _check_image(reader, src, alt, number)
    reader.figures.append(FigureDef(src, alt, label, reader.at(number)))
    text = _replace_inline(reader, caption, number)
    reader.out.extend(
        [
            placeholder("figure", len(reader.figures) - 1, "div", block=True),
            "",
            text or "&nbsp;",
            "",
            "</div>",
            "",
        ]
    )


def _check_image(reader: _Reader, src: str, alt: str, number: int) -> None:
    reader.images.append((src, reader.at(number)))
    if not alt.strip():
        reader.problem(
            number,
            f"image '{src}' has no alt text; describe it inside ![…] or "
            'with {alt="…"} for readers who cannot see it',
        )


def _read_heading(reader: _Reader, heading: re.Match[str], number: int) -> str:
    """Record a heading and rewrite its `{#sec:x}` to an id attr_list accepts."""
    level = len(heading.group("hashes"))
    attrs = parse_attributes(heading.group("attrs"))
    label = _label(reader, attrs, "sec", number)
    unnumbered = "unnumbered" in attrs.classes
    text = heading.group("text").strip()
    reader.headings.append(
        HeadingDef(level, text, label, not unnumbered, bool(reader.open_boxes), reader.at(number))
    )
    parts = [f"#{element_id(label)}"] if label else []
    parts += [f".{c}" for c in attrs.classes]
    braces = " {: " + " ".join(parts) + " }" if parts else ""
    return f"{heading.group('hashes')} {text}{braces}"
