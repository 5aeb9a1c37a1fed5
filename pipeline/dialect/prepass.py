"""The pandoc-compatible manuscript dialect, read from raw lines so every item keeps its line.

Python-Markdown keeps no source positions, so this pre-pass finds citations, cross-references,
fenced boxes, table captions, figures, heading labels and fragment links while it still sees
the lines. It records each with its `Location` and leaves a placeholder element that Markdown
passes through untouched; the parse stage drops any placeholder that ended up inside code or a
comment, and the document stage swaps the rest for numbered markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..core.errors import Location, Problem
from . import divs, math, tex
from .chapters import Part
from .joins import closing_bracket, join_open_constructs
from .link_references import LinkReference, inline_figure, reference_definitions
from .link_references import with_attributes as with_reference_attributes
from .link_references import without_attributes as without_reference_attributes
from .lists import normalise_lists
from .raw_html import RawHtmlRegion, markdown_inside
from .tables import convert_tables

XREF_KINDS = {"tbl": "table", "fig": "figure", "sec": "section", "box": "box", "eq": "equation"}
# pandoc-crossref writes `@fig:x`, Quarto `@fig-x`; both name the element id `fig-x`.
XREF_LABEL = re.compile(rf"^(?P<kind>{'|'.join(XREF_KINDS)})[:-][\w-]*\w$")
BOX_KINDS = {"key-points": "Key points", "summary": "Summary", "note": "Note", "warning": "Warning"}
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
# pandoc: the @ starts the item or follows a space ("see @a"), never a word ("info@x.org").
_CITE_ITEM = re.compile(
    rf"^\s*(?:(?P<prefix>[^@]*?)\s+)?(?P<dash>-?)@(?P<key>{_KEY})(?P<rest>.*?)\s*$", re.DOTALL
)
# A narrative citation `@key` in running text, optionally with `[p. 4]` right after it (as
# pandoc reads it). Not after a word, a dot or a backslash: "info@x.org" and "\@" stay literal;
# `@fig:x`, `@tbl-x`… are cross-references, read before this.
_NARRATIVE = re.compile(
    rf"(?<![\w@.\\/\[])@(?!(?:fig|tbl|sec|eq|box)[:-])(?P<key>{_KEY})"
    r"(?:\s\[(?P<locator>[^\[\]@]*)\](?![(\[{]))?"
)
_ESCAPED_AT = re.compile(r"\\@")
_CITE_INDEX = re.compile(r'data-pp="cite" data-i="(\d+)"')
# A bracket still open at the end of a line: "[see @a, p. 4;" may close on the next.
_OPEN_BRACKET = re.compile(r"(?<!!)\[[^\[\]`]*$")
_BLOCK_START = re.compile(r"^\s*(?:[#>|*+-]\s|\d+[.)]\s|:::|```|~~~|$)")
NORMAL, SUPPRESS_AUTHOR, AUTHOR_IN_TEXT = "normal", "suppress-author", "author-in-text"
# Not an image, not a link's text, not a reference link's label; "[@a][@b]" is two citations.
_BRACKET = re.compile(r"(?<!!)\[(?P<body>[^\[\]]*@[^\[\]]*)\](?!\(|\{|\[(?!@))")
_BARE_XREF = re.compile(
    rf"(?<![\w@.\[])@(?P<label>(?:{'|'.join(XREF_KINDS)})[:-][A-Za-z0-9_-]*[A-Za-z0-9])"
)
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
_COMMENT = re.compile(r"<!--.*?-->")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_DIV = re.compile(r"^ {0,3}(?P<colons>:{3,})\s*(?P<attrs>\{[^}]*\}|[A-Za-z][\w-]*)?\s*:*\s*$")
# Closing hashes only count after a space (CommonMark): "## Programming in C#" keeps its #.
_HEADING = re.compile(
    r"^(?P<hashes>#{1,6})\s+(?P<text>.*?)(?:\s+\{(?P<attrs>[^}]*)\})?(?:\s+#+)?\s*$"
)
_SETEXT = re.compile(r"^ {0,3}(?P<rule>=+|-+)\s*$")
_CAPTION = re.compile(r"^(?:Table)?:\s+(?P<text>.*?)(?:\s+\{(?P<attrs>[^}]*)\})?\s*$", re.DOTALL)
_FIGURE = re.compile(
    r"^!\[(?P<caption>[^\]]*)\]\((?P<src>[^)\s]+)(?:\s+\"[^\"]*\")?\)(?:\{(?P<attrs>[^}]*)\})?\s*$"
)
_FRAGMENT_LINK = re.compile(r"\]\(#(?P<fragment>[^)\s]+)")
_NOTE_REF = re.compile(r"\[\^(?P<label>[^\]\s]+)\](?!:)")
_NOTE_DEF = re.compile(r"^ {0,3}\[\^(?P<label>[^\]\s]+)\]:")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$|^[^|]+\|[^|]+")
_GRID_RULE = re.compile(r"^\s*\+[-=:]+\+(?:[-=:]+\+)*\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_LIST_ITEM = re.compile(r"^\s{0,3}([-*+]|\d+[.)])\s")
_ATTR = re.compile(
    r"""#(?P<id>[^\s}]+)|\.(?P<cls>[\w-]+)"""
    r"""|(?P<key>[\w-]+)=(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s}]+))"""
    r"""|(?P<dash>-)(?=\s|$)"""
)
_DEFINITION_MARKER = re.compile(r"^( {0,3})[~:](?:\t| {1,3})(?=\S)")
_RAW_FENCE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})\s*\{=(?P<format>[\w-]+)\}\s*$")
_EXAMPLE_REF = re.compile(r"\(@([\w-]+)\)")  # a reference to an example item: (@foo)
_RAW_INLINE = re.compile(r"^\{=(?P<format>[\w-]+)\}")
_LINE_BLOCK = re.compile(r"^\|(?: (?P<text>.*)|$)")
_FORBIDDEN = re.compile(rf"<\s*({'|'.join(FORBIDDEN_HTML)})\b", re.IGNORECASE)
_TASK = re.compile(
    r"^(?P<marker>(?: {0,3}>)*\s*(?:[-*+]|\d+[.)])[ \t]+)\[(?P<mark>[ xX])\](?=[ \t]+\S)"
)


