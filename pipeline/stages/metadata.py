"""book.yaml: read into a validated `BookMeta`, every problem reported with its line."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import posixpath
import re
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from ..core.errors import Location, ManuscriptError, Problem, raise_if_any
from ..core.yaml_safe import SafeLoader
from ..dialect.shortcodes import SHORTCODE, replace_shortcodes

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
class Clinic:
    """Who gives the leaflet out (book.yaml `clinic:`): printed in the imprint."""

    name: str
    address: tuple[str, ...] = ()
    phone: str | None = None
    hours: str | None = None
    email: str | None = None
    url: str | None = None
    logo: str | None = None  # an image file inside the manuscript
    logo_line: int | None = None


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
    bibliography: tuple[str, ...]
    bibliography_lines: tuple[int | None, ...]
    citation_style: str
    citation_style_line: int | None
    number_sections: bool
    source: str
    nocite: tuple[str, ...] = ()
    nocite_line: int | None = None
    css: tuple[str, ...] = ()
    css_lines: tuple[int | None, ...] = ()
    link_bibliography: bool = True
    references_title: str = "References"
    toc_title: str = "Contents"
    warnings: tuple[Problem, ...] = ()
    proof: ProofSettings = ProofSettings()
    editions: tuple[str, ...] = ()  # as listed in book.yaml; checked against the catalogue
    editions_line: int | None = None
    clinic: Clinic | None = None
    variant: str | None = None  # the variant this metadata is for
    variants: tuple[str, ...] = ()  # every variant book.yaml lists, in its order
    # book.yaml as written (the variant's values merged in, shortcodes expanded): what
    # `{{< meta key >}}` reads.
    values: Mapping[str, Any] = dataclasses.field(default_factory=dict)

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
    text = str(value).strip()
    # pandoc users often give only a year or a month: the first day of it is meant.
    padded = (
        {4: "-01-01", 7: "-01"}.get(len(text), "") if re.fullmatch(r"\d{4}(-\d\d)?", text) else ""
    )
    try:
        return dt.date.fromisoformat(text + padded)
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


# What pandoc templates print beside an author's name; the editions do not show it.
PERSON_EXTRAS = ("affiliation", "email", "orcid", "url", "note", "correspondence")


def _people(value: Any) -> tuple[Person, ...]:
    if isinstance(value, str | dict):
        value = [value]
    if not isinstance(value, list) or not value:
        raise _InvalidValueError("expected a list of names, or of {name: ..., role: ...}")
    people = []
    for item in value:
        if isinstance(item, dict):
            unknown = set(item) - {"name", "role", *PERSON_EXTRAS}
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


def _files(value: Any) -> tuple[str, ...]:
    """One file name, or a list of them (pandoc's `bibliography` and `css` take both)."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise _InvalidValueError("expected a file name or a list of file names")
    return tuple(_text(item) for item in items)


_NOCITE_KEY = re.compile(r"@(\*|[\w](?:[\w:.#$%&+?<>~/-]*[\w])?)")


def _nocite(value: Any) -> tuple[str, ...]:
    """pandoc's `nocite: "@a, @b"` (or a list, or `@*` for every entry): keys listed uncited."""
    text = " ".join(_text(item) for item in value) if isinstance(value, list) else _text(value)
    keys = tuple(_NOCITE_KEY.findall(text))
    if not keys:
        raise _InvalidValueError(
            "expected keys written as in a citation: '@smith2020, @who2021' or '@*'"
        )
    return keys


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


# What the imprint prints of `clinic:`; any other key under it is a value of the author's own,
# for `{{< meta clinic.key >}}`.
CLINIC_KEYS = ("name", "address", "phone", "hours", "email", "url", "logo")


_WEB_ADDRESS = re.compile(r"https?://[^\s\"'<>\\]+", re.IGNORECASE)
_EMAIL_ADDRESS = re.compile(r"[^\s@:/\"'<>\\]+@[^\s@:/\"'<>\\]+\.[^\s@:/\"'<>\\]+")


def _clinic(value: Any) -> Clinic:
    if not isinstance(value, dict) or "name" not in value:
        raise _InvalidValueError(
            "expected the clinic's details under it: 'name' (required), 'address', 'phone', "
            "'hours', 'email', 'url', 'logo' (an image in the manuscript)"
        )
    texts: dict[str, str] = {}
    address: tuple[str, ...] = ()
    for key in CLINIC_KEYS:
        raw = value.get(key)
        try:
            if key == "address" and isinstance(raw, list):
                address = tuple(_text(line) for line in raw)
            elif raw is not None:
                texts[key] = _text(raw)
        except _InvalidValueError as invalid:
            raise _InvalidValueError(f"'{key}': {invalid}") from None
    # Both become links in every edition: only a web address and a plain email address.
    if "url" in texts and not _WEB_ADDRESS.fullmatch(texts["url"]):
        raise _InvalidValueError(
            f"'url': '{texts['url']}' is not a web address; write one starting with https://"
        )
    if "email" in texts and not _EMAIL_ADDRESS.fullmatch(texts["email"]):
        raise _InvalidValueError(
            f"'email': '{texts['email']}' is not an email address; write one like "
            "clinic@example.org"
        )
    if "address" in texts:  # lines of text, as a YAML block or a list
        address = tuple(line.strip() for line in texts["address"].splitlines() if line.strip())
    return Clinic(
        name=texts["name"],
        address=address,
        phone=texts.get("phone"),
        hours=texts.get("hours"),
        email=texts.get("email"),
        url=texts.get("url"),
        logo=posixpath.normpath(texts["logo"]) if "logo" in texts else None,
    )


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
    "bibliography": _Field(_files),
    "citation-style": _Field(_text),
    "number-sections": _Field(_bool),
    "reading-grade": _Field(_grade),
    "lint": _Field(_lint),
    "nocite": _Field(_nocite),
    "css": _Field(_files),
    "link-citations": _Field(_bool),
    "link-bibliography": _Field(_bool),
    "reference-section-title": _Field(_text),
    "toc-title": _Field(_text),
    "subject": _Field(_text_list),
    "cover-image": _Field(_text),
    "editions": _Field(_text_list),
    "clinic": _Field(_clinic),
}
# pandoc's names for the same things: either spelling works, never both.
ALIASES = {
    "author": "authors",
    "csl": "citation-style",
    "abstract": "description",
    "numbersections": "number-sections",
}
# pandoc fields that choose things this pipeline decides itself (the LaTeX engine's page and
# fonts, a contents page that is always made): accepted with a warning, never silently.
NO_EFFECT = {
    "toc": "a contents page is always made",
    "toc-depth": "the contents list chapters and their sections",
    "documentclass": "the print design comes from styles/ and the 'css' field",
    "classoption": "the print design comes from styles/ and the 'css' field",
    "geometry": "page size and margins come from the print profile (-p)",
    "papersize": "page size comes from the print profile (-p)",
    "fontsize": "type size comes from the print profile (-p)",
    "mainfont": "fonts come from the house design; set them in your 'css' stylesheet",
    "sansfont": "fonts come from the house design; set them in your 'css' stylesheet",
    "monofont": "fonts come from the house design; set them in your 'css' stylesheet",
    "linestretch": "line spacing comes from the print profile; set it in your 'css' stylesheet",
    "header-includes": "raw LaTeX or HTML headers are not used; use the 'css' field",
    "colorlinks": "link colours come from the house design",
    "link-citations": "citations are always links to their entries",
    "cover-image": "the cover is drawn from book.yaml's title, subtitle, authors and publisher",
}


