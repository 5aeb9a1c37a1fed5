"""`batch`: every variant of every book under a folder, on this machine or a Dask cluster."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import Executor
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ..build import BuildOptions
from ..core.errors import Location, ManuscriptError
from ..core.output import write_all
from ..core.project import Project, default_output
from ..core.sandbox import Limits
from .build import print_problems, requested_editions

if TYPE_CHECKING:
    # Imported when the command runs: every command's parser is built on each start, and a
    # build (or a rebuild with nothing to make) should not wait for the library's modules.
    from ..library.books import BookOutcome
    from ..library.report import CheckStatus

NAME = "batch"
HELP = "build every variant of every manuscript under a folder (a library)"
DESCRIPTION = (
    "Find every book.yaml under LIBRARY and build every variant of each book, in a pool of "
    "worker processes on this machine (one per CPU) or, with --scheduler, on a running Dask "
    "cluster. Prints one line per book (built, unchanged since the last build, or failed with "
    "its first error) and a summary; a failed book never stops the others; exits with status 1 "
    "when any failed. Writes OUTPUT/library.html: every book, variant, edition and review "
    "date, with lint's (and with --check the validators') verdict. Each book's editions go to "
    "OUTPUT/<its folder under LIBRARY>/."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The batch command's arguments."""
    parser.add_argument("library", type=Path, help="the folder holding the manuscripts")
    parser.add_argument(
        "-o", "--output", type=Path, help="where the editions go (default: ./output)"
    )
    parser.add_argument(
        "-e",
        "--edition",
        dest="editions",
        action="append",
        metavar="NAME",
        help="an edition to build for every book (repeatable; default: a4 and epub)",
    )
    parser.add_argument(
        "-a",
        "--all-editions",
        action="store_true",
        help="every edition each book.yaml lists under 'editions:'",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes on this machine (default: one per CPU)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="tcp://HOST:8786",
        help="build on the Dask cluster this scheduler runs (its workers need this package "
        "installed and the library and output folders at the same paths)",
    )
    parser.add_argument(
        "--force", action="store_true", help="build every book even when nothing changed"
    )
    parser.add_argument("--strict", action="store_true", help="any warning fails its book")
    parser.add_argument(
        "--sanitize",
        action="store_true",
        help="remove markup the allowlist refuses, with a warning, instead of failing",
    )
    parser.add_argument(
        "--no-lint", action="store_true", help="leave lint out of the library report"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="after building, run every validator over each book's editions (slow: "
        "EPUBCheck, Ace) and put the verdicts in the report",
    )
    defaults = Limits()
    parser.add_argument(
        "--time-limit",
        type=int,
        metavar="SECONDS",
        default=defaults.wall_seconds,
        help=f"stop one variant's build that runs longer (default {defaults.wall_seconds})",
    )
    parser.add_argument(
        "--memory-limit",
        type=int,
        metavar="MIB",
        default=defaults.memory_mib,
        help=f"memory for one variant's build (default {defaults.memory_mib} MiB)",
    )
    # -f/-p are the build command's shorthands; requested_editions reads them.
    parser.set_defaults(formats=None, profile=None)


def run(args: argparse.Namespace) -> int:
    """Build the library; one line per book, a summary, the report; 1 when any book failed."""
    from ..library.batch import ClusterError, dask_cluster, local_pool, plan_library, run_library
    from ..library.books import FAILED
    from ..library.report import REPORT_NAME, render_library_report
    from ..stages.load import load_styles

    here = Path.cwd()
    today = dt.date.today()
    output = (args.output or default_output(here)).resolve()
    options = BuildOptions(
        requested_editions(args),
        args.all_editions,
        jobs=1,  # the books are built side by side; each one's editions in turn
        sanitize=args.sanitize,
        strict=args.strict,
        today=today,
        limits=Limits(args.time_limit, args.memory_limit, args.time_limit),
        force=args.force,
    )
    try:
        library = plan_library(here, args.library, output, options, not args.no_lint)
    except ManuscriptError as error:
        print_problems(error)
        return 1
    if not library.tasks:
        print(f"{args.library}: error: no book.yaml found under it", file=sys.stderr)
        return 1
    executor: AbstractContextManager[Executor] = (
        dask_cluster(args.scheduler) if args.scheduler else local_pool(max(1, args.jobs))
    )
    where = (
        f"the Dask cluster at {args.scheduler}"
        if args.scheduler
        else (f"{max(1, args.jobs)} local worker processes")
    )
    print(f"batch: {len(library.tasks)} books under {args.library}, on {where}", flush=True)
    started = time.perf_counter()
    progress = Progress(len(library.tasks), sys.stderr)
    try:
        with executor as pool:
            outcomes = run_library(library.tasks, pool, progress.done)
    except ClusterError as error:
        progress.close()
        print(f"batch: error: {error}", file=sys.stderr)
        return 1
    progress.close()
    seconds = time.perf_counter() - started
    for line in summary(outcomes, seconds):
        print(line)
    checks = _check_books(outcomes, max(1, args.jobs), here) if args.check else {}
    report = output / REPORT_NAME
    page = render_library_report(
        outcomes, checks, today, output, load_styles(Project.at(here, here, output))
    )
    try:
        write_all({report: page.encode("utf-8")})
    except OSError as error:
        print_problems(
            ManuscriptError.at(Location(str(report)), f"cannot write the report ({error})")
        )
        return 1
    print(f"report: {_show(report, here)}")
    failed = any(book.status == FAILED for book in outcomes) or any(
        status.failed for status in checks.values()
    )
    return 1 if failed else 0


