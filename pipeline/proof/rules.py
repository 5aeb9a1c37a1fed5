"""The lint rules: each one small function from the book to its findings, each with a fixture.

Rules read the raw lines (so every finding has its exact line) through the block reader in
`text.py`; code, comments and front matter are never read as text.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from ..core.errors import Location
from ..dialect.prepass import Prepared, element_id
from ..stages.bibliography import BibEntry
from ..stages.metadata import BookMeta
from .findings import Finding
from .text import PROSE, URL, Block, count_words, plain, prose_sentences

DEFAULT_SENTENCE_WORDS = 40
DUPLICATE_MIN_WORDS = 8


@dataclass(frozen=True)
class ChapterText:
    """One chapter as lint reads it: raw text, blocks with lines, and the dialect's findings."""

    path: str
    source: str
    blocks: tuple[Block, ...]
    found: Prepared

    def swaps(self, names: Mapping[str, str]) -> dict[int, tuple[tuple[str, str], ...]]:
        """Per line, each citation's source (read as nothing) and each cross-reference's
        source (read as its printed name, 'Table 1')."""
        swaps: dict[int, list[tuple[str, str]]] = {}
        for citation in self.found.citations:
            swaps.setdefault(citation.location.line or 0, []).append((citation.source, ""))
        for xref in self.found.xrefs:
            # Targets are keyed by element id: '@tbl:x' and Quarto's '@tbl-x' are one label.
            name = names.get(element_id(xref.label), xref.label.split(":")[0].capitalize())
            swaps.setdefault(xref.location.line or 0, []).append((xref.source, name))
        return {line: tuple(pairs) for line, pairs in swaps.items()}


@dataclass(frozen=True)
class Book:
    """Everything the rules look at; built by `lint.py`, read-only here."""

    meta: BookMeta
    book_text: str
    chapters: tuple[ChapterText, ...]
    bibliography: Mapping[str, BibEntry]
    cited_keys: frozenset[str]
    target_names: Mapping[str, str]
    today: dt.date

    @property
    def sentence_words(self) -> int:
        """The longest sentence lint lets pass, in words."""
        return self.meta.proof.sentence_words or DEFAULT_SENTENCE_WORDS


Check = Callable[[Book], Iterator[Finding]]

# --- Lines a reader sees ------------------------------------------------------------------

_CODE_SPAN = re.compile(r"(`+).+?\1")
_INLINE_COMMENT = re.compile(r"<!--.*?-->")
_HIDDEN = frozenset({"code", "comment", "meta"})


def visible_lines(chapter: ChapterText) -> Iterator[tuple[int, str]]:
    """Each line outside code, comments and front matter, with code spans and comments
    blanked to spaces (columns stay where they were)."""
    hidden = {line for block in chapter.blocks if block.kind in _HIDDEN for line in block.lines}
    blank = lambda m: " " * len(m.group(0))  # noqa: E731
    for number, line in enumerate(chapter.source.splitlines(), start=1):
        if number not in hidden:
            yield number, _INLINE_COMMENT.sub(blank, _CODE_SPAN.sub(blank, line))


def _at(chapter: ChapterText, line: int) -> Location:
    return Location(chapter.path, line)


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f"'{text}'" if len(text) <= limit else f"'{text[: limit - 1]}…'"


# --- PL001 placeholder text ----------------------------------------------------------------

_PLACEHOLDERS = (
    re.compile(
        r"\b(?:content|text|section|page|chapter|details|information|info|more)\s+"
        r"(?:is\s+|are\s+)?coming\s+soon\b",
        re.IGNORECASE,
    ),
    re.compile(r"^\W*coming\s+soon\W*$|[(\[]\s*coming\s+soon\W*[)\]]", re.IGNORECASE),
    re.compile(r"^\s*#.*\bcoming\s+soon\W*$", re.IGNORECASE),  # "## Sleep: coming soon"
    re.compile(r"\b(?:TODO|TBD|TBC|TBA|FIXME|XXX+)\b"),
    re.compile(r"\blorem\s+ipsum\b|\bdolor\s+sit\s+amet\b", re.IGNORECASE),
    re.compile(r"\{\s*(?:link|image|img|figure|table|video|button|cta)\s*:", re.IGNORECASE),
    re.compile(
        r"\[\s*(?:insert|add|placeholder|todo|tbd|to\s+come|citation\s+needed|link\s+to"
        r"|image\s+of|name\s+of|details\s+of)\b[^\]]*\](?![(\[{])",
        re.IGNORECASE,
    ),
    re.compile(
        r"\b(?:under\s+construction|to\s+be\s+(?:written|added|completed|confirmed|decided)"
        r"|text\s+goes\s+here|insert\s+(?:text|link|image|figure)\s+here|your\s+text\s+here"
        r"|placeholder\s+text)\b",
        re.IGNORECASE,
    ),
    re.compile(r"\?{3,}"),
    re.compile(r"^\s*:{3,}.*(?<![\w-])\.placeholder\b"),
)