def slugify(text: str, fallback: str = "book") -> str:
    """ASCII slug for file names and ids: 'Magnesium & Immunity' -> 'magnesium-immunity'.
    Text with no Latin letters (Greek, Cyrillic, CJK…) gets `fallback`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or fallback


class _Loader(SafeLoader):
    """SafeLoader that leaves dates as text: PyYAML's own date parsing raises a bare
    ValueError for 2026-13-01, with no line; `_date` reports it with one."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _key_lines(node: yaml.Node, prefix: str = "") -> dict[str, int]:
    """Line (1-based) of every key and list item, by path: `title`, `chapters[0]`,
    `clinic.phone`, `variants.north.clinic.phone`."""
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            lines[path] = key_node.start_mark.line + 1
            lines.update(_key_lines(value_node, path))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[f"{prefix}[{i}]"] = item.start_mark.line + 1
            lines.update(_key_lines(item, f"{prefix}[{i}]"))
    return lines


_VARIANT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class Variant:
    """One entry of book.yaml's `variants:`: its name, its values, where they are written."""

    name: str
    values: dict[str, Any]
    path: str  # where its values sit in book.yaml: `variants.north` or `variants[0]`
    line: int | None


def read_variants(
    data: Mapping[str, Any], lines: Mapping[str, int], source: str
) -> tuple[tuple[Variant, ...], list[Problem]]:
    """book.yaml's `variants:` — a map of name → values, or a list of maps with a `name` —
    checked for shape; their values are checked as the book's own when a variant is built."""
    raw = data.get("variants")
    where = Location(source, lines.get("variants"))
    shape = (
        "'variants': expected a map of variant names to their values, e.g. "
        "'north: {clinic: {name: North Clinic, phone: 01632 960001}}'"
    )
    found: list[Variant] = []
    problems: list[Problem] = []
    if raw is None:
        return (), problems
    if isinstance(raw, dict):
        items = [(str(name), values, f"variants.{name}") for name, values in raw.items()]
    elif isinstance(raw, list):
        items = []
        for i, item in enumerate(raw):
            if not isinstance(item, dict) or "name" not in item:
                problems.append(Problem(Location(source, lines.get(f"variants[{i}]")), shape))
                continue
            values = {k: v for k, v in item.items() if k != "name"}
            items.append((str(item["name"]), values, f"variants[{i}]"))
    else:
        return (), [Problem(where, shape)]
    if not items and not problems:
        return (), [Problem(where, f"{shape}; the list is empty")]
    for name, values, path in items:
        at = Location(source, lines.get(path, lines.get("variants")))
        if values is None:
            values = {}
        if not _VARIANT_NAME.fullmatch(name):
            problems.append(
                Problem(
                    at,
                    f"variant name '{name}': use letters, digits, '-' and '_' (it "
                    "goes into file names)",
                )
            )
        elif not isinstance(values, dict):
            problems.append(Problem(at, shape))
        elif "variants" in values:
            problems.append(Problem(at, f"variant '{name}' cannot list variants of its own"))
        elif any(v.name == name for v in found):
            problems.append(Problem(at, f"variant '{name}' is listed twice; keep one"))
        else:
            found.append(Variant(name, values, path, at.line))
    return tuple(found), problems


