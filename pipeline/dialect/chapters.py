"""A chapter file as pandoc reads it: front matter, then one chapter per level-1 heading.

pandoc reads YAML front matter (or a `%` title block) at the top of a file, and a book made
with it starts a chapter at every `# ` heading. So a file may hold several chapters, or none
that opens with a heading: its title then comes from the front matter, else from the file
name (with a warning, since the contents must name it somehow).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import yaml

from ..core.errors import Location, Problem
from ..core.yaml_safe import SafeLoader, safe_load

LANG_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
FRONT_MATTER_KEYS = ("title", "lang", "author")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_DIV_FENCE = re.compile(r"^ {0,3}:{3,}")
_ATX_TITLE = re.compile(r"^#(?!#)\s")
_SETEXT_TITLE = re.compile(r"^ {0,3}=+\s*$")
_NOTE_DEF = re.compile(r"^ {0,3}\[\^[^\]\s]+\]:")


@dataclass(frozen=True)
class Part:
    """One chapter cut from a file: its lines (with their line numbers in the file), the
    title a heading does not give, the chapter's language and how far headings shift."""

    lines: tuple[str, ...]
    numbers: tuple[int, ...]
    title: str | None
    title_line: int
    lang: str | None
    heading_shift: int


@dataclass(frozen=True)
class ChapterFile:
    """What one file holds: its chapters, and what its front matter said that was odd."""

    parts: tuple[Part, ...]
    warnings: tuple[Problem, ...]
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class _FrontMatter:
    title: str | None
    title_line: int
    lang: str | None
    end: int  # index of the first line after the front matter


def split_chapters(text: str, path: str) -> ChapterFile:
    """The chapters of one file, in order; a file always gives at least one."""
    lines = text.splitlines()
    warnings: list[Problem] = []
    problems: list[Problem] = []
    front = _read_front_matter(lines, path, warnings, problems)
    body = list(range(front.end, len(lines)))
    starts = [] if front.title else _chapter_starts(lines, body)
    if not starts or any(lines[i].strip() for i in body if i < starts[0]):
        starts.insert(0, body[0] if body else len(lines))
    parts = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(lines)
        indices = list(range(start, end))
        title = None
        if number == 0 and (front.title or not _opens_with_title(lines, indices)):
            title = front.title or _title_from_file_name(path)
            if not front.title:
                warnings.append(
                    Problem(
                        Location(path, start + 1 if start < len(lines) else 1),
                        f"this chapter has no title, so the contents calls it '{title}' "
                        "(from its file name); start it with '# Title' or give it "
                        "'title:' front matter",
                    )
                )
        # A note may be defined in another chapter of the same file: pandoc reads the file
        # whole, so every chapter gets the file's note definitions it lacks.
        indices += [i for i in _note_definition_lines(lines, body) if not start <= i < end]
        parts.append(
            Part(
                lines=tuple(lines[i] for i in indices),
                numbers=tuple(i + 1 for i in indices),
                title=title,
                title_line=(front.title_line if front.title else start + 1),
                lang=front.lang,
                heading_shift=1 if front.title and _chapter_starts(lines, body) else 0,
            )
        )
    return ChapterFile(tuple(parts), tuple(warnings), tuple(problems))


def _opens_with_title(lines: list[str], indices: list[int]) -> bool:
    first = next((i for i in indices if lines[i].strip()), None)
    if first is None:
        return False
    if _ATX_TITLE.match(lines[first]):
        return True
    return first + 1 < len(lines) and bool(_SETEXT_TITLE.match(lines[first + 1]))


