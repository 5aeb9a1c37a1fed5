"""Inputs an author plausibly writes that once crashed or misbehaved: they must simply work.

tests/data/tricky holds them all in one chapter (a byte-order mark, a citation in the chapter
title, in a box title and in captions, a citation in a comment and in indented code, a setext
heading, a heading in a block quote and one inside a box, "C#", Greek, an e-mail address in
brackets, "[@a][@b]", "./figures" next to "figures", reference-style and raw images, a link to
a table label, a cross-reference to an unnumbered section with emphasis in its title).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from pipeline.stages.load import ChapterSource
from pipeline.stages.number import number_book
from pipeline.stages.parse import parse_chapter

from .conftest import (
    DATA,
    Built,
    _build,
    ace,
    ace_violations,
    epubcheck,
    epubcheck_problems,
    squash,
)
from .test_number_and_document import BIB


@pytest.fixture(scope="session")
def tricky(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(DATA / "tricky", tmp_path_factory.mktemp("tricky"))


def test_the_tricky_book_builds_into_a_valid_epub(
    tricky: Built, tmp_path_factory: pytest.TempPathFactory
) -> None:
    report: dict[str, Any] = epubcheck(tricky.epub, tmp_path_factory.mktemp("ec") / "r.json")
    assert epubcheck_problems(report) == []


def test_the_tricky_book_has_no_accessibility_violation(
    tricky: Built, tmp_path_factory: pytest.TempPathFactory
) -> None:
    assert ace_violations(ace(tricky.epub, tmp_path_factory.mktemp("ace"))) == []


def test_what_a_reader_sees_in_the_tricky_book(tricky: Built) -> None:
    text = "\n".join(tricky.page_texts())
    flat = squash(text)
    for expected in [
        "A chapter whose title cites [1]",  # the citation in the title is numbered
        "Write to us at [info@clinic.org]",  # an address, not a citation
        "Two citations in a row: [1][2]",
        "indented code keeps [@gamma] literally",  # code is literal
        "1.1 Background",  # a setext heading is numbered like any other
        "From [1]",  # citation in a box title
        "Table 1. 1. Doses by age [3]",  # caption is inline text, not a list
        "Figure 1. Trend [1]",
        "“The real story” (p.",  # unnumbered section named by its title, no asterisks
        "1.2 Programming in C#",
        "1.3 Μαγνήσιο",
        "a task still open\n✓ a task done",  # pandoc's task list: drawn boxes
        "Bold inside a div",  # Markdown inside a raw <div>, as pandoc reads it
        "1.4 A heading inside a section",
        "Figure 2. Dot by reference",  # a reference-style image alone: a figure
    ]:
        assert squash(expected) in flat, expected
    for leaked in ("[ ]", "[x]", "**", "{:", "data-h", "[dotted]", "{width"):
        assert leaked not in text, leaked
    assert "Gamma" not in text, "cited only in a comment and in code: not in the list"
    assert "results..." in text.replace("results…", "results...")


def test_the_three_spellings_of_one_image_are_one_file_in_the_epub(tricky: Built) -> None:
    with zipfile.ZipFile(tricky.epub) as archive:
        images = [name for name in archive.namelist() if name.endswith("dot.svg")]
        opf = archive.read("EPUB/content.opf").decode()
    assert images == ["EPUB/figures/dot.svg"]
    assert opf.count('href="figures/dot.svg"') == 1


def test_a_heading_inside_a_box_or_a_quote_stays_out_of_the_outline(tricky: Built) -> None:
    with pikepdf.open(tricky.pdf) as pdf, pdf.open_outline() as outline:
        titles = [item.title for item in outline.root for item in [item, *item.children]]
    assert "Inside a box" not in titles and "A quoted heading" not in titles
    assert "1.1 Background" in titles


def test_a_caption_cites_before_the_cells_of_its_table() -> None:
    """The caption prints above the table, so its citation is numbered first."""
    text = "# T\n\n| a | b |\n|---|---|\n| 1 | [@b] |\n\nTable: Caption [@a] {#tbl:x}\n"
    chapter = parse_chapter(ChapterSource("ch.md", text), 1)
    numbering = number_book((chapter,), BIB, False, None)
    assert numbering.reference_order == ("a", "b")


def test_file_with_a_byte_order_mark_still_starts_with_its_title() -> None:
    assert (DATA / "tricky" / "chapters" / "one.md").read_bytes().startswith(b"\xef\xbb\xbf")


def test_an_output_folder_that_is_a_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline.cli import main

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file")
    assert main(["build", str(DATA / "tiny"), "-o", str(blocker), "-q", "-f", "pdf"]) == 1
    err = capsys.readouterr().err
    assert "error: the output folder is a file, not a folder" in err and "Traceback" not in err
