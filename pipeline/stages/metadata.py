"""book.yaml: read into a validated `BookMeta`, every problem reported with its line."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from ..core.errors import Location, ManuscriptError, Problem, raise_if_any

DEFAULT_STYLE = "nlm-citation-sequence"


@dataclass(frozen=True)
class Person:
    """An author or editor as printed on the title page and in the metadata."""

    name: str
    role: str = "author"


@dataclass(frozen=True)
class ProofSettings:
    """What `lint` and the plain-language report are asked for: `reading-grade` and `lint:`."""

    reading_grade: float | None = None
    ignore: tuple[str, ...] = ()
    sentence_words: int | None = None


@dataclass(frozen=True)
class BookMeta:
    """Everything book.yaml says about the book, checked and normalised."""

    title: str
    subtitle: str | None
    authors: tuple[Person, ...]
    publisher: str
    lang: str
    date: dt.date
    modified: dt.date
    edition: str
    review_date: dt.date | None
    rights: str
    disclaimer: str | None
    description: str | None
    keywords: tuple[str, ...]
    identifier: str
    slug: str
    chapters: tuple[str, ...]
    chapter_lines: tuple[int, ...]
    bibliography: str | None
    bibliography_line: int | None
    citation_style: str
    citation_style_line: int | None
    number_sections: bool
    source: str
    proof: ProofSettings = ProofSettings()

    @property
    def full_title(self) -> str:
        """Title and subtitle, as a document title."""
        return f"{self.title}: {self.subtitle}" if self.subtitle else self.title


@dataclass(frozen=True)
class _Field:
    """How one book.yaml key is read: its checker, and whether it must be there."""

    check: Callable[[Any], Any]
    required: bool = False


class _InvalidValueError(ValueError):
    """A value of the wrong shape; the message says what was expected."""


def _text(value: Any) -> str:
    if (
        isinstance(value, bool)
        or not isinstance(value, str | int | float)
        or not str(value).strip()
    ):
        raise _InvalidValueError("expected a line of text")
    return str(value).strip()


def _date(value: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise _InvalidValueError(
            f"expected a real date written as YYYY-MM-DD, e.g. 2026-03-01 (got '{value}')"
        ) from None


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _InvalidValueError("expected true or false")
    return value


def _lang(value: Any) -> str:
    text = _text(value)
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", text):
        raise _InvalidValueError(
            f"expected a BCP 47 language tag such as 'en' or 'en-GB' (got '{text}')"
        )
    return text


def _text_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if not isinstance(value, list) or not value:
        raise _InvalidValueError("expected a list of texts")
    return tuple(_text(item) for item in value)


def _people(value: Any) -> tuple[Person, ...]:
    if isinstance(value, str | dict):
        value = [value]
    if not isinstance(value, list) or not value:
        raise _InvalidValueError("expected a list of names, or of {name: ..., role: ...}")
    people = []
    for item in value:
        if isinstance(item, dict):
            unknown = set(item) - {"name", "role"}
            if "name" not in item or unknown:
                raise _InvalidValueError(
                    "each person needs 'name' and may have 'role' (author, editor)"
                )
            role = _text(item.get("role", "author")).lower()
            if role not in ROLES:
                raise _InvalidValueError(f"role '{role}' is not one of {', '.join(ROLES)}")
            people.append(Person(_text(item["name"]), role))
        else:
            people.append(Person(_text(item)))
    return tuple(people)


def _chapters(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise _InvalidValueError("expected the list of chapter files in reading order")
    # pandoc reads Markdown whatever the file is called (.md, .markdown, .txt, Quarto's .qmd).
    return tuple(_text(item) for item in value)


def _grade(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 1 <= value <= 20:
        raise _InvalidValueError("expected a school grade between 1 and 20, e.g. 8")
    return float(value)


def _lint(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) - {"ignore", "sentence-words"}:
        raise _InvalidValueError(
            "expected 'ignore: [PL005, ...]' and/or 'sentence-words: 30' under 'lint:'"
        )
    ignore = value.get("ignore", [])
    if not isinstance(ignore, list) or not all(
        isinstance(code, str) and re.fullmatch(r"[A-Z]{2}\d{3}", code) for code in ignore
    ):
        raise _InvalidValueError("'ignore' is a list of lint codes such as [PL005, PL202]")
    words = value.get("sentence-words")
    if words is not None and (isinstance(words, bool) or not isinstance(words, int) or words < 5):
        raise _InvalidValueError("'sentence-words' is a number of words, at least 5")
    return value


# Roles with their MARC relator codes, as the EPUB records them.
ROLES = {"author": "aut", "editor": "edt", "translator": "trl", "illustrator": "ill"}

FIELDS: Mapping[str, _Field] = {
    "title": _Field(_text, required=True),
    "subtitle": _Field(_text),
    "authors": _Field(_people, required=True),
    "publisher": _Field(_text, required=True),
    "lang": _Field(_lang, required=True),
    "date": _Field(_date, required=True),
    "modified": _Field(_date),
    "edition": _Field(_text, required=True),
    "review-date": _Field(_date),
    "rights": _Field(_text, required=True),
    "disclaimer": _Field(_text),
    "description": _Field(_text),
    "keywords": _Field(_text_list),
    "identifier": _Field(_text),
    "slug": _Field(_text),
    "chapters": _Field(_chapters, required=True),
    "bibliography": _Field(_text),
    "citation-style": _Field(_text),
    "number-sections": _Field(_bool),
    "reading-grade": _Field(_grade),
    "lint": _Field(_lint),
}


def slugify(text: str, fallback: str = "book") -> str:
    """ASCII slug for file names and ids: 'Magnesium & Immunity' -> 'magnesium-immunity'.
    Text with no Latin letters (Greek, Cyrillic, CJK…) gets `fallback`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or fallback


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text: PyYAML's own date parsing raises a bare
    ValueError for 2026-13-01, with no line; `_date` reports it with one."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _key_lines(node: yaml.Node) -> dict[str, int]:
    """Line (1-based) of each top-level key, and of each item of list values."""
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            lines[key] = key_node.start_mark.line + 1
            if isinstance(value_node, yaml.SequenceNode):
                for i, item in enumerate(value_node.value):
                    lines[f"{key}[{i}]"] = item.start_mark.line + 1
    return lines


