"""`build`: the editions of one manuscript folder."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from ..build import FORMATS, BuildOptions, StageReport, build
from ..core.errors import ManuscriptError
from ..core.project import Project, default_manuscript, default_output

NAME = "build"
HELP = "build the editions of a manuscript"
DESCRIPTION = (
    "Build the PDF and EPUB editions of a manuscript folder (one with a book.yaml) into the "
    "output folder. A failed build prints one line per problem (file:line: what is wrong and "
    "how to fix it), exits with status 1 and leaves the previous outputs untouched."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The build command's arguments."""
    parser.add_argument(
        "manuscript",
        nargs="?",
        type=Path,
        help="the manuscript folder (default: this folder if it holds book.yaml, else "
        "./manuscript)",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        help="where to write the editions (default: ./output)",
    )
    parser.add_argument(
        "-f",
        "--format",
        dest="formats",
        action="append",
        choices=FORMATS,
        help="an edition to build; repeat for several (default: pdf and epub)",
    )
    parser.add_argument(
        "-p",
        "--profile",
        default="a4",
        help="the print profile from styles/profiles/: a4 (default) or large-print",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print only problems, not one line per stage"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="fail on any warning (nothing is written), e.g. in a publisher's CI",
    )
    parser.add_argument(
        "--sanitize",
        action="store_true",
        help="remove markup the allowlist refuses (scripts, handlers, unsafe links, foreign "
        "SVG content) with a warning, instead of failing",
    )


def run(args: argparse.Namespace) -> int:
    """Build; print one line per stage, then warnings; return the exit status."""
    here = Path.cwd()
    manuscript = args.manuscript or default_manuscript(here)
    project = Project.at(here, manuscript, args.output or default_output(here))
    options = BuildOptions(
        tuple(args.formats or FORMATS),
        args.profile,
        sanitize=args.sanitize,
        strict=args.strict,
        today=dt.date.today(),
    )

    def report(line: StageReport) -> None:
        if not args.quiet:
            print(f"{line.stage:<9} {line.seconds:6.2f} s  {line.detail}", flush=True)

    try:
        result = build(project, options, report)
    except ManuscriptError as error:
        print_problems(error)
        return 1
    for warning in result.warnings:
        print(f"{warning.location}: warning: {warning.message}", file=sys.stderr)
    return 0


def print_problems(error: ManuscriptError) -> None:
    """Every problem of a failed command, one `file:line: error: …` line each, on stderr."""
    for problem in error.problems:
        print(f"{problem.location}: error: {problem.message}", file=sys.stderr)
