"""Manuscript lint: the build's own stages without rendering, then the rules, then silencing.

Runs load, parse, assets, number and document as the build does (no WeasyPrint, no EbookLib),
so everything the build would refuse or warn about comes along as PL900/PL901 findings; then
each rule of `rules.py`; then drops what a `<!-- lint-ignore CODE -->` comment or book.yaml's
`lint: ignore:` silences.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import MappingProxyType

from ..core.errors import Location, ManuscriptError, Problem
from ..core.project import BOOK_FILE, Project
from ..dialect.sanitize import check_bibliography
from ..stages.document import build_document
from ..stages.load import Manuscript, book_images, load_assets, load_manuscript
from ..stages.number import Numbering, number_manuscript
from ..stages.parse import ParsedChapter, parse_book
from .findings import RULES, UNSILENCEABLE, Finding
from .rules import RULE_CHECKS, Book, ChapterText
from .text import read_blocks


@dataclass(frozen=True)
class LintResult:
    """The findings that remain, in file and line order, and the book they are about."""

    findings: tuple[Finding, ...]
    book: Book | None

    @property
    def errors(self) -> int:
        """How many error-level findings remain (any one fails `lint`)."""
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        """How many warnings remain."""
        return sum(1 for f in self.findings if f.severity == "warning")


def lint(project: Project, today: dt.date, variant: str | None = None) -> LintResult:
    """Lint the manuscript folder of `project` (as `variant`, when book.yaml lists variants:
    the first by default); `today` decides whether the review date passed."""
    try:
        manuscript = load_manuscript(project, variant)
    except ManuscriptError as error:
        return LintResult(_in_order(_build_findings(error.problems, "PL900")), None)
    book, build_findings = _read_book(project, manuscript, today)
    found = [*build_findings]
    for check in RULE_CHECKS:
        found.extend(check(book))
    kept = silence(found, book, _book_text(project))
    return LintResult(_in_order(kept), book)


def _in_order(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """By file, then line (a finding about a whole file first), then code."""
    return tuple(sorted(findings, key=lambda f: (f.location.path, f.location.line or 0, f.code)))


def _book_text(project: Project) -> str:
    return (project.manuscript / BOOK_FILE).read_text(encoding="utf-8-sig")


def _read_book(
    project: Project, manuscript: Manuscript, today: dt.date
) -> tuple[Book, list[Finding]]:
    """The pipeline's stages up to the document, each problem kept as a finding."""
    findings: list[Finding] = []
    chapters = parse_book(manuscript.chapters)  # a file may hold several chapters
    first_of_file = {chapter.path: chapter for chapter in reversed(chapters)}
    problems = [problem for chapter in chapters for problem in chapter.problems]
    loaded = load_assets(
        project,
        [
            *((image.src, image.location) for c in chapters for image in c.images),
            *book_images(manuscript.meta),
        ],
    )
    asset_problems = loaded.problems
    unsafe, _ = check_bibliography(
        ((e.key, e.data, e.location) for e in manuscript.bibliography.values()), drop=False
    )
    findings += _build_findings([*problems, *asset_problems, *unsafe], "PL900")
    findings += _build_findings(
        [*(w for chapter in chapters for w in chapter.warnings), *loaded.warnings], "PL901"
    )
    numbering = _numbering(manuscript, chapters, findings) if not problems else None
    nocite = manuscript.meta.nocite  # listed on purpose: not "uncited"
    cited = frozenset(
        item.key for chapter in chapters for use in chapter.found.citations for item in use.items
    ) | frozenset(manuscript.bibliography if "*" in nocite else nocite)
    if numbering is not None and not asset_problems:
        uncited = {entry.location for entry in numbering.unused_references}
        try:
            document = build_document(manuscript, chapters, numbering, MappingProxyType({}))
        except ManuscriptError as error:
            findings += _build_findings(error.problems, "PL900")
        else:
            # The uncited-reference warning is PL201's own; the rest are the build's.
            findings += _build_findings(
                (w for w in document.warnings if w.location not in uncited), "PL901"
            )
    names = {
        label: target.name for label, target in (numbering.targets if numbering else {}).items()
    }
    book = Book(
        meta=manuscript.meta,
        book_text=_book_text(project),
        chapters=tuple(
            ChapterText(source.path, source.text, read_blocks(source.text), parsed.found)
            for source, parsed in (
                (source, first_of_file[source.path]) for source in manuscript.chapters
            )
        ),
        bibliography=manuscript.bibliography,
        cited_keys=cited,
        target_names=MappingProxyType(names),
        today=today,
    )
    return book, findings


