"""Quarto's `{{< meta key >}}` shortcode: a value from book.yaml (or the variant being built)
in the chapters, in book.yaml's own values and in the templates.

`{{< meta clinic.phone >}}` prints the value at that dotted path; `\\.` is a dot inside a key,
as in Quarto. `{{{< meta x >}}}` prints the shortcode itself. Inside code (spans, fenced and
indented blocks) and HTML comments a shortcode stays as written. A key that is not there, a
group of values where one value is meant, or another Quarto shortcode is an error at its line.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..core.errors import Location, Problem

# `{{{< … >}}}` (escaped), or `{{< name args >}}`.
SHORTCODE = re.compile(
    r"\{\{\{<(?P<escaped>.*?)>\}\}\}|\{\{<\s*(?P<name>[^\s>]+)(?P<args>[^>]*?)\s*>\}\}"
)
_CODE_SPAN = re.compile(r"(`+).+?\1")
_COMMENT = re.compile(r"<!--.*?-->")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)]|#\.)\s")
_KEY = re.compile(r"(?:\\.|[^.\\])+")
QUARTO_SHORTCODES = ("var", "env", "pagebreak", "include", "embed", "video", "kbd", "lipsum")


@dataclass(frozen=True)
class Expanded:
    """Text with its shortcodes replaced, the keys it used, and what was wrong."""

    text: str
    used: frozenset[str]
    problems: tuple[Problem, ...]


def split_key(key: str) -> tuple[str, ...]:
    """`clinic.phone` → ('clinic', 'phone'); `a\\.b.c` → ('a.b', 'c'), as Quarto reads it."""
    return tuple(part.replace("\\.", ".") for part in _KEY.findall(key))


def leaf_keys(values: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """Every dotted key that names one value (for 'did you mean')."""
    for key, value in values.items():
        dotted = prefix + str(key).replace(".", "\\.")
        if isinstance(value, Mapping):
            yield from leaf_keys(value, dotted + ".")
        else:
            yield dotted


def as_text(value: Any) -> str | None:
    """A value as a shortcode prints it; None when it is a group or a list."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def look_up(values: Mapping[str, Any], key: str) -> str | Problem:
    """The text at `key`, or a Problem (without a location yet) saying what is wrong."""
    current: Any = values
    for depth, part in enumerate(parts := split_key(key)):
        if not isinstance(current, Mapping) or part not in current:
            known = sorted(leaf_keys(values))
            close = difflib.get_close_matches(key, known, n=1)
            hint = (
                f"did you mean '{close[0]}'?"
                if close
                else "set it in book.yaml (or in each variant's values)"
            )
            if depth and not isinstance(current, Mapping):
                hint = f"'{'.'.join(parts[:depth])}' is a single value"
            return Problem(Location(""), f"unknown key '{key}' in {{{{< meta {key} >}}}}; {hint}")
        current = current[part]
    text = as_text(current)
    if text is not None:
        return text
    if isinstance(current, Mapping):
        inner = ", ".join(str(k) for k in current)
        return Problem(
            Location(""),
            f"'{key}' is a group of values ({inner}); name one, e.g. "
            f"{{{{< meta {key}.{next(iter(current), 'name')} >}}}}",
        )
    return Problem(Location(""), f"'{key}' is a list or empty; a shortcode prints one value")


def _problem_at(problem: Problem, where: Location) -> Problem:
    return Problem(where, problem.message)


def replace_shortcodes(
    text: str,
    where: Location,
    values: Mapping[str, Any],
    render: Callable[[str], str] = str,
    literal: Callable[[str], str] = str,
) -> Expanded:
    """Every shortcode of `text` (one line or a value) replaced by `render(value)`; an escaped
    one by `literal(shortcode)`."""
    used: set[str] = set()
    problems: list[Problem] = []

    def one(match: re.Match[str]) -> str:
        if match.group("escaped") is not None:
            return literal("{{<" + match.group("escaped") + ">}}")
        name, args = match.group("name"), match.group("args").split()
        if name != "meta":
            known = (
                f"'{name}' is a Quarto shortcode this pipeline does not run"
                if (name in QUARTO_SHORTCODES)
                else f"unknown shortcode '{name}'"
            )
            problems.append(
                Problem(
                    where,
                    f"{known}; only {{{{< meta key >}}}} is read here (write {{{{{{< … >}}}}}} "
                    "to print a shortcode as it is)",
                )
            )
            return match.group(0)
        if len(args) != 1:
            problems.append(
                Problem(where, "{{< meta >}} takes one key, e.g. {{< meta clinic.phone >}}")
            )
            return match.group(0)
        found = look_up(values, args[0])
        if isinstance(found, Problem):
            problems.append(_problem_at(found, where))
            return match.group(0)
        used.add(".".join(split_key(args[0])))
        # A value runs on in the same line: the lines after it keep their numbers.
        return render(" ".join(found.split("\n")) if "\n" in found else found)

    return Expanded(SHORTCODE.sub(one, text), frozenset(used), tuple(problems))


