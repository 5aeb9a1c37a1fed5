"""Citations a reference manager (Zotero, Mendeley) stored in the Word document.

Their fields hold each cited item as CSL-JSON; pandoc reads the fields as citations, and the
items become the manuscript's references.json under readable keys (`smith2020`,
`smith2020a`…), so the pipeline makes the reference list in the book's own CSL style.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from ..dialect.sanitize import field_refusals

_TAG = re.compile(r"<[^>]+>")


def citation_keys(items: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """pandoc's citation id (the item's id in the field) -> a key such as `smith2020`."""
    keys: dict[str, str] = {}
    taken: set[str] = set()
    for ident, item in items.items():
        base = _base_key(item)
        key = base
        suffix = 0
        while key in taken:
            key = base + _letters(suffix)
            suffix += 1
        taken.add(key)
        keys[ident] = key
    return keys


def _letters(number: int) -> str:
    out = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def _base_key(item: Mapping[str, Any]) -> str:
    authors = item.get("author") or item.get("editor") or []
    name = ""
    if isinstance(authors, list) and authors and isinstance(authors[0], dict):
        name = str(authors[0].get("family") or authors[0].get("literal") or "")
    if not name:
        name = str(item.get("title") or "ref").split(" ")[0]
    year = ""
    issued = item.get("issued")
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            year = str(parts[0][0])
        elif issued.get("raw"):
            year = re.sub(r"\D", "", str(issued["raw"]))[:4]
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]", "", ascii_name.lower()) or "ref"
    return f"{slug}{year}"


def references_json(
    items: Mapping[str, Mapping[str, Any]], keys: Mapping[str, str], used: set[str]
) -> tuple[bytes, list[str]]:
    """CSL-JSON for the items actually cited, under their new keys, and a note per entry whose
    fields held markup beyond CSL's rich text (removed)."""
    entries = []
    cleaned = []
    for ident, item in items.items():
        key = keys[ident]
        if key not in used:
            continue
        entry = {name: value for name, value in item.items() if name not in {"id", "citation-key"}}
        if list(field_refusals(entry)):
            entry = _without_markup(entry)
            cleaned.append(key)
        entries.append({"id": key, **entry})
    entries.sort(key=lambda entry: str(entry["id"]))
    data = json.dumps(entries, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return data.encode("utf-8"), cleaned


def _without_markup(value: Any) -> Any:
    if isinstance(value, str):
        return _TAG.sub("", value)
    if isinstance(value, dict):
        return {k: _without_markup(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_markup(v) for v in value]
    return value


def style_family(shown: list[str]) -> str:
    """`author-date` when the citations Word shows look like "(Smith, 2020)", else `numeric`."""
    author_date = sum(1 for s in shown if re.search(r"[A-Za-z].*\d{4}", s))
    return "author-date" if shown and author_date * 2 > len(shown) else "numeric"
