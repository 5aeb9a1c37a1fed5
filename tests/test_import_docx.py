"""`import`: Word documents generated here (tests/docx_fixtures.py) become manuscripts that
build at once and read like their source.

Five documents are imported with the command line and built once per session: a leaflet in
Word's styles, the same kind of leaflet in direct formatting only, one with tracked changes and
a comment (imported with --accept-changes), an article with Zotero and Mendeley citations (cut
into chapters with --split) and a hostile one. Their EPUBs go through EPUBCheck in one JVM and
through Ace; the reader's text is compared with what each source says.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from pipeline.build import BuildOptions, BuildResult, build
from pipeline.cli import main
from pipeline.commands.import_word import write_folder
from pipeline.core.errors import ManuscriptError
from pipeline.core.project import Project

from . import docx_fixtures as fx
from .conftest import (
    IN_CI,
    REPO,
    ace,
    ace_violations,
    epubcheck_many,
    epubcheck_problems,
    require_tool,
    run,
    squash,
)

DOCUMENTS: dict[str, Callable[[], tuple[bytes, fx.Expected]]] = {
    "styled": fx.styled_leaflet,
    "direct": fx.direct_leaflet,
    "unfinished": fx.unfinished_leaflet,
    "cited": fx.cited_article,
    "hostile": fx.hostile_document,
}
OPTIONS = {"unfinished": ["--accept-changes"], "cited": ["--split"]}
XHTML = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class Imported:
    """One document imported and built: its source, folder, build and what the command said."""

    source: Path
    folder: Path
    expected: fx.Expected
    stderr: str
    result: BuildResult
    trace: str

    @property
    def epub(self) -> Path:
        return next(p for p in self.result.outputs if p.suffix == ".epub")

    @property
    def pdf(self) -> Path:
        return next(p for p in self.result.outputs if p.suffix == ".pdf")

    def documents(self) -> list[etree._Element]:
        """The EPUB's content documents in reading order."""
        with zipfile.ZipFile(self.epub) as archive:
            opf = etree.fromstring(archive.read("EPUB/content.opf"))
            ns = {"o": "http://www.idpf.org/2007/opf"}
            hrefs = {i.get("id"): i.get("href") for i in opf.iterfind(".//o:manifest/o:item", ns)}
            spine = [hrefs[r.get("idref")] for r in opf.iterfind(".//o:spine/o:itemref", ns)]
            return [etree.fromstring(archive.read(f"EPUB/{href}")) for href in spine]


def _import(
    source: Path, folder: Path, *options: str, trace: Path | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pipeline", "import", str(source), str(folder), "-q", *options]
    if trace is not None:
        strace = shutil.which("strace")
        if strace is None and IN_CI:
            pytest.fail("strace is not installed; .ci/run installs it")
        if strace:
            command = [strace, "-f", "-qq", "-e", "trace=connect", "-o", str(trace), *command]
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO)


@pytest.fixture(scope="session")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Imported]:
    """Every document imported with the command line and built (A4 PDF and EPUB)."""
    root = tmp_path_factory.mktemp("import")
    books = {}
    for name, make in DOCUMENTS.items():
        data, expected = make()
        source = root / f"{name}.docx"
        source.write_bytes(data)
        folder = root / name
        trace = root / f"{name}.strace" if name == "hostile" else None
        done = _import(source, folder, *OPTIONS.get(name, []), trace=trace)
        assert done.returncode == 0, done.stderr
        project = Project.at(REPO, folder, folder / "output")
        result = build(project, BuildOptions(), lambda _line: None)
        traced = trace.read_text() if trace is not None and trace.exists() else ""
        books[name] = Imported(source, folder, expected, done.stderr, result, traced)
    return books


