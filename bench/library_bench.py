"""Throughput of a library build, in books per minute: one `build` per book in turn (as a
user without `batch` would), `batch -j 1`, `batch` on the local pool (one worker per CPU),
and `batch --scheduler` on a Dask LocalCluster (a scheduler and one worker process per CPU,
loopback TCP, no dashboard). Every run starts from an empty output folder; the bytes of every
edition are compared between the runs.

usage: python bench/library_bench.py [--books N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.library_maker import make_library  # noqa: E402


def timed(label: str, books: int, run: Callable[[], None]) -> tuple[str, float]:
    load = os.getloadavg()[0]
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    print(
        f"{label:<34} {seconds:7.1f} s  {books / seconds * 60:6.1f} books/min  "
        f"(load average before: {load:.1f})",
        flush=True,
    )
    return label, seconds


def pipeline(*args: str, cwd: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=cwd,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def editions(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.suffix in {".pdf", ".epub"}
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--books", type=int, default=24)
    args = parser.parse_args()
    cpus = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        books = make_library(root / "library", count=args.books, broken=(5,))
        variants = sum(len(b.phones) for b in books)
        print(f"{len(books)} books ({variants} variant builds, 1 broken), {cpus} CPUs")

        def one_by_one() -> None:
            for book in books:
                relative = book.folder.relative_to(root / "library")
                pipeline(
                    "build", str(book.folder), "-o", str(root / "single" / relative), "-q", cwd=root
                )

        results = [timed("build, one book after another", len(books), one_by_one)]
        results.append(
            timed(
                "batch -j 1",
                len(books),
                lambda: pipeline("batch", "library", "-o", "serial", "-j", "1", cwd=root),
            )
        )
        results.append(
            timed(
                f"batch (local pool, {cpus} workers)",
                len(books),
                lambda: pipeline("batch", "library", "-o", "pool", cwd=root),
            )
        )
        from distributed import LocalCluster

        with LocalCluster(
            n_workers=cpus,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            protocol="tcp",
            dashboard_address=None,
        ) as cluster:
            address = cluster.scheduler_address
            results.append(
                timed(
                    f"batch --scheduler (Dask, {cpus} workers)",
                    len(books),
                    lambda: pipeline(
                        "batch", "library", "-o", "dask", "--scheduler", address, cwd=root
                    ),
                )
            )
        outputs = [editions(root / name) for name in ("single", "serial", "pool", "dask")]
        same = all(output == outputs[0] for output in outputs)
        print(f"{len(outputs[0])} editions per run; identical bytes in every run: {same}")
        baseline = results[0][1]
        for label, seconds in results[1:]:
            print(f"{label:<34} {baseline / seconds:4.2f}× the throughput of one by one")
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