@dataclass(frozen=True)
class CiteItem:
    """One key in a citation, with pandoc's optional prefix and the text after its comma
    (`see @a, pp. 3-4, emphasis added`: a locator, then a suffix), and its mode: `normal`,
    `suppress-author` (`[-@a]`) or `author-in-text` (`@a` in running text)."""

    key: str
    prefix: str = ""
    locator: str = ""
    mode: str = NORMAL


@dataclass(frozen=True)
class CitationUse:
    """A bracketed citation `[@a; @b]` as written at one place; `index` names its placeholder."""

    index: int
    items: tuple[CiteItem, ...]
    source: str
    location: Location


@dataclass(frozen=True)
class CrossRefUse:
    """`@tbl:compare` (or `[@fig:x]`) as written at one place."""

    index: int
    label: str
    source: str
    location: Location


@dataclass(frozen=True)
class FragmentLink:
    """A Markdown link to `#an-id` in the book, checked once every id is known."""

    fragment: str
    written: str
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
    lang: str | None = None


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
    size: tuple[tuple[str, str], ...] = ()  # pandoc's width=, height= as written


@dataclass(frozen=True)
class HeadingDef:
    """A heading: level, text as written, optional `sec:` label, whether it is numbered."""

    level: int
    text: str
    label: str | None
    numbered: bool
    in_box: bool
    location: Location
    listed: bool = True
    # Inside raw HTML that Markdown does not read (<table>, <pre>…): printed as written.
    as_text: bool = False


@dataclass(frozen=True)
class MathDef:
    """A TeX formula, already MathML; `display` for `$$…$$`."""

    mathml: str
    display: bool
    location: Location
    label: str | None = None  # `{#eq:x}` after a display formula numbers it


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
    links: tuple[FragmentLink, ...]
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...] = ()
    maths: tuple[MathDef, ...] = ()


def placeholder(kind: str, index: int, tag: str = "span", block: bool = False) -> str:
    """The element Markdown passes through and a later stage replaces."""
    extra = ' markdown="1"' if block else ""
    closing = "" if block else f"</{tag}>"
    return f'<{tag} data-pp="{kind}" data-i="{index}"{extra}>{closing}'


