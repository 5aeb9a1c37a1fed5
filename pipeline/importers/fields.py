"""Word fields (`{ PAGE }`, `{ INCLUDETEXT "…" }`, Zotero's `{ ADDIN ZOTERO_ITEM … }`): what the
import does with each kind.

A field is an instruction plus the result Word last showed. Some instructions pull in or run
something outside the document (INCLUDETEXT, INCLUDEPICTURE, DDE, LINK, MACROBUTTON…): those
are left out with their result, never followed. Tables of contents and page numbers belong to
Word's own layout (the editions make theirs). Citation fields of reference managers are kept for
pandoc to read as citations. Everything else keeps the text Word showed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

KEEP, TEXT, DROP = "keep", "text", "drop"

# Fields whose instruction reaches outside the document: never followed, result left out too.
OUTSIDE = frozenset(
    "INCLUDETEXT INCLUDE INCLUDEPICTURE IMPORT DDE DDEAUTO LINK DATABASE RD AUTOTEXT "
    "AUTOTEXTLIST MACROBUTTON GOTOBUTTON EMBED PRIVATE ADVANCE PRINT".split()
)
# Word's layout, which the editions make again: contents, indexes, page numbers.
LAYOUT = frozenset("TOC TOA TOF INDEX XE TC PAGE NUMPAGES SECTIONPAGES PAGEREF SECTION".split())
_QUOTED = re.compile(r'"([^"]*)"|(\S+)')


@dataclass(frozen=True)
class FieldPlan:
    """What to do with one field: keep it for pandoc, keep its text, or drop it; and why."""

    action: str
    kind: str
    why: str = ""


def plan_field(instruction: str) -> FieldPlan:
    """The plan for a field from its instruction text."""
    words = instruction.split()
    kind = words[0].upper() if words else ""
    if kind == "ADDIN":
        return _addin(instruction)
    if kind == "HYPERLINK":
        return FieldPlan(KEEP, kind)
    if kind in OUTSIDE:
        return FieldPlan(
            DROP,
            kind,
            f"{_article(kind)} {kind} field, which pulls in or runs content from outside the "
            "document, was left out and never followed",
        )
    if kind in LAYOUT:
        return FieldPlan(
            DROP, kind, f"{_article(kind)} {kind} field (Word's own layout) was left out"
        )
    return FieldPlan(TEXT, kind or "empty", "")


def _addin(instruction: str) -> FieldPlan:
    upper = instruction.upper()
    if "CSL_BIBLIOGRAPHY" in upper or "ZOTERO_BIBL" in upper or "MENDELEY BIBLIOGRAPHY" in upper:
        return FieldPlan(
            DROP,
            "bibliography",
            "the reference manager's typed bibliography was left out: the pipeline makes the "
            "reference list from the citations, in the book's citation style",
        )
    if "CSL_CITATION" in upper or "ZOTERO_ITEM" in upper:
        return FieldPlan(KEEP, "citation")
    if "EN.CITE" in upper or "EN.REFLIST" in upper:
        return FieldPlan(
            TEXT,
            "EndNote",
            "an EndNote citation field is kept as its text; EndNote's fields hold no CSL data",
        )
    return FieldPlan(TEXT, "ADDIN")


def _article(word: str) -> str:
    return "an" if word[:1] in "AEIOU" else "a"


def hyperlink_target(instruction: str) -> tuple[str, bool]:
    """The address of a HYPERLINK field, and whether it is a bookmark inside the document."""
    parts = [a or b for a, b in _QUOTED.findall(instruction)][1:]
    if "\\l" in parts:
        index = parts.index("\\l")
        return (parts[index + 1] if index + 1 < len(parts) else ""), True
    return next((p for p in parts if not p.startswith("\\")), ""), False


def citation_items(instruction: str) -> list[dict[str, Any]]:
    """The CSL-JSON items of a Zotero or Mendeley citation field (its `itemData`)."""
    start = instruction.find("{")
    if start < 0:
        return []
    try:
        data = json.loads(instruction[start : instruction.rfind("}") + 1])
    except (ValueError, RecursionError):
        return []
    items = data.get("citationItems") if isinstance(data, dict) else None
    found = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("itemData"), dict):
            found.append(dict(item["itemData"], id=str(item["itemData"].get("id", item.get("id")))))
    return found