def placeholder_text(book: Book) -> Iterator[Finding]:
    """PL001: text left for later ('content coming soon', TODO, lorem ipsum, {Link: …})."""
    sources = [(chapter.path, visible_lines(chapter)) for chapter in book.chapters]
    sources.append((book.meta.source, _yaml_values(book.book_text)))
    for path, lines in sources:
        for number, line in lines:
            for pattern in _PLACEHOLDERS:
                match = pattern.search(line)
                if match:
                    yield Finding(
                        Location(path, number),
                        "PL001",
                        f"placeholder text {_quote(match.group(0).strip(), 40)}; write the "
                        "missing text or remove it before the book goes out",
                    )
                    break


def _yaml_values(text: str) -> Iterator[tuple[int, str]]:
    """book.yaml lines without their comments (a '#' after a space or at the start)."""
    for number, line in enumerate(text.splitlines(), start=1):
        yield number, re.sub(r"(^|\s)#.*$", "", line)


# --- PL002 vague link text, PL003 bare URLs -------------------------------------------------

VAGUE_LINK_TEXT = frozenset(
    {
        "here",
        "click here",
        "click",
        "tap here",
        "press here",
        "this",
        "this link",
        "link",
        "a link",
        "read more",
        "learn more",
        "more",
        "more info",
        "more information",
        "find out more",
        "see more",
        "details",
        "more details",
        "go",
        "go here",
        "see here",
        "this page",
        "this site",
        "this website",
        "website",
        "web page",
        "page",
        "continue",
        "continue reading",
        "info",
        "url",
    }
)
_VAGUE_START = re.compile(r"^(?:click|tap|press)\s+(?:here|this)\b")
_LINKS = (
    re.compile(r"(?<!!)\[(?P<text>[^\]\[]+)\]\((?P<dest>[^)\s]*)[^)]*\)"),
    re.compile(r"(?<!!)\[(?P<text>[^\]\[]+)\]\[(?P<dest>[^\]]*)\]"),
    re.compile(r"<a\b[^>]*>(?P<text>.*?)</a>", re.IGNORECASE),
)


def _link_words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", plain(text).lower()).split())


def vague_links(book: Book) -> Iterator[Finding]:
    """PL002: link text that names no destination ('click here', 'read more')."""
    for chapter in book.chapters:
        for number, line in visible_lines(chapter):
            for pattern in _LINKS:
                for match in pattern.finditer(line):
                    text = match.group("text")
                    if text.lstrip().startswith(("@", "^", "-@")):
                        continue  # a citation or a footnote, not a link
                    words = _link_words(text)
                    if words in VAGUE_LINK_TEXT or _VAGUE_START.match(words):
                        yield Finding(
                            _at(chapter, number),
                            "PL002",
                            f"link text {_quote(text)} says nothing on its own (screen readers "
                            "list links out of context); let the words say where it goes, "
                            "e.g. '[the NHS guide to kidney tests](…)'",
                        )


_NOT_RUNNING_TEXT = (
    re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$"),  # a link reference definition
    re.compile(r"\]\([^)]*\)"),  # a link's or an image's destination
    re.compile(r"\{[^}]*\}"),  # attributes
    re.compile(r"</?[A-Za-z][\w-]*(?:\s[^>]*)?/?>"),  # HTML tags and their attributes
)


def bare_urls(book: Book) -> Iterator[Finding]:
    """PL003: a URL printed as it is, in the text or as a link's own text."""
    for chapter in book.chapters:
        for number, line in visible_lines(chapter):
            for pattern in _NOT_RUNNING_TEXT:
                line = pattern.sub(lambda m: " " * len(m.group(0)), line)
            for match in URL.finditer(line):
                yield Finding(
                    _at(chapter, number),
                    "PL003",
                    f"bare URL {_quote(match.group(0))} in running text; write what it is "
                    "and link that: '[the NICE guideline](https://…)'",
                )


# --- PL004 duplicated paragraphs, PL005 long sentences ---------------------------------------