def read_yaml_loosely(text: str) -> dict[str, Any]:
    """book.yaml's data as far as it can be read, without checks ({} when it cannot):
    `parse_book_yaml` reports what is wrong."""
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def variant_names(text: str) -> tuple[str, ...]:
    """The variants book.yaml lists, by name (none when it lists none or cannot be read)."""
    variants, _ = read_variants(read_yaml_loosely(text), {}, "")
    return tuple(v.name for v in variants)


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """A variant's values over the book's: maps merge key by key, anything else replaces."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _choose_variant(
    data: dict[str, Any], lines: dict[str, int], source: str, variant: str | None
) -> tuple[dict[str, Any], dict[str, int], Variant | None, tuple[str, ...]]:
    """book.yaml's values with the variant's merged in (the first variant when none is
    named); its lines point into the variant where it sets a value."""
    variants, problems = read_variants(data, lines, source)
    raise_if_any(problems)
    names = tuple(v.name for v in variants)
    data = {k: v for k, v in data.items() if k != "variants"}
    if not variants:
        if variant is not None:
            raise ManuscriptError.at(
                Location(source), f"no variant '{variant}': book.yaml lists no 'variants:'"
            )
        return data, lines, None, ()
    chosen = (
        variants[0] if variant is None else next((v for v in variants if v.name == variant), None)
    )
    if chosen is None:
        close = difflib.get_close_matches(variant or "", names, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"book.yaml lists {', '.join(names)}"
        raise ManuscriptError.at(
            Location(source, lines.get("variants")), f"no variant '{variant}'; {hint}"
        )
    merged_lines = dict(lines)
    for path, line in lines.items():
        if path.startswith(chosen.path + "."):
            merged_lines[path[len(chosen.path) + 1 :]] = line
    return _merge(data, chosen.values), merged_lines, chosen, names


def _expand_values(
    data: dict[str, Any], lines: Mapping[str, int], source: str
) -> tuple[dict[str, Any], frozenset[str], list[Problem]]:
    """Every text value with its `{{< meta … >}}` shortcodes replaced. A value may name one
    that holds shortcodes itself: rounds until nothing changes (a circle is an error)."""
    current = data
    for _ in range(8):
        used: set[str] = set()
        problems: list[Problem] = []
        following = _expand_tree(current, "", current, lines, source, used, problems)
        if following == current or problems:
            return following, frozenset(used), problems
        current = following
    circle = Problem(
        Location(source),
        "book.yaml's {{< meta … >}} shortcodes name each other in a circle; write one of the "
        "values out",
    )
    return current, frozenset(), [circle]


def _expand_tree(
    value: Any,
    path: str,
    values: Mapping[str, Any],
    lines: Mapping[str, int],
    source: str,
    used: set[str],
    problems: list[Problem],
) -> Any:
    """`value` with the shortcodes in its texts replaced from `values`."""
    if isinstance(value, dict):
        return {
            k: _expand_tree(
                v, f"{path}.{k}" if path else str(k), values, lines, source, used, problems
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            _expand_tree(v, f"{path}[{i}]", values, lines, source, used, problems)
            for i, v in enumerate(value)
        ]
    if isinstance(value, str) and "{{<" in value:
        top = path.split(".")[0].split("[")[0]
        expanded = replace_shortcodes(
            value, Location(source, lines.get(path, lines.get(top))), values
        )
        used.update(expanded.used)
        problems.extend(expanded.problems)
        return expanded.text
    return value


def _is_used(key: str, used: frozenset[str]) -> bool:
    """True when a shortcode names this key or a value under it."""
    return any(u == key or u.startswith(key + ".") for u in used)


def parse_book_yaml(
    text: str, source: str, variant: str | None = None, used: frozenset[str] = frozenset()
) -> BookMeta:
    """Check book.yaml text and return the book's metadata — for `variant` when book.yaml
    lists variants (the first one when None) — raising with every problem.

    `used` holds the keys the book's `{{< meta … >}}` shortcodes name: a field book.yaml
    does not know is a value of the author's own when one of them uses it, else an error
    (most likely a misspelt field)."""
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
    data = {str(key): value for key, value in data.items()}
    # A variant's files are named after the book as book.yaml names it, then the variant.
    book_slug = slugify(SHORTCODE.sub("", str(data.get("slug") or data.get("title") or "")))
    data, lines, chosen, names = _choose_variant(data, _key_lines(node), source, variant)
    data, used_by_values, problems = _expand_values(data, lines, source)
    used = used | used_by_values
    values: dict[str, Any] = {}
    for key, raw in data.items():
        at = Location(source, lines.get(str(key)))
        name = ALIASES.get(str(key), str(key))
        field = FIELDS.get(name)
        if field is None and name in NO_EFFECT:
            continue  # a warning below
        if field is None and _is_used(str(key), used):
            continue  # a value of the author's own, for shortcodes
        if field is None:
            known = [*FIELDS, *ALIASES, *NO_EFFECT, "variants"]
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(FIELDS)}"
            problems.append(Problem(at, f"unknown field '{key}'; {hint}"))
            continue
        if name in values:
            other = next(k for k in data if ALIASES.get(str(k), str(k)) == name and k != key)
            problems.append(Problem(at, f"'{key}' and '{other}' mean the same; keep one"))
            continue
        if name != key:  # messages name the line under the canonical name too
            for line_key, line in list(lines.items()):
                if line_key == key or line_key.startswith(f"{key}["):
                    lines.setdefault(name + line_key[len(str(key)) :], line)
        try:
            values[name] = field.check(raw)
        except _InvalidValueError as invalid:
            problems.append(Problem(at, f"'{key}': {invalid}"))
    problems += _unused_clinic_keys(data, lines, source, used)
    present = {ALIASES.get(str(key), str(key)) for key in data}
    for key, field in FIELDS.items():
        if field.required and key not in present:
            problems.append(Problem(where, f"missing required field '{key}'"))
    if chosen is not None:
        problems += _variant_identity(data, chosen, source, len(names))
    raise_if_any(problems)
    meta = _book_meta(
        values, lines, source, _no_effect_warnings(data, lines, source), chosen, book_slug
    )
    return dataclasses.replace(meta, variants=names, values=data)


def _unused_clinic_keys(
    data: Mapping[str, Any], lines: Mapping[str, int], source: str, used: frozenset[str]
) -> list[Problem]:
    """A key under `clinic:` the imprint does not print must be used by a shortcode."""
    clinic = data.get("clinic")
    if not isinstance(clinic, dict):
        return []
    problems = []
    for key in clinic:
        if key in CLINIC_KEYS or _is_used(f"clinic.{key}", used):
            continue
        close = difflib.get_close_matches(str(key), CLINIC_KEYS, n=1)
        hint = (
            f"did you mean '{close[0]}'?"
            if close
            else f"the imprint prints {', '.join(CLINIC_KEYS)}; use other values with "
            f"{{{{< meta clinic.{key} >}}}}"
        )
        at = Location(source, lines.get(f"clinic.{key}", lines.get("clinic")))
        problems.append(Problem(at, f"unknown clinic detail '{key}'; {hint}"))
    return problems


def _variant_identity(
    data: Mapping[str, Any], chosen: Variant, source: str, count: int
) -> list[Problem]:
    """Each variant is its own book: an identifier given for all of them would be shared."""
    if count > 1 and "identifier" in data and "identifier" not in chosen.values:
        return [
            Problem(
                Location(source, chosen.line),
                f"variant '{chosen.name}' would share the book's identifier "
                f"'{data['identifier']}' with the other variants; give each variant its own "
                "'identifier' (or remove it from the top: each variant then gets its own)",
            )
        ]
    return []


def _no_effect_warnings(
    data: dict[str, Any], lines: dict[str, int], source: str
) -> tuple[Problem, ...]:
    """A warning for each pandoc field (or author detail) the editions do not use."""
    warnings = []
    for key, raw in data.items():
        at = Location(source, lines.get(str(key)))
        if key in NO_EFFECT and not (key == "link-citations" and raw is True):
            warnings.append(Problem(at, f"'{key}' has no effect here: {NO_EFFECT[key]}"))
        people = raw if key in ("author", "authors") and isinstance(raw, list) else []
        extras = sorted({k for p in people if isinstance(p, dict) for k in p if k in PERSON_EXTRAS})
        if extras:
            warnings.append(
                Problem(at, f"an author's {', '.join(extras)} is not printed in the editions")
            )
    return tuple(warnings)


def _book_meta(
    values: dict[str, Any],
    lines: dict[str, int],
    source: str,
    warnings: tuple[Problem, ...],
    variant: Variant | None = None,
    book_slug: str = "book",
) -> BookMeta:
    title: str = values["title"]
    publisher: str = values["publisher"]
    edition: str = values["edition"]
    slug = slugify(values.get("slug", title))
    # A stable identifier derived from the book's identity: same book, same id, every build.
    seed = f"manuscript-pipeline:{publisher}/{title}/{edition}"
    if variant is not None:
        seed += f"/variant:{variant.name}"
        # Each variant's editions have their own names beside the others'.
        if "slug" not in variant.values:
            slug = f"{book_slug}-{slugify(variant.name, 'variant')}"
    derived = uuid.uuid5(uuid.NAMESPACE_URL, seed)
    clinic: Clinic | None = values.get("clinic")
    if clinic is not None and clinic.logo is not None:
        clinic = dataclasses.replace(clinic, logo_line=lines.get("clinic.logo"))
    chapters: tuple[str, ...] = values["chapters"]
    bibliography: tuple[str, ...] = values.get("bibliography", ())
    css: tuple[str, ...] = values.get("css", ())
    keywords = (*values.get("keywords", ()), *values.get("subject", ()))
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
        keywords=tuple(dict.fromkeys(keywords)),
        identifier=values.get("identifier", f"urn:uuid:{derived}"),
        slug=slug,
        chapters=chapters,
        chapter_lines=tuple(lines.get(f"chapters[{i}]", 0) for i in range(len(chapters))),
        bibliography=bibliography,
        bibliography_lines=_item_lines(lines, "bibliography", len(bibliography)),
        citation_style=values.get("citation-style", DEFAULT_STYLE),
        citation_style_line=lines.get("citation-style"),
        number_sections=values.get("number-sections", False),
        source=source,
        nocite=values.get("nocite", ()),
        nocite_line=lines.get("nocite"),
        css=css,
        css_lines=_item_lines(lines, "css", len(css)),
        link_bibliography=values.get("link-bibliography", True),
        references_title=values.get("reference-section-title", "References"),
        toc_title=values.get("toc-title", "Contents"),
        warnings=warnings,
        proof=ProofSettings(
            reading_grade=values.get("reading-grade"),
            ignore=tuple(values.get("lint", {}).get("ignore", ())),
            sentence_words=values.get("lint", {}).get("sentence-words"),
        ),
        editions=values.get("editions", ()),
        editions_line=lines.get("editions"),
        clinic=clinic,
        variant=variant.name if variant else None,
    )


def _item_lines(lines: dict[str, int], key: str, count: int) -> tuple[int | None, ...]:
    """The line of each file a field names: its own line in a list, else the field's."""
    return tuple(lines.get(f"{key}[{i}]", lines.get(key)) for i in range(count))
