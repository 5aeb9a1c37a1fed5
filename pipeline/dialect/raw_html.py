"""Raw HTML blocks in a chapter: where Markdown inside them is read, and where it is not.

pandoc reads Markdown inside any raw HTML block (its markdown_in_html_blocks). Python-Markdown
does so only inside a block tag marked `markdown="1"` (md_in_html), and cannot for tables,
paragraphs or lists written in HTML. So container tags opening a line are marked, and inside
the others Markdown syntax is reported, since it would be printed as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Block tags whose insides are read as Markdown, as pandoc reads them.
MARKDOWN_IN_HTML = (
    "div section article aside header footer nav main blockquote figure figcaption details "
    "address hgroup"
).split()
# Block tags Python-Markdown passes through raw, Markdown inside and all (<pre> is verbatim
# in pandoc too, so it is not here).
RAW_BLOCKS = "table p dl ul ol h1 h2 h3 h4 h5 h6 fieldset center menu".split()
_OPEN = re.compile(
    rf"^(?P<open> {{0,3}}<(?:{'|'.join(MARKDOWN_IN_HTML)})\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*?)"
    r"(?P<end>\s*/?>)",
    re.IGNORECASE,
)
_RAW_OPEN = re.compile(rf"^ {{0,3}}<(?P<tag>{'|'.join(RAW_BLOCKS)})\b", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
# Markdown that Python-Markdown would have turned into markup outside raw HTML (headings are
# reported by the parse stage, which knows which of them Markdown did not read).
_MARKDOWN = re.compile(
    r"\*\*[^*\s][^*]*\*\*|__[^_\s][^_]*__|(?<![\w*\\])\*[^*\s][^*]*(?<!\s)\*(?![\w*])"
    r"|!?\[[^\[\]]+\]\([^()\s]+\)|^\s*(?:[-*+]|\d+\.)\s+\S|^\s*>\s"
)


def markdown_inside(line: str) -> str:
    """`<div class="x">` opening a line: its insides are Markdown, as pandoc reads them."""
    opening = _OPEN.match(line)
    if opening is None or "markdown=" in opening.group("open").lower():
        return line
    return f'{opening.group("open")} markdown="1"{line[opening.start("end") :]}'


@dataclass
class RawHtmlRegion:
    """Follows one chapter's lines through raw HTML blocks whose insides stay raw."""

    tag: str | None = None
    depth: int = 0
    reported: bool = False

    def markdown_ignored(self, line: str) -> str | None:
        """A warning when this line, inside such a block, holds Markdown; None otherwise."""
        if self.tag is None:
            opening = _RAW_OPEN.match(line)
            if opening is None:
                return None
            self.tag, self.depth, self.reported = opening.group("tag").lower(), 0, False
        tag = self.tag
        self.depth += len(re.findall(rf"<{tag}\b", line, re.IGNORECASE))
        self.depth -= len(re.findall(rf"</{tag}\s*>", line, re.IGNORECASE))
        if self.depth <= 0:
            self.tag = None
        found = _MARKDOWN.search(_TAG.sub(" ", line))
        if found is None or self.reported:
            return None
        self.reported = True
        return (
            f"'{found.group(0).strip()}' is Markdown inside raw HTML <{tag}>, where it is "
            "printed as written; write this part in Markdown rather than HTML (a pipe or grid "
            "table, a list), or use HTML inside it (<strong>, <em>, <a href=…>)"
        )
