"""check: the release report over built outputs; damaged files and missing validators fail."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pikepdf
import pytest

from pipeline.cli import main
from pipeline.commands.check import find_tools, release_report
from pipeline.proof.check import Release, check_release, web_page

from .conftest import IN_CI, VALIDATORS, Built, require_tool


def _press_pdf(path: Path) -> None:
    """An untagged PDF with a title and a PDF/X output intent, as a press edition is."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Title"] = "Press edition"
    pdf.Root.OutputIntents = pikepdf.Array(
        [pikepdf.Dictionary(Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFX)]
    )
    pdf.save(path)


def _without(epub: Path, target: Path, member: str) -> None:
    """A copy of the EPUB with one file taken out: the chapter still links to it."""
    with zipfile.ZipFile(epub) as source, zipfile.ZipFile(target, "w") as copy:
        for item in source.infolist():
            if item.filename != member:
                copy.writestr(item, source.read(item.filename))


@pytest.fixture(scope="module")
def release(book: Built, tmp_path_factory: pytest.TempPathFactory) -> Release:
    """One check over the real book, a truncated PDF, an EPUB missing its figure and an
    untagged press PDF, the same untagged file named as a booklet (each validator runs once
    for the whole module)."""
    for tool in ("java", "qpdf", "chromium"):
        require_tool(tool)
    if not (VALIDATORS / "node_modules" / ".bin" / "ace-cli").exists():
        if IN_CI:
            pytest.fail("DAISY Ace is not installed; make test installs it with npm")
        pytest.skip("DAISY Ace is not installed (make validators)")
    folder = tmp_path_factory.mktemp("release")
    shutil.copy(book.pdf, folder / "book.pdf")
    shutil.copy(book.epub, folder / "book.epub")
    data = book.pdf.read_bytes()
    (folder / "damaged.pdf").write_bytes(data[: len(data) // 2])
    _without(book.epub, folder / "broken.epub", "EPUB/figures/magnesium-trends.svg")
    _press_pdf(folder / "book-press.pdf")
    # An untagged file named as a booklet is held to PDF/UA: the booklet is a reader's file.
    shutil.copy(folder / "book-press.pdf", folder / "untagged-booklet.pdf")
    return check_release(folder, find_tools(os.environ, VALIDATORS), workers=4)


def _outcomes(release: Release, name: str) -> dict[str, tuple[bool, str, tuple[str, ...]]]:
    return {
        o.check: (o.passed, o.summary, o.details) for o in release.outcomes if o.path.name == name
    }


def test_the_default_build_passes_every_check(release: Release) -> None:
    pdf, epub = _outcomes(release, "book.pdf"), _outcomes(release, "book.epub")
    assert list(pdf) == [
        "qpdf --check",
        "PDF tagged",
        "PDF tag tree",
        "PDF/UA id",
        "PDF language",
        "PDF title",
        "PDF outline",
        "PDF fonts",
    ]
    assert all(passed for passed, _, _ in pdf.values()), pdf
    assert pdf["PDF/UA id"][1] == "XMP claims PDF/UA-1"
    assert epub["EPUBCheck"][:2] == (True, "0 fatal, 0 errors, 0 warnings")
    assert epub["Ace"][:2] == (True, "0 violations")


def test_a_truncated_pdf_fails(release: Release) -> None:
    damaged = _outcomes(release, "damaged.pdf")
    passed, summary, details = damaged["qpdf --check"]
    assert not passed and "qpdf exit status" in summary
    assert any("damaged" in line or "trailer" in line for line in details), details


def test_an_epub_missing_a_resource_fails_epubcheck_with_the_place(release: Release) -> None:
    passed, summary, details = _outcomes(release, "broken.epub")["EPUBCheck"]
    assert not passed and summary.startswith("0 fatal, 1 errors")
    assert details[0].startswith("ERROR RSC-001 EPUB/figures/magnesium-trends.svg")


def test_a_press_pdf_is_not_held_to_pdf_ua_but_the_same_file_as_a_booklet_is(
    release: Release,
) -> None:
    press = _outcomes(release, "book-press.pdf")
    assert list(press) == ["qpdf --check", "PDF title", "PDF fonts", "PDF/X"]
    assert all(passed for passed, _, _ in press.values()), press
    screen = _outcomes(release, "untagged-booklet.pdf")
    assert [name for name, (passed, _, _) in screen.items() if not passed] == [
        "PDF tagged",
        "PDF tag tree",
        "PDF/UA id",
        "PDF language",
        "PDF title",
        "PDF outline",
    ]


def test_the_release_report_lists_each_check_and_the_totals(release: Release) -> None:
    report = release_report(release, Path("/"))
    lines = report.splitlines()
    assert "  FAIL  EPUBCheck     0 fatal, 1 errors, 0 warnings" in "\n".join(lines)
    assert any(line.startswith("        ERROR RSC-001 EPUB/figures/") for line in lines)
    failed = len(release.failed)
    assert lines[-1].startswith(
        f"release: FAIL: {len(release.outcomes) - failed} of {len(release.outcomes)} checks "
        "passed on 6 files in "
    )


def test_command_exit_status_follows_the_checks(
    book: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_tool("qpdf")
    shutil.copy(book.pdf, tmp_path / "book.pdf")
    assert main(["check", str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("release: PASS: 8 of 8 checks")
    (tmp_path / "book.pdf").write_bytes(b"%PDF-1.7 not really")
    assert main(["check", str(tmp_path)]) == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["check", str(empty)]) == 1
    assert "no built edition" in capsys.readouterr().out


def test_a_missing_validator_is_a_failure_naming_its_install_command(
    book: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    qpdf = require_tool("qpdf")
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    (bin_folder / "qpdf").symlink_to(qpdf)
    monkeypatch.setenv("PATH", str(bin_folder))  # no java, no chromium
    monkeypatch.delenv("PUPPETEER_EXECUTABLE_PATH", raising=False)
    outputs = tmp_path / "out"
    outputs.mkdir()
    shutil.copy(book.epub, outputs / "book.epub")
    assert main(["check", str(outputs)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  EPUBCheck     Java (EPUBCheck runs on it) is not installed" in out
    assert "install: apt-get install default-jre-headless" in out
    assert "FAIL  Ace" in out and "install: " in out.split("FAIL  Ace")[1]


def test_a_web_page_needs_language_title_alt_text_and_links_that_resolve(tmp_path: Path) -> None:
    good = tmp_path / "index.html"
    good.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>Book</title></head><body>'
        '<h1 id="top">Book</h1><a href="#top">Top</a><img src="x.svg" alt="A dot"></body></html>'
    )
    (tmp_path / "x.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert web_page(good).passed
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><a href='#nowhere'>x</a><img src='gone.png'></body></html>")
    outcome = web_page(bad)
    assert not outcome.passed
    assert outcome.details == (
        "<html> has no lang attribute",
        "no <title>",
        '<img src="gone.png"> has no alt attribute',
        "link to #nowhere: no element has that id",
        "img points at gone.png, which is not beside the page",
    )
