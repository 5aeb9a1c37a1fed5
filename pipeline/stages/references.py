"""Reference entries formatted by citeproc-py from a real CSL style, then linked."""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape as html_escape
from typing import Any

from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source import Locator as CiteprocLocator
from citeproc.source.json import CiteProcJSON
from lxml import etree, html

from ..core.errors import Problem
from ..dialect.prepass import AUTHOR_IN_TEXT, NORMAL
from .bibliography import BibEntry

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


def format_entries(style_xml: bytes, entries: Sequence[BibEntry], link: bool = True) -> Formatted:
    """Each entry as an HTML fragment in the style, in the given (first-citation) order; with
    `link`, its URLs, DOIs, PMIDs and PMCIDs are links (pandoc's link-bibliography)."""
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
            except MemoryError:
                raise  # the build's memory limit, not a bad entry (core/sandbox.py names it)
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
            text = safe_markup(text)
            formatted.append(link_identifiers(text) if link else text)
            problems.extend(Problem(entry.location, f"citeproc: {w.message}") for w in caught)
            caught.clear()
    return Formatted(tuple(formatted), tuple(errors), tuple(problems))


# The markup CSL fields may carry (and citeproc writes): anything else is dropped, its text
# kept, so a bibliography can never put a script, a style or an image into an edition.
SAFE_TAGS = {"i", "b", "em", "strong", "sup", "sub", "span", "sc"}
_DROP_WHOLE = {"script", "style", "iframe", "object", "embed", "template", "noscript"}


def safe_markup(fragment: str) -> str:
    """citeproc's HTML with only formatting tags left, and no attributes at all."""
    holder = html.fragment_fromstring(fragment.strip() or " ", create_parent="span")
    for node in list(holder.iterdescendants()):
        if not isinstance(node.tag, str) or node.tag in _DROP_WHOLE:
            node.drop_tree()  # comments, processing instructions, scripts: gone with their text
        elif node.tag not in SAFE_TAGS:
            node.drop_tag()
        else:
            node.attrib.clear()
    text = str(html.tostring(holder, encoding="unicode", method="html"))
    return text.removeprefix("<span>").removesuffix("</span>").strip()


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


# pandoc's locator terms (the English CSL locale's short and long forms) as CSL locator labels.
LOCATOR_TERMS = {
    "p": "page",
    "pp": "page",
    "page": "page",
    "pages": "page",
    "chap": "chapter",
    "chaps": "chapter",
    "chapter": "chapter",
    "chapters": "chapter",
    "sec": "section",
    "secs": "section",
    "section": "section",
    "sections": "section",
    "§": "section",
    "§§": "section",
    "fig": "figure",
    "figs": "figure",
    "figure": "figure",
    "figures": "figure",
    "col": "column",
    "cols": "column",
    "column": "column",
    "columns": "column",
    "vol": "volume",
    "vols": "volume",
    "volume": "volume",
    "volumes": "volume",
    "no": "issue",
    "nos": "issue",
    "number": "issue",
    "para": "paragraph",
    "paras": "paragraph",
    "paragraph": "paragraph",
    "paragraphs": "paragraph",
    "¶": "paragraph",
    "¶¶": "paragraph",
    "l": "line",
    "ll": "line",
    "line": "line",
    "lines": "line",
    "n": "note",
    "nn": "note",
    "note": "note",
    "notes": "note",
    "pt": "part",
    "pts": "part",
    "part": "part",
    "parts": "part",
    "v": "verse",
    "vv": "verse",
    "verse": "verse",
    "verses": "verse",
    "bk": "book",
    "bks": "book",
    "book": "book",
    "books": "book",
    "op": "opus",
    "opp": "opus",
    "opus": "opus",
    "fol": "folio",
    "fols": "folio",
    "folio": "folio",
    "s.v": "sub verbo",
    "s.vv": "sub verbo",
    "sub verbo": "sub verbo",
}
_NUMBER = r"[0-9]+[a-z]?|[ivxlcdm]+|[IVXLCDM]+"
_LOCATOR = re.compile(
    r"^(?:(?P<term>[A-Za-z][A-Za-z. ]*?|§§?|¶¶?)(?:\.\s*|\s+|(?<=[§¶])))?"
    rf"(?P<value>(?:{_NUMBER})(?:\s*(?:[-–—]|,\s*(?=[0-9]))\s*(?:{_NUMBER}))*)"
    r"(?P<suffix>(?:[\s,;:.].*)?)$",
    re.DOTALL,
)


@dataclass(frozen=True)
class Locator:
    """What follows a citation's comma, read as pandoc reads it: `pp. 3-4, emphasis added`
    is the locator label `page`, the value `3-4` and the suffix `, emphasis added`."""

    label: str | None
    value: str
    suffix: str


def parse_locator(text: str) -> Locator:
    """A locator term and value at the start of `text`; the rest (or all of it) is a suffix."""
    text = text.strip()
    match = _LOCATOR.match(text)
    if match:
        term = (match.group("term") or "").strip().rstrip(".").lower()
        label = LOCATOR_TERMS.get(term) if term else "page"
        if label:
            return Locator(label, match.group("value"), match.group("suffix").rstrip())
    return Locator(None, "", f", {text}" if text else "")