def _normalised(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def duplicate_paragraphs(book: Book) -> Iterator[Finding]:
    """PL004: a paragraph (of some length) that repeats an earlier one word for word."""
    seen: dict[str, Location] = {}
    for chapter in book.chapters:
        swaps = chapter.swaps(book.target_names)
        for block in chapter.blocks:
            if block.kind not in {"paragraph", "quote", "note"}:
                continue
            text = " ".join(s.text for s in prose_sentences(block, swaps))
            if count_words(text) < DUPLICATE_MIN_WORDS:
                continue
            key = _normalised(text)
            here = _at(chapter, block.first)
            first = seen.setdefault(key, here)
            if first != here:
                place = f"line {first.line}" if first.path == here.path else str(first)
                yield Finding(
                    here,
                    "PL004",
                    f"this paragraph repeats the one at {place} word for word; keep one copy",
                )


def long_sentences(book: Book) -> Iterator[Finding]:
    """PL005: a sentence longer than the book's limit."""
    limit = book.sentence_words
    for chapter in book.chapters:
        swaps = chapter.swaps(book.target_names)
        for block in chapter.blocks:
            if block.kind not in PROSE:
                continue
            for sentence in prose_sentences(block, swaps):
                if sentence.words > limit:
                    yield Finding(
                        _at(chapter, sentence.line),
                        "PL005",
                        f"sentence of {sentence.words} words (limit {limit}) "
                        f"{_quote(sentence.text, 50)}; split it into shorter sentences",
                    )


# --- PL101 empty sections, PL102 heading jumps --------------------------------------------

_CONTENT = PROSE | {"table", "figure", "code", "caption"}
# pandoc fills these with the bibliography (at the end, or where `::: {#refs}` stands).
_FILLED_BY_PANDOC = re.compile(r"references|bibliography|works cited|reference list", re.I)


def empty_sections(book: Book) -> Iterator[Finding]:
    """PL101: a heading followed by nothing before the next heading of its level or above."""
    for chapter in book.chapters:
        blocks = chapter.blocks
        for index, block in enumerate(blocks):
            if block.kind != "heading":
                continue
            section = []
            for later in blocks[index + 1 :]:
                if later.kind == "heading" and later.level <= block.level:
                    break
                section.append(later)
            filled = _FILLED_BY_PANDOC.fullmatch(_heading_text(block).strip()) or any(
                part.kind == "fence" and "#refs" in part.text for part in section
            )
            if not filled and not any(part.kind in _CONTENT for part in section):
                yield Finding(
                    _at(chapter, block.first),
                    "PL101",
                    f"section {_quote(_heading_text(block))} has no text under it; write "
                    "it, or remove the heading",
                )


def _heading_text(block: Block) -> str:
    return re.sub(r"\s*\{[^}]*\}\s*$", "", block.text)


def heading_jumps(book: Book) -> Iterator[Finding]:
    """PL102: a heading more than one level deeper than the one before it."""
    for chapter in book.chapters:
        previous = 0
        for block in chapter.blocks:
            if block.kind != "heading":
                continue
            if previous and block.level > previous + 1:
                yield Finding(
                    _at(chapter, block.first),
                    "PL102",
                    f"heading level jumps from {'#' * previous} to {'#' * block.level} "
                    f"({_quote(_heading_text(block), 40)}); use {'#' * (previous + 1)}: "
                    "screen-reader users move through a book by heading levels",
                )
            previous = block.level


# --- PL103 alt text ----------------------------------------------------------------------

_IMAGES = (
    re.compile(
        r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]*)[^)]*\)(?:\{(?P<attrs>[^}]*)\})?",
    ),
    re.compile(r"!\[(?P<alt>[^\]]*)\]\[(?P<src>[^\]]*)\](?:\{(?P<attrs>[^}]*)\})?"),
    re.compile(r"<img\b(?P<attrs>[^>]*)>", re.IGNORECASE),
)
_ATTR_VALUE = r"""\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>}]+))"""
GENERIC_ALT = frozenset(
    {
        "image",
        "img",
        "picture",
        "pic",
        "photo",
        "photograph",
        "figure",
        "fig",
        "graphic",
        "chart",
        "graph",
        "diagram",
        "illustration",
        "drawing",
        "icon",
        "logo",
        "banner",
        "thumbnail",
        "screenshot",
        "screen shot",
        "untitled",
        "alt",
        "alt text",
        "placeholder",
        "description",
        "image description",
        "media",
    }
)
_NUMBERED_GENERIC = re.compile(
    r"(?:image|img|picture|pic|photo|figure|fig|graphic|chart|diagram|screenshot|dsc|dscn|pxl)"
    r"\s*\d+"
)
_IMAGE_FILE = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|tiff?|bmp|avif)$", re.IGNORECASE)


def _attribute(attrs: str | None, name: str) -> str | None:
    if not attrs:
        return None
    match = re.search(rf"(?<![\w-]){re.escape(name)}{_ATTR_VALUE}", attrs)
    return next((g for g in match.groups() if g is not None), None) if match else None


