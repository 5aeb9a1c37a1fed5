"""A library of a dozen generated leaflets, some with three clinic variants and one broken,
built with `batch` on the local pool and on a real Dask cluster (a scheduler and two worker
processes on this machine, over loopback TCP): the same bytes; each variant's phone number
in its own PDF and EPUB and in no other; a broken book stops nothing; a second run makes
nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest

from pipeline.library.report import relative_href
from tests.conftest import (
    REPO,
    ace,
    ace_violations,
    epubcheck,
    epubcheck_problems,
    require_tool,
    run,
)
from tests.library_maker import Book, make_library

BROKEN = 5


@dataclass(frozen=True)
class Run:
    """One `batch` run: its exit status and what it printed."""

    status: int
    stdout: str
    stderr: str


def batch(library: Path, output: Path, *extra: str) -> Run:
    """`python -m pipeline batch` as a user runs it, from the library's parent folder."""
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "batch", library.name, "-o", str(output), *extra],
        cwd=library.parent,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=600,
    )
    return Run(done.returncode, done.stdout, done.stderr)


@dataclass(frozen=True)
class Built:
    """The generated library, and its outputs from the local pool and from Dask."""

    books: list[Book]
    library: Path
    local: Path
    local_run: Run
    dask: Path
    dask_run: Run
    addresses: tuple[str, ...]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """Build the library twice: two local worker processes, then a Dask LocalCluster."""
    from distributed import LocalCluster

    root = tmp_path_factory.mktemp("library")
    books = make_library(root / "leaflets", count=12, broken=(BROKEN,))
    local = batch(root / "leaflets", root / "out-local", "-j", "2")
    # Loopback only, no dashboard: nothing listens beyond this machine.
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        protocol="tcp",
        dashboard_address=None,
    ) as cluster:
        addresses = (
            cluster.scheduler_address,
            *(w.worker_address for w in cluster.workers.values()),
        )
        dask = batch(root / "leaflets", root / "out-dask", "--scheduler", cluster.scheduler_address)
    assert cluster.status.name == "closed"
    yield Built(
        books, root / "leaflets", root / "out-local", local, root / "out-dask", dask, addresses
    )


def editions(folder: Path) -> dict[str, bytes]:
    """Every file a user sees in an output folder (not the report, not the stamps)."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and ".pipeline" not in path.parts and path.name != "library.html"
    }


def output_of(built: Built, book: Book, folder: Path) -> Path:
    return folder / book.folder.relative_to(built.library)


def test_every_book_is_built_and_the_broken_one_stops_nothing(built: Built) -> None:
    local = built.local_run
    assert local.status == 1, local.stderr  # one book failed, and the status says so
    lines = [line for line in local.stdout.splitlines() if re.match(r"\s*\[\d+/12\]", line)]
    assert len(lines) == 12
    broken = next(b for b in built.books if b.broken_line)
    failed = [line for line in lines if "failed" in line]
    assert len(failed) == 1 and broken.folder.name in failed[0]
    assert f"leaflet.md:{broken.broken_line}: error: unknown key 'clinic.fax'" in failed[0]
    assert "12 books (20 variants): 11 built, 0 unchanged, 1 failed" in local.stdout
    for book in built.books:
        made = list(output_of(built, book, built.local).glob("*.pdf"))
        expected = 0 if book.broken_line else len(book.phones)
        assert len(made) == expected, book.folder


def test_a_dask_cluster_makes_the_same_bytes(built: Built) -> None:
    assert all(a.startswith("tcp://127.0.0.1:") for a in built.addresses), built.addresses
    assert built.dask_run.status == 1, built.dask_run.stderr
    assert "11 built, 0 unchanged, 1 failed" in built.dask_run.stdout
    local, dask = editions(built.local), editions(built.dask)
    assert len(local) == 2 * 19  # a PDF and an EPUB per variant that built
    assert local.keys() == dask.keys()
    assert [name for name in local if local[name] != dask[name]] == []


def pdf_text(path: Path) -> str:
    done = run([require_tool("pdftotext"), str(path), "-"])
    return done.stdout


def epub_text(path: Path) -> str:
    with zipfile.ZipFile(path) as epub:
        return " ".join(
            epub.read(name).decode("utf-8") for name in epub.namelist() if name.endswith("html")
        )


def test_each_variant_has_its_own_phone_number_and_identifier(built: Built) -> None:
    identifiers = set()
    checked = 0
    for book in built.books:
        if book.broken_line:
            continue
        folder = output_of(built, book, built.local)
        for variant, phone in book.phones.items():
            others = [p for v, p in book.phones.items() if v != variant]
            (pdf,) = folder.glob(f"*-{variant}.pdf" if variant else "*.pdf")
            epub = pdf.with_suffix(".epub")
            for text in (pdf_text(pdf), epub_text(epub)):
                assert phone in text, (pdf, phone)
                assert not [p for p in others if p in text], (pdf, others)
            with zipfile.ZipFile(epub) as package:
                opf = package.read("EPUB/content.opf").decode("utf-8")
            (identifier,) = re.findall(r"<dc:identifier[^>]*>([^<]+)<", opf)
            identifiers.add(identifier)
            checked += 1
    assert checked == 19 and len(identifiers) == 19


def test_running_again_makes_nothing(built: Built) -> None:
    before = {p: p.stat().st_mtime_ns for p in built.local.rglob("*.pdf")}
    again = batch(built.library, built.local, "-j", "2", "--no-lint")
    assert "0 built, 11 unchanged, 1 failed" in again.stdout, again.stdout
    assert {p: p.stat().st_mtime_ns for p in built.local.rglob("*.pdf")} == before


def test_the_report_lists_books_variants_editions_and_overdue_reviews(built: Built) -> None:
    page = (built.local / "library.html").read_text(encoding="utf-8")
    for book in built.books:
        assert book.folder.name in page
    # Leaflets 5 and 10 are past review; 5 failed, and its date still comes from book.yaml.
    assert page.count('<td class="overdue">') == 2
    for href in re.findall(r'<a href="([^"]+)"', page):
        assert href.startswith("./") and (built.local / unquote(href)).is_file(), href
    assert "north" in page and "lint" in page.lower()
    assert "books, 20 variants" in page


def test_a_folder_named_like_a_scheme_stays_a_path_in_the_report(tmp_path: Path) -> None:
    href = relative_href(tmp_path / "javascript:alert(1)" / "a b.pdf", tmp_path)
    assert href == "./javascript%3Aalert%281%29/a%20b.pdf"


def test_a_variant_edition_passes_epubcheck_and_ace(built: Built, tmp_path: Path) -> None:
    book = next(b for b in built.books if len(b.phones) == 3)
    epub = next(output_of(built, book, built.local).glob("*-north.epub"))
    assert epubcheck_problems(epubcheck(epub, tmp_path / "epubcheck.json")) == []
    assert ace_violations(ace(epub, tmp_path / "ace")) == []