def _chapter_starts(lines: list[str], body: list[int]) -> list[int]:
    """Indices of the level-1 headings outside code, comments and fenced divs."""
    starts: list[int] = []
    fence: str | None = None
    divs = 0
    in_comment = False
    previous_blank = True
    for i in body:
        line = lines[i]
        if in_comment:
            in_comment = "-->" not in line
            continue
        fence_match = _FENCE.match(line)
        if fence is not None:
            if fence_match and fence_match.group(1)[0] == fence[0]:
                fence = None if len(fence_match.group(1)) >= len(fence) else fence
            continue
        if fence_match:
            fence = fence_match.group(1)
            continue
        if "<!--" in line and "-->" not in line.split("<!--", 1)[1]:
            in_comment = True
        if _DIV_FENCE.match(line):
            divs += 1 if line.strip().strip(":").strip() else -1
            divs = max(divs, 0)
        elif (divs == 0 and _ATX_TITLE.match(line)) or (
            divs == 0
            and previous_blank
            and line.strip()
            and not line.startswith((" ", "\t", "<", ">", "|", "-", "*", "+"))
            and i + 1 < len(lines)
            and _SETEXT_TITLE.match(lines[i + 1])
        ):
            starts.append(i)
        previous_blank = not line.strip()
    return starts


def _note_definition_lines(lines: list[str], body: list[int]) -> list[int]:
    """Every line of every `[^note]: …` definition (its indented blocks included)."""
    found: list[int] = []
    inside = False
    for i in body:
        line = lines[i]
        if _NOTE_DEF.match(line):
            inside = True
        elif line.strip() and not line.startswith((" ", "\t")):
            inside = False
        if inside:
            found.append(i)
    return found


def _title_from_file_name(path: str) -> str:
    """'chapters/03-side_effects.md' -> 'Side effects'."""
    stem = re.sub(r"^[\d\s._-]+", "", PurePosixPath(path).stem)
    words = re.sub(r"[_-]+", " ", stem).strip() or PurePosixPath(path).stem
    return words[:1].upper() + words[1:]


def _read_front_matter(
    lines: list[str], path: str, warnings: list[Problem], problems: list[Problem]
) -> _FrontMatter:
    """YAML between `---` and `---`/`...` at the top, or pandoc's `% title` block."""
    if lines and lines[0].startswith("% "):
        return _title_block(lines)
    if not lines or lines[0].rstrip() != "---" or len(lines) < 2 or not lines[1].strip():
        return _FrontMatter(None, 1, None, 0)
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in {"---", "..."}), None)
    if end is None:
        return _FrontMatter(None, 1, None, 0)  # a rule, not front matter
    source = "\n".join(lines[1:end])
    try:
        node = yaml.compose(source, Loader=SafeLoader)
        data = safe_load(source)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        reason = getattr(error, "problem", None) or "not valid YAML"
        problems.append(
            Problem(
                Location(path, line),
                f"front matter: {reason}; check indentation and quoting",
            )
        )
        return _FrontMatter(None, 1, None, end + 1)
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        problems.append(
            Problem(Location(path, 2), "front matter: expected 'key: value' lines (title, lang)")
        )
        return _FrontMatter(None, 1, None, end + 1)
    lines_of = {str(k.value): k.start_mark.line + 2 for k, _ in node.value}
    for key in data:
        if str(key) not in FRONT_MATTER_KEYS:
            warnings.append(
                Problem(
                    Location(path, lines_of.get(str(key))),
                    f"front matter field '{key}' is ignored here; a chapter's front matter "
                    f"may give {', '.join(FRONT_MATTER_KEYS)} (book-wide fields go in book.yaml)",
                )
            )
    title = _text(data.get("title"))
    lang = _text(data.get("lang"))
    if lang is not None and not LANG_TAG.fullmatch(lang):
        problems.append(
            Problem(
                Location(path, lines_of.get("lang")),
                f"front matter 'lang': expected a BCP 47 tag such as 'en' or 'fr-CA' "
                f"(got '{lang}')",
            )
        )
        lang = None
    return _FrontMatter(title, lines_of.get("title", 1), lang, end + 1)


def _title_block(lines: list[str]) -> _FrontMatter:
    """pandoc's `% Title` / `% Author` / `% Date` lines (continued by indented lines)."""
    fields: list[list[str]] = []
    end = 0
    for end, line in enumerate(lines):  # noqa: B007
        if line.startswith("%"):
            fields.append([line[1:].strip()])
        elif line.startswith((" ", "\t")) and line.strip() and fields:
            fields[-1].append(line.strip())
        else:
            break
    else:
        end = len(lines)
    title = " ".join(fields[0]) if fields and fields[0][0] else None
    return _FrontMatter(title, 1, None, end)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool | dict | list):
        return None
    return str(value).strip() or None
