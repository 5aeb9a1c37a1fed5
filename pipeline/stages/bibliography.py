"""Bibliography files as CSL items (CSL-JSON, CSL-YAML, BibTeX/BibLaTeX), each with its line.

The rest of the pipeline (citeproc-py) reads CSL-JSON, so the other formats are converted to it
here. BibTeX is parsed by pybtex and its LaTeX turned into text by pylatexenc; the mapping of
BibTeX types and fields onto CSL follows what pandoc's citeproc does (compared in the tests).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import yaml
from pybtex.database import BibliographyData, BibliographyDataError, parse_string
from pybtex.database import Person as BibPerson
from pybtex.scanner import PybtexError, PybtexSyntaxError
from pylatexenc.latex2text import LatexNodes2Text

from ..core.errors import Location, Problem
from ..core.yaml_safe import SafeLoader, safe_load

# The formats by file suffix, and what the error message calls each.
FORMATS = {
    ".json": "CSL-JSON",
    ".yaml": "CSL-YAML",
    ".yml": "CSL-YAML",
    ".bib": "BibTeX",
    ".bibtex": "BibTeX",
}


@dataclass(frozen=True)
class BibEntry:
    """One CSL item and the line of the file it starts on."""

    key: str
    data: Mapping[str, Any]
    location: Location


Parsed = tuple[Mapping[str, BibEntry], list[Problem]]


def parse_bibliography(text: str, source: str, suffix: str) -> Parsed:
    """Entries by key from a bibliography file's text, in the format its suffix names."""
    if suffix in (".yaml", ".yml"):
        return parse_csl_yaml(text, source)
    if suffix in (".bib", ".bibtex"):
        return parse_bibtex(text, source)
    return parse_csl_json(text, source)


def parse_csl_json(text: str, source: str) -> Parsed:
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
    lines = _id_lines(text)
    return _check_items(items, source, lambda key: next(lines.get(key, iter(())), None))


def parse_csl_yaml(text: str, source: str) -> Parsed:
    """CSL-YAML (pandoc's `references:` list, or a bare list) to entries by key."""
    try:
        node = yaml.compose(text, Loader=SafeLoader)
        data = safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or "not valid YAML"
        return MappingProxyType({}), [
            Problem(Location(source, mark.line + 1 if mark else None), f"{reason}")
        ]
    if isinstance(data, dict) and isinstance(data.get("references"), list):
        items, node = data["references"], _value_node(node, "references")
    elif isinstance(data, list):
        items = data
    else:
        return MappingProxyType({}), [
            Problem(Location(source, 1), "expected 'references:' followed by a list of CSL items")
        ]
    starts = [n.start_mark.line + 1 for n in node.value] if isinstance(node, yaml.Node) else []
    by_key = {
        item.get("id"): line
        for item, line in zip(items, starts, strict=False)
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    }
    # YAML reads 2020-05-01 as a date and ids like 2020 as numbers; CSL wants text.
    return _check_items([_plain(item) for item in items], source, by_key.get)


def _value_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key:
                found: yaml.Node = value_node
                return found
    return None


def _plain(value: Any) -> Any:
    """YAML values as CSL-JSON has them: dates and numbers inside items become text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return str(value)


def _check_items(items: list[Any], source: str, line_of: Any) -> Parsed:
    entries: dict[str, BibEntry] = {}
    problems: list[Problem] = []
    for index, item in enumerate(items):
        key = item.get("id") if isinstance(item, dict) else None
        if isinstance(key, int) and not isinstance(key, bool):
            key = str(key)
        if not isinstance(key, str) or not key:
            problems.append(
                Problem(
                    Location(source),
                    f"item {index + 1} has no 'id'; every entry needs the key chapters cite it by",
                )
            )
            continue
        where = Location(source, line_of(key))
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
            entries[key] = BibEntry(key, MappingProxyType({**item, "id": key}), where)
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
    """What is wrong with the shape of a CSL item's names or dates (citeproc would crash)."""
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