def not_real_alt(alt: str, src: str) -> bool:
    """True when the alt text only names the file or says 'image' (it tells a listener
    nothing about what the picture shows)."""
    words = " ".join(re.sub(r"[\W_]+", " ", alt.lower()).split())
    stem = posixpath.splitext(posixpath.basename(src))[0]
    # The stem as written ('kidney-scan_02', or 'kidneys' in the file's own case); a caption
    # that merely shares its words ('Kidney scan', 'Kidneys') is a description.
    looks_like_a_file = bool(re.search(r"[-_.\d]", stem))
    return bool(
        words in GENERIC_ALT
        or _NUMBERED_GENERIC.fullmatch(words)
        or _IMAGE_FILE.search(alt.strip())
        or alt.strip() == stem
        or (looks_like_a_file and alt.strip().lower() == stem.lower())
    )


def poor_alt_text(book: Book) -> Iterator[Finding]:
    """PL103: an image whose alt text is its file name or a word like 'image'."""
    for chapter in book.chapters:
        for number, line in visible_lines(chapter):
            for pattern in _IMAGES:
                for match in pattern.finditer(line):
                    attrs = match.group("attrs")
                    groups = match.groupdict()
                    src = groups.get("src") or _attribute(attrs, "src") or ""
                    alt = (
                        _attribute(attrs, "alt")
                        or _attribute(attrs, "fig-alt")
                        or plain(groups.get("alt") or "")
                    ).strip()
                    if alt and not_real_alt(alt, src):
                        yield Finding(
                            _at(chapter, number),
                            "PL103",
                            f"image '{src}' has alt text {_quote(alt, 40)}, which says nothing "
                            'about what it shows; describe the picture: {alt="…"}',
                        )


# --- PL201, PL202 references --------------------------------------------------------------

_NAME_FIELDS = ("author", "editor", "container-author", "collection-editor", "director")


def uncited_references(book: Book) -> Iterator[Finding]:
    """PL201: a bibliography entry no chapter cites (the build leaves it out)."""
    for key, entry in book.bibliography.items():
        if key not in book.cited_keys:
            yield Finding(
                entry.location,
                "PL201",
                f"reference '{key}' is never cited, so it is not listed; cite it or remove it",
            )


def _has_names(data: Mapping[str, object]) -> bool:
    for field in _NAME_FIELDS:
        names = data.get(field)
        if isinstance(names, list) and any(
            isinstance(name, dict)
            and any(str(name.get(part) or "").strip() for part in ("family", "literal", "given"))
            for name in names
        ):
            return True
    return False


def _has_year(data: Mapping[str, object]) -> bool:
    issued = data.get("issued")
    if not isinstance(issued, dict):
        return False
    parts = issued.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        return bool(str(parts[0][0]).strip())
    return bool(re.search(r"\d{4}", str(issued.get("literal") or issued.get("raw") or "")))


def incomplete_references(book: Book) -> Iterator[Finding]:
    """PL202: a reference without author or year: a reader cannot judge or find it."""
    for key, entry in book.bibliography.items():
        missing = [
            what
            for what, present in (
                ("author", _has_names(entry.data)),
                ("year", _has_year(entry.data)),
            )
            if not present
        ]
        if missing:
            yield Finding(
                entry.location,
                "PL202",
                f"reference '{key}' has no {' and no '.join(missing)}; complete it from the "
                'source ("author": [{"family": "…"}] or [{"literal": "NHS"}], '
                '"issued": {"date-parts": [[2021]]})',
            )


# --- PL301, PL302 review date ----------------------------------------------------------------


def _key_line(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"{re.escape(key)}\s*:", line):
            return number
    return None


def review_date(book: Book) -> Iterator[Finding]:
    """PL301/PL302: patient material must say when it was last reviewed, and be in date."""
    meta = book.meta
    if meta.review_date is None:
        yield Finding(
            Location(meta.source, _key_line(book.book_text, "date")),
            "PL302",
            "no review date; add 'review-date: YYYY-MM-DD' (when the content must next be "
            "checked): patient material must show when it was last reviewed",
        )
    elif meta.review_date < book.today:
        yield Finding(
            Location(meta.source, _key_line(book.book_text, "review-date")),
            "PL301",
            f"the review date {meta.review_date} has passed (today is {book.today}); have the "
            "content reviewed, then set the next 'review-date'",
        )


RULE_CHECKS: tuple[Check, ...] = (
    placeholder_text,
    vague_links,
    bare_urls,
    duplicate_paragraphs,
    long_sentences,
    empty_sections,
    heading_jumps,
    poor_alt_text,
    uncited_references,
    incomplete_references,
    review_date,
)
