"""pandoc's own Markdown test suite and the conformance corpus, built end to end as one book.

Nothing silent: every construct reaches the editions as markup or is reported with its line,
so no output — print HTML, PDF text, any EPUB document — shows Markdown syntax left over.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree, html
from PIL import Image

from pipeline.dialect import math
from pipeline.editions.render import render_print_html
from pipeline.stages.load import ChapterSource
from pipeline.stages.parse import parse_book

from .conftest import DATA, Built, _build, document_of, epubcheck, epubcheck_problems

SUITE = DATA / "pandoc-testsuite"
CORPUS = Path(__file__).parent / "conformance"
XHTML = "{http://www.w3.org/1999/xhtml}"
# Markdown that must never reach a reader: what each pattern would mean if it leaked.
LEFTOVERS = {
    "strikeout": re.compile(r"~~"),
    "inline note": re.compile(r"\^\["),
    "fenced div": re.compile(r":::"),
    "attributes": re.compile(r"\{[#.=:-]"),
    "citation or cross-reference": re.compile(r"\[@|(?<!\w)@(?:fig|tbl|sec|eq|box)[:-]\w"),
    "grid table": re.compile(r"\+[-=]{3,}\+"),
    "raw TeX": re.compile(r"\\(?:newpage|pagebreak|clearpage|begin|end|cite|emph)\b"),
    "display math": math.DISPLAY,
    "inline math": math.INLINE,
    "table caption": re.compile(r"(?m)^\s*Table: "),
}
# What the pipeline refuses on purpose, and the edit the build's copy makes instead.
REFUSED = {
    "testsuite.txt": [
        # The same id on three rules makes an invalid EPUB; pandoc writes it anyway.
        (
            '<hr class="foo" id="bar" />\n\n<hr class="foo" id="bar">',
            '<hr class="foo" />\n\n<hr class="foo">',
        ),
        # Raw <script> runs code in a reader's browser and is invalid in an EPUB.
        (
            '<script type="text/javascript">document.write(\'This *should not* be '
            "interpreted as markdown');</script>\n",
            "",
        ),
    ],
    "markdown-reader-more.txt": [
        # The same id on two headings makes an invalid EPUB; pandoc writes it anyway.
        (
            '> ## Header attributes inside block quote {#foobar .baz key="val"}',
            '> ## Header attributes inside block quote {.baz key="val"}',
        ),
        # markdown-grid-tables counts a zero-width character as a column, pandoc does not:
        # the build reports those two tables as misaligned (checked below).
        ("\u200c", ""),
    ],
}


def _edited(name: str) -> str:
    text = (SUITE / name).read_text()
    for old, new in REFUSED.get(name, []):
        assert old in text, f"{name} no longer holds {old!r}"
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="session")
def suite_book(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """pandoc's test files, then every file of the conformance corpus, as chapters."""
    folder = tmp_path_factory.mktemp("pandoc-suite")
    chapters = folder / "chapters"
    chapters.mkdir()
    names = []
    for name in REFUSED:
        (chapters / name).write_text(_edited(name))
        names.append(f"chapters/{name}")
    for case in sorted(CORPUS.glob("*.md")):
        if case.name != "README.md":
            shutil.copy(case, chapters / case.name)
            names.append(f"chapters/{case.name}")
    (folder / "figures").mkdir()
    shutil.copy(DATA / "tiny" / "figures" / "dot.svg", folder / "figures" / "dot.svg")
    for image in ("lalune.jpg", "movie.jpg"):  # the suite's images, as small grey files
        Image.new("RGB", (8, 6), (128, 128, 128)).save(folder / image, "JPEG")
    (folder / "refs.json").write_text(
        json.dumps(
            [
                {
                    "id": "mapreduce",
                    "type": "article-journal",
                    "title": "MapReduce",
                    "issued": {"date-parts": [[2008]]},
                }
            ]
        )
    )
    (folder / "book.yaml").write_text(
        "title: pandoc's test suite\nauthors: [John MacFarlane]\npublisher: Tests\nlang: en\n"
        "date: 2026-01-01\nedition: First\nrights: GPL-2.0-or-later\nbibliography: refs.json\n"
        f"chapters: [{', '.join(names)}]\n"
    )
    return _build(folder, tmp_path_factory.mktemp("pandoc-suite-out"))


def test_the_suite_builds_into_a_valid_epub(suite_book: Built, tmp_path: Path) -> None:
    report = epubcheck(suite_book.epub, tmp_path / "epubcheck.json")
    assert epubcheck_problems(report) == []


