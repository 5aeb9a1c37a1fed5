"""pandoc's reading of the Word document, reshaped into what the manuscript should say.

Paragraph styles go through the style map (boxes, quotes, headings, classes); the empty
paragraphs Word users type for space and typed rules go; numbers and bullets typed by hand
become lists; "Table 1:" and "Figure 2." captions lose their typed numbers (the pipeline
numbers tables and figures itself). Every guess goes to the log with its place.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import stylemap
from .log import DECISION, LEFT_OUT, WARNING, Note
from .tree import Node, attributes, content, inlines_of, is_blank, kind, text

Locate = Callable[[str], str]

_TYPED_NUMBER = re.compile(
    r"^(?:(?P<num>\d{1,3})|(?P<alpha>[a-z])|(?P<roman>(?:i{1,3}|iv|v|vi{1,3}|ix|x)))(?P<delim>[.)])$"
)
_TYPED_BULLETS = frozenset("•·▪◦‣○●■□➢➤►-–*o")
_CAPTION_NUMBER = re.compile(
    r"^(?P<kind>Table|Figure|Fig\.|Chart|Diagram|Picture|Image|Illustration)\s+"
    r"(?P<number>[0-9]+(?:[.-][0-9]+)*[a-z]?)\s*[:.\u2013\u2014-]?\s*",
    re.IGNORECASE,
)
_TYPED_CITATION = re.compile(r"\[\d+(?:\s*[-\u2013,]\s*\d+)*\]")
_REFERENCE_HEADINGS = re.compile(
    r"^(references|bibliography|sources|literature|works cited)$", re.IGNORECASE
)


@dataclass
class Shaper:
    """One pass over the blocks; collects log notes and the styles it met."""

    styles: stylemap.StyleMap
    locate: Locate
    notes: list[Note] = field(default_factory=list)
    styles_found: dict[str, str] = field(default_factory=dict)
    empty_paragraphs: int = 0
    typed_citations: list[str] = field(default_factory=list)

    def note(self, kind_: str, what: str, block_text: str = "") -> None:
        where = self.locate(block_text) if block_text else ""
        self.notes.append(Note(kind_, what, where))

    def blocks(self, blocks: list[Node]) -> list[Node]:
        """The blocks reshaped."""
        out: list[Node] = []
        for block in blocks:
            out.extend(self.block(block))
        out = self._typed_lists(out)
        out = self._captions(out)
        return _merge_divs(out)

    def block(self, block: Node) -> list[Node]:
        name = kind(block)
        if name in {"Para", "Plain"}:
            if is_blank(block):
                self.empty_paragraphs += 1
                return []
            self._typed_citations(block)
            return [block]
        if name == "HorizontalRule":
            self.note(LEFT_OUT, "a horizontal rule was dropped: the editions draw their own")
            return []
        if name == "Div":
            return self._div(block)
        if name == "Header":
            level, attr, inlines = content(block)
            inlines = _without_strong(inlines)
            if not text(inlines).strip():
                return []
            return [{"t": "Header", "c": [level, attr, inlines]}]
        if name == "BlockQuote":
            return [{"t": "BlockQuote", "c": self.blocks(content(block))}]
        if name in {"BulletList", "OrderedList"}:
            items = content(block) if name == "BulletList" else content(block)[1]
            shaped = [self.blocks(item) for item in items]
            shaped = [item for item in shaped if item]
            if not shaped:
                return []
            return [
                {"t": name, "c": shaped if name == "BulletList" else [content(block)[0], shaped]}
            ]
        if name == "Table":
            return [self._table(block)]
        if name == "Figure":
            attr, caption, body = content(block)
            return [
                {"t": "Figure", "c": [attr, self._caption(caption, "Figure"), self.blocks(body)]}
            ]
        if name == "RawBlock":
            self.note(LEFT_OUT, f"a raw {content(block)[0]} block was left out")
            return []
        if name == "DefinitionList":
            items = [
                [term, [self.blocks(d) for d in definitions]]
                for term, definitions in content(block)
            ]
            return [{"t": "DefinitionList", "c": items}]
        return [block]

    def _div(self, block: Node) -> list[Node]:
        attr, inner = content(block)
        _, classes, pairs = attributes(attr)
        style = pairs.get("custom-style")
        shaped = self.blocks(inner)
        if not style or not shaped:
            return shaped
        target = self.styles.target(style)
        first = text(shaped)
        if stylemap.normalise(style) not in stylemap.PLAIN_STYLES:
            self.styles_found.setdefault(style, target)
        if target == stylemap.PARAGRAPH:
            return shaped
        if target == stylemap.DROP:
            self.note(
                LEFT_OUT, f"text in the style '{style}' was left out (style map: drop)", first
            )
            return []
        if target == stylemap.QUOTE:
            return [{"t": "BlockQuote", "c": shaped}]
        level = stylemap.heading_level(target)
        if level is not None:
            out: list[Node] = []
            for inner_block in shaped:
                if kind(inner_block) in {"Para", "Plain"}:
                    inlines = _without_strong(content(inner_block))
                    out.append({"t": "Header", "c": [level, ["", [], []], inlines]})
                else:
                    out.append(inner_block)
            return out
        classes = [target.lstrip(".")]
        is_box = target in stylemap.BOXES
        return [
            {
                "t": "Div",
                "c": [
                    [
                        "",
                        classes,
                        [["pipeline-style", style], ["pipeline-box", "1" if is_box else ""]],
                    ],
                    shaped,
                ],
            }
        ]

    def _table(self, block: Node) -> Node:
        attr, caption, colspecs, head, bodies, foot = content(block)
        return {
            "t": "Table",
            "c": [attr, self._caption(caption, "Table"), colspecs, head, bodies, foot],
        }

    def _caption(self, caption: Any, what: str) -> Any:
        short, blocks = caption
        flat = [
            b for block in blocks for b in (content(block)[1] if kind(block) == "Div" else [block])
        ]
        if not flat:
            return [short, []]
        first = flat[0]
        if kind(first) in {"Para", "Plain"}:
            inlines = _strip_caption_number(content(first), what, self)
            flat = [{"t": "Plain", "c": inlines}, *flat[1:]]
        return [short, [b for b in flat if not is_blank(b)]]

    def _typed_lists(self, blocks: list[Node]) -> list[Node]:
        """Paragraphs that start with a typed number ("1.", "a)") or bullet ("•") in a row
        become a list, the first number its start."""
        out: list[Node] = []
        index = 0
        while index < len(blocks):
            run, style = _typed_run(blocks, index)
            if len(run) < 2 and not (run and style == "number"):
                out.append(blocks[index])
                index += 1
                continue
            items = [[{"t": "Plain", "c": inlines}] for _, inlines in run]
            if style == "bullet":
                out.append({"t": "BulletList", "c": items})
                what = "bullets typed by hand"
            else:
                start, number_style, delimiter = run[0][0]
                out.append(
                    {
                        "t": "OrderedList",
                        "c": [[start, {"t": number_style}, {"t": delimiter}], items],
                    }
                )
                what = "numbers typed by hand"
            self.note(
                DECISION,
                f"{len(run)} paragraph(s) with {what} became a list",
                text(blocks[index]),
            )
            index += len(run)
        return out

    def _captions(self, blocks: list[Node]) -> list[Node]:
        """A typed "Table 1: …" paragraph just before a table without a caption is its caption;
        a typed "Figure 1. …" just after a lone picture, the picture's."""
        out: list[Node] = []
        for block in blocks:
            previous = out[-1] if out else None
            typed = _CAPTION_NUMBER.match(text(content(previous)).strip()) if previous else None
            if (
                kind(block) == "Table"
                and previous is not None
                and kind(previous) == "Para"
                and not content(block)[1][1]
                and typed is not None
                and typed.group("kind").lower() == "table"
            ):
                out.pop()
                caption = [
                    None,
                    [{"t": "Plain", "c": _strip_caption_number(content(previous), "Table", self)}],
                ]
                parts = content(block)
                out.append({"t": "Table", "c": [parts[0], caption, *parts[2:]]})
                continue
            if (
                kind(block) == "Para"
                and previous is not None
                and _lone_image(previous)
                and _CAPTION_NUMBER.match(text(content(block)).strip())
            ):
                image = next(i for i in content(previous) if kind(i) == "Image")
                out.pop()
                inlines = _strip_caption_number(content(block), "Figure", self)
                out.append(
                    {
                        "t": "Figure",
                        "c": [
                            ["", [], []],
                            [None, [{"t": "Plain", "c": inlines}]],
                            [{"t": "Plain", "c": [image]}],
                        ],
                    }
                )
                continue
            out.append(block)
        return out

    def _typed_citations(self, block: Node) -> None:
        written = text([i for i in content(block) if kind(i) != "Cite"])
        if _TYPED_CITATION.search(written):
            self.typed_citations.append(written)


