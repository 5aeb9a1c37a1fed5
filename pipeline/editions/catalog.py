"""Every edition the pipeline makes: its name, the print layout it needs and its file name.

A print profile (a stylesheet in styles/profiles/) is an edition of its own: its PDF. The
others are made from a profile's layout (the EPUB's page-list is the A4 edition's pages, the
booklet is the leaflet imposed) or from the `Document` alone (the web page).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

DEFAULT_EDITIONS = ("a4", "epub")
PRESS = "press"


@dataclass(frozen=True)
class Edition:
    """One edition: what it is called, which profile it lays out (if any), what it is."""

    name: str
    layout: str | None
    summary: str


# Editions that are not simply a profile's PDF, and the profiles the house styles ship.
DERIVED = (
    Edition(
        "booklet",
        "leaflet",
        "the leaflet imposed two-up on A4 sheets, folded into a booklet; tagged PDF/UA-1",
    ),
    Edition("epub", "a4", "EPUB 3 whose page-list follows the A4 edition"),
    Edition("web", None, "one accessible HTML page, in a folder with its fonts and figures"),
)
SUMMARIES = {
    "a4": "the A4 report, tagged PDF/UA-1",
    "letter": "the report on US Letter, tagged PDF/UA-1",
    "leaflet": "A5 leaflet with 12 pt text, tagged PDF/UA-1",
    "large-print": "A4 large print: 16 pt and more, a clear sans, tagged PDF/UA-1",
    PRESS: "PDF/X-4 for a print shop: 3 mm bleed, crop marks, CMYK output intent",
}


def known_editions(profiles: Iterable[str]) -> Mapping[str, Edition]:
    """Every edition that can be built with these print profiles, by name."""
    found = {
        name: Edition(name, name, SUMMARIES.get(name, f"PDF in the '{name}' profile"))
        for name in profiles
    }
    for edition in DERIVED:
        if edition.layout is None or edition.layout in found:
            found[edition.name] = edition
    return found


def output_name(slug: str, edition: str) -> str:
    """The file (or, for the web page, the folder's page) an edition is written to."""
    if edition == "epub":
        return f"{slug}.epub"
    if edition == "web":
        return f"{slug}-web/index.html"
    return f"{slug}.pdf" if edition == "a4" else f"{slug}-{edition}.pdf"
