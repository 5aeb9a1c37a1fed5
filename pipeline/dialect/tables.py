"""pandoc's simple and multiline tables, rewritten as the pipe tables Python-Markdown reads.

Columns come from the dashed line under the header, alignment from where the header text
sits against its dashes (flush left, flush right, centred), as pandoc decides it. A
multiline row's lines are joined into one cell text. Grid tables are left to the
markdown-grid-tables extension; pipe tables are Python-Markdown's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DASHES = re.compile(r"^\s*--+(?:\s+--+)*\s*$")
_GROUP = re.compile(r"-+")
_GRID_BORDER = re.compile(r"^\+[-=:]+\+(?:[-=:]+\+)*\s*$")
GRID_ALIGN = '<div data-grid-align="{}"></div>'  # the parse stage aligns the cells below it


@dataclass(frozen=True)
class _Column:
    start: int
    end: int  # where its dashes end
    align: str  # left, right, center, default


def convert_tables(
    lines: tuple[str, ...], numbers: tuple[int, ...]
) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The lines with every simple or multiline table replaced by a pipe table."""
    out: list[str] = []
    out_numbers: list[int] = []
    index = 0
    fence: str | None = None
    while index < len(lines):
        line = lines[index]
        fence_mark = re.match(r"^ {0,3}(`{3,}|~{3,})", line)
        if fence_mark:
            fence = None if fence and fence_mark.group(1)[0] == fence[0] else fence_mark.group(1)
        blank_before = index == 0 or not lines[index - 1].strip()
        found = None if fence or not blank_before else _table_at(lines, index)
        if found is None and not fence and blank_before and _GRID_BORDER.match(line):
            found = _grid(lines, index)
        if found is None:
            out.append(line)
            out_numbers.append(numbers[index])
            index += 1
            continue
        rows, end = found
        for row_index, row in rows:
            out.append(row)
            out_numbers.append(numbers[row_index])
        index = end
    return tuple(out), tuple(out_numbers)


def _table_at(lines: tuple[str, ...], start: int) -> tuple[list[tuple[int, str]], int] | None:
    """The pipe-table rows (with source indices) of a table starting at `start`, and the
    index after it; None if no simple or multiline table starts there."""
    line = lines[start]
    following = lines[start + 1] if start + 1 < len(lines) else ""
    if _groups(following) >= 2 and line.strip() and not _DASHES.match(line):
        return _simple(lines, start, header=True)
    if _DASHES.match(line) and _groups(line) == 1 and len(line.strip()) >= 3 and following.strip():
        return _multiline(lines, start)
    if _groups(line) >= 2 and following.strip():
        return _headerless(lines, start)
    return None


def _grid(lines: tuple[str, ...], start: int) -> tuple[list[tuple[int, str]], int]:
    """A grid table as markdown-grid-tables reads it: no trailing spaces, and pandoc's
    alignment colons (`+:---:+`) taken out and kept in a mark before the table."""
    end = start
    while end < len(lines) and lines[end].strip():
        end += 1
    rows = [(i, lines[i].rstrip()) for i in range(start, end)]
    rules = [text for _, text in rows if _GRID_BORDER.match(text)]
    aligned = next((rule for rule in rules if "=" in rule and ":" in rule), None)
    aligned = aligned or (rules[0] if ":" in rules[0] else None)
    out = [
        (i, re.sub(r"(?<=[-:]):|:(?=[-:])", "-", re.sub(r"(?<=[=:]):|:(?=[=:])", "=", t)))
        if _GRID_BORDER.match(t)
        else (i, t)
        for i, t in rows
    ]
    if aligned is None:
        return out, end
    alignments = []
    for cell in aligned.strip().strip("+").split("+"):
        left, right = cell.startswith(":"), cell.endswith(":")
        alignments.append(
            "center" if left and right else "left" if left else "right" if right else "default"
        )
    return [(start, GRID_ALIGN.format(" ".join(alignments))), (start, ""), *out], end


def _groups(line: str) -> int:
    return len(_GROUP.findall(line)) if _DASHES.match(line) else 0