def _numbering(
    manuscript: Manuscript, chapters: tuple[ParsedChapter, ...], findings: list[Finding]
) -> Numbering | None:
    try:
        return number_manuscript(manuscript, chapters)
    except ManuscriptError as error:
        findings += _build_findings(error.problems, "PL900")
        return None


def _build_findings(problems: Iterable[Problem], code: str) -> Iterator[Finding]:
    for problem in problems:
        yield Finding(problem.location, code, problem.message)


# --- Silencing ---------------------------------------------------------------------------

_IGNORE = re.compile(r"<!--\s*lint-ignore\b(?P<codes>.*?)-->")


@dataclass(frozen=True)
class _Ignore:
    """One `<!-- lint-ignore … -->`: the codes it names and the lines it covers."""

    location: Location
    codes: tuple[str, ...]
    lines: range


def ignore_comments(path: str, source: str) -> tuple[_Ignore, ...]:
    """Every lint-ignore comment of a chapter. Alone on its line it covers the next block
    (up to the next blank line); after text it covers its own line."""
    lines = source.splitlines()
    found = []
    for index, line in enumerate(lines):
        for match in _IGNORE.finditer(line):
            codes = tuple(re.findall(r"[^\s,]+", match.group("codes")))
            if _IGNORE.sub("", line).strip():
                covered = range(index + 1, index + 2)
            else:
                start = next((i for i in range(index + 1, len(lines)) if lines[i].strip()), index)
                end = next(
                    (i for i in range(start, len(lines)) if not lines[i].strip()), len(lines)
                )
                covered = range(start + 1, end + 1)
            found.append(_Ignore(Location(path, index + 1), codes, covered))
    return tuple(found)


def silence(findings: list[Finding], book: Book, book_text: str) -> list[Finding]:
    """Drop what the book's comments and `lint: ignore:` silence; report comments and
    entries that name no code, an unknown code, or silence nothing (PL000)."""
    comments = [
        c for chapter in book.chapters for c in ignore_comments(chapter.path, chapter.source)
    ]
    notes: list[Finding] = []
    used: set[tuple[Location, str]] = set()
    kept = []
    for finding in findings:
        here = finding.location
        matching = [
            c
            for c in comments
            if c.location.path == here.path
            and here.line in c.lines
            and finding.code in c.codes
            and finding.code not in UNSILENCEABLE
        ]
        used.update((c.location, finding.code) for c in matching)
        if not matching:
            kept.append(finding)
    for comment in comments:
        if not comment.codes:
            notes.append(
                Finding(
                    comment.location,
                    "PL000",
                    "lint-ignore names no code; write the codes it silences, e.g. "
                    "<!-- lint-ignore PL005 -->",
                )
            )
        for code in comment.codes:
            if code not in RULES or code in UNSILENCEABLE:
                notes.append(_unknown_code(comment.location, code))
            elif (comment.location, code) not in used:
                notes.append(
                    Finding(
                        comment.location,
                        "PL000",
                        f"lint-ignore {code} silences nothing in the block after it; remove it",
                    )
                )
    book_wide = set(book.meta.proof.ignore)
    lint_line = next(
        (n for n, line in enumerate(book_text.splitlines(), 1) if line.startswith("lint:")), None
    )
    for code in sorted(book_wide):
        if code not in RULES or code in UNSILENCEABLE:
            notes.append(_unknown_code(Location(book.meta.source, lint_line), code))
    return [f for f in [*kept, *notes] if f.code not in book_wide - UNSILENCEABLE]


def _unknown_code(where: Location, code: str) -> Finding:
    silenceable = ", ".join(c for c in RULES if c not in UNSILENCEABLE)
    return Finding(
        where, "PL000", f"'{code}' is not a lint code that can be silenced; known: {silenceable}"
    )