# BibTeX/BibLaTeX entry types as CSL types (pandoc's citeproc maps them the same way).
BIBTEX_TYPES = {
    "article": "article-journal",
    "book": "book",
    "mvbook": "book",
    "booklet": "pamphlet",
    "collection": "book",
    "mvcollection": "book",
    "proceedings": "book",
    "mvproceedings": "book",
    "manual": "book",
    "inbook": "chapter",
    "bookinbook": "chapter",
    "incollection": "chapter",
    "suppbook": "chapter",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "report": "report",
    "techreport": "report",
    "thesis": "thesis",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "patent": "patent",
    "periodical": "periodical",
    "dataset": "dataset",
    "software": "software",
    "unpublished": "manuscript",
    "misc": "document",
}
# BibTeX fields as CSL variables, where the meaning is the same whatever the type.
BIBTEX_FIELDS = {
    "title": "title",
    "subtitle": "title",
    "shorttitle": "title-short",
    "edition": "edition",
    "volume": "volume",
    "volumes": "number-of-volumes",
    "pages": "page",
    "pagetotal": "number-of-pages",
    "publisher": "publisher",
    "address": "publisher-place",
    "location": "publisher-place",
    "doi": "DOI",
    "url": "URL",
    "isbn": "ISBN",
    "issn": "ISSN",
    "pmid": "PMID",
    "pmcid": "PMCID",
    "note": "note",
    "annote": "annote",
    "abstract": "abstract",
    "language": "language",
    "version": "version",
    "series": "collection-title",
    "howpublished": "publisher",
    "organization": "publisher",
    "institution": "publisher",
    "school": "publisher",
    "type": "genre",
}
# Fields whose meaning depends on the entry type.
_CONTAINER = ("journal", "journaltitle", "booktitle", "maintitle")
_THESIS_GENRE = {"phdthesis": "PhD thesis", "mastersthesis": "Master’s thesis"}
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "september", "sept"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_EPRINT_URLS = {
    "pubmed": "https://pubmed.ncbi.nlm.nih.gov/{}/",
    "arxiv": "https://arxiv.org/abs/{}",
    "doi": "https://doi.org/{}",
}
_ENTRY_START = re.compile(r"@\s*(\w+)\s*[{(]\s*([^,\s]+)\s*,")
_LATEX = LatexNodes2Text(math_mode="text", strict_latex_spaces=True)


def parse_bibtex(text: str, source: str) -> Parsed:
    """BibTeX or BibLaTeX text to CSL items, each with the line its `@type{key,` is on."""
    lines = {
        match.group(2): text.count("\n", 0, match.start()) + 1
        for match in _ENTRY_START.finditer(text)
    }
    try:
        data: BibliographyData = parse_string(text, "bibtex")
    except PybtexSyntaxError as error:
        reason = re.sub(r"^syntax error in line \d+: ", "", str(error))
        line = error.lineno
        if "premature end of file" in reason and lines:  # the last entry never closes
            key, line = list(lines.items())[-1]
            reason = f"entry '{key}' never closes; a '}}' is missing"
        return MappingProxyType({}), [
            Problem(Location(source, line), f"not valid BibTeX: {reason}")
        ]
    except BibliographyDataError as error:
        key = str(error).rpartition(": ")[2]
        duplicates = [
            text.count("\n", 0, m.start()) + 1
            for m in _ENTRY_START.finditer(text)
            if m.group(2) == key
        ]
        return MappingProxyType({}), [
            Problem(
                Location(source, duplicates[-1] if duplicates else None),
                f"duplicate key '{key}' (first at line {duplicates[0] if duplicates else '?'}); "
                "keys must be unique",
            )
        ]
    except PybtexError as error:
        return MappingProxyType({}), [Problem(Location(source), f"not valid BibTeX: {error}")]
    items = [
        bibtex_to_csl(key, entry.type, dict(entry.fields), entry.persons)
        for key, entry in data.entries.items()
    ]
    return _check_items(items, source, lines.get)