def _strip_caption_number(inlines: list[Node], what: str, shaper: Shaper) -> list[Node]:
    """A caption without its typed "Table 1:" (the pipeline numbers tables itself)."""
    written = text(inlines).strip()
    match = _CAPTION_NUMBER.match(written)
    if not match:
        return inlines
    shaper.note(
        DECISION,
        f"the typed number “{match.group(0).strip()}” was dropped from a caption: the pipeline "
        f"numbers every {what.lower()} itself",
        written,
    )
    remaining = len(match.group(0).rstrip())
    out: list[Node] = []
    consumed = 0
    for node in inlines:
        if consumed >= remaining:
            out.append(node)
            continue
        piece = text([node])
        if kind(node) == "Str" and consumed + len(piece) > remaining:
            out.append({"t": "Str", "c": piece[remaining - consumed :]})
        consumed += len(piece)
    while out and kind(out[0]) in {"Space", "SoftBreak"}:
        out.pop(0)
    if out and kind(out[0]) == "Str":
        out[0] = {"t": "Str", "c": str(content(out[0])).lstrip(":.\u2013\u2014- ")}
    return out


def _typed_run(blocks: list[Node], start: int) -> tuple[list[tuple[Any, list[Node]]], str]:
    run: list[tuple[Any, list[Node]]] = []
    style = ""
    for block in blocks[start:]:
        if kind(block) != "Para" or not content(block) or kind(content(block)[0]) != "Str":
            break
        first = str(content(content(block)[0]))
        rest = content(block)[1:]
        if first in _TYPED_BULLETS and rest and kind(rest[0]) == "Space":
            if style not in {"", "bullet"}:
                break
            style = "bullet"
            run.append((None, rest[1:]))
            continue
        match = _TYPED_NUMBER.match(first)
        if not match or not rest or kind(rest[0]) != "Space":
            break
        number, number_style = _typed_value(match)
        expected = (run[-1][0][0] + 1) if run and style == "number" else None
        if style == "bullet" or (expected is not None and number != expected):
            break
        style = "number"
        delimiter = "Period" if match.group("delim") == "." else "OneParen"
        run.append(((number, number_style, delimiter), rest[1:]))
    return run, style


