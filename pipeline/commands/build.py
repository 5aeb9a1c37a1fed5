"""`build`: the editions of one manuscript folder."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import sys
from pathlib import Path

from ..build import BuildOptions, StageReport, build
from ..core.errors import ManuscriptError
from ..core.project import Project, default_manuscript, default_output
from ..core.sandbox import Limits
from ..editions.catalog import DEFAULT_EDITIONS
from ..stages.load import list_variants

FORMATS = ("pdf", "epub")

NAME = "build"
HELP = "build the editions of a manuscript"
DESCRIPTION = (
    "Build editions of a manuscript folder (one with a book.yaml) into the output folder: by "
    "default the A4 PDF and the EPUB; with -e the editions named (a4, letter, leaflet, "
    "large-print, press, booklet, epub, web); with --all-editions those book.yaml lists. "
    "Independent editions are made in parallel processes. A failed build prints one line per "
    "problem (file:line: what is wrong and how to fix it), exits with status 1 and leaves the "
    "previous outputs untouched."
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
        "-e",
        "--edition",
        dest="editions",
        action="append",
        metavar="NAME",
        help="an edition to build: a4, letter, leaflet, large-print, press, booklet, epub, "
        "web (or any profile in styles/profiles/); repeat for several",
    )
    parser.add_argument(
        "-a",
        "--all-editions",
        action="store_true",
        help="every edition book.yaml lists under 'editions:' (default there: a4 and epub)",
    )
    parser.add_argument(
        "-f",
        "--format",
        dest="formats",
        action="append",
        choices=FORMATS,
        help="pdf (in the profile of -p) or epub; repeat for both (the default)",
    )
    parser.add_argument(
        "-p",
        "--profile",
        help="the print profile of -f pdf, from styles/profiles/ (default: a4)",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="processes for independent editions, or for the parts of one edition's book "
        "(default: one per CPU; 1 builds in turn; the files are the same either way)",
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
        "--force",
        action="store_true",
        help="make the editions even when no input changed since the last build",
    )
    parser.add_argument(
        "--sanitize",
        action="store_true",
        help="remove markup the allowlist refuses (scripts, handlers, unsafe links, foreign "
        "SVG content) with a warning, instead of failing",
    )
    parser.add_argument(
        "--keep-html",
        action="store_true",
        help="also write each print edition's final HTML beside its PDF (<slug>.html): "
        "`weasyprint -s STYLES/print.css -s STYLES/profiles/a4.css -u MANUSCRIPT/ "
        "--pdf-variant pdf/ua-1 <slug>.html out.pdf` gives the same pages, for debugging "
        "your own CSS",
    )
    parser.add_argument(
        "--variant",
        dest="variants",
        action="append",
        metavar="NAME",
        help="a variant book.yaml lists under 'variants:' (repeat for several; default: "
        "every variant, each with its own file names)",
    )
    defaults = Limits()
    parser.add_argument(
        "--time-limit",
        type=int,
        metavar="SECONDS",
        default=defaults.wall_seconds,
        help=f"stop a build that runs longer (default {defaults.wall_seconds}; processor "
        "time is limited to the same)",
    )
    parser.add_argument(
        "--memory-limit",
        type=int,
        metavar="MIB",
        default=defaults.memory_mib,
        help=f"stop a build that needs more memory (default {defaults.memory_mib} MiB)",
    )


def run(args: argparse.Namespace) -> int:
    """Build; print one line per stage, then warnings; return the exit status."""
    here = Path.cwd()
    manuscript = args.manuscript or default_manuscript(here)
    project = Project.at(here, manuscript, args.output or default_output(here))
    options = BuildOptions(
        requested_editions(args),
        args.all_editions,
        max(1, args.jobs),
        sanitize=args.sanitize,
        strict=args.strict,
        today=dt.date.today(),
        limits=Limits(args.time_limit, args.memory_limit, args.time_limit),
        force=args.force,
        keep_html=args.keep_html,
    )

    def report(line: StageReport) -> None:
        if not args.quiet:
            print(
                f"{line.stage:<8} {line.edition:<12}{line.seconds:6.2f} s  {line.detail}",
                flush=True,
            )

    try:
        variants = tuple(args.variants or ()) or list_variants(project) or (None,)
    except ManuscriptError as error:
        print_problems(error)
        return 1
    status = 0
    for variant in variants:
        if variant is not None and not args.quiet:
            print(f"variant  {variant}", flush=True)
        try:
            result = build(project, dataclasses.replace(options, variant=variant), report)
        except ManuscriptError as error:
            print_problems(error)
            status = 1  # the other variants are built all the same
            continue
        for warning in result.warnings:
            print(f"{warning.location}: warning: {warning.message}", file=sys.stderr)
    return status


def requested_editions(args: argparse.Namespace) -> tuple[str, ...]:
    """The editions -e names, plus those -f/-p mean (`-f pdf -p leaflet` is the leaflet)."""
    named = list(args.editions or ())
    if args.formats or args.profile:
        profile = args.profile or "a4"
        named += [profile if kind == "pdf" else "epub" for kind in args.formats or FORMATS]
    if not named and not args.all_editions:
        return DEFAULT_EDITIONS
    return tuple(named)


def print_problems(error: ManuscriptError) -> None:
    """Every problem of a failed command, one `file:line: error: …` line each, on stderr."""
    for problem in error.problems:
        print(f"{problem.location}: error: {problem.message}", file=sys.stderr)
