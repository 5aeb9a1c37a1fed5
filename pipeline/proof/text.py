"""A chapter read as its reader reads it: blocks with their lines, plain prose, sentences.

Python-Markdown keeps no source positions, so lint and the plain-language report read the raw
lines themselves: a block reader (headings, paragraphs, list items, quotes, tables, code…), a
cleaner that turns a block's Markdown into the words a reader sees while keeping every line
break (so each sentence knows its line), and a sentence splitter.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

# Blocks whose words are running text: scored for reading grade, split into sentences.
PROSE = frozenset({"paragraph", "item", "quote", "note"})

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_DIV = re.compile(r"^ {0,3}:{3,}")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:\s+(.*?))?\s*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_ITEM = re.compile(r"^(\s*)([-*+]|\d+[.)])(\s+|$)")
_QUOTE = re.compile(r"^ {0,3}> ?")
_NOTE = re.compile(r"^ {0,3}\[\^[^\]\s]+\]:\s*")
_DEFINITION = re.compile(r"^ {0,3}:\s+")
_CAPTION = re.compile(r"^(?:Table)?:\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_LONE_TAG = re.compile(r"^\s*</?[A-Za-z][\w-]*(\s[^>]*)?/?>\s*$")
_FIGURE = re.compile(r"^\s*!\[[^\]]*\]\([^)]*\)(\{[^}]*\})?\s*$")
_HR = re.compile(r"^ {0,3}([-*_])(\s*\1){2,}\s*$")


@dataclass(frozen=True)
class Block:
    """A run of lines that reads as one thing; `text` has Markdown's block markers removed."""

    kind: str
    first: int
    last: int
    text: str
    level: int = 0

    @property
    def lines(self) -> range:
        """The line numbers the block covers."""
        return range(self.first, self.last + 1)


def read_blocks(source: str) -> tuple[Block, ...]:
    """Split a chapter into blocks, each with its first and last line (1-based)."""
    lines = source.splitlines()
    blocks: list[Block] = []
    index = _front_matter_end(lines)
    if index:
        blocks.append(Block("meta", 1, index, "\n".join(lines[:index])))
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        block = _block_at(lines, index, blocks[-1] if blocks else None)
        blocks.append(block)
        index = block.last
    return tuple(blocks)


def _front_matter_end(lines: list[str]) -> int:
    """Lines taken by YAML front matter (`---` … `---` at the top of a chapter), or 0."""
    if not lines or lines[0].strip() != "---":
        return 0
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() in {"---", "..."}:
            return number
    return 0


def _block_at(lines: list[str], index: int, previous: Block | None) -> Block:
    line = lines[index]
    number = index + 1
    after = lines[index + 1] if index + 1 < len(lines) else ""
    fence = _FENCE.match(line)
    if fence:
        end = next(
            (
                i
                for i in range(index + 1, len(lines))
                if (closing := _FENCE.match(lines[i]))
                and closing.group(1)[0] == fence.group(1)[0]
                and len(closing.group(1)) >= len(fence.group(1))
            ),
            len(lines) - 1,
        )
        return Block("code", number, end + 1, "\n".join(lines[index : end + 1]))
    if line.lstrip().startswith("<!--"):
        end = next((i for i in range(index, len(lines)) if "-->" in lines[i]), len(lines) - 1)
        return Block("comment", number, end + 1, "\n".join(lines[index : end + 1]))
    if _DIV.match(line):
        return Block("fence", number, number, line)
    heading = _ATX.match(line)
    if heading:
        return Block("heading", number, number, heading.group(2) or "", len(heading.group(1)))
    if _HR.match(line):
        return Block("rule", number, number, line)
    if _FIGURE.match(line) and not after.strip():
        return Block("figure", number, number, line)
    if previous is not None and previous.kind == "table" and _CAPTION.match(line):
        return Block("caption", number, number, _CAPTION.sub("", line))
    if "|" in line and _TABLE_RULE.match(after) and "-" in after:
        return _run("table", lines, index, lambda text: bool(text.strip()))
    if _ITEM.match(line):
        return _item(lines, index)
    if _QUOTE.match(line):
        block = _run("quote", lines, index, lambda text: bool(text.strip()))
        return Block("quote", block.first, block.last, _strip_each(block.text, _QUOTE))
    if _NOTE.match(line):
        block = _item(lines, index, "note")
        return Block("note", block.first, block.last, _NOTE.sub("", block.text, count=1))
    if _DEFINITION.match(line):
        block = _item(lines, index, "item")
        return Block("item", block.first, block.last, _DEFINITION.sub("", block.text, count=1))
    if _LONE_TAG.match(line):
        return Block("html", number, number, line)
    if line.startswith(("    ", "\t")) and (
        previous is None or previous.kind not in {"item", "note"}
    ):
        return _run("code", lines, index, lambda text: text.startswith(("    ", "\t")))
    if _SETEXT.match(after) and not _ITEM.match(line):
        return Block("heading", number, number + 1, line.strip(), 1 if "=" in after else 2)
    block = _run("paragraph", lines, index, _continues_paragraph)
    return block