def element_id(label: str) -> str:
    """`tbl:compare` -> `tbl-compare`: colons are awkward in ids (NCX needs XML names), and
    so pandoc-crossref's `@tbl:compare` and Quarto's `@tbl-compare` name the same thing."""
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
    heading_shift: int = 0
    out: list[str] = field(default_factory=list)
    out_lines: list[int] = field(default_factory=list)  # source line of each output line
    citations: list[CitationUse] = field(default_factory=list)
    xrefs: list[CrossRefUse] = field(default_factory=list)
    boxes: list[BoxDef] = field(default_factory=list)
    tables: list[TableDef] = field(default_factory=list)
    figures: list[FigureDef] = field(default_factory=list)
    headings: list[HeadingDef] = field(default_factory=list)
    links: list[FragmentLink] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    open_divs: list[tuple[Location, str]] = field(default_factory=list)  # where, closing tag
    maths: list[MathDef] = field(default_factory=list)
    inline_notes: list[tuple[int, str, str]] = field(default_factory=list)  # line, label, text
    macros: dict[str, tuple[int, str]] = field(default_factory=dict)  # \newcommand
    in_line_block: bool = False
    raw_html: RawHtmlRegion = field(default_factory=RawHtmlRegion)
    in_indented_code: bool = False  # the line being read belongs to an indented code block
    examples: dict[str, int] = field(default_factory=dict)  # pandoc's (@label) numbers
    note_refs: dict[str, Location] = field(default_factory=dict)
    note_defs: dict[str, Location] = field(default_factory=dict)
    references: dict[str, LinkReference] = field(default_factory=dict)  # [label]: url

    def at(self, line: int) -> Location:
        return Location(self.path, line)

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.at(line), message))

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(Problem(self.at(line), message))

    def emit(self, line: int, *texts: str) -> None:
        self.out.extend(texts)
        self.out_lines.extend([line] * len(texts))


def prepare(text: str, path: str) -> Prepared:
    """Find the dialect's constructs in a chapter and replace them with placeholders."""
    lines = tuple(text.splitlines())
    return prepare_part(Part(lines, tuple(range(1, len(lines) + 1)), None, 1, None, 0), path)


def prepare_part(part: Part, path: str) -> Prepared:
    """`prepare` for one chapter cut from a file; a title not written as a heading comes first."""
    reader = _Reader(path, heading_shift=part.heading_shift)
    if part.title is not None:
        heading = _HEADING.match(f"# {part.title}")
        assert heading is not None
        reader.emit(part.title_line, _read_heading(reader, heading, part.title_line, shift=0), "")
    fence: str | None = None
    raw_format: str | None = None  # inside ```{=format}
    tex_environment: str | None = None
    in_comment = False
    lines, numbers = join_open_constructs(
        *normalise_lists(*convert_tables(part.lines, part.numbers), reader.examples)
    )
    reader.references = reference_definitions(lines)
    joined: set[int] = set()
    for index, (number, line) in enumerate(zip(numbers, lines, strict=True)):
        if index in joined:
            continue
        fence_match = _FENCE.match(line)
        if in_comment:
            reader.emit(number, line)
            in_comment = "-->" not in line
            continue
        if fence is not None:
            closing = fence_match.group(1) if fence_match else ""
            closes = (
                closing[:1] == fence[0]
                and len(closing) >= len(fence)
                and not line.strip(fence[0] + " ")
            )
            if raw_format is None:
                reader.emit(number, line)
            elif raw_format == "html":
                _read_raw_html_line(reader, "" if closes else line, number)
            if closes:
                fence = raw_format = None
            continue
        if tex_environment is not None:
            if tex.ends_environment(line, tex_environment):
                tex_environment = None
            continue
        if fence_match:
            fence = fence_match.group(1)
            raw_format = _raw_block(reader, line, number)
            if raw_format is None:
                reader.emit(number, line)
            continue
        if _read_raw_tex(reader, line, number):
            tex_environment = tex.environment(line)
            if tex_environment and tex.ends_environment(line, tex_environment):
                tex_environment = None
            continue
        if "<!--" in _COMMENT.sub("", line):  # a comment that runs on over several lines
            in_comment = True
        line, taken = _join_split_citation(line, list(lines[index + 1 :]))
        joined.update(range(index + 1, index + 1 + taken))
        after = index + 1 + taken
        next_line = lines[after] if after < len(lines) else ""
        if ignored := reader.raw_html.markdown_ignored(_without_code(line)):
            reader.warn(number, ignored)
        if _read_line_block(reader, line, number, next_line):
            continue
        _read_line(reader, line, number, next_line)
    if reader.in_line_block:
        _end_line_block(reader, numbers[-1])
    for note_number, label, text in reader.inline_notes:
        reader.emit(note_number, "")
        _read_line(reader, f"[^{label}]: {' '.join(text.split())}", note_number, "")
    for label, where in reader.note_refs.items():
        if label not in reader.note_defs:
            reader.problems.append(
                Problem(
                    where,
                    f"footnote [^{label}] has no text; add a line "
                    f"'[^{label}]: …' (after the paragraph is fine)",
                )
            )
    for opened, _ in reader.open_divs:
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
        links=tuple(reader.links),
        problems=tuple(reader.problems),
        warnings=tuple(reader.warnings),
        maths=tuple(reader.maths),
    )


