"""pandoc's reference links and images: `[c]: figures/d.svg "Title" {width=50%}`.

Python-Markdown reads a reference definition only without pandoc's `{…}` attributes after it,
and never makes a figure of a reference-style image alone in its paragraph. So the definitions
are read first and their attributes taken off the definition line; each use of a definition
with attributes is written as an inline link or image (where Markdown's attr_list reads them),
and an image alone in its paragraph is written inline, where the dialect's figures are read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_DEFINITION = re.compile(
    r"^(?P<head> {0,3}\[(?P<label>[^\[\]^][^\[\]]*)\]:[ \t]*<?(?P<url>[^\s<>]+)>?"
    r"(?:[ \t]+(?P<title>\"[^\"]*\"|'[^']*'|\([^()]*\)))?)"
    r"(?:[ \t]*\{(?P<attrs>[^{}]*)\})?[ \t]*$"
)
# `![alt][label]`, `![alt][]` or `![alt]` alone on its line.
_LONE_IMAGE = re.compile(r"^!\[(?P<alt>[^\[\]]*)\](?:\[(?P<label>[^\[\]]*)\])?\s*$")
# A use of a reference: `[text][label]`, `[label][]`, `[label]` (and the same after `!`),
# not an inline link, not a definition, not already followed by attributes.
_USE = re.compile(
    r"(?<!\\)(?P<use>!?\[(?P<text>[^\[\]]*)\](?:\[(?P<label>[^\[\]]*)\])?)(?![\[(:{])"
)


@dataclass(frozen=True)
class LinkReference:
    """One definition: where it points, its title as written (quotes kept), its attributes."""

    url: str
    title: str | None
    attrs: str | None


def label_key(label: str) -> str:
    """Labels match case-insensitively, whatever their inner spacing (pandoc, CommonMark)."""
    return " ".join(label.split()).casefold()


def reference_definitions(lines: Iterable[str]) -> dict[str, LinkReference]:
    """Every definition in a chapter, the first of each label winning (as in pandoc)."""
    found: dict[str, LinkReference] = {}
    for line in lines:
        match = _DEFINITION.match(line)
        if match:
            found.setdefault(
                label_key(match.group("label")),
                LinkReference(match.group("url"), match.group("title"), match.group("attrs")),
            )
    return found


def without_attributes(line: str) -> str:
    """A definition line as Python-Markdown reads it: its `{…}` taken off."""
    match = _DEFINITION.match(line)
    return match.group("head") if match and match.group("attrs") is not None else line


def inline_figure(line: str, references: dict[str, LinkReference]) -> str | None:
    """`![Chart][c]` alone on its line, written inline; None when the line is not such an
    image or its label is not defined."""
    match = _LONE_IMAGE.match(line)
    if match is None:
        return None
    reference = references.get(label_key(match.group("label") or match.group("alt")))
    if reference is None:
        return None
    return _inline(f"![{match.group('alt')}]", reference)


def with_attributes(text: str, references: dict[str, LinkReference]) -> str:
    """Each use of a definition that has attributes, written inline with them (attributes
    after a reference would be read as a bracketed span)."""

    def attributed(use: re.Match[str]) -> str:
        reference = references.get(label_key(use.group("label") or use.group("text")))
        if reference is None or not reference.attrs:
            return use.group(0)
        return _inline(
            f"{'!' if use.group('use').startswith('!') else ''}[{use['text']}]", reference
        )

    if not any(reference.attrs for reference in references.values()):
        return text
    return _USE.sub(attributed, text)


def _inline(text: str, reference: LinkReference) -> str:
    """`[text]` or `![alt]` as an inline link or image: `(url "title"){attrs}`."""
    title = f" {reference.title}" if reference.title else ""
    attrs = f"{{{reference.attrs}}}" if reference.attrs else ""
    return f"{text}({reference.url}{title}){attrs}"
