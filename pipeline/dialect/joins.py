"""Constructs that pandoc lets run over several lines of a paragraph, joined onto one.

The pre-pass reads line by line; an inline note `^[…]` or math `$…$` broken over lines would
be missed. Joining such lines (a paragraph's lines are one run of text anyway) keeps the
first line's number for everything in it.
"""

from __future__ import annotations

import re

from . import math

_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CAPTION = re.compile(r"^(?:Table)?:\s")
_BLOCK_START = re.compile(r"^\s*(?:[-*+]\s|\d+[.)]\s|#|>|\||:::|\[\^|```|~~~)")


def join_open_constructs(
    lines: tuple[str, ...], numbers: tuple[int, ...]
) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Lines with every unclosed `^[` or `$` joined to the lines that close it."""
    out: list[str] = []
    out_numbers: list[int] = []
    fence: str | None = None
    for line, number in zip(lines, numbers, strict=True):
        opening = _FENCE.match(line)
        if fence is not None or opening:
            if fence is None:
                fence = opening.group(1) if opening else None
            elif opening and opening.group(1)[0] == fence[0] and not line.strip().strip(fence[0]):
                fence = None
            out.append(line)
            out_numbers.append(number)
            continue
        if out and line.strip() and _continues(out[-1], line):
            out[-1] = out[-1].rstrip() + "\n" + line
            continue
        out.append(line)
        out_numbers.append(number)
    return tuple(out), tuple(out_numbers)


def _continues(previous: str, line: str) -> bool:
    """True when `line` is the rest of a note or formula left open on `previous`."""
    if not previous.strip() or previous.startswith(("    ", "\t")) or _BLOCK_START.match(line):
        return False
    if _CAPTION.match(previous):
        return True  # pandoc's table captions run on to the next blank line
    plain = _CODE_SPAN.sub(lambda m: "x" * len(m.group(0)), previous)
    return note_open(plain) or (math.left_open(plain) and "$" in line)


def note_open(text: str) -> bool:
    """An inline note `^[` whose `]` has not come yet."""
    start = text.find("^[")
    while start >= 0:
        if closing_bracket(text, start + 1) is None:
            return True
        start = text.find("^[", start + 2)
    return False


def closing_bracket(text: str, start: int) -> int | None:
    """Index of the `]` closing the `[` at `start`; code spans and escapes are skipped."""
    depth, index = 0, start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "`":
            run = len(text[index:]) - len(text[index:].lstrip("`"))
            close = text.find("`" * run, index + run)
            index = close + run if close >= 0 else index + run
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None