def _continues_paragraph(text: str) -> bool:
    """A line that carries on the paragraph above (nothing else starts there)."""
    return bool(
        text.strip()
        and not _ATX.match(text)
        and not _FENCE.match(text)
        and not _DIV.match(text)
        and not _ITEM.match(text)
        and not _QUOTE.match(text)
        and not _LONE_TAG.match(text)
        and not text.lstrip().startswith("<!--")
        and not _SETEXT.match(text)
    )


def _run(kind: str, lines: list[str], index: int, continues: Callable[[str], bool]) -> Block:
    end = index + 1
    while end < len(lines) and continues(lines[end]):
        end += 1
    return Block(kind, index + 1, end, "\n".join(lines[index:end]))


def _item(lines: list[str], index: int, kind: str = "item") -> Block:
    """A list item and its continuation lines (up to a blank line or the next item)."""
    first = _ITEM.match(lines[index])
    text = [lines[index][first.end() :] if first else lines[index]]
    end = index + 1
    while end < len(lines):
        line = lines[end]
        if (
            not line.strip()
            or _ITEM.match(line)
            or _NOTE.match(line)
            or not _continues_paragraph(line)
        ):
            break
        text.append(line.strip())
        end += 1
    return Block(kind, index + 1, end, "\n".join(text))


def _strip_each(text: str, marker: re.Pattern[str]) -> str:
    return "\n".join(marker.sub("", line, count=1) for line in text.split("\n"))


# --- From Markdown to the words a reader sees -------------------------------------------------

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_IMAGE = re.compile(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])(?:\{[^}]*\})?")
_LINK = re.compile(r"\[(?P<text>[^\]]*)\](?:\([^)]*\)|\[[^\]]*\])(?:\{[^}]*\})?")
_SPAN = re.compile(r"\[(?P<text>[^\]]*)\]\{[^}]*\}")
_AUTOLINK = re.compile(r"<(?:https?://|mailto:|www\.)[^>\s]*>", re.IGNORECASE)
URL = re.compile(r"\b(?:https?://|www\.)[^\s<>()\[\]]*[^\s<>()\[\].,;:!?'\"”’]", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]\s]+\]")
_ATTRIBUTES = re.compile(r"\{[:#.][^}]*\}|\{-\}")
_TAG = re.compile(r"</?[A-Za-z][\w-]*(?:\s[^>]*)?/?>")
_EMPHASIS = re.compile(r"\*{1,3}|(?<![\w])_{1,3}|_{1,3}(?![\w])|~~|\^|==")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~^:])")
_SET_ASIDE = 0xF0000  # a private-use plane: escaped ASCII characters wait there
_SPACE_BEFORE_MARK = re.compile(r"[ \t]+([.,;:!?)\]])")


def _keeping_lines(replace: Callable[[re.Match[str]], str]) -> Callable[[re.Match[str]], str]:
    """A substitution that leaves as many line breaks as it removed, so lines stay countable."""

    def substitute(match: re.Match[str]) -> str:
        new = replace(match)
        return new + "\n" * max(0, match.group(0).count("\n") - new.count("\n"))

    return substitute