@pytest.fixture(scope="session")
def validated(imported: dict[str, Imported], tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """EPUBCheck over every imported book in one JVM, and Ace over each, side by side."""
    folder = tmp_path_factory.mktemp("import-checks")
    names = list(imported)

    def epubcheck_all() -> list[str]:
        reports = epubcheck_many([imported[n].epub for n in names], folder)
        return [
            f"{n}: {p}" for n, r in zip(names, reports, strict=True) for p in epubcheck_problems(r)
        ]

    def ace_all() -> list[str]:
        return [
            f"{n}: {v}"
            for n in names
            for v in ace_violations(ace(imported[n].epub, folder / f"ace-{n}"))
        ]

    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [pool.submit(epubcheck_all), pool.submit(ace_all)]
        return [problem for job in jobs for problem in job.result()]


@pytest.mark.validators
def test_every_imported_book_passes_epubcheck_and_ace(validated: list[str]) -> None:
    assert validated == []


def test_every_imported_book_builds_without_a_warning(imported: dict[str, Imported]) -> None:
    for name, book in imported.items():
        assert [str(w) for w in book.result.warnings] == [], name


def _in_order(wanted: list[str], found: list[str]) -> list[str]:
    """What of `wanted` is missing from `found`, or out of order (compared without spaces)."""
    missing, position = [], 0
    squashed = [squash(text) for text in found]
    for item in wanted:
        target = squash(item)
        index = next((i for i in range(position, len(squashed)) if target in squashed[i]), None)
        if index is None:
            missing.append(item)
        else:
            position = index
    return missing


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_the_source_is_read_in_order(imported: dict[str, Imported], name: str) -> None:
    """Every heading, list item, table cell, note, link target, alt text and paragraph of the
    source, in the EPUB, each kind in the source's order."""
    book = imported[name]
    documents = book.documents()
    texts = lambda tags: [  # noqa: E731
        "".join(e.itertext()) for d in documents for e in d.iter(*(XHTML + t for t in tags))
    ]
    expected = book.expected
    assert _in_order(expected.headings, texts(["h1", "h2", "h3", "h4"])) == []
    assert _in_order(expected.items, texts(["li"])) == []
    assert _in_order(expected.cells, texts(["td", "th"])) == []
    assert _in_order(expected.notes, texts(["aside"])) == []
    hrefs = [a.get("href", "") for d in documents for a in d.iter(XHTML + "a")]
    assert [link for link in expected.links if link not in hrefs] == []
    alts = [img.get("alt", "") for d in documents for img in d.iter(XHTML + "img")]
    assert _in_order(expected.alts, alts) == []
    body = ["".join(d.itertext()) for d in documents]
    assert _in_order(expected.texts, ["".join(body)]) == []


def _all_output_text(book: Imported) -> dict[str, str]:
    """Every file of the manuscript and its editions as text (the EPUB's and PDF's text)."""
    found = {}
    for path in book.folder.rglob("*"):
        if path.is_file() and path.suffix not in {".pdf", ".epub", ".png", ".jpg", ".gif"}:
            found[str(path.relative_to(book.folder))] = path.read_text(
                encoding="utf-8", errors="replace"
            )
    with zipfile.ZipFile(book.epub) as archive:
        for member in archive.namelist():
            found[f"epub:{member}"] = archive.read(member).decode("utf-8", errors="replace")
    pdftotext = require_tool("pdftotext")
    found["pdf"] = run([pdftotext, str(book.pdf), "-"]).stdout
    return found


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_no_empty_paragraph_typed_rule_or_leftover(
    imported: dict[str, Imported], name: str
) -> None:
    book = imported[name]
    for document in book.documents():
        for paragraph in document.iter(XHTML + "p"):
            text = "".join(paragraph.itertext()).strip(" \u00a0\n")
            assert text or len(paragraph), f"{name}: an empty paragraph"
            assert not re.fullmatch(r"[_\-=*~—–]{3,}", text), f"{name}: a typed rule {text!r}"
    pdf = _all_output_text(book)["pdf"]
    assert not re.search(r"^\s*[_\-=]{5,}\s*$", pdf, re.MULTILINE), f"{name}: a typed rule in print"
    for where, text in _all_output_text(book).items():
        # The log may name what was left out (a running header's text, a refused scheme), but
        # never quotes a hostile payload.
        markers = book.expected.unlogged if where == "IMPORT.md" else book.expected.absent
        for marker in markers:
            assert marker not in text, f"{name}: {marker!r} in {where}"


def test_hostile_text_reaches_every_edition_as_typed(imported: dict[str, Imported]) -> None:
    for name in ("styled", "hostile"):
        outputs = _all_output_text(imported[name])
        documents = imported[name].documents()
        text = "".join("".join(d.itertext()) for d in documents)
        assert squash(fx.HOSTILE_TEXT) in squash(text)
        assert squash(fx.HOSTILE_TEXT) in squash(outputs["pdf"])


def test_the_unfinished_document_is_refused_with_its_place(tmp_path: Path) -> None:
    data, _ = fx.unfinished_leaflet()
    source = tmp_path / "review.docx"
    source.write_bytes(data)
    done = _import(source, tmp_path / "out")
    assert done.returncode == 1
    assert "paragraph 4 (“Give two puffs of the reliever…”)" in done.stderr
    assert (
        "tracked changes not yet accepted or rejected (1 deletion, 1 insertion by Dr Ann Lee)"
        in done.stderr
    )
    assert (
        "a comment by Nurse Bo Chan (“Check this dose with the pharmacist”) is still open"
        in done.stderr
    )
    assert "--accept-changes or --reject-changes" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["review.docx"]


def test_accepting_and_rejecting_tracked_changes(
    imported: dict[str, Imported], tmp_path: Path
) -> None:
    accepted = imported["unfinished"]
    chapter = "".join(p.read_text() for p in (accepted.folder / "chapters").glob("*.md"))
    assert "INSERTED-WORDS" in chapter and "DELETED-WORDS" not in chapter
    log = (accepted.folder / "IMPORT.md").read_text()
    assert "Nurse Bo Chan: “Check this dose with the pharmacist”" in log
    rejected = tmp_path / "rejected"
    assert _import(accepted.source, rejected, "--reject-changes").returncode == 0
    chapter = "".join(p.read_text() for p in (rejected / "chapters").glob("*.md"))
    assert "DELETED-WORDS" in chapter and "INSERTED-WORDS" not in chapter


def test_the_hostile_document_makes_no_connection_and_writes_only_its_folder(
    imported: dict[str, Imported],
) -> None:
    book = imported["hostile"]
    connections = [line for line in book.trace.splitlines() if "AF_INET" in line]
    assert connections == []
    assert sorted(p.name for p in book.folder.parent.iterdir() if p.name.startswith("hostile")) == [
        "hostile",
        "hostile.docx",
        "hostile.strace",
    ] or not shutil.which("strace")
    assert not list(book.folder.parent.glob(".*importing*"))
    names = sorted(
        str(p.relative_to(book.folder))
        for p in book.folder.rglob("*")
        if p.is_file() and "output" not in p.parts
    )
    assert names == ["IMPORT.md", "book.yaml", "chapters/01-hostile.md", "style-map.yaml"]
    log = (book.folder / "IMPORT.md").read_text()
    for said in (
        "macros (VBA); they were neither run nor carried over",
        "an INCLUDETEXT field, which pulls in or runs content from outside the document",
        "a DDEAUTO field",
        "a picture linked from outside the document was never fetched",
        "an embedded object (OLE",
        "an embedded chunk of HTML",
        "embedded font file(s) were not carried over",
        "the document's link to an outside attachedTemplate was not followed",
        "a decompression bomb",
        "SVG figure: <script> runs code",
        "a link to a subdocument was left out",
        "hidden text (1 word(s)) was dropped",
    ):
        assert said in log, said
    assert "the 'javascript:' scheme is not allowed" in log


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("entities", fx.with_entities(), "declares a DTD or entities; refused"),
        ("text", b"just some text", "not a Word document: a .docx is a zip package"),
        (
            "old",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
            "Word 97-2003 document or a password-protected",
        ),
        (
            "climbing",
            _zip({"[Content_Types].xml": b"<x/>", "../../evil.txt": b"x"}),
            "climbs out of the package",
        ),
        ("absolute", _zip({"/etc/evil": b"x"}), "is an absolute path"),
        ("many", _zip({f"f{i}.xml": b"" for i in range(2001)}), "holds 2001 entries"),
        ("bomb", _zip({"word/document.xml": b"\0" * (65 * 1024 * 1024)}), "possible zip bomb"),
    ],
)
def test_hostile_packages_are_refused_and_leave_nothing(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    source = tmp_path / f"{name}.docx"
    source.write_bytes(data)
    done = _import(source, tmp_path / "out")
    assert done.returncode == 1, done.stdout
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [source.name]


def test_an_existing_folder_is_replaced_only_with_force_and_only_an_imported_one(
    imported: dict[str, Imported], tmp_path: Path
) -> None:
    source = imported["styled"].source
    folder = tmp_path / "leaflet"
    assert _import(source, folder).returncode == 0
    again = _import(source, folder)
    assert again.returncode == 1 and "already exists; import never overwrites" in again.stderr
    style_map = folder / "style-map.yaml"
    assert "Clinic Contact: .clinic-contact" in style_map.read_text()
    style_map.write_text(
        style_map.read_text().replace("Clinic Contact: .clinic-contact", "Clinic Contact: note")
    )
    (folder / "chapters" / "edited.md").write_text("an edit\n")
    assert _import(source, folder, "--force").returncode == 0
    chapter = next((folder / "chapters").glob("01-*.md")).read_text()
    assert "::: {.note}" in chapter and "::: {.clinic-contact}" not in chapter
    assert not (folder / "chapters" / "edited.md").exists()
    other = tmp_path / "not-imported"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    refused = _import(source, other, "--force")
    assert refused.returncode == 1 and "is not a folder an earlier import made" in refused.stderr
    assert (other / "notes.txt").read_text() == "mine"
    assert not list(tmp_path.glob(".*"))


def test_a_failed_write_leaves_no_folder(tmp_path: Path) -> None:
    with pytest.raises(ManuscriptError):
        write_folder(tmp_path / "new", {"book.yaml": b"x", "../escape.md": b"y"}, replace=False)
    assert list(tmp_path.iterdir()) == []


def test_lint_reports_the_placeholders(
    imported: dict[str, Imported], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", str(imported["styled"].folder)]) == 1
    out = capsys.readouterr().out
    placeholders = [line for line in out.splitlines() if "[PL001]" in line]
    in_yaml = [line for line in placeholders if "book.yaml" in line]
    assert len(in_yaml) == 3  # publisher, edition, rights
    # The picture whose only description Word wrote itself.
    assert [
        line.split(": error")[0].rsplit("/", 1)[-1] for line in placeholders if "chapters" in line
    ] == ["01-asthma-in-children.md:23"]


def test_a_document_without_styles_gets_headings_lists_and_captions(
    imported: dict[str, Imported],
) -> None:
    book = imported["direct"]
    chapter = next((book.folder / "chapters").glob("*.md")).read_text()
    assert chapter.startswith("# Asthma in children\n")
    assert "## What is asthma?" in chapter and "### Signs to look for" in chapter
    assert "- Coughing at night\n- Wheezing" in chapter
    assert "1. Shake the inhaler\n2. Breathe out gently" in chapter
    assert "Table: Reliever doses by age" in chapter
    assert "![The inhaler](figures/figure-01.png)" in chapter
    log = (book.folder / "IMPORT.md").read_text()
    assert "taken as a heading of level 1" in log and "taken as the title" in log
    assert "typed rule" in log and "empty paragraph(s)" in log
    assert (book.folder / "book.yaml").read_text().startswith("# Made by")
    assert "title: Asthma in children" in (book.folder / "book.yaml").read_text()


def test_a_styled_leaflet_keeps_its_structure(imported: dict[str, Imported]) -> None:
    book = imported["styled"]
    chapter = next((book.folder / "chapters").glob("*.md")).read_text()
    assert "- Wheezing\n  - A whistling sound" in chapter
    assert "3. Shake the inhaler\n4. Breathe out gently\n   a) Not into the spacer" in chapter
    assert (
        "::: {.key-points}\n\nAlways carry the reliever inhaler.\n\n"
        "Book a review every year.\n\n:::" in chapter
    )
    assert "O~2~ and 10^3^" in chapter and "10\u00a0mg" in chapter
    assert (
        "Before the box. After the box.\n\n::: {.text-box}\n\nIn an emergency call 999." in chapter
    )
    assert chapter.count("In an emergency call 999.") == 1
    yaml_text = (book.folder / "book.yaml").read_text()
    assert "subtitle: A guide for parents and carers" in yaml_text
    assert "lang: en-GB" in yaml_text and "date: '2026-03-09'" in yaml_text
    assert "keywords:\n  - asthma\n  - inhaler\n  - children" in yaml_text
    log = (book.folder / "IMPORT.md").read_text()
    assert "the running header “Riverside Clinic RUNNING-HEADER”" in log
    assert "alt text was written by Word, not the author" in log
    assert '![A peak flow chart](figures/figure-02.png){alt="TODO: describe this picture' in chapter


def test_reference_manager_citations_become_a_bibliography(imported: dict[str, Imported]) -> None:
    book = imported["cited"]
    references = json.loads((book.folder / "references.json").read_text())
    assert [r["id"] for r in references] == ["jones2019", "ng2021", "smith2020"]
    assert (
        next(r for r in references if r["id"] == "smith2020")["title"]
        == "Magnesium and <i>asthma</i> control"
    )
    chapters = sorted((book.folder / "chapters").glob("*.md"))
    assert [c.name for c in chapters] == ["01-background.md", "02-technique.md", "03-references.md"]
    text = "".join(c.read_text() for c in chapters)
    assert "[@smith2020] and breathing exercises too [@jones2019; @smith2020]" in text
    assert "[@smith2020, page 4]" in text and "[@ng2021]" in text
    assert "::: {#refs}" in chapters[2].read_text()
    assert "citation-style: apa" in (book.folder / "book.yaml").read_text()
    assert "cite by typed numbers such as “[3]”" in book.stderr
    epub = "".join("".join(d.itertext()) for d in book.documents())
    assert "Smith, J. (2020). Magnesium and asthma control" in epub
    assert "(Smith, 2020, p. 4)" in epub
