"""Lists as pandoc reads them, rewritten into the shape Python-Markdown reads the same way.

pandoc nests a list item's content by its content column (two spaces under `- `, three under
`1. `); Python-Markdown wants four spaces per level and silently flattens the rest. pandoc also
reads fancy markers (`#.`, `a)`, `(iv)`, `B.`), which Python-Markdown does not know. This
pass re-indents list items to four spaces per level and rewrites each marker as a decimal
one, leaving a marker for the list's style (`a`, `A`, `i`, `I`) that the parse stage turns
into `<ol type>`. Every line keeps its place, so line numbers stay true.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STYLE_MARK = '<span data-ol-type="{}"></span>'
LIST_SEPARATOR = " a new list "  # an HTML comment that ends one list before the next
_CORE = r"(?:\d{1,9}|#|[A-Za-z]|[ivxlcdm]+|[IVXLCDM]+)"
_MARKER = re.compile(
    rf"^(?P<indent> *)(?P<marker>[-*+]|\((?:{_CORE}|@[\w-]*)\)|{_CORE}[.)])(?P<space>[ \t]+|$)"
    r"(?P<rest>.*)$"
)
_RULE = re.compile(r"^ {0,3}([-*_])( *\1){2,} *$")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_ROMAN = re.compile(r"^(?=[MDCLXVI])M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


@dataclass
class _Item:
    source_column: int  # where the item's content starts in the source
    column: int  # where it starts in the rewritten text
    style: str = "1"  # the list's numbering: 1, a, A, i, I (a sibling keeps it: `v.` after `iv.`)
    delimiter: str = "-"  # `.`, `)`, `()` or the bullet


def normalise_lists(
    lines: tuple[str, ...], numbers: tuple[int, ...], examples: dict[str, int] | None = None
) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The lines with list items indented and marked as Python-Markdown needs, each with its
    source line number (a blank line is added where Python-Markdown needs one). pandoc's
    example items `(@)`, `(@label)` are numbered on through the chapter; `examples` receives
    each label's number, for the `(@label)` references in the text."""
    out: list[str] = []
    out_numbers: list[int] = []
    for number, line in zip(
        numbers, _normalised(lines, {} if examples is None else examples), strict=True
    ):
        for piece in line.split("\n"):
            out.append(piece)
            out_numbers.append(number)
    return tuple(out), tuple(out_numbers)


def _normalised(lines: tuple[str, ...], examples: dict[str, int]) -> list[str]:
    out: list[str] = []
    stack: list[_Item] = []
    fence: str | None = None
    previous_blank = True
    in_list_before = after_item = False
    for raw in lines:
        line = _expand_leading_tabs(raw)
        if not line.strip():
            out.append(raw if not stack else "")
            previous_blank = True
            continue
        indent = len(line) - len(line.lstrip(" "))
        if fence is not None:
            out.append(_shift(line, indent, stack) if stack else raw)
            closing = _FENCE.match(line)
            if closing and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence):
                fence = None
            continue
        if not stack and _RULE.match(line) and " " in line.strip():
            out.append("***")  # pandoc's `*   *   *`; Python-Markdown wants them closer
            previous_blank = False
            continue
        marker = _MARKER.match(line)
        if marker and not _is_marker(marker, stack):
            marker = None
        in_list_before = bool(stack)
        sibling = None
        while stack and indent < stack[-1].source_column:
            if not previous_blank and marker is None:
                break  # a lazy continuation line: pandoc keeps it in the paragraph
            sibling = stack.pop()
        if marker and (stack or previous_blank or in_list_before):
            item = _item(marker, indent, stack, sibling, examples)
            if sibling and not previous_blank and not after_item:
                item = "\n" + item  # a paragraph line above: Python-Markdown needs a blank
            elif _starts_new_list(sibling, stack[-1]) and previous_blank and len(stack) == 1:
                item = f"<!--{LIST_SEPARATOR}-->\n\n" + item  # pandoc starts a list per style
            out.append(item)
            after_item = True
            previous_blank = False
            continue
        elif stack:
            out.append(_shift(line, indent, stack))
        else:
            out.append(raw)
        opening = _FENCE.match(line)
        if opening:
            fence = opening.group(1)
        previous_blank = after_item = False
    return out