def _columns(dashes: str, header: list[str]) -> list[_Column]:
    groups = [(m.start(), m.end()) for m in _GROUP.finditer(dashes)]
    columns = []
    for number, (start, end) in enumerate(groups):
        limit = groups[number + 1][0] if number + 1 < len(groups) else None
        texts = [line[start:limit] for line in header if line[start:limit].strip()]
        align = "default"
        if texts:
            text = texts[0]
            first, last = start + len(text) - len(text.lstrip()), start + len(text.rstrip())
            right = last == end or (limit is None and last >= end)
            left = first == start
            align = {(True, True): "default", (True, False): "left", (False, True): "right"}.get(
                (left, right), "center"
            )
        columns.append(_Column(start, end, align))
    return columns


def _cells(line: str, columns: list[_Column]) -> list[str]:
    cells = []
    for number, column in enumerate(columns):
        start = column.start if number else 0
        limit = columns[number + 1].start if number + 1 < len(columns) else None
        cells.append(line[start:limit].strip())
    return cells


def _pipe_rows(
    header: list[str] | None, rows: list[tuple[int, list[str]]], columns: list[_Column], first: int
) -> list[tuple[int, str]]:
    rule = {"default": "---", "left": ":--", "right": "--:", "center": ":-:"}
    # No header: an empty one, which the parse stage drops as pandoc does.
    out = [(first, _pipe(header or [""] * len(columns)))]
    out.append((first, "|" + "|".join(rule[c.align] for c in columns) + "|"))
    out += [(index, _pipe(cells)) for index, cells in rows]
    return out


def _pipe(cells: list[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def _simple(
    lines: tuple[str, ...], start: int, header: bool
) -> tuple[list[tuple[int, str]], int] | None:
    dashes = lines[start + 1]
    columns = _columns(dashes, [lines[start]])
    rows = []
    index = start + 2
    while index < len(lines) and lines[index].strip() and not _DASHES.match(lines[index]):
        rows.append((index, _cells(lines[index], columns)))
        index += 1
    if not rows:
        return None
    result = _pipe_rows(_cells(lines[start], columns), rows, columns, start)
    return result, index


def _headerless(lines: tuple[str, ...], start: int) -> tuple[list[tuple[int, str]], int] | None:
    """A table opened by its dashed line: simple (one line per row, closed by dashes) or
    multiline (rows between blank lines)."""
    end = next((i for i in range(start + 1, len(lines)) if _DASHES.match(lines[i])), None)
    if end is None or (end + 1 < len(lines) and lines[end + 1].strip()):
        return None
    body = list(range(start + 1, end))
    columns = _columns(lines[start], [lines[body[0]]] if body else [])
    rows = _row_groups(lines, body, columns)
    if not rows:
        return None
    return _pipe_rows(None, rows, columns, start), end + 1


def _multiline(lines: tuple[str, ...], start: int) -> tuple[list[tuple[int, str]], int] | None:
    """A table between two full-width dashed lines, its header above a dashed column line."""
    rule = next(
        (i for i in range(start + 1, len(lines)) if _groups(lines[i]) >= 1 or not lines[i].strip()),
        None,
    )
    if rule is None or not lines[rule].strip() or rule == start + 1:
        return None
    end = next((i for i in range(rule + 1, len(lines)) if _DASHES.match(lines[i])), None)
    if end is None:
        return None
    header_lines = list(lines[start + 1 : rule])
    columns = _columns(lines[rule], header_lines)
    header = [
        " ".join(part for part in parts if part)
        for parts in zip(*(_cells(line, columns) for line in header_lines), strict=True)
    ]
    rows = _row_groups(lines, list(range(rule + 1, end)), columns)
    if not rows:
        return None
    return _pipe_rows(header, rows, columns, start), end + 1


def _row_groups(
    lines: tuple[str, ...], body: list[int], columns: list[_Column]
) -> list[tuple[int, list[str]]]:
    """Rows separated by blank lines, each row's lines joined per cell (one line, one row
    when there are no blank lines)."""
    multiline = any(not lines[i].strip() for i in body)
    groups: list[list[int]] = []
    for i in body:
        if not lines[i].strip():
            groups.append([])
        elif multiline and groups and groups[-1]:
            groups[-1].append(i)
        else:
            groups.append([i])
    rows = []
    for group in (g for g in groups if g):
        parts = zip(*(_cells(lines[i], columns) for i in group), strict=True)
        rows.append((group[0], [" ".join(p for p in cell if p) for cell in parts]))
    return rows