def _raw_block(reader: _Reader, line: str, number: int) -> str | None:
    """The format of a ```{=format} block: html passes (checked), others are dropped."""
    match = _RAW_FENCE.match(line)
    if not match:
        return None
    raw_format = match.group("format").lower()
    if raw_format == "html":
        reader.emit(number, "")
    else:
        reader.warn(
            number,
            f"raw {raw_format} block is left out: it only means something in a "
            f"{raw_format} output; write it in Markdown or as a {{=html}} block",
        )
    return raw_format


def _read_raw_html_line(reader: _Reader, line: str, number: int) -> None:
    """A line of a ```{=html} block: passed through, under the same rules as raw HTML."""
    forbidden = _FORBIDDEN.search(line)
    if forbidden:
        _refuse(reader, forbidden, number)
        return
    reader.emit(number, line)


def _refuse(reader: _Reader, forbidden: re.Match[str], number: int) -> None:
    reader.problem(
        number,
        f"raw <{forbidden.group(1).lower()}> is not allowed in a "
        "manuscript (it is unsafe or breaks the EPUB); remove it and use Markdown",
    )


def _read_line_block(reader: _Reader, line: str, number: int, next_line: str) -> bool:
    """pandoc's line blocks (`| ` lines, for verse and addresses): line breaks kept."""
    match = _LINE_BLOCK.match(line)
    if reader.in_line_block:
        if not line.strip():
            _end_line_block(reader, number)
            return True
        if match is None and line.startswith(" ") and reader.out:  # a continued line
            reader.out[-1] = reader.out[-1].removesuffix("<br />") + " " + line.strip() + "<br />"
            return True
        if match is None:
            _end_line_block(reader, number)
            return False
    elif (
        match is None
        or _FORBIDDEN.search(_without_code(line))
        or line.rstrip().endswith("|")
        or _TABLE_RULE.match(next_line)
        or (reader.out and reader.out[-1].strip())
    ):
        return False
    else:
        reader.in_line_block = True
        reader.emit(number, '<div class="line-block" markdown="span">')
    if match is None:
        return False
    text = match.group("text") or ""
    indent = len(text) - len(text.lstrip(" "))
    shown = "&nbsp;" * indent + _replace_inline(reader, text.lstrip(" "), number)
    reader.emit(number, shown + "<br />")
    return True


def _end_line_block(reader: _Reader, number: int) -> None:
    reader.in_line_block = False
    reader.out[-1] = reader.out[-1].removesuffix("<br />")
    reader.emit(number, "</div>", "")


def _read_inline_notes(reader: _Reader, line: str, number: int) -> str:
    """`text.^[An inline note.]` becomes a note call; its text is read after the chapter."""
    start = line.find("^[")
    while start >= 0:
        if not _inside_code(line, start):
            end = closing_bracket(line, start + 1)
            if end is None:
                break
            label = f"inline-note-{len(reader.inline_notes) + 1}"
            reader.inline_notes.append((number, label, line[start + 2 : end]))
            line = f"{line[:start]}[^{label}]{line[end + 1 :]}"
        start = line.find("^[", start + 2)
    return line


def _inside_code(line: str, index: int) -> bool:
    return any(m.start() <= index < m.end() for m in _CODE_SPAN.finditer(line))


def _read_raw_tex(reader: _Reader, line: str, number: int) -> bool:
    """A line of raw TeX: a page break in print, anything else dropped; True if it was one."""
    command = tex.page_break(line)
    if command:
        reader.warn(
            number,
            f"raw LaTeX '\\{command}' becomes a page break in print and is left out of the "
            "EPUB (reflowing text has no pages)",
        )
        reader.emit(number, "", tex.PAGE_BREAK_HTML, "")
        return True
    macro = tex.macro_definition(line)
    if macro:
        name, count, body = macro
        reader.macros[name] = (count, body)  # used by the math after it, as pandoc does
        return True
    environment = tex.environment(line)
    if environment or tex.is_command_line(line):
        what = f"environment '{environment}'" if environment else f"'{line.strip()}'"
        reader.warn(
            number,
            f"raw LaTeX {what} is left out: only a LaTeX PDF could show it; "
            "write it in Markdown or remove it",
        )
        return True
    return False


