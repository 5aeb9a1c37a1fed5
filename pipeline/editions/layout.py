"""Where a print layout put things: plain data, without WeasyPrint (an EPUB-only build reads a
cached page map of the A4 edition and never imports it)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..core.errors import Location, Problem


@dataclass(frozen=True)
class PrintLayout:
    """Where things fell: the first page of every element id, and the page count."""

    pages_of: Mapping[str, int]
    spans: Mapping[str, tuple[int, ...]]
    page_count: int
    warnings: tuple[Problem, ...]
    rendered: Any  # the WeasyPrint document, kept only to write it out
    # The print HTML that gives these pages when WeasyPrint lays it out as one document
    # (`build --keep-html` writes it beside the PDF); "" for a layout in parts, whose whole
    # HTML is rendered from `pages_of` only when it is asked for.
    html: str = ""
    # The finished PDF, when the layout was made in parts and joined (parallel.py).
    pdf: bytes | None = None
    how: str = ""  # how it was laid out, for the build's progress line


def page_map_bytes(layout: PrintLayout, key: str) -> bytes:
    """A layout's page map (no WeasyPrint document, no HTML) as JSON, for the inputs `key`."""
    data = {
        "key": key,
        "pages_of": dict(sorted(layout.pages_of.items())),
        "spans": {anchor: list(pages) for anchor, pages in sorted(layout.spans.items())},
        "page_count": layout.page_count,
        "warnings": [
            {"path": w.location.path, "line": w.location.line, "message": w.message}
            for w in layout.warnings
        ],
    }
    return (json.dumps(data, sort_keys=True) + "\n").encode("utf-8")


def read_page_map(data: bytes, key: str | None) -> PrintLayout | None:
    """The page map in `data` when it was made from the inputs `key` (any, for None), else
    None."""
    try:
        found = json.loads(data)
        if key is not None and found["key"] != key:
            return None
        return PrintLayout(
            pages_of=MappingProxyType({str(k): int(v) for k, v in found["pages_of"].items()}),
            spans=MappingProxyType({str(k): tuple(v) for k, v in found["spans"].items()}),
            page_count=int(found["page_count"]),
            warnings=tuple(
                Problem(Location(w["path"], w["line"]), w["message"]) for w in found["warnings"]
            ),
            rendered=None,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
