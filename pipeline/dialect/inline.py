"""Python-Markdown extensions for pandoc's inline syntax that no published extension reads.

Bracketed spans `[text]{.smallcaps lang=fr}` need pandoc's attribute syntax and its rule
that `.underline` is <u> and `.mark` is <mark>; superscript, subscript and strikeout come
from pymdown-extensions instead (see parse.py).
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

from .divs import HTML_ATTRIBUTES

# What pandoc's HTML writer makes of a span with one of these classes.
SPAN_TAGS = {"underline": "u", "mark": "mark"}
_ATTRIBUTE = re.compile(
    r"""#(?P<id>[^\s}]+)|\.(?P<cls>[^\s}.#]+)"""
    r"""|(?P<key>[\w-]+)=(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s}]+))"""
)


def closing_bracket(data: str, start: int) -> int | None:
    """Index of the `]` that closes the `[` at `start` (nesting and backslashes respected)."""
    depth = 0
    index = start
    while index < len(data):
        char = data[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None


class _SpanProcessor(InlineProcessor):
    """`[text]{#id .class key=value}` -> <span> (or <u>, <mark>) with those attributes."""

    def handleMatch(  # type: ignore[override]  # noqa: N802
        self, m: re.Match[str], data: str
    ) -> tuple[ElementTree.Element | None, int | None, int | None]:
        end = closing_bracket(data, m.start(0))
        if end is None or not data.startswith("{", end + 1):
            return None, None, None
        close = data.find("}", end + 1)
        if close < 0:
            return None, None, None
        attributes = data[end + 2 : close]
        if not _ATTRIBUTE.search(attributes) or _ATTRIBUTE.sub("", attributes).strip():
            return None, None, None
        classes = []
        element = ElementTree.Element("span")
        for found in _ATTRIBUTE.finditer(attributes):
            if found.group("id"):
                element.set("id", found.group("id"))
            elif found.group("cls"):
                classes.append(found.group("cls"))
            else:
                key = found.group("key")
                value = next(v for v in found.group("dq", "sq", "bare") if v is not None)
                name = key if key in HTML_ATTRIBUTES or key.startswith("data-") else f"data-{key}"
                element.set(name, value)
        for name, tag in SPAN_TAGS.items():
            if name in classes:
                element.tag = tag
                classes.remove(name)
                break
        if classes:
            element.set("class", " ".join(classes))
        element.text = data[m.start(0) + 1 : end]
        return element, m.start(0), close + 1


class BracketedSpans(Extension):
    """pandoc's bracketed spans."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        # After code spans and escapes (190, 180), before links (160) and emphasis.
        md.inlinePatterns.register(_SpanProcessor(r"(?<!!)\[", md), "pandoc_span", 175)