def _join_split_citation(line: str, following: list[str]) -> tuple[str, int]:
    """A citation whose brackets open on this line and close on one of the next two (pandoc
    reads `[see @a, p. 4;` / `also @b]` as one citation): the lines joined, and how many
    lines were taken. Messages about it name the first line."""
    if not _OPEN_BRACKET.search(line):
        return line, 0
    joined = line
    for taken, next_line in enumerate(following[:2], start=1):
        if not next_line.strip() or _BLOCK_START.match(next_line):
            break
        joined = f"{joined.rstrip()} {next_line.strip()}"
        if not _OPEN_BRACKET.search(joined):
            more = len(_BRACKET.findall(joined)) > len(_BRACKET.findall(line))
            return (joined, taken) if more else (line, 0)
    return line, 0


def _read_line(reader: _Reader, line: str, number: int, next_line: str) -> None:
    reader.in_indented_code = _indented_code(reader, line)
    forbidden = _FORBIDDEN.search(_without_code(line))
    if forbidden:
        reader.problem(
            number,
            f"raw <{forbidden.group(1).lower()}> is not allowed in a "
            "manuscript (it is unsafe or breaks the EPUB); remove it and use Markdown",
        )
        return
    div = _DIV.match(line)
    if div:
        _read_div(reader, div, number)
        return
    if not reader.in_indented_code:
        line = markdown_inside(without_reference_attributes(line))
        line = inline_figure(line, reader.references) or line
        line = _task_item(line)
    if _SETEXT.match(line) and _setext_heading(reader, line, number):
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
    line = _DEFINITION_MARKER.sub(lambda m: f"{m.group(1)}:" + " " * 3, line)
    if line.endswith("\\") and not line.endswith("\\\\") and not line.startswith("    "):
        line = line[:-1] + "  "  # pandoc's backslash line break; Python-Markdown's is two spaces
    line = _read_inline_notes(reader, line, number)
    definition = _NOTE_DEF.match(line)
    if definition:
        reader.note_defs.setdefault(definition.group("label"), reader.at(number))
    for note in _NOTE_REF.finditer(_without_code(line)):
        reader.note_refs.setdefault(note.group("label"), reader.at(number))
    line = _replace_inline(reader, line, number)
    figure = _FIGURE.match(line)
    alone = all(not prior.strip() for prior in reader.out[-1:]) and not next_line.strip()
    if figure and alone:
        _read_figure(reader, figure, number)
        return
    heading = _HEADING.match(line)
    if heading:
        line = _read_heading(reader, heading, number)
    reader.emit(number, line)


def _indented_code(reader: _Reader, line: str) -> bool:
    """Whether a line continues or starts an indented code block (four spaces after a blank
    line or more code, outside a list item), where Markdown is not read."""
    if not line.strip():
        return reader.in_indented_code
    if not line.startswith("    "):
        return False
    if reader.in_indented_code:
        return True
    if reader.out and reader.out[-1].strip():
        return False  # a paragraph's lazy continuation
    shallow = (p for p in reversed(reader.out) if p.strip() and not p.startswith("    "))
    return not _LIST_ITEM.match(next(shallow, ""))


def _task_item(line: str) -> str:
    """pandoc's task lists, `- [ ] to do` and `- [x] done`: a drawn box, ticked when done,
    that a screen reader names (pandoc's checkbox <input> is a form field in a PDF)."""
    task = _TASK.match(line)
    if task is None:
        return line
    done = task.group("mark") != " "
    box = (
        '<span class="task-box" role="img" aria-label="done">\u2713</span>'
        if done
        else '<span class="task-box" role="img" aria-label="not done"></span>'
    )
    return f"{task.group('marker')}{box}{line[task.end() :]}"


def _without_code(line: str) -> str:
    """The line with inline code spans and comments blanked, so their text stays literal."""
    blank = lambda m: " " * len(m.group(0))  # noqa: E731
    return _COMMENT.sub(blank, _CODE_SPAN.sub(blank, line))


