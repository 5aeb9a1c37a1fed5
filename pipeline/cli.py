"""The command line; the only module that prints."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from .build import FORMATS, BuildOptions, StageReport, build
from .core.errors import ManuscriptError
from .core.project import Project

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = """examples:
  python -m pipeline build                        manuscript/ -> output/ (PDF and EPUB)
  python -m pipeline build my-book -o out -f pdf  only the PDF of my-book/
  python -m pipeline build -p large-print -f pdf  the 16 pt large-print PDF

How to write a manuscript (book.yaml, citations, boxes, tables): README.md."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Turn a Markdown manuscript into a tagged print PDF and an EPUB 3.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser(
        "build",
        help="build the editions of a manuscript",
        description="Build the PDF and EPUB editions of a manuscript folder (one with a "
        "book.yaml) into the output folder. A failed build prints one line per problem "
        "(file:line: what is wrong and how to fix it), exits with status 1 and leaves the "
        "previous outputs untouched.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build_cmd.add_argument(
        "manuscript",
        nargs="?",
        type=Path,
        default=REPO / "manuscript",
        help="the manuscript folder (default: manuscript/)",
    )
    build_cmd.add_argument(
        "-o",
        "--output",
        type=Path,
        default=REPO / "output",
        help="where to write the editions (default: output/)",
    )
    build_cmd.add_argument(
        "-f",
        "--format",
        dest="formats",
        action="append",
        choices=FORMATS,
        help="an edition to build; repeat for several (default: pdf and epub)",
    )
    build_cmd.add_argument(
        "-p",
        "--profile",
        default="a4",
        help="the print profile from styles/profiles/: a4 (default) or large-print",
    )
    build_cmd.add_argument(
        "-q", "--quiet", action="store_true", help="print only problems, not one line per stage"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    project = Project.at(REPO, args.manuscript, args.output)
    options = BuildOptions(tuple(args.formats or FORMATS), args.profile)

    def report(line: StageReport) -> None:
        if not args.quiet:
            print(f"{line.stage:<9} {line.seconds:6.2f} s  {line.detail}", flush=True)

    try:
        result = build(project, options, report)
    except ManuscriptError as error:
        for problem in error.problems:
            print(f"{problem.location}: error: {problem.message}", file=sys.stderr)
        return 1
    for warning in result.warnings:
        print(f"{warning.location}: warning: {warning.message}", file=sys.stderr)
    if result.review_date is not None and result.review_date < dt.date.today():
        # Only a warning, and only here: the outputs never depend on the clock.
        print(
            f"{result.book_file}: warning: the review date {result.review_date} has passed; "
            "check the content and set a new 'review-date'",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
