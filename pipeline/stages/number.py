"""Stage 3, number: one pass over all chapters gives every citation, label and section its number.

Both editions read these numbers, so the PDF and the EPUB can never disagree.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ..core.errors import Location, Problem, raise_if_any
from ..dialect.prepass import NORMAL, XREF_KINDS, XREF_LABEL, HeadingDef, element_id
from .bibliography import BibEntry
from .load import Manuscript
from .parse import ParsedChapter

KIND_NAMES = {
    "table": "Table",
    "figure": "Figure",
    "section": "Section",
    "box": "Box",
    "equation": "Equation",
}


@dataclass(frozen=True)
class Target:
    """Something a cross-reference can point at, with its printed number and element id."""

    kind: str
    number: str | None
    element_id: str
    chapter: int
    title: str = ""

    @property
    def name(self) -> str:
        """'Table 1', 'Section 2.3', or an unnumbered section's title in quotes."""
        if self.number is None:
            return f"\u201c{self.title}\u201d"
        return f"{KIND_NAMES[self.kind]} {self.number}"


@dataclass(frozen=True)
class CitedItem:
    """One key of one citation, resolved: the reference number and this occurrence's id."""

    number: int
    anchor_id: str
    prefix: str
    locator: str
    mode: str = NORMAL
    key: str = ""


@dataclass(frozen=True)
class Numbering:
    """All numbers of the book, computed once after every chapter is parsed."""

    reference_order: tuple[str, ...]
    citations: Mapping[tuple[int, int], tuple[CitedItem, ...]]
    cited_at: Mapping[int, tuple[str, ...]]
    targets: Mapping[str, Target]
    xrefs: Mapping[tuple[int, int], Target]
    tables: Mapping[tuple[int, int], Target]
    figures: Mapping[tuple[int, int], Target]
    boxes: Mapping[tuple[int, int], Target | None]
    sections: Mapping[tuple[int, int], str | None]
    unused_references: tuple[BibEntry, ...]
    equations: Mapping[tuple[int, int], Target] = field(
        default_factory=lambda: MappingProxyType({})
    )


def number_manuscript(manuscript: Manuscript, chapters: tuple[ParsedChapter, ...]) -> Numbering:
    """`number_book` for a manuscript as loaded: its bibliography, and what its book.yaml
    says about section numbers and `nocite` (the build and `lint` number a book alike)."""
    meta = manuscript.meta
    return number_book(
        chapters,
        manuscript.bibliography,
        meta.number_sections,
        Location(manuscript.bibliography_file) if manuscript.bibliography_file else None,
        meta.nocite,
        Location(meta.source, meta.nocite_line),
    )