def test_what_the_dialect_refuses_is_refused_with_its_line() -> None:
    suite = ChapterSource("testsuite.txt", (SUITE / "testsuite.txt").read_text())
    problems = [str(p) for c in parse_book((suite,)) for p in c.problems]
    assert problems == [
        "testsuite.txt:387: raw <script> is not allowed in a manuscript (it is unsafe or breaks "
        "the EPUB); remove it and use Markdown"
    ]
    more = ChapterSource("more.txt", (SUITE / "markdown-reader-more.txt").read_text())
    found = [
        (p.location.line, p.message.split(":")[0]) for c in parse_book((more,)) for p in c.problems
    ]
    assert found == [
        (272, "this grid table cannot be read"),
        (280, "this grid table cannot be read"),
    ]


def test_raw_tex_is_dropped_with_a_warning_naming_its_line(suite_book: Built) -> None:
    warnings = [str(w) for w in suite_book.result.warnings]
    cite = "testsuite.txt:516: warning: raw LaTeX '\\cite[22-23]{smith.1899}' is left out"
    assert any(cite.replace("warning: ", "") in w for w in warnings), warnings
    assert any(
        "testsuite.txt:536: raw LaTeX environment 'tabular' is left out" in w for w in warnings
    )


# Dollars the authors escaped on purpose (escapes.md `\$5 and 10\$`, the suite's
# "Escaped `$`: $73 … 23\$") read like math once printed, and are not.
ESCAPED = {
    "$5 and 10$",
    "$: $73 this should be emphasized 23$",
    "$73 this should be emphasized 23$",
}


def _leftovers(text: str) -> list[str]:
    return [
        f"{what}: {m.group(0)[:40]!r}"
        for what, pattern in LEFTOVERS.items()
        for m in pattern.finditer(text)
        if m.group(0) not in ESCAPED
    ]


BLOCKS = ("p", "li", "dt", "dd", "td", "th", "caption", "figcaption", "blockquote", "div")
BLOCKS += tuple(f"h{n}" for n in range(1, 7))


def _block_texts(root: etree._Element) -> list[str]:
    """The text a reader sees, block by block (pandoc's rules apply within a paragraph),
    without code, where Markdown syntax is the subject, and without formulas."""
    for code in root.xpath("//*[local-name()='code' or local-name()='pre' or local-name()='math']"):
        code.clear()
        code.text = " "
    return [
        "".join(element.itertext())
        for element in root.iter()
        if isinstance(element.tag, str) and etree.QName(element).localname in BLOCKS
    ]


def _hits(root: etree._Element) -> set[str]:
    return {hit for text in _block_texts(root) for hit in _leftovers(text)}


def test_no_markdown_syntax_left_in_any_epub_document(suite_book: Built) -> None:
    found = []
    with zipfile.ZipFile(suite_book.epub) as epub:
        for name in epub.namelist():
            if name.endswith(".xhtml"):
                found += [f"{name}: {hit}" for hit in _hits(etree.fromstring(epub.read(name)))]
    assert found == []


def test_no_markdown_syntax_left_in_print(suite_book: Built) -> None:
    document, styles = document_of(suite_book.project.manuscript)
    page = html.document_fromstring(render_print_html(document, styles, None))
    code_text = " ".join(t for c in page.xpath("//code|//pre") for t in c.itertext())
    assert _hits(page) == set()
    # In the PDF, code is text like any other: a hit must be code the book shows as code.
    lines = [line for page in suite_book.page_texts() for line in page.splitlines()]
    pdf_hits = {hit for line in lines for hit in _leftovers(line)}
    assert {hit for hit in pdf_hits if hit.split(": ", 1)[1].strip("'") not in code_text} == set()


def test_chapter_language_from_front_matter_reaches_the_epub(suite_book: Built) -> None:
    with zipfile.ZipFile(suite_book.epub) as epub:
        chapters = [etree.fromstring(epub.read(n)) for n in epub.namelist() if "/chapter-" in n]
    languages = {c.get("{http://www.w3.org/XML/1998/namespace}lang") for c in chapters}
    assert languages == {"en", "en-GB"}


def test_unknown_classes_and_languages_reach_both_editions(suite_book: Built) -> None:
    with zipfile.ZipFile(suite_book.epub) as epub:
        xhtml = "".join(epub.read(n).decode() for n in epub.namelist() if n.endswith(".xhtml"))
    assert '<div class="lead" lang="fr" xml:lang="fr">' in xhtml
    assert '<div class="faq">' in xhtml and '<div id="refs"' in xhtml
    assert '<span lang="fr" xml:lang="fr">en français</span>' in xhtml
    document, styles = document_of(suite_book.project.manuscript)
    page = render_print_html(document, styles, None)
    assert '<div class="lead" lang="fr">' in page and '<span lang="fr">en français</span>' in page