def expand_markdown(text: str, path: str, values: Mapping[str, Any]) -> Expanded:
    """A chapter with its shortcodes replaced, outside code and comments; lines keep their
    numbers (a value's own line breaks become spaces)."""
    if "{{<" not in text:
        return Expanded(text, frozenset(), ())
    out: list[str] = []
    used: set[str] = set()
    problems: list[Problem] = []
    fence: str | None = None
    in_comment = False
    in_indented_code = False
    previous = ""
    paragraph_is_list = False
    for number, line in enumerate(text.split("\n"), start=1):
        fence_match = _FENCE.match(line)
        blank = not line.strip()
        indented = line.startswith(("    ", "\t"))
        if fence is not None:
            if (
                fence_match
                and fence_match.group(1)[0] == fence[0]
                and len(fence_match.group(1)) >= len(fence)
                and not line.strip().strip(fence[0])
            ):
                fence = None
            out.append(line)
        elif fence_match:
            fence = fence_match.group(1)
            out.append(line)
        elif in_comment:
            in_comment = "-->" not in line
            out.append(line)
        elif indented and (in_indented_code or (not previous.strip() and not paragraph_is_list)):
            in_indented_code = True
            out.append(line)
        else:
            in_indented_code = in_indented_code and blank
            expanded = _expand_line(line, Location(path, number), values)
            used |= expanded.used
            problems += expanded.problems
            out.append(expanded.text)
            if "<!--" in _COMMENT.sub("", line):
                in_comment = True
        if _LIST_ITEM.match(line):
            paragraph_is_list = True
        elif not blank and not indented:
            paragraph_is_list = False
        previous = line
    return Expanded("\n".join(out), frozenset(used), tuple(problems))


def _expand_line(line: str, where: Location, values: Mapping[str, Any]) -> Expanded:
    """One line, its code spans and comments kept as written."""
    pieces: list[str] = []
    used: set[str] = set()
    problems: list[Problem] = []
    last = 0
    kept = sorted([*_CODE_SPAN.finditer(line), *_COMMENT.finditer(line)], key=lambda m: m.start())
    for code in [*kept, None]:
        if code is not None and code.start() < last:
            continue
        end = code.start() if code else len(line)
        # An escaped shortcode prints as written: its `<` as an entity, or Markdown would read
        # `< meta x >` as a raw HTML tag.
        expanded = replace_shortcodes(
            line[last:end], where, values, literal=lambda written: written.replace("<", "&lt;")
        )
        pieces.append(expanded.text)
        used |= expanded.used
        problems += expanded.problems
        if code is not None:
            pieces.append(code.group(0))
            last = code.end()
    return Expanded("".join(pieces), frozenset(used), tuple(problems))


def expand_template(text: str, path: str, values: Mapping[str, Any]) -> Expanded:
    """A Jinja template with each shortcode turned into a Jinja string literal, which
    autoescaping then escapes like any other value."""
    out: list[str] = []
    used: set[str] = set()
    problems: list[Problem] = []

    def jinja_string(value: str) -> str:
        return "{{ " + json.dumps(value) + " }}"

    for number, line in enumerate(text.split("\n"), start=1):
        expanded = replace_shortcodes(
            line, Location(path, number), values, jinja_string, jinja_string
        )
        out.append(expanded.text)
        used |= expanded.used
        problems += expanded.problems
    return Expanded("\n".join(out), frozenset(used), tuple(problems))


def shortcode_keys(text: str) -> frozenset[str]:
    """The keys `{{< meta … >}}` shortcodes in `text` name (wherever they are)."""
    return frozenset(
        ".".join(split_key(m.group("args").split()[0]))
        for m in SHORTCODE.finditer(text)
        if m.group("name") == "meta" and m.group("args").split()
    )
