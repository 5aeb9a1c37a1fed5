"""The plain-language report: reading grades per chapter and section, long sentences, hard words.

What is scored: the running text a reader reads — paragraphs, list items, block quotes, box
bodies and footnotes — as `text.py` extracts it: no headings, box titles, table cells, captions
or code; citations removed, cross-references read as printed ("Table 1"), links as their words,
URLs and e-mail addresses removed. Each sentence is given to textstat with exactly one end mark
(a list item or a line ending in a colon ends a sentence too), so textstat's splitter sees the
same sentences as this module. The grades are textstat 0.7.8's formulas on that text; the HTML
report prints the very text scored for each section, so anyone can recompute them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import textstat

from ..core.errors import Location
from .rules import Book, ChapterText
from .text import PROSE, Block, Sentence, plain, plain_line, prose_sentences

DEFAULT_TARGET = 8.0
LONGEST_SHOWN = 5
HARDEST_SHOWN = 12
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")


@dataclass(frozen=True)
class Grades:
    """Reading grades of one stretch of text (US school grades; lower is easier)."""

    words: int
    sentences: int
    flesch_kincaid: float
    smog: float
    coleman_liau: float


@dataclass(frozen=True)
class Section:
    """A `##` section with its subsections, or a chapter's opening before its first `##`."""

    title: str
    location: Location
    grades: Grades
    scored_text: str


@dataclass(frozen=True)
class ChapterGrades:
    """A chapter's grades as a whole and per section."""

    number: int
    title: str
    location: Location
    grades: Grades
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class LongSentence:
    """One of the book's longest sentences and where it starts."""

    words: int
    text: str
    location: Location


@dataclass(frozen=True)
class HardWord:
    """A word of many syllables, how often it is used and on which lines."""

    word: str
    syllables: int
    locations: tuple[Location, ...]


@dataclass(frozen=True)
class Readability:
    """The whole report, ready for the terminal and the HTML page."""

    title: str
    lang: str
    target: float
    target_given: bool
    book: Grades
    chapters: tuple[ChapterGrades, ...]
    longest: tuple[LongSentence, ...]
    hardest: tuple[HardWord, ...]


def grades(sentences: Iterable[Sentence]) -> tuple[Grades, str]:
    """textstat's grades of some sentences, and the exact text they were computed on."""
    listed = tuple(sentences)
    text = " ".join(sentence.scored() for sentence in listed)
    if not listed:
        return Grades(0, 0, 0.0, 0.0, 0.0), ""
    return (
        Grades(
            words=sum(s.words for s in listed),
            sentences=len(listed),
            flesch_kincaid=float(textstat.flesch_kincaid_grade(text)),
            smog=float(textstat.smog_index(text)),
            coleman_liau=float(textstat.coleman_liau_index(text)),
        ),
        text,
    )


def readability(book: Book) -> Readability:
    """Grade every chapter and section of the book; list its longest sentences and hardest
    words."""
    chapters = []
    every: list[tuple[str, Sentence]] = []
    for number, chapter in enumerate(book.chapters, start=1):
        swaps = chapter.swaps(book.target_names)
        parts = _sections(chapter)
        sections = []
        chapter_sentences: list[Sentence] = []
        for title, where, blocks in parts:
            found = [s for block in blocks for s in prose_sentences(block, swaps)]
            if not found:
                continue
            chapter_sentences += found
            section_grades, text = grades(found)
            sections.append(Section(title, where, section_grades, text))
        every += [(chapter.path, s) for s in chapter_sentences]
        title, where, _ = parts[0]
        chapters.append(
            ChapterGrades(number, title, where, grades(chapter_sentences)[0], tuple(sections))
        )
    longest = sorted(every, key=lambda item: -item[1].words)[:LONGEST_SHOWN]
    target = book.meta.proof.reading_grade
    return Readability(
        title=book.meta.title,
        lang=book.meta.lang,
        target=target if target is not None else DEFAULT_TARGET,
        target_given=target is not None,
        book=grades(s for _, s in every)[0],
        chapters=tuple(chapters),
        longest=tuple(LongSentence(s.words, s.text, Location(p, s.line)) for p, s in longest),
        hardest=_hardest_words(book),
    )


def _sections(chapter: ChapterText) -> list[tuple[str, Location, list[Block]]]:
    """The chapter cut at its `#` and `##` headings: (title, place, prose blocks). The first
    part carries the chapter's title and holds its opening text."""
    parts: list[tuple[str, Location, list[Block]]] = []
    for block in chapter.blocks:
        if block.kind == "heading" and block.level <= 2:
            title = " ".join(plain(re.sub(r"\s*\{[^}]*\}\s*$", "", block.text)).split())
            parts.append((title, Location(chapter.path, block.first), []))
        elif block.kind in PROSE:
            if not parts:
                parts.append(("", Location(chapter.path, block.first), []))
            parts[-1][2].append(block)
    if parts and parts[0][2] and len(parts) > 1:
        # The chapter title's own part is its opening text, shown as a section of its own.
        title, where, blocks = parts[0]
        parts.insert(1, ("(opening)", Location(where.path, blocks[0].first), blocks))
        parts[0] = (title, where, [])
    return parts or [("", Location(chapter.path, 1), [])]


def _hardest_words(book: Book) -> tuple[HardWord, ...]:
    """The words of most syllables in the running text (ties: the longer word first), each
    with every line it is on. Acronyms (COVID, ARDS) are left out: they are read as letters."""
    places: dict[str, list[Location]] = {}
    shown: dict[str, str] = {}
    for chapter in book.chapters:
        swaps = chapter.swaps(book.target_names)
        for block in chapter.blocks:
            if block.kind not in PROSE:
                continue
            for number, line in zip(block.lines, block.text.split("\n"), strict=False):
                for word in _WORD.findall(plain(plain_line(line, swaps.get(number, ())))):
                    if word.isupper() and len(word) > 1:
                        continue
                    key = word.lower().replace("’", "'")
                    shown.setdefault(key, word if not word[0].isupper() else key)
                    places.setdefault(key, []).append(Location(chapter.path, number))
    counted = sorted(
        ((int(textstat.syllable_count(key)), key) for key in places),
        key=lambda item: (-item[0], -len(item[1]), item[1]),
    )
    return tuple(
        HardWord(shown[key], syllables, tuple(dict.fromkeys(places[key])))
        for syllables, key in counted[:HARDEST_SHOWN]
    )


def over_target(value: float, target: float) -> bool:
    """A grade above the target (shown to one decimal, as it is compared)."""
    return round(value, 1) > target