def _replace_inline(reader: _Reader, line: str, number: int) -> str:
    """Swap citations, cross-references, math and fragment links outside code and comments;
    a code span marked `{=html}` is raw HTML, one marked for another format is dropped."""
    pieces, last = [], 0
    literal = sorted(
        [*_CODE_SPAN.finditer(line), *_COMMENT.finditer(line)], key=lambda m: m.start()
    )
    for kept in [*literal, None]:
        if kept is not None and kept.start() < last:
            continue
        end = kept.start() if kept else len(line)
        pieces.append(_replace_in_text(reader, line[last:end], number))
        if kept:
            raw = _RAW_INLINE.match(line[kept.end() :])
            if raw and kept.group(0).startswith("`"):
                pieces.append(_raw_inline(reader, kept, raw.group("format").lower(), number))
                last = kept.end() + raw.end()
            else:
                pieces.append(kept.group(0))
                last = kept.end()
    return "".join(pieces)


def _raw_inline(reader: _Reader, code: re.Match[str], raw_format: str, number: int) -> str:
    """`` `<b>x</b>`{=html} ``: the HTML, checked like any raw HTML; other formats dropped."""
    content = code.group(0).strip("`").strip()
    if raw_format != "html":
        reader.warn(
            number,
            f"raw {raw_format} '{content}' is left out: it only means something in a "
            f"{raw_format} output",
        )
        return ""
    forbidden = _FORBIDDEN.search(content)
    if forbidden:
        _refuse(reader, forbidden, number)
        return ""
    return content


def _read_math(reader: _Reader, text: str, number: int) -> str:
    """`$…$` and `$$…$$` become placeholders for their MathML; `\\$` is a dollar sign."""

    def formula(match: re.Match[str], display: bool) -> str:
        try:
            mathml = math.to_mathml(tex.expand_macros(match.group("tex"), reader.macros), display)
        except ValueError as error:
            reader.problem(
                number,
                f"TeX math '{' '.join(match.group(0).split())}' cannot be read ({error}); "
                "correct it, or escape the dollar signs (\\$) if it is not math",
            )
            return match.group(0).replace("$", "&#36;")
        label = match.group("label") if display else None
        reader.maths.append(MathDef(mathml, display, reader.at(number), label))
        return placeholder("math", len(reader.maths) - 1)

    text = math.DISPLAY.sub(lambda m: formula(m, True), text)
    text = math.INLINE.sub(lambda m: formula(m, False), text)
    return text.replace("\\$", "$")


def _read_inline_tex(reader: _Reader, text: str, number: int) -> str:
    """Raw TeX commands in prose (`\\cite{x}`, `\\LaTeX`) are left out, each with a warning."""
    for command in reversed(tex.inline_commands(text)):
        reader.warn(
            number,
            f"raw LaTeX '{command.group(0)}' is left out: only a LaTeX PDF could show it; "
            "write it in Markdown or remove it",
        )
        text = text[: command.start()] + text[command.end() :]
    return text


def _replace_in_text(reader: _Reader, text: str, number: int) -> str:
    def bracket(match: re.Match[str]) -> str:
        parts = match.group("body").split(";")
        items = [_CITE_ITEM.match(part) for part in parts]
        if not any(items):
            return match.group(0)  # "[info@clinic.org]": an address, not a citation
        if not all(items):
            bad = next(part for part, item in zip(parts, items, strict=True) if not item)
            reader.problem(
                number,
                f"'{match.group(0)}' looks like a citation but "
                f"'{bad.strip()}' has no @key; write each item as @key",
            )
            return match.group(0)
        parsed = [
            CiteItem(
                m.group("key"),
                (m.group("prefix") or "").strip(),
                m.group("rest").strip().lstrip(",").strip(),
                SUPPRESS_AUTHOR if m.group("dash") else NORMAL,
            )
            for m in items
            if m
        ]
        is_xref = [bool(XREF_LABEL.match(i.key)) for i in parsed]
        if all(is_xref):
            return ", ".join(_xref(reader, item.key, match.group(0), number) for item in parsed)
        if any(is_xref):
            reader.problem(
                number,
                f"'{match.group(0)}' mixes citations and cross-references; write them separately",
            )
            return match.group(0)
        return _citation(reader, tuple(parsed), match.group(0), number)

    def narrative(match: re.Match[str]) -> str:
        locator = (match.group("locator") or "").strip()
        item = CiteItem(match.group("key"), "", locator, AUTHOR_IN_TEXT)
        return _citation(reader, (item,), match.group(0), number)

    def fragment(match: re.Match[str]) -> str:
        wanted = match.group("fragment")
        reader.links.append(FragmentLink(element_id(wanted), wanted, reader.at(number)))
        return f"](#{element_id(wanted)}"

    first = len(reader.citations)
    text = _EXAMPLE_REF.sub(
        lambda m: (
            f"({reader.examples[m.group(1)]})" if m.group(1) in reader.examples else m.group(0)
        ),
        text,
    )
    text = _read_inline_tex(reader, _read_math(reader, text, number), number)
    if not reader.in_indented_code:
        text = with_reference_attributes(text, reader.references)
    text = _FRAGMENT_LINK.sub(fragment, _BRACKET.sub(bracket, text))
    text = _BARE_XREF.sub(lambda m: _xref(reader, m.group("label"), m.group(0), number), text)
    text = _NARRATIVE.sub(narrative, text)
    # Bracketed citations were read before narrative ones: put them back in reading order,
    # which is the order references are numbered in.
    where = {int(m.group(1)): m.start() for m in _CITE_INDEX.finditer(text)}
    reader.citations[first:] = sorted(reader.citations[first:], key=lambda u: where[u.index])
    # "\@" is pandoc's literal @; Python-Markdown does not know that escape.
    return _ESCAPED_AT.sub("&#64;", text)


