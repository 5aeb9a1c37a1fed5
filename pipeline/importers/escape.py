"""Text from a Word document written into the dialect so that it stays text.

A Word paragraph may say `# not a heading`, `<b>`, `[@smith]`, `$5 and $10`, `\\newpage`,
`Table: doses` or `1. not a list`; each of these means something to the pipeline's reader
(pipeline/dialect/prepass.py and Python-Markdown with its extensions). Every character that can
start or take part in such a construct is escaped — with a backslash where the reader honours
one, with an HTML character reference where it does not (`\\`, `<`, `&`, a leading `:`) — so it
reaches every edition as the character the author typed. tests/test_import_escape.py checks
this against the real reader, character by character and with generated text.
"""

from __future__ import annotations

import re
from urllib.parse import quote

# Characters the reader treats as syntax anywhere in a line, and how each is written literally.
_INLINE = {
    "\\": "&#92;",  # a backslash escape, or a TeX command (\newpage) the reader drops
    "&": "&amp;",  # an HTML character reference
    "<": "&lt;",  # raw HTML, comments, autolinks
    "*": "\\*",
    "_": "\\_",
    "`": "\\`",
    "[": "\\[",
    "]": "&#93;",  # never a closing bracket: no link, span, note or figure can close on it
    "{": "\\{",
    "}": "\\}",
    "^": "\\^",  # ^superscript^ and ^[inline notes]
    "~": "\\~",  # ~subscript~, ~~strikeout~~
    "$": "\\$",  # TeX math
    "@": "&#64;",  # citations, cross-references (the pre-pass reads them after a backslash)
    "|": "\\|",  # tables and line blocks
    '"': '\\"',  # smart quotes would curl it
    "'": "\\'",
    "#": "\\#",  # headings, and closing hashes at the end of one
}
# Runs the typography would turn into dashes and ellipses.
_RUNS = re.compile(r"-{2,}|\.{3,}")
# What a line may not start with: a list marker (pandoc's fancy ones too), a quote, a
# definition or caption colon, a setext underline, an ordered-list-looking number.
_LIST_MARKER = re.compile(
    r"^(?P<core>\d{1,9}|[A-Za-z]|[ivxlcdm]+|[IVXLCDM]+)(?P<delim>[.)])(?=[ \t\u00a0]|$)"
)
_PAREN_MARKER = re.compile(r"^\((?=(?:\d{1,9}|[A-Za-z]|[ivxlcdm]+|[IVXLCDM]+)\))")
_BULLET = re.compile(r"^[-+](?=[ \t\u00a0]|$)")
# Characters Python's str.splitlines() treats as line ends, and control characters no edition
# can carry: written as a space, or left out.
_LINE_ENDS = re.compile("[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
# Kept as they are in a URL; everything else is percent-encoded, so no character of an address
# can start a construct of the dialect (`@` a citation, `$` math, `^[` a note…).
_URL_SAFE = "/:?=&%#+,;!-.0123456789"


def clean_text(text: str) -> str:
    """Text with line-end characters made spaces and control characters removed."""
    return _CONTROL.sub("", _LINE_ENDS.sub(" ", text.replace("\t", " ")))


def escape_inline(text: str) -> str:
    """Literal text for the inside of a line: every syntax character escaped."""
    text = clean_text(text)
    out = "".join(_INLINE.get(char, char) for char in text)
    return _RUNS.sub(lambda m: "".join("\\" + c for c in m.group(0)), out)


def protect_line_start(line: str) -> str:
    """A line whose beginning would otherwise start a block construct, made literal.

    `line` is already escaped inline; this handles what only matters at a line's start:
    `- `, `+ `, `1. `, `a) `, `(iv) `, `> `, `: `, `Table:`, `===`, and leading spaces (four
    would make code)."""
    line = line.lstrip(" \u00a0")
    if _BULLET.match(line):
        return "\\" + line
    marker = _LIST_MARKER.match(line)
    if marker:
        return f"{marker.group('core')}\\{marker.group('delim')}{line[marker.end() :]}"
    if _PAREN_MARKER.match(line):
        return "\\" + line
    if line.startswith(">"):
        return "\\" + line
    if line.startswith(":"):
        return "&#58;" + line[1:]
    if line.startswith("Table:"):
        return "Table&#58;" + line[6:]
    if line.startswith("="):
        return "&#61;" + line[1:]
    return line


def escape_line(text: str) -> str:
    """Plain text as one whole line of the dialect."""
    return protect_line_start(escape_inline(text))


def escape_url(url: str) -> str:
    """A link address written so that no character of it is read as the dialect's syntax;
    percent-encoding keeps its meaning (mailto addresses keep their @, which cannot start a
    citation after a word character)."""
    url = clean_text(url).strip()
    if url.lower().startswith("mailto:"):
        return "mailto:" + quote(url[7:], safe=_URL_SAFE + "@")
    return quote(url, safe=_URL_SAFE)


# An attribute value is read raw (no escapes, no character references), from a line the
# reader scans for citations, math and notes first: the few characters that cannot be written
# there are replaced by their closest look-alikes, and the import log says so.
_ATTRIBUTE_LOOKALIKES = {
    '"': "\u201d",
    "}": ")",
    "{": "(",
    "$": "\uff04",
    "@": "\uff20",
    "\\": "\uff3c",
    "[": "\uff3b",
    "]": "\uff3d",
    "^": "\u02c6",
    "<": "\u2039",
}


def attribute_value(text: str) -> tuple[str, bool]:
    """Text for a quoted attribute value `alt="…"`, and whether a character had to change."""
    text = " ".join(clean_text(text).split())
    value = "".join(_ATTRIBUTE_LOOKALIKES.get(char, char) for char in text)
    return value, value != text