def _starts_new_list(sibling: _Item | None, item: _Item) -> bool:
    """pandoc ends a list where the numbering style or the delimiter changes."""
    return (
        sibling is not None
        and sibling.column == item.column
        and (sibling.style, sibling.delimiter) != (item.style, item.delimiter)
    )


def _expand_leading_tabs(line: str) -> str:
    """Tabs before the text (and after a list marker) count as four-column stops."""
    match = re.match(r"^[ \t]*(?:(?:[-*+]|\(?[\w#]{1,9}[.)])[ \t]+)?", line)
    head = match.group(0) if match else ""
    return head.expandtabs(4) + line[len(head) :] if "\t" in head else line


def _is_marker(marker: re.Match[str], stack: list[_Item]) -> bool:
    """pandoc's rules: at most three spaces in at the top, a rule is no item, and
    `B. Williams` is a name (a capital letter with a period needs two spaces after it)."""
    text = marker.group("marker")
    if (not stack and len(marker.group("indent")) > 3) or _RULE.match(marker.group(0)):
        return False
    core = text.strip("().")
    return not (
        len(core) == 1 and core.isupper() and text.endswith(".") and len(marker.group("space")) < 2
    )


def _item(
    marker: re.Match[str],
    indent: int,
    stack: list[_Item],
    sibling: _Item | None,
    examples: dict[str, int],
) -> str:
    text = marker.group("marker")
    space = marker.group("space").expandtabs(4)
    content_gap = len(space) if 0 < len(space) <= 4 else 1
    column = stack[-1].column if stack else 0
    rest = marker.group("rest")
    if text in "-*+":
        stack.append(_Item(indent + len(text) + content_gap, column + 4, "-", text))
        return f"{' ' * column}{text} {rest}"
    same_list = sibling is not None and sibling.column == column + 4
    if text.startswith("(@"):
        number, style = _example(text[2:-1], examples)
    else:
        number, style = _ordinal(
            text.strip("()."), sibling.style if same_list and sibling else None
        )
    delimiter = "()" if text.startswith("(") else text[-1]
    stack.append(_Item(indent + len(text) + content_gap, column + 4, style, delimiter))
    mark = STYLE_MARK.format(style) if style != "1" else ""
    return f"{' ' * column}{number}. {mark}{rest}"


def _example(label: str, examples: dict[str, int]) -> tuple[int, str]:
    """The next example number (pandoc numbers `(@)` items on through the document)."""
    number = examples.setdefault("", 0) + 1
    examples[""] = number
    if label:
        examples[label] = number
    return number, "1"


def _ordinal(core: str, style: str | None) -> tuple[int, str]:
    """`#` -> (1, '1'), `c` -> (3, 'a'), `iv` -> (4, 'i'), `IV` -> (4, 'I'), `12` -> (12, '1');
    a single letter is a roman numeral when the list already is one."""
    if core.isdigit():
        return int(core), "1"
    if core == "#":
        return 1, "1"
    roman = len(core) > 1 or core in "iI" or (style or "").lower() == "i"
    if roman and _ROMAN.match(core.upper()):
        return _roman(core.upper()), "i" if core.islower() else "I"
    return ord(core.lower()) - ord("a") + 1, "a" if core.islower() else "A"


def _roman(numeral: str) -> int:
    values = [_ROMAN_VALUES[c] for c in numeral]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def _shift(line: str, indent: int, stack: list[_Item]) -> str:
    """A line inside the innermost item, moved from its source column to the rewritten one."""
    item = stack[-1]
    kept = line[min(indent, item.source_column) :]
    return " " * item.column + kept
