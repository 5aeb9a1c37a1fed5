"""Time and memory of a full build, as ratios against a baseline measured in the same run.

Baseline: what a hand-made WeasyPrint script does with the same book, one HTML render and
write_pdf, untagged, no EPUB. Candidate: `python -m pipeline build` (two layouts for the print
back-links, PDF/UA tags, the EPUB and its page-list). Each runs in a fresh process, alternately,
so both see the same machine load; the medians are compared. Absolute seconds vary by machine,
the ratios should not.

usage: python bench/build_bench.py [--runs N] [--max-time-ratio R] [--max-memory-ratio R]
Exit status 1 when a ratio is above its target.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

BASELINE = """
import sys
from pathlib import Path
from weasyprint import CSS, HTML
page = Path(sys.argv[1]).read_text()
root = Path(sys.argv[2])
css = [CSS(filename=str(root / "styles/print.css")),
       CSS(filename=str(root / "styles/profiles/a4.css"))]
HTML(string=page, base_url=str(root / "manuscript") + "/").write_pdf(sys.argv[3], stylesheets=css)
"""

PRINT_HTML = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from tests.conftest import document_of
from pipeline.editions.render import render_print_html
document, styles = document_of(Path(sys.argv[1]) / "manuscript")
Path(sys.argv[2]).write_text(render_print_html(document, styles, None))
"""


def seconds(command: list[str]) -> float:
    """Wall-clock seconds of one fresh process."""
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=REPO)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-time-ratio", type=float, default=3.0)
    parser.add_argument("--max-memory-ratio", type=float, default=1.6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        page = Path(scratch) / "book.html"
        subprocess.run([sys.executable, "-c", PRINT_HTML, str(REPO), str(page)], check=True)
        baseline = [sys.executable, "-c", BASELINE, str(page), str(REPO), f"{scratch}/b.pdf"]
        candidate = [sys.executable, "-m", "pipeline", "build", "--quiet", "--output", scratch]
        # Peak memory of each, read in its own process tree so the two never mix.
        base_memory = _peak_memory(baseline)
        cand_memory = _peak_memory(candidate)
        base_times, cand_times = [], []
        for _ in range(args.runs):
            base_times.append(seconds(baseline))
            cand_times.append(seconds(candidate))
    base, cand = statistics.median(base_times), statistics.median(cand_times)
    time_ratio, memory_ratio = cand / base, cand_memory / base_memory
    print(f"baseline  (plain WeasyPrint, PDF only) {base:6.2f} s  {base_memory / 1024:6.0f} MiB")
    print(f"pipeline  (PDF/UA + EPUB + page-list)  {cand:6.2f} s  {cand_memory / 1024:6.0f} MiB")
    print(f"time ratio   {time_ratio:4.2f}  (target <= {args.max_time_ratio})")
    print(f"memory ratio {memory_ratio:4.2f}  (target <= {args.max_memory_ratio})")
    return int(time_ratio > args.max_time_ratio or memory_ratio > args.max_memory_ratio)


def _peak_memory(command: list[str]) -> int:
    """Peak RSS (KiB) of a command, read in a grandchild so earlier runs do not count."""
    probe = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], check=True, capture_output=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *command],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    return int(result.stdout.strip())


if __name__ == "__main__":
    sys.exit(main())
