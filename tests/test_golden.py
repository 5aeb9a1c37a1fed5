"""Golden files: the tiny book's rendered markup, reviewed in the diff when it changes.

Rewrite them with `pytest --update-golden` and read the diff before committing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.editions.epub_render import render_epub
from pipeline.editions.render import render_print_html

from .conftest import DATA, REPO, Built, document_of

GOLDEN = REPO / "tests" / "golden" / "tiny"


def rendered(tiny: Built) -> dict[str, str]:
    """Every file of the tiny book's markup, by golden file name."""
    assert tiny.result.layout is not None
    pages_of = tiny.result.layout.pages_of
    document, styles = document_of(DATA / "tiny")
    files = {"print.html": render_print_html(document, styles, pages_of)}
    edition = render_epub(document, styles, pages_of)
    files.update({f"epub/{d.file_name}": d.xhtml for d in edition.documents})
    files["epub/images/cover.svg"] = edition.cover_svg
    return files


def test_rendered_markup_matches_the_golden_files(
    tiny: Built, request: pytest.FixtureRequest
) -> None:
    files = rendered(tiny)
    if request.config.getoption("--update-golden"):
        for name, text in files.items():
            path = GOLDEN / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    expected = sorted(p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file())
    assert expected == sorted(files), "golden files and rendered files differ in name"
    for name, text in files.items():
        assert (GOLDEN / name).read_text() == text, f"{name} changed: rerun with --update-golden"


def test_golden_files_are_what_a_reader_would_expect(tiny: Built) -> None:
    """A few facts read in the golden files themselves, so a bad update cannot pass unread."""
    page = (GOLDEN / "print.html").read_text()
    assert '<html lang="en-GB">' in page
    # "[@beta; @alpha]" opens the book: beta is 1, alpha 2, printed in order as "[1, 2]".
    assert '[<a href="#ref-1" id="cite-1-1"' in page and '<li id="ref-1" value="1">Beta' in page
    assert '[see <a href="#ref-2"' in page and "</a>, p. 4]" in page
    assert '<th scope="row">Row 1</th>' in page
    chapter = (GOLDEN / "epub" / "chapter-1.xhtml").read_text()
    assert 'epub:type="noteref"' in chapter and 'href="references.xhtml#ref-1"' in chapter
    assert 'href="chapter-2.xhtml#tbl-long"' in chapter  # cross-file link rewritten
    assert Path(GOLDEN / "epub" / "nav.xhtml").read_text().count('epub:type="page-list"') == 1