def latex_text(value: str) -> str:
    """A BibTeX field's LaTeX as plain text: accents, dashes and braces resolved."""
    text = _LATEX.latex_to_text(value)
    return re.sub(r"<((?:https?|ftp)://[^>\s]+)>", r"\1", " ".join(text.split()))


def bibtex_to_csl(
    key: str, kind: str, fields: Mapping[str, str], persons: Mapping[str, list[BibPerson]]
) -> dict[str, Any]:
    """One BibTeX entry as a CSL-JSON item."""
    kind = kind.lower()
    fields = {name.lower(): value for name, value in fields.items()}
    item: dict[str, Any] = {"id": key, "type": BIBTEX_TYPES.get(kind, "document")}
    for name, value in fields.items():
        variable = BIBTEX_FIELDS.get(name)
        if variable is None:
            continue
        raw = name in ("url", "doi")  # kept as written: a URL has no LaTeX
        text = value.strip("{} ") if raw else latex_text(value)
        if name == "subtitle":
            item["title"] = f"{latex_text(fields.get('title', ''))}: {text}".lstrip(": ")
        elif variable not in item:
            item[variable] = text
    for name in _CONTAINER:
        if name in fields and "container-title" not in item:
            item["container-title"] = latex_text(fields[name])
    if kind in ("article", "periodical") and "number" in fields:
        item["issue"] = latex_text(fields["number"])
    elif "number" in fields:
        item["number"] = latex_text(fields["number"])
    if "genre" not in item and kind in _THESIS_GENRE:
        item["genre"] = _THESIS_GENRE[kind]
    eprint, eprint_type = fields.get("eprint"), fields.get("eprinttype", "").lower()
    if eprint and eprint_type in _EPRINT_URLS and "URL" not in item:
        item["URL"] = _EPRINT_URLS[eprint_type].format(eprint.strip())
    issued = _bibtex_date(fields.get("date"), fields.get("year"), fields.get("month"))
    if issued:
        item["issued"] = issued
    accessed = _bibtex_date(fields.get("urldate"), None, None)
    if accessed:
        item["accessed"] = accessed
    for role, people in persons.items():
        variable = {"author": "author", "editor": "editor", "translator": "translator"}.get(
            role.lower()
        )
        if variable:
            item[variable] = [_csl_name(person) for person in people]
    return item


def _csl_name(person: BibPerson) -> dict[str, str]:
    """A pybtex name as CSL: `{World Health Organization}` (all braced) is a literal name."""
    last = " ".join(person.last_names)
    if not person.first_names and not person.middle_names and last.startswith("{"):
        return {"literal": latex_text(last)}
    name = {
        "family": latex_text(last),
        "given": latex_text(" ".join([*person.first_names, *person.middle_names])),
        "dropping-particle": latex_text(" ".join(person.prelast_names)),
        "suffix": latex_text(" ".join(person.lineage_names)),
    }
    return {part: value for part, value in name.items() if value}


def _bibtex_date(date: str | None, year: str | None, month: str | None) -> dict[str, Any] | None:
    """BibLaTeX's `date = {2020-05-01}` (or a range's start), else BibTeX's year and month."""
    if date:
        match = re.match(r"\s*(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", date)
        if match:
            return {"date-parts": [[int(part) for part in match.groups() if part]]}
        return {"literal": latex_text(date)}
    if not year:
        return None
    found = re.search(r"\d{4}", year)
    if not found:
        return {"literal": latex_text(year)}
    parts = [int(found.group(0))]
    month_text = (month or "").strip().lower()
    month_number = _MONTHS.get(month_text[:3]) or (int(month_text) if month_text.isdigit() else 0)
    if 1 <= month_number <= 12:
        parts.append(month_number)
    return {"date-parts": [parts]}