def number_book(
    chapters: tuple[ParsedChapter, ...],
    bibliography: Mapping[str, BibEntry],
    number_sections: bool,
    bibliography_file: Location | None,
    nocite: tuple[str, ...] = (),
    nocite_at: Location | None = None,
) -> Numbering:
    """Number citations by first use (then the `nocite` entries), then tables, figures, boxes
    and sections in order."""
    problems: list[Problem] = []
    order: dict[str, int] = {}
    citations: dict[tuple[int, int], tuple[CitedItem, ...]] = {}
    cited_at: dict[int, list[str]] = {}
    for chapter in chapters:
        for use in chapter.found.citations:  # in reading order; `use.index` names the placeholder
            resolved = []
            for item in use.items:
                if item.key not in bibliography:
                    problems.append(
                        _unknown_key(item.key, use.location, bibliography, bibliography_file)
                    )
                    continue
                number = order.setdefault(item.key, len(order) + 1)
                anchors = cited_at.setdefault(number, [])
                anchor = f"cite-{number}-{len(anchors) + 1}"
                anchors.append(anchor)
                resolved.append(
                    CitedItem(number, anchor, item.prefix, item.locator, item.mode, item.key)
                )
            citations[(chapter.number, use.index)] = tuple(resolved)
    # pandoc's nocite: listed, never cited; "@*" lists every entry.
    for key in nocite:
        if key == "*":
            for every in bibliography:
                order.setdefault(every, len(order) + 1)
        elif key in bibliography:
            order.setdefault(key, len(order) + 1)
        else:
            where = nocite_at or Location("book.yaml")
            problems.append(_unknown_key(key, where, bibliography, bibliography_file))

    targets: dict[str, Target] = {}
    tables: dict[tuple[int, int], Target] = {}
    figures: dict[tuple[int, int], Target] = {}
    boxes: dict[tuple[int, int], Target | None] = {}
    sections: dict[tuple[int, int], str | None] = {}
    defined_at: dict[str, Location] = {}

    def define(label: str | None, target: Target, where: Location) -> None:
        if label is None:
            return
        key = element_id(label)  # '#tbl:x' and '#tbl-x' are one label, as in the HTML
        if key in defined_at:
            first = defined_at[key]
            place = f"line {first.line}" if first.path == where.path else str(first)
            problems.append(
                Problem(
                    where,
                    f"label '{label}' is already used at {place}; "
                    "labels must be unique in the book",
                )
            )
            return
        defined_at[key] = where
        targets[key] = target

    table_count = figure_count = box_count = equation_count = 0
    equations: dict[tuple[int, int], Target] = {}
    for chapter in chapters:
        for index, formula in enumerate(chapter.found.maths):
            if formula.label is None:
                continue  # as in pandoc-crossref, only labelled equations are numbered
            equation_count += 1
            target = Target(
                "equation", str(equation_count), element_id(formula.label), chapter.number
            )
            equations[(chapter.number, index)] = target
            define(formula.label, target, formula.location)
        for index, table in enumerate(chapter.found.tables):
            table_count += 1
            target = Target(
                "table", str(table_count), _id(table.label, f"tbl-{table_count}"), chapter.number
            )
            tables[(chapter.number, index)] = target
            define(table.label, target, table.location)
        for index, figure in enumerate(chapter.found.figures):
            figure_count += 1
            target = Target(
                "figure",
                str(figure_count),
                _id(figure.label, f"fig-{figure_count}"),
                chapter.number,
            )
            figures[(chapter.number, index)] = target
            define(figure.label, target, figure.location)
        for index, box in enumerate(chapter.found.boxes):
            # Like Quarto's callouts, only boxes labelled as such are numbered: "Box 1".
            if box.label is None or not box.label.startswith(("box:", "box-")):
                boxes[(chapter.number, index)] = None
                continue
            box_count += 1
            target = Target("box", str(box_count), element_id(box.label), chapter.number)
            boxes[(chapter.number, index)] = target
            define(box.label, target, box.location)
        numbers = _section_numbers(chapter.number, chapter.found.headings, number_sections)
        for index, (heading, section) in enumerate(
            zip(chapter.found.headings, numbers, strict=True)
        ):
            sections[(chapter.number, index)] = section
            if heading.label:
                define(
                    heading.label,
                    Target(
                        "section",
                        section,
                        element_id(heading.label),
                        chapter.number,
                        chapter.heading_titles[index],
                    ),
                    heading.location,
                )

    xrefs: dict[tuple[int, int], Target] = {}
    for chapter in chapters:
        for xref in chapter.found.xrefs:
            if element_id(xref.label) in targets:
                xrefs[(chapter.number, xref.index)] = targets[element_id(xref.label)]
            else:
                problems.append(_unknown_label(xref.label, xref.location, targets))
    raise_if_any(problems)
    unused = tuple(entry for key, entry in bibliography.items() if key not in order)
    return Numbering(
        reference_order=tuple(order),
        citations=MappingProxyType(citations),
        cited_at=MappingProxyType({n: tuple(a) for n, a in cited_at.items()}),
        targets=MappingProxyType(targets),
        xrefs=MappingProxyType(xrefs),
        tables=MappingProxyType(tables),
        figures=MappingProxyType(figures),
        boxes=MappingProxyType(boxes),
        sections=MappingProxyType(sections),
        unused_references=unused,
        equations=MappingProxyType(equations),
    )


def _id(label: str | None, fallback: str) -> str:
    return element_id(label) if label else fallback


def _section_numbers(
    chapter: int, headings: tuple[HeadingDef, ...], enabled: bool
) -> list[str | None]:
    """'2.1', '2.1.1' for numbered headings of levels 2-4; None for the rest (and the title)."""
    counters = [0, 0, 0]
    numbers: list[str | None] = []
    unnumbered_level = 99  # below an unnumbered heading, its subsections are unnumbered too
    for heading in headings:
        depth = heading.level - 2
        if depth < 0 or heading.as_text:  # the chapter title, or not a heading after all
            numbers.append(None)
            continue
        if heading.level <= unnumbered_level:
            unnumbered_level = 99
        if not heading.numbered and not heading.in_box:
            unnumbered_level = min(unnumbered_level, heading.level)
        if (
            not enabled
            or not heading.numbered
            or heading.in_box
            or depth > 2
            or heading.level > unnumbered_level
        ):
            numbers.append(None)
            continue
        counters[depth] += 1
        counters[depth + 1 :] = [0] * (2 - depth)
        numbers.append(".".join(str(n) for n in [chapter, *counters[: depth + 1]]))
    return numbers


def _unknown_key(
    key: str, where: Location, bibliography: Mapping[str, BibEntry], source: Location | None
) -> Problem:
    close = difflib.get_close_matches(key, list(bibliography), n=3)
    if close:
        hint = f"did you mean {', '.join(repr(c) for c in close)}?"
    elif source is not None:
        hint = f"add it to {source.path}"
    else:
        hint = "book.yaml names no bibliography; add 'bibliography: references.json'"
    return Problem(where, f"unknown citation key '{key}'; {hint}")


def _unknown_label(label: str, where: Location, targets: Mapping[str, Target]) -> Problem:
    match = XREF_LABEL.match(label)
    kind = match.group("kind") if match else label.split(":")[0]
    separator = label[len(kind)]
    same_kind = [
        f"{kind}{separator}{t[len(kind) + 1 :]}" for t in targets if t.startswith(f"{kind}-")
    ]
    close = difflib.get_close_matches(label, same_kind, n=3)
    if close:
        hint = f"did you mean {', '.join(repr(c) for c in close)}?"
    elif same_kind:
        hint = f"known {XREF_KINDS[kind]} labels: {', '.join(same_kind)}"
    else:
        hint = f"no {XREF_KINDS[kind]} has a label; add {{#{label}}} to the one you mean"
    return Problem(where, f"unknown cross-reference '@{label}'; {hint}")