def parse_book_yaml(text: str, source: str) -> BookMeta:
    """Check book.yaml text and return the book's metadata; raises with every problem."""
    where = Location(source)
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(error, "problem", None) or "not valid YAML"
        raise ManuscriptError.at(
            Location(source, line), f"{reason}; check indentation and quoting"
        ) from error
    if not isinstance(data, dict) or node is None:
        raise ManuscriptError.at(where, "expected 'key: value' lines (title, authors, chapters…)")
    lines = _key_lines(node)
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for key, raw in data.items():
        at = Location(source, lines.get(str(key)))
        field = FIELDS.get(str(key))
        if field is None:
            close = difflib.get_close_matches(str(key), FIELDS, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(FIELDS)}"
            problems.append(Problem(at, f"unknown field '{key}'; {hint}"))
            continue
        try:
            values[str(key)] = field.check(raw)
        except _InvalidValueError as invalid:
            problems.append(Problem(at, f"'{key}': {invalid}"))
    for key, field in FIELDS.items():
        if field.required and key not in data:
            problems.append(Problem(where, f"missing required field '{key}'"))
    raise_if_any(problems)
    return _book_meta(values, lines, source)


def _book_meta(values: dict[str, Any], lines: dict[str, int], source: str) -> BookMeta:
    title: str = values["title"]
    publisher: str = values["publisher"]
    edition: str = values["edition"]
    slug = slugify(values.get("slug", title))
    # A stable identifier derived from the book's identity: same book, same id, every build.
    derived = uuid.uuid5(uuid.NAMESPACE_URL, f"manuscript-pipeline:{publisher}/{title}/{edition}")
    chapters: tuple[str, ...] = values["chapters"]
    return BookMeta(
        title=title,
        subtitle=values.get("subtitle"),
        authors=values["authors"],
        publisher=publisher,
        lang=values["lang"],
        date=values["date"],
        modified=values.get("modified", values["date"]),
        edition=edition,
        review_date=values.get("review-date"),
        rights=values["rights"],
        disclaimer=values.get("disclaimer"),
        description=values.get("description"),
        keywords=values.get("keywords", ()),
        identifier=values.get("identifier", f"urn:uuid:{derived}"),
        slug=slug,
        chapters=chapters,
        chapter_lines=tuple(lines.get(f"chapters[{i}]", 0) for i in range(len(chapters))),
        bibliography=values.get("bibliography"),
        bibliography_line=lines.get("bibliography"),
        citation_style=values.get("citation-style", DEFAULT_STYLE),
        citation_style_line=lines.get("citation-style"),
        number_sections=values.get("number-sections", False),
        source=source,
        proof=ProofSettings(
            reading_grade=values.get("reading-grade"),
            ignore=tuple(values.get("lint", {}).get("ignore", ())),
            sentence_words=values.get("lint", {}).get("sentence-words"),
        ),
    )