def short_authors(data: Mapping[str, Any]) -> str:
    """'Smith', 'Smith and Jones' or 'Smith et al.' from an entry's authors (else editors, else
    its title), for a narrative citation in a numeric style: 'Smith et al. [3]'."""
    for variable in ("author", "editor", "translator"):
        names = [n.get("family") or n.get("literal") or "" for n in data.get(variable) or []]
        names = [name for name in names if name]
        if len(names) == 1:
            return str(names[0])
        if len(names) == 2:
            return f"{names[0]} and {names[1]}"
        if names:
            return f"{names[0]} et al."
    return f"\u201c{data.get('title', '')}\u201d"


@dataclass(frozen=True)
class CitationText:
    """One cited item as an author-date style prints it: the part the link covers and, for a
    narrative citation, the author names before it ('Smith et al. (2020, p. 4)')."""

    linked: str
    author: str = ""


_SENTINEL = "Zqxjsentinel"
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
NO_LOCATOR = Locator(None, "", "")


class AuthorDate:
    """An author-date style over the book's listed entries: the list in the style's order with
    year suffixes that tell apart 'Smith 2020a' and 'Smith 2020b', and each citation's text.

    citeproc-py has no disambiguation and no author-only or suppress-author mode: the suffixes
    are computed here (entries whose citations print the same get a, b, c… in list order), and
    the modes are read off a second rendering in which the author is a stand-in name.
    """

    def __init__(self, style_xml: bytes, entries: Sequence[BibEntry]) -> None:
        self.style = CitationStylesStyle(io.BytesIO(style_xml), validate=False)
        citation = self.style.root.find(f"{{{CSL}}}citation")
        layout = citation.find(f"{{{CSL}}}layout")
        self.open, self.close = layout.get("prefix", ""), layout.get("suffix", "")
        self.delimiter = layout.get("delimiter", "; ")
        self.sorted_citations = citation.find(f"{{{CSL}}}sort") is not None
        # Keys become plain ids for citeproc-py, which lower-cases keys and trips on some.
        self.ids = {entry.key: f"item{n}" for n, entry in enumerate(entries)}
        self.data = {entry.key: dict(entry.data) for entry in entries}
        first = self._bibliography(list(self.data))
        first.sort()
        keys_by_id = {ident: key for key, ident in self.ids.items()}
        self.order = tuple(keys_by_id[item.key] for item in first.items)
        if citation.get("disambiguate-add-year-suffix") == "true":
            alike: dict[str, list[str]] = {}
            for key in self.order:
                alike.setdefault(self._render(first, key, NO_LOCATOR), []).append(key)
            for keys in alike.values():
                for letter, key in zip(_LETTERS, keys if len(keys) > 1 else [], strict=False):
                    self.data[key]["year-suffix"] = letter
        self.bibliography = self._bibliography(self.order)

    def _bibliography(
        self, order: Sequence[str], stand_in: str | None = None
    ) -> CitationStylesBibliography:
        """citeproc-py's bibliography of `order`; the `stand_in` entry's author is a marker."""
        items = [
            {
                **self.data[key],
                "id": self.ids[key],
                **({"author": [{"literal": _SENTINEL}]} if key == stand_in else {}),
            }
            for key in order
        ]
        bibliography = CitationStylesBibliography(self.style, CiteProcJSON(items), formatter.html)
        for key in order:
            bibliography.register(Citation([CitationItem(self.ids[key])]))
        return bibliography

    def _render(self, bibliography: CitationStylesBibliography, key: str, locator: Locator) -> str:
        """One item's citation without the style's brackets: 'Smith, 2020a, p. 4'."""
        options: dict[str, Any] = {}
        if locator.label:
            options["locator"] = CiteprocLocator(locator.label, locator.value)
        citation = Citation([CitationItem(self.ids[key], **options)])
        bibliography.register(citation)
        text = safe_markup(str(self.style.render_citation(citation, [], lambda item: None)))
        return text.removeprefix(self.open).removesuffix(self.close).strip()

    def entry_html(self) -> tuple[str, ...]:
        """Each entry of the list, formatted, in the style's order."""
        return tuple(safe_markup(str(text)) for text in self.bibliography.bibliography())

    def cite(self, key: str, mode: str, locator_text: str) -> CitationText:
        """One cited item's text in its mode: normal ('Smith, 2020, p. 4'), suppress-author
        ('2020, p. 4') or author-in-text (author 'Smith', linked text '2020, p. 4')."""
        locator = parse_locator(locator_text)
        suffix = html_escape(locator.suffix)
        full = self._render(self.bibliography, key, locator)
        if mode == NORMAL:
            return CitationText(full + suffix)
        masked = self._render(self._bibliography([key], stand_in=key), key, locator)
        before, _, after = masked.partition(_SENTINEL)
        fits = _SENTINEL in masked and full.startswith(before) and full.endswith(after)
        author = full[len(before) : len(full) - len(after)].strip() if fits else ""
        if not author:  # the style prints no names here: name the authors as numeric books do
            author = html_escape(short_authors(self.data[key]))
        rest = (before + re.sub(r"^[\s,.:;]+", "", after)).strip() + suffix
        return CitationText(rest, author if mode == AUTHOR_IN_TEXT else "")
