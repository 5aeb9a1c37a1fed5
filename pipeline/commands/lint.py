"""`lint`: proof a manuscript before print; with --report, the plain-language report too."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import Location, ManuscriptError
from ..core.output import write_all
from ..core.project import Project, default_manuscript, default_output
from .build import print_problems

if TYPE_CHECKING:
    # Imported when the command runs: every command's parser is built on each start, and a
    # build with nothing to make should not wait for the proofing libraries.
    from ..proof.findings import Finding
    from ..proof.lint import LintResult

NAME = "lint"
HELP = "proof a manuscript: placeholders, links, structure, references, review date"
DESCRIPTION = (
    "Check a manuscript before print without rendering it: every finding has a stable code, a "
    "severity and file:line. Silence one place with <!-- lint-ignore PL005 --> before the "
    "block (or at the end of the line), the whole book with 'lint: {ignore: [PL005]}' in "
    "book.yaml. Exits with status 1 when an error-level finding remains. --report adds the "
    "plain-language report: reading grades per chapter and section against book.yaml's "
    "'reading-grade', the longest sentences and hardest words, and an HTML page with a chart."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The lint command's arguments."""
    parser.add_argument(
        "manuscript",
        nargs="?",
        type=Path,
        help="the manuscript folder (default: this folder if it holds book.yaml, else "
        "./manuscript)",
    )
    parser.add_argument(
        "-r",
        "--report",
        action="store_true",
        help="also print the plain-language report and write it as HTML to the output folder",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        help="where --report writes its HTML page (default: ./output)",
    )
    parser.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="the date the review date is checked against (default: today)",
    )
    parser.add_argument(
        "--variant",
        metavar="NAME",
        help="the variant to lint, when book.yaml lists variants (default: the first)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the findings as JSON (one list) instead"
    )
    parser.add_argument(
        "--rules", action="store_true", help="list every rule with its code and severity"
    )


def run(args: argparse.Namespace) -> int:
    """Lint; print one line per finding and a summary; 1 when an error remains."""
    from ..proof.findings import RULES
    from ..proof.lint import lint

    if args.rules:
        for rule in RULES.values():
            print(f"{rule.code}  {rule.severity:<7}  {rule.name:<20}  {rule.summary}")
        return 0
    here = Path.cwd()
    project = Project.at(
        here, args.manuscript or default_manuscript(here), args.output or default_output(here)
    )
    result = lint(project, args.today or dt.date.today(), args.variant)
    if args.json:
        print(json.dumps([_as_json(f) for f in result.findings], indent=2, ensure_ascii=False))
    else:
        for finding in result.findings:
            print(finding)
        sys.stdout.flush()
        print(_summary(result), file=sys.stderr)
    if args.report and result.book is not None:
        try:
            _report(project, result)
        except ManuscriptError as error:
            print_problems(error)
            return 1
    return 1 if result.errors else 0


def _summary(result: LintResult) -> str:
    chapters = len(result.book.chapters) if result.book else 0
    return (
        f"lint: {result.errors} error{'s' * (result.errors != 1)}, {result.warnings} "
        f"warning{'s' * (result.warnings != 1)} in {chapters} chapters"
    )


def _as_json(finding: Finding) -> dict[str, object]:
    return {
        "code": finding.code,
        "severity": finding.severity,
        "path": finding.location.path,
        "line": finding.location.line,
        "message": finding.message,
    }


def _report(project: Project, result: LintResult) -> None:
    from ..proof.readability import readability
    from ..proof.report import render_report, report_name, terminal_report
    from ..stages.load import load_styles

    assert result.book is not None
    grades = readability(result.book)
    print()
    print(terminal_report(grades))
    target = project.output / "proof" / report_name(result.book.meta.slug)
    page = render_report(grades, load_styles(project))
    try:
        write_all({target: page.encode("utf-8")})
    except OSError as error:
        raise ManuscriptError.at(
            Location(project.show(project.output)),
            f"cannot write the report there ({error.strerror}); choose a folder with --output",
        ) from error
    print(f"\nHTML report: {project.show(target)}")
