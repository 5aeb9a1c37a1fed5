"""Time the pipeline against its own floor and against pandoc's route, in one run.

For the embedded book and a long one (bench/longbook.py, about 300 pages), each command in a
fresh process, in turn (A B C A B C …); a ratio is the median of each round's own ratio, so
that a machine whose speed drifts between rounds moves both sides alike:

- build:  `python -m pipeline build` (the default: the A4 PDF/UA and the EPUB);
- pdf:    the same build, the A4 PDF alone (`-e a4`), laid out again (`--force`): its
          parts guess their page numbers from the page map the previous build kept;
- first:  the same into an empty folder: no page map, so a first round only counts pages;
- floor:  the `weasyprint` command alone on the exact print HTML the pipeline renders
          (`build --keep-html`), given the house stylesheets (-s) and the manuscript (-u);
- pandoc: pandoc's route to an EPUB, an HTML page and a PDF through WeasyPrint (with the house
          stylesheets), its three commands one after the other.

Then, once each: the build's own stage times, a rebuild with nothing changed, an EPUB-only
build that finds the A4 page map kept. Peak memory is the largest single process a command
waited for (the kernel's accounting, os.wait4). Seconds depend on the machine; ratios less so.

usage: python bench/run.py [--runs N] [--copies N] [--no-long] [--no-pandoc]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
STYLES = REPO / "styles"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from longbook import COPIES, make_long_book  # noqa: E402


@dataclass(frozen=True)
class Run:
    """One process: wall seconds and peak resident memory (MiB)."""

    seconds: float
    peak_mib: float


@dataclass(frozen=True)
class Book:
    """A manuscript to time, and where its outputs go."""

    name: str
    manuscript: Path
    work: Path


def timed(command: Sequence[str], env: dict[str, str] | None = None) -> Run:
    """Run one command to its end; its wall time and the peak memory of its largest process."""
    started = time.perf_counter()
    child = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert child.stderr is not None
    errors = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"failed ({child.returncode}): {' '.join(command)}\n{errors.decode()}")
    return Run(seconds, usage.ru_maxrss / 1024)


def timed_all(commands: Sequence[Sequence[str]], env: dict[str, str] | None = None) -> Run:
    """Several commands one after the other, as one route: summed time, largest peak."""
    runs = [timed(command, env) for command in commands]
    return Run(sum(r.seconds for r in runs), max(r.peak_mib for r in runs))


def pipeline(book: Book, out: str, *extra: str) -> list[str]:
    """The pipeline's build command for `book` into `book.work / out`."""
    target = str(book.work / out)
    return [sys.executable, "-m", "pipeline", "build", str(book.manuscript), "-o", target, *extra]


def floor_command(book: Book, html: Path) -> list[str]:
    """The `weasyprint` command on the kept print HTML: what the PDF step cannot beat."""
    return [
        str(BIN / "weasyprint"),
        *("-s", str(STYLES / "print.css"), "-s", str(STYLES / "profiles" / "a4.css")),
        *("-u", f"{book.manuscript}/", "--pdf-variant", "pdf/ua-1"),
        str(html),
        str(book.work / "floor.pdf"),
    ]


def pandoc_route(book: Book) -> list[list[str]]:
    """pandoc's three commands to an EPUB, a standalone HTML page and a PDF via WeasyPrint."""
    meta = yaml.safe_load((book.manuscript / "book.yaml").read_text(encoding="utf-8"))
    sources = [str(book.manuscript / chapter) for chapter in meta["chapters"]]
    common = [
        "pandoc",
        *sources,
        "--citeproc",
        f"--bibliography={book.manuscript / meta['bibliography']}",
        f"--resource-path={book.manuscript}",
        "--metadata",
        f"title={meta['title']}",
        "--metadata",
        f"lang={meta.get('lang', 'en')}",
    ]
    folder = book.work / "pandoc"
    return [
        [*common, "-o", str(folder / "book.epub")],
        [*common, "--standalone", "--embed-resources", "-o", str(folder / "book.html")]
        if _pandoc_has("--embed-resources")
        else [*common, "--standalone", "--self-contained", "-o", str(folder / "book.html")],
        [
            *common,
            "--pdf-engine=weasyprint",
            "--pdf-engine-opt=--pdf-variant=pdf/ua-1",
            f"--css={STYLES / 'print.css'}",
            f"--css={STYLES / 'profiles' / 'a4.css'}",
            "-o",
            str(folder / "book.pdf"),
        ],
    ]


def _pandoc_has(option: str) -> bool:
    result = subprocess.run(["pandoc", "--help"], capture_output=True, text=True, check=True)
    return option in result.stdout