class Progress:
    """A bar on a terminal (books done of all, failures so far, time left), with each book's
    line printed above it; plain lines, numbered, when the output is not a terminal."""

    def __init__(self, total: int, stream: TextIO) -> None:
        from tqdm import tqdm

        self.total, self.count, self.failed = total, 0, 0
        self.bar = (
            tqdm(total=total, unit="book", file=stream, dynamic_ncols=True, smoothing=0.1)
            if stream.isatty()
            else None
        )

    def done(self, outcome: BookOutcome) -> None:
        """One book finished: its line, and the bar moves on."""
        from ..library.books import FAILED

        self.count += 1
        self.failed += outcome.status == FAILED
        lines = [f"{f'[{self.count}/{self.total}]':>9} {book_line(outcome)}"]
        lines += [f"  {warning}" for warning in _warnings(outcome)]
        if self.bar is not None:
            for line in lines:
                self.bar.write(line)
            self.bar.set_postfix(failed=self.failed, refresh=False)
            self.bar.update(1)
        else:
            print("\n".join(lines), flush=True)

    def close(self) -> None:
        """Take the bar away."""
        if self.bar is not None:
            self.bar.close()


def book_line(outcome: BookOutcome) -> str:
    """`built      leaflets/knee  3 variants (north, south, east), 6 files, 12.3 s`."""
    from ..library.books import FAILED

    names = [v.variant for v in outcome.variants if v.variant]
    variants = f"{len(names)} variants ({', '.join(names)}), " if names else ""
    files = sum(len(v.files) for v in outcome.variants)
    detail = f"{variants}{files} files, {outcome.seconds:.1f} s"
    if outcome.status == FAILED:
        failed = [v.variant for v in outcome.variants if v.status == FAILED and v.variant]
        which = f" (variant {', '.join(failed)})" if failed else ""
        detail = f"{outcome.first_error}{which}"
    return f"{outcome.status:<9} {outcome.folder}  {detail}"


def _warnings(outcome: BookOutcome) -> list[str]:
    """Each warning once (variants share their text, so their warnings repeat)."""
    seen = dict.fromkeys(
        f"{w.location}: warning: {w.message}" for v in outcome.variants for w in v.warnings
    )
    return list(seen)


def summary(outcomes: Sequence[BookOutcome], seconds: float) -> list[str]:
    """The closing lines: how many were built, unchanged, failed; each failure's first error."""
    from ..library.books import BUILT, FAILED, UNCHANGED

    count = {
        kind: sum(1 for o in outcomes if o.status == kind) for kind in (BUILT, UNCHANGED, FAILED)
    }
    variants = sum(len(o.variants) for o in outcomes)
    rate = len(outcomes) / seconds * 60 if seconds else 0.0
    lines = [
        f"library: {len(outcomes)} books ({variants} variants): {count[BUILT]} built, "
        f"{count[UNCHANGED]} unchanged, {count[FAILED]} failed in {seconds:.1f} s "
        f"({rate:.1f} books per minute)"
    ]
    lines += [f"failed: {o.folder}: {o.first_error}" for o in outcomes if o.status == FAILED]
    return lines


def _check_books(outcomes: Sequence[BookOutcome], jobs: int, here: Path) -> dict[str, CheckStatus]:
    """The release check over each book's output folder that holds editions."""
    from ..library.report import CheckStatus
    from ..proof.check import check_release
    from .check import CHECKOUT_VALIDATORS, find_tools

    tools = find_tools(os.environ, CHECKOUT_VALIDATORS)
    checks = {}
    for book in outcomes:
        if not any(v.files for v in book.variants):
            continue
        release = check_release(book.output, tools, jobs)
        failed = tuple(f"{o.check} ({o.path.name})" for o in release.failed)
        total = len(release.outcomes)
        checks[book.folder] = CheckStatus(total - len(failed), total, failed)
        verdict = "FAIL" if failed else "pass"
        print(f"check     {book.folder}  {verdict}: {total - len(failed)} of {total} checks passed")
    return checks


def _show(path: Path, here: Path) -> str:
    return path.relative_to(here).as_posix() if path.is_relative_to(here) else str(path)
