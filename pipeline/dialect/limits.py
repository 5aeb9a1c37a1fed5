"""Input limits: a chapter that is too big or nests too deeply gets a clear error, never a
RecursionError, a MemoryError or a machine brought to its knees."""

from __future__ import annotations

import re

from ..core.errors import Location, Problem

# A 300-page book is about 1 MB of Markdown; five times that is no longer a chapter.
MAX_CHAPTER_BYTES = 5 * 1024 * 1024
# Real manuscripts nest lists and quotes three or four deep; Python-Markdown's recursion
# gives out somewhere past a hundred.
MAX_NESTING = 30
_QUOTES = re.compile(r"^(?:\s{0,3}>)+")
_LIST_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d+[.)]|[a-zA-Z][.)]|#[.)])\s")
_TAG = re.compile(r"<(/?)[a-zA-Z][^>]*?(/?)>")
# Elements that never hold others, so they never deepen the nesting.
_VOID = re.compile(r"<(?:br|hr|img|wbr|col|input|meta|link|source)\b", re.IGNORECASE)


def nesting_problems(text: str, path: str) -> tuple[Problem, ...]:
    """The first line where quotes, lists or raw HTML nest deeper than MAX_NESTING."""
    html_depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        quotes = _QUOTES.match(line)
        quote_depth = quotes.group(0).count(">") if quotes else 0
        rest = line[quotes.end() :] if quotes else line
        item = _LIST_ITEM.match(rest)
        list_depth = len(item.group(1).expandtabs(4)) // 2 + 1 if item else 0
        deepest = html_depth
        for tag in _TAG.finditer(line):
            if tag.group(1):
                html_depth = max(html_depth - 1, 0)
            elif not tag.group(2) and not _VOID.match(tag.group(0)):
                html_depth += 1
                deepest = max(deepest, html_depth)
        depth = max(quote_depth + list_depth, deepest)
        if depth > MAX_NESTING:
            return (
                Problem(
                    Location(path, number),
                    f"quotes, lists or HTML elements nest {depth} deep here; at most "
                    f"{MAX_NESTING} levels are allowed: flatten the structure",
                ),
            )
    return ()


def size_problem(size: int, path: str) -> Problem | None:
    """A chapter file too large to be a chapter."""
    if size <= MAX_CHAPTER_BYTES:
        return None
    return Problem(
        Location(path),
        f"the chapter is {size // 1024 // 1024} MiB; a chapter may be at most "
        f"{MAX_CHAPTER_BYTES // 1024 // 1024} MiB: split it into several chapter files",
    )