def plain(markdown: str) -> str:
    """The words of a block as a reader sees them, with its line breaks kept.

    Removed: comments, code, images, URLs and e-mail addresses, footnote calls, attributes,
    HTML tags and emphasis marks. Links and spans keep their text; entities and backslash
    escapes become the characters they stand for. (Citations and cross-references are swapped
    before, line by line, as the dialect found them: see `plain_line`.)
    """
    # Escaped characters are set aside first, so `\*` survives the removal of emphasis.
    text = _ESCAPE.sub(lambda m: chr(_SET_ASIDE + ord(m.group(1))), markdown)
    steps: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
        (_COMMENT, lambda m: ""),
        (_CODE_SPAN, lambda m: ""),
        (_IMAGE, lambda m: ""),
        (_AUTOLINK, lambda m: ""),
        (_LINK, lambda m: m.group("text")),
        (_SPAN, lambda m: m.group("text")),
        (URL, lambda m: ""),
        (_EMAIL, lambda m: ""),
        (_FOOTNOTE_REF, lambda m: ""),
        (_ATTRIBUTES, lambda m: ""),
        (_TAG, lambda m: ""),
        (_EMPHASIS, lambda m: ""),
    ]
    for pattern, replace in steps:
        text = pattern.sub(_keeping_lines(replace), text)
    text = re.sub("[\U000f0000-\U000f00ff]", lambda m: chr(ord(m.group(0)) - _SET_ASIDE), text)
    return _SPACE_BEFORE_MARK.sub(r"\1", html.unescape(text))


# --- Sentences -----------------------------------------------------------------------------

# A full stop after these does not end a sentence ("e.g. Vitamin D", "Dr. Smith").
ABBREVIATIONS = re.compile(
    r"e\.g|i\.e|eg|ie|vs|cf|al|dr|mrs?|ms|mx|prof|st|figs?|approx|ca|pp?|vol|eds?"
    r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|inc|ltd|co",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([\w.]+)\.$")
_ENDING = re.compile(r"([.!?])[.!?…]*[\"'”’)\]]*$")
_TRAILING = " :;,–—-"


@dataclass(frozen=True)
class Sentence:
    """One sentence of running text, its words as printed, and the line it starts on."""

    text: str
    line: int

    @property
    def words(self) -> int:
        """Words as textstat counts them: space-separated runs holding a letter or digit
        ('COVID-19' and '30–40%' are one word each, a lone dash is none)."""
        return count_words(self.text)

    def scored(self) -> str:
        """The sentence as the reading-grade formulas get it: its own end mark (a full stop
        when it has none, as a list item or a line ending in a colon) and no other, so that
        textstat's splitter, which cuts at every '.', '!' and '?', finds this very sentence."""
        ending = _ENDING.search(self.text)
        body = self.text[: ending.start()] if ending else self.text
        return re.sub(r"[.!?…]", "", body).rstrip(_TRAILING) + (ending.group(1) if ending else ".")


def count_words(text: str) -> int:
    """Space-separated runs of text that hold at least one letter or digit."""
    return sum(1 for token in text.split() if re.search(r"\w", token))


def sentences(text: str, first_line: int) -> tuple[Sentence, ...]:
    """Split a block's plain text into sentences; the end of the block ends one too."""
    found: list[Sentence] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        before = _WORD_BEFORE.search(text[: match.start() + 1])
        if match.group(0).startswith(".") and before and _is_abbreviation(before.group(1)):
            continue
        found += _sentence(text, start, match.end(), first_line)
        start = match.end()
    found += _sentence(text, start, len(text), first_line)
    return tuple(found)


def _is_abbreviation(word: str) -> bool:
    # Not single capitals: in patient text "vitamin D." ends far more sentences than "J. Smith".
    return bool(ABBREVIATIONS.fullmatch(word))


def _sentence(text: str, start: int, end: int, first_line: int) -> list[Sentence]:
    piece = text[start:end]
    words = " ".join(piece.split())
    if not count_words(words):
        return []
    offset = start + len(piece) - len(piece.lstrip())
    return [Sentence(words, first_line + text[:offset].count("\n"))]


def prose_sentences(
    block: Block, swaps: Mapping[int, tuple[tuple[str, str], ...]]
) -> tuple[Sentence, ...]:
    """The sentences of a prose block; `swaps` are the dialect's citations by line."""
    lines = block.text.split("\n")
    cleaned = "\n".join(
        plain_line(line, swaps.get(number, ()))
        for number, line in zip(block.lines, lines, strict=False)
    )
    return sentences(plain(cleaned), block.first)


def plain_line(line: str, swaps: Iterable[tuple[str, str]]) -> str:
    """One raw line with the dialect's citations and cross-references swapped for their text."""
    for source, reads_as in swaps:
        line = line.replace(source, reads_as)
    return line