def stage_times(book: Book) -> list[tuple[str, float, str]]:
    """The build's own report: (stage, seconds, detail) of one forced default build (the
    second one into its folder, so that it finds a page map kept, as the timed builds do)."""
    for _ in range(2):
        result = subprocess.run(
            pipeline(book, "stages", "--force"),
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
    found = []
    for line in result.stdout.splitlines():
        match = re.match(r"(\w[\w/]*)\s+(\S+\s+)?([\d.]+) s\s+(.*)", line)
        if match:
            name = f"{match.group(1)} {(match.group(2) or '').strip()}".strip()
            found.append((name, float(match.group(3)), match.group(4)))
    return found


def pages_of(pdf: Path) -> int:
    """The page count pdfinfo reads."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    match = re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)
    assert match
    return int(match.group(1))


def median(runs: Sequence[Run]) -> Run:
    return Run(
        statistics.median(r.seconds for r in runs), statistics.median(r.peak_mib for r in runs)
    )


def bench_book(book: Book, runs: int, with_pandoc: bool) -> dict[str, float]:
    """Time one book; print its table; return the figures the summary compares."""
    (book.work / "pandoc").mkdir(parents=True, exist_ok=True)
    # Warm the caches (fonts, bytecode) and keep the print HTML the floor is measured on.
    timed(pipeline(book, "kept", "--force", "--keep-html", "-e", "a4", "-q"))
    (html,) = (book.work / "kept").glob("*.html")
    commands: dict[str, list[list[str]]] = {
        "build": [pipeline(book, "build", "--force", "-q")],
        "pdf": [pipeline(book, "pdf", "--force", "-q", "-e", "a4")],
        # A first build: no page map kept from an earlier one to guess the parts' numbers.
        "first": [
            ["rm", "-rf", str(book.work / "first")],
            pipeline(book, "first", "-q", "-e", "a4"),
        ],
        "floor": [floor_command(book, html)],
    }
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    if with_pandoc and shutil.which("pandoc"):
        commands["pandoc"] = pandoc_route(book)
    measured: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, route in commands.items():
            measured[name].append(timed_all(route, env))
    result = {name: median(found) for name, found in measured.items()}

    def paired(name: str, base: str) -> float:
        # The median of each round's own ratio: the commands of one round ran back to back,
        # so a machine whose speed drifts between rounds moves both sides alike (as
        # farm-bench's A B A B pairs do).
        return statistics.median(
            a.seconds / b.seconds for a, b in zip(measured[name], measured[base], strict=True)
        )

    pages = pages_of(html.with_suffix(".pdf"))
    # Once each: nothing changed since the build above; then an EPUB alone from the page map.
    noop = timed(pipeline(book, "build", "-q"))
    epub_only = timed(pipeline(book, "build", "-q", "-e", "epub"))

    floor = result["floor"]
    print(f"\n## {book.name}: {pages} A4 pages, median of {runs} runs\n")
    print("(/ floor: the median of each round's ratio; peak: the largest process)\n")
    print(f"{'command':<44} {'seconds':>8} {'/ floor':>8} {'peak MiB':>9} {'/ floor':>8}")
    labels = {
        "build": "pipeline build (A4 PDF/UA + EPUB)",
        "pdf": "pipeline build -e a4 (PDF only)",
        "first": "the same, first build (no page map kept)",
        "floor": "weasyprint command on the kept HTML (floor)",
        "pandoc": "pandoc route: EPUB, HTML, PDF via WeasyPrint",
    }
    for name, run in result.items():
        print(
            f"{labels[name]:<44} {run.seconds:8.2f} {paired(name, 'floor'):8.2f} "
            f"{run.peak_mib:9.0f} {run.peak_mib / floor.peak_mib:8.2f}"
        )
    print(f"{'rebuild, nothing changed':<44} {noop.seconds:8.2f}")
    print(f"{'EPUB only, A4 page map kept':<44} {epub_only.seconds:8.2f}")
    print("\nstages of one forced build (seconds):")
    stages = stage_times(book)
    for name, seconds, detail in stages:
        print(f"  {name:<14} {seconds:7.2f}  {detail}")
    step = sum(s for name, s, _ in stages if name.split()[0] in {"layout", "pdf"})
    print(f"  PDF step (layout + pdf stages) / floor: {step / floor.seconds:.2f}")
    figures = {
        "pages": pages,
        "pdf_per_page": result["pdf"].seconds / pages,
        "pdf_ratio": paired("pdf", "floor"),
        "step_ratio": step / floor.seconds,
    }
    if "pandoc" in result:
        figures["pandoc_ratio"] = paired("build", "pandoc")
        print(
            f"  default build / pandoc route (median of each round's ratio): "
            f"{figures['pandoc_ratio']:.2f}"
        )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each command")
    parser.add_argument("--copies", type=int, default=COPIES, help="long book: chapter copies")
    parser.add_argument("--no-long", action="store_true", help="the embedded book only")
    parser.add_argument("--no-pandoc", action="store_true", help="leave pandoc's route out")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress, piped
    with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as scratch:
        work = Path(scratch)
        books = [Book("the embedded book", REPO / "manuscript", work / "default")]
        if not args.no_long:
            long_book = make_long_book(REPO / "manuscript", work / "long-book", args.copies)
            books.append(Book(f"the long book ({args.copies} copies)", long_book, work / "long"))
        figures = [bench_book(book, args.runs, not args.no_pandoc) for book in books]
    if len(figures) == 2:
        short, long = figures
        ratio = long["pdf_per_page"] / short["pdf_per_page"]
        print(f"\nlong book's cost per page / the embedded book's (PDF only): {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