def _citation(reader: _Reader, items: tuple[CiteItem, ...], source: str, number: int) -> str:
    index = len(reader.citations)
    reader.citations.append(CitationUse(index, items, source, reader.at(number)))
    return placeholder("cite", index)


def _xref(reader: _Reader, label: str, source: str, number: int) -> str:
    index = len(reader.xrefs)
    reader.xrefs.append(CrossRefUse(index, label, source, reader.at(number)))
    return placeholder("xref", index)


def _read_div(reader: _Reader, div: re.Match[str], number: int) -> None:
    attrs_text = div.group("attrs")
    if not attrs_text:
        if not reader.open_divs:
            reader.problem(
                number, "':::' closes no box; remove it or open the box with '::: {.key-points}'"
            )
            return
        _, tag = reader.open_divs.pop()
        reader.emit(number, "", f"</{tag}>", "")
        return
    attrs = (
        parse_attributes(attrs_text)
        if attrs_text.startswith("{")
        else Attributes(classes=(attrs_text,))
    )
    kinds = [BOX_ALIASES.get(c, c) for c in attrs.classes if BOX_ALIASES.get(c, c) in BOX_KINDS]
    if not kinds:
        _read_plain_div(reader, attrs, number)
        return
    label = attrs.id
    # The title is read like text, so a citation or a cross-reference in it works too.
    title = _replace_inline(reader, attrs.get("title") or BOX_KINDS[kinds[0]], number)
    reader.boxes.append(BoxDef(kinds[0], title, label, reader.at(number), attrs.get("lang")))
    reader.open_divs.append((reader.at(number), "aside"))
    reader.emit(number, "", placeholder("box", len(reader.boxes) - 1, "aside", block=True), "")


def _read_plain_div(reader: _Reader, attrs: Attributes, number: int) -> None:
    """A div of the author's own classes: kept as <div>, unless a class is a box misspelt."""
    known = (*BOX_KINDS, *BOX_ALIASES)
    for name in attrs.classes:
        meant = divs.likely_typo(name, known)
        if meant:
            reader.problem(
                number,
                f"unknown box '.{name}'; did you mean '.{meant}'? (a class of your own "
                "is fine when it is not this close to a box name)",
            )
    pairs = tuple((k, v) for k, v in attrs.pairs)
    markup = divs.attribute_text(element_id(attrs.id) if attrs.id else None, attrs.classes, pairs)
    reader.open_divs.append((reader.at(number), "div"))
    reader.emit(number, "", f'<div {markup} markdown="1">'.replace("<div  ", "<div "), "")


def _table_above(out: list[str]) -> int | None:
    """Index in `out` where the pipe table just above starts, if there is one."""
    end = len(out)
    while end and not out[end - 1].strip():
        end -= 1
    if end < len(out) - 1:  # at most one blank line between table and caption
        return None
    start = end
    if end and _GRID_RULE.match(out[end - 1]):  # a grid table: +---+ lines and | rows
        while start and (_GRID_RULE.match(out[start - 1]) or out[start - 1].lstrip()[:1] == "|"):
            start -= 1
        return start if start < end - 1 and _GRID_RULE.match(out[start]) else None
    while start and _TABLE_ROW.match(out[start - 1]):
        start -= 1
    rows = out[start:end]
    if len(rows) >= 2 and _TABLE_RULE.match(rows[1]):
        return start
    return None


