"""Reference entries formatted by citeproc-py from a real CSL style, then linked."""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape as html_escape

from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from lxml import etree, html

from ..core.errors import Problem
from .load import BibEntry

CSL = "http://purl.org/net/xbiblio/csl"
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:)\]]")
_DOI = re.compile(r"\bdoi:\s*(10\.\d{4,9}/[^\s<>\"]+[^\s<>\".,;:)\]])", re.IGNORECASE)
_PMID = re.compile(r"\bPMID:\s*(\d+)")
_PMCID = re.compile(r"\bPMCID:\s*(PMC\d+)")
# citeproc-py does not collapse punctuation as the CSL spec asks ("disease?." -> "disease?").
_DOUBLED = re.compile(r"(?<!\.)([?!.])\.(?=\s|$)")  # not an ellipsis: "results..." stays


def style_without_numbers(style_xml: bytes) -> bytes:
    """The style with its bibliography's citation-number removed: we print the numbers ourselves,
    so each entry can carry its anchor and its links back to the places that cite it."""
    root = etree.fromstring(style_xml)
    for node in root.iterfind(f"{{{CSL}}}bibliography//{{{CSL}}}text[@variable='citation-number']"):
        parent = node.getparent()
        assert parent is not None
        parent.remove(node)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


@dataclass(frozen=True)
class Formatted:
    """The entries as HTML, in order; entries citeproc could not format; its warnings."""

    entries: tuple[str, ...]
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]


def format_entries(style_xml: bytes, entries: Sequence[BibEntry]) -> Formatted:
    """Each entry as an HTML fragment in the style, in the given (first-citation) order."""
    problems: list[Problem] = []
    errors: list[Problem] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        style = CitationStylesStyle(io.BytesIO(style_without_numbers(style_xml)), validate=False)
        formatted = []
        for entry in entries:
            # One bibliography per entry: a style's own sort order must not renumber the list.
            bibliography = CitationStylesBibliography(
                style, CiteProcJSON([dict(entry.data)]), formatter.html
            )
            bibliography.register(Citation([CitationItem(entry.key)]))
            try:
                text = str(bibliography.bibliography()[0])
            except Exception as error:  # citeproc-py fails on shapes we do not pre-check
                errors.append(
                    Problem(
                        entry.location,
                        f"citeproc could not format entry "
                        f"'{entry.key}' ({type(error).__name__}: {error}); "
                        "check its fields against CSL-JSON",
                    )
                )
                text = html_escape(str(entry.data.get("title", entry.key)))
            formatted.append(link_identifiers(text))
            problems.extend(Problem(entry.location, f"citeproc: {w.message}") for w in caught)
            caught.clear()
    return Formatted(tuple(formatted), tuple(errors), tuple(problems))


def link_identifiers(entry_html: str) -> str:
    """Turn URLs, DOIs, PMIDs and PMCIDs in a formatted entry into links (as pandoc's
    link-bibliography does), and collapse doubled punctuation."""
    holder = html.fragment_fromstring(entry_html.strip(), create_parent="span")
    for node in [holder, *holder.iterdescendants()]:
        if node.tag == "a":
            continue
        node.text = _insert_links(node, 0, _split_identifiers(node.text or ""))
        for child in list(node):
            index = list(node).index(child) + 1
            child.tail = _insert_links(node, index, _split_identifiers(child.tail or ""))
    text = str(html.tostring(holder, encoding="unicode", method="html"))
    return text.removeprefix("<span>").removesuffix("</span>").strip()


def _split_identifiers(text: str) -> list[str | tuple[str, str]]:
    """Text, (label, href), text, … — alternating, always starting and ending with text."""
    text = _DOUBLED.sub(r"\1", text)
    found = sorted(
        [(m.start(), m.end(), m.group(0)) for m in _URL.finditer(text)]
        + [(m.start(), m.end(), f"https://doi.org/{m.group(1)}") for m in _DOI.finditer(text)]
        + [
            (m.start(), m.end(), f"https://pubmed.ncbi.nlm.nih.gov/{m.group(1)}/")
            for m in _PMID.finditer(text)
        ]
        + [
            (m.start(), m.end(), f"https://pmc.ncbi.nlm.nih.gov/articles/{m.group(1)}/")
            for m in _PMCID.finditer(text)
        ]
    )
    pieces: list[str | tuple[str, str]] = []
    cursor = 0
    for start, end, href in found:
        if start < cursor:  # a URL that contains a DOI: keep the URL
            continue
        pieces += [text[cursor:start], (text[start:end], href)]
        cursor = end
    return [*pieces, text[cursor:]]


def _insert_links(parent: html.HtmlElement, index: int, pieces: list[str | tuple[str, str]]) -> str:
    """Insert the links of `pieces` into `parent` at `index`; return the leading text."""
    lead = pieces[0]
    assert isinstance(lead, str)
    previous = None
    for piece in pieces[1:]:
        if isinstance(piece, tuple):
            previous = html.Element("a", href=piece[1])
            previous.text = piece[0]
            parent.insert(index, previous)
            index += 1
        elif previous is not None:
            previous.tail = piece
    return lead