def _typed_value(match: re.Match[str]) -> tuple[int, str]:
    if match.group("num"):
        return int(match.group("num")), "Decimal"
    if match.group("alpha") and not match.group("roman"):
        return ord(match.group("alpha")) - ord("a") + 1, "LowerAlpha"
    roman = match.group("roman") or match.group("alpha")
    values = {"i": 1, "v": 5, "x": 10}
    total = 0
    for index, char in enumerate(roman):
        value = values[char]
        following = values[roman[index + 1]] if index + 1 < len(roman) else 0
        total += -value if value < following else value
    return total, "LowerRoman"


def _lone_image(block: Node) -> bool:
    if kind(block) not in {"Para", "Plain"}:
        return False
    inlines = [i for i in content(block) if kind(i) not in {"Space", "SoftBreak"}]
    return len(inlines) == 1 and kind(inlines[0]) == "Image"


def _without_strong(inlines: list[Node]) -> list[Node]:
    """Heading text without the bold that made it look like one in Word."""
    visible = [i for i in inlines if kind(i) not in {"Space", "SoftBreak"}]
    if visible and all(kind(i) == "Strong" for i in visible):
        out: list[Node] = []
        for node in inlines:
            out.extend(content(node) if kind(node) == "Strong" else [node])
        return out
    return inlines


def _merge_divs(blocks: list[Node]) -> list[Node]:
    """Consecutive paragraphs in one box style make one box."""
    out: list[Node] = []
    for block in blocks:
        previous = out[-1] if out else None
        if (
            previous is not None
            and kind(block) == "Div"
            and kind(previous) == "Div"
            and content(block)[0] == content(previous)[0]
        ):
            out[-1] = {
                "t": "Div",
                "c": [content(previous)[0], content(previous)[1] + content(block)[1]],
            }
        else:
            out.append(block)
    return out


def typed_citation_warning(paragraphs: list[str], locate: Locate) -> Note | None:
    """A warning when citations were typed by hand ("[1]") rather than inserted by a
    reference manager: they stay text, and the note says how to convert them."""
    example = _TYPED_CITATION.search(paragraphs[0]) if paragraphs else None
    if example is None:
        return None
    return Note(
        WARNING,
        f"{len(paragraphs)} paragraph(s) cite by typed numbers such as “"
        f"{example.group(0)}”; they are kept as text, "
        "with the typed reference list. To get linked citations and a list in the book's "
        "style, put the references in references.json (Zotero: Export > CSL JSON) and write "
        "[@key] for each number, or insert the citations with Zotero or Mendeley in Word and "
        "import again",
        locate(paragraphs[0]),
    )


def is_reference_heading(block: Node) -> bool:
    """A heading such as "References" or "Bibliography"."""
    return kind(block) == "Header" and bool(
        _REFERENCE_HEADINGS.match(text(content(block)[2]).strip())
    )


def plain_inlines(value: str) -> list[Node]:
    """Text as inlines (re-exported for the importer)."""
    return inlines_of(value)
