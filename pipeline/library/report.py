"""The library report: one HTML page listing every book, its variants, editions, review dates
(overdue ones marked), and what this run, `lint` and (with --check) the validators said."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..editions.render import environment, long_date
from ..stages.load import Styles
from .books import FAILED, BookOutcome

TEMPLATE = "library.html.j2"
REPORT_NAME = "library.html"
SOON = dt.timedelta(days=90)  # a review date this close is flagged as due soon


@dataclass(frozen=True)
class CheckStatus:
    """The release check of one book's output folder: checks passed, and those that failed."""

    passed: int
    total: int
    failed: tuple[str, ...]


@dataclass(frozen=True)
class ReportRow:
    """One variant of one book, as the report's table shows it."""

    book: str
    folder: str
    variant: str
    status: str
    error: str | None
    editions: tuple[tuple[str, str], ...]  # edition → link from the report
    review: str
    review_state: str  # "overdue", "soon", "ok" or "none"
    identifier: str
    warnings: int
    first_of_book: bool
    variants_of_book: int
    lint: str
    lint_state: str
    check: str
    check_state: str


def review_state(review_date: dt.date | None, today: dt.date) -> str:
    """overdue, soon (within 90 days), ok, or none (no review date)."""
    if review_date is None:
        return "none"
    if review_date < today:
        return "overdue"
    return "soon" if review_date - today <= SOON else "ok"


def rows(
    outcomes: Sequence[BookOutcome],
    checks: Mapping[str, CheckStatus],
    today: dt.date,
    report_folder: Path,
) -> tuple[ReportRow, ...]:
    """Every variant of every book, in the library's order."""
    found = []
    for book in outcomes:
        lint, lint_state = _lint_text(book)
        check, check_state = _check_text(checks.get(book.folder))
        for index, variant in enumerate(book.variants):
            state = review_state(variant.review_date, today)
            review = long_date(variant.review_date) if variant.review_date else "none set"
            links = tuple(
                (name, relative_href(book.output / path, report_folder))
                for name, path in variant.files
            )
            error = variant.errors[0] if variant.errors else None
            found.append(
                ReportRow(
                    book=variant.title or book.title,
                    folder=book.folder,
                    variant=variant.variant or "—",
                    status=variant.status,
                    error=f"{error.location}: {error.message}" if error else None,
                    editions=links,
                    review=review,
                    review_state=state,
                    identifier=variant.identifier or "",
                    warnings=len(variant.warnings),
                    first_of_book=index == 0,
                    variants_of_book=len(book.variants),
                    lint=lint,
                    lint_state=lint_state,
                    check=check,
                    check_state=check_state,
                )
            )
    return tuple(found)


def _lint_text(book: BookOutcome) -> tuple[str, str]:
    if book.lint is None:
        return "not run", "none"
    status = book.lint
    text = f"{_count(status.errors, 'error')}, {_count(status.warnings, 'warning')}"
    return text, "failed" if status.errors else "ok"


def _check_text(status: CheckStatus | None) -> tuple[str, str]:
    if status is None:
        return "not run (batch --check)", "none"
    if status.failed:
        return f"{status.passed} of {status.total} passed; failed: {', '.join(status.failed)}", (
            "failed"
        )
    return f"{status.passed} of {status.total} passed", "ok"


def render_library_report(
    outcomes: Sequence[BookOutcome],
    checks: Mapping[str, CheckStatus],
    today: dt.date,
    report_folder: Path,
    styles: Styles,
) -> str:
    """The report page: a summary, then a table with a row per variant."""
    table = rows(outcomes, checks, today, report_folder)
    counts = {
        "books": len(outcomes),
        "variants": len(table),
        "failed": sum(1 for book in outcomes if book.status == FAILED),
        "overdue": sum(1 for row in table if row.review_state == "overdue"),
    }
    return (
        environment(styles)
        .get_template(TEMPLATE)
        .render(rows=table, counts=counts, today=long_date(today))
    )


def _count(number: int, noun: str) -> str:
    """'1 error', '2 errors'."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def relative_href(target: Path, folder: Path) -> str:
    """A link from the report to a file beside it: percent-encoded and starting with './' or
    '../', so a folder named `javascript:alert(1)` stays a path, never a scheme."""
    relative = Path(os.path.relpath(target, folder)).as_posix()
    encoded = quote(relative, safe="/")
    return encoded if encoded.startswith("../") else f"./{encoded}"