def _read_caption(reader: _Reader, caption: re.Match[str], number: int) -> None:
    start = _table_above(reader.out)
    assert start is not None
    table_line = reader.out_lines[start]
    attrs = parse_attributes(caption.group("attrs"))
    label = attrs.id
    reader.tables.append(TableDef(label, "row-headers" in attrs.classes, reader.at(number)))
    first_new = len(reader.citations)
    text = _replace_inline(reader, caption.group("text"), number)
    # The caption prints above the table, so its citations come first in reading order.
    moved = reader.citations[first_new:]
    del reader.citations[first_new:]
    before = next(
        (i for i, use in enumerate(reader.citations) if (use.location.line or 0) >= table_line),
        len(reader.citations),
    )
    reader.citations[before:before] = moved
    rows = [row for row in reader.out[start:] if row.strip()]
    del reader.out[start:], reader.out_lines[start:]
    reader.emit(
        table_line, placeholder("table", len(reader.tables) - 1, "div", block=True), "", *rows, ""
    )
    # Inline-only Markdown: "Table: 1. Doses" must not become a list.
    reader.emit(number, f'<p markdown="span">{text}</p>', "", "</div>", "")


def _read_figure(reader: _Reader, figure: re.Match[str], number: int) -> None:
    attrs = parse_attributes(figure.group("attrs"))
    label = attrs.id
    caption = figure.group("caption").strip()
    alt = (attrs.get("alt") or attrs.get("fig-alt") or _plain(caption)).strip()
    if not caption:
        reader.problem(number, "a figure needs a caption: write it inside ![…]")
    if not alt:
        reader.problem(
            number,
            f"image '{figure.group('src')}' has no alt text; describe it "
            'inside ![…] or with {alt="…"} for readers who cannot see it',
        )
    size = tuple((k, v) for k, v in attrs.pairs if k in {"width", "height"})
    reader.figures.append(FigureDef(figure.group("src"), alt, label, reader.at(number), size))
    reader.emit(
        number,
        placeholder("figure", len(reader.figures) - 1, "div", block=True),
        "",
        f'<p markdown="span">{caption or "&nbsp;"}</p>',
        "",
        "</div>",
        "",
    )


def _plain(text: str) -> str:
    """A caption as alt text: without placeholders or Markdown emphasis marks."""
    return re.sub(r"[*_`]", "", re.sub(r"<[^>]+>", "", text))


def _setext_heading(reader: _Reader, line: str, number: int) -> bool:
    """`Title` over `===`/`---`: rewritten as an ATX heading so it is numbered like one."""
    if not reader.out or not reader.out[-1].strip():
        return False
    previous = reader.out[-1]
    before = reader.out[-2] if len(reader.out) > 1 else ""
    if (
        before.strip()
        or _LIST_ITEM.match(previous)
        or _TABLE_ROW.match(previous)
        or previous.lstrip().startswith(("#", "<", ">", "|"))
    ):
        return False
    level = "#" if line.strip().startswith("=") else "##"
    heading = _HEADING.match(f"{level} {previous.strip()}")
    assert heading is not None
    reader.out[-1] = _read_heading(reader, heading, reader.out_lines[-1])
    reader.emit(number, "")
    return True


def _read_heading(
    reader: _Reader, heading: re.Match[str], number: int, shift: int | None = None
) -> str:
    """Record a heading; tag it so the document stage finds this very heading in the HTML."""
    level = min(
        len(heading.group("hashes")) + (reader.heading_shift if shift is None else shift), 6
    )
    attrs = parse_attributes(heading.group("attrs"))
    label = attrs.id
    unnumbered = "unnumbered" in attrs.classes
    text = heading.group("text").strip()
    reader.headings.append(
        HeadingDef(
            level,
            text,
            label,
            not unnumbered,
            any(tag == "aside" for _, tag in reader.open_divs),
            reader.at(number),
            listed="unlisted" not in attrs.classes,
        )
    )
    parts = [f"#{element_id(label)}"] if label else []
    parts += [f".{c}" for c in attrs.classes]
    parts.append(f'data-h="{len(reader.headings) - 1}"')
    # Python-Markdown strips trailing hashes even without a space; "C#" keeps its # escaped.
    shown = text[:-1] + "\\#" if text.endswith("#") else text
    return f"{'#' * level} {shown} {{: {' '.join(parts)} }}"
