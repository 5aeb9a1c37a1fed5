"""The EPUB as EPUBCheck, DAISY Ace, a phone-sized browser and a reader see it."""

from __future__ import annotations

import itertools
import json
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from lxml import etree

from .conftest import (
    IN_CI,
    REPO,
    Built,
    ace,
    ace_violations,
    epubcheck,
    epubcheck_problems,
    require_tool,
    run,
)

NS = {
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
VALIDATORS = REPO / "tests" / "validators"
BOOK = yaml.safe_load((REPO / "manuscript" / "book.yaml").read_text())


@pytest.fixture(scope="session")
def unpacked(book: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("epub")
    with zipfile.ZipFile(book.epub) as archive:
        archive.extractall(folder)
    return folder / "EPUB"


def parse(path: Path) -> Any:
    return etree.parse(str(path))


def ids_in(path: Path) -> set[str]:
    return set(parse(path).xpath("//@id"))


# ---- The real validators, once per session ---------------------------------------------------


@pytest.fixture(scope="session")
def epubcheck_report(book: Built, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return epubcheck(book.epub, tmp_path_factory.mktemp("epubcheck") / "report.json")


def test_epubcheck_5_3_reports_no_error_and_no_warning(epubcheck_report: dict[str, Any]) -> None:
    checker = epubcheck_report["checker"]
    assert checker["checkerVersion"].startswith("5.3")
    assert epubcheck_problems(epubcheck_report) == []
    assert (checker["nFatal"], checker["nError"], checker["nWarning"]) == (0, 0, 0)


@pytest.fixture(scope="session")
def ace_report(book: Built, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return ace(book.epub, tmp_path_factory.mktemp("ace"))


def test_daisy_ace_finds_no_violation(ace_report: dict[str, Any]) -> None:
    assert ace_violations(ace_report) == []
    assert ace_report["earl:result"]["earl:outcome"] == "pass"


def test_ace_sees_the_accessibility_metadata_and_described_images(
    ace_report: dict[str, Any],
) -> None:
    missing = set(ace_report["a11y-metadata"]["missing"])
    assert not missing & {
        "schema:accessMode",
        "schema:accessibilityFeature",
        "schema:accessibilityHazard",
        "schema:accessibilitySummary",
        "schema:accessModeSufficient",
        "dcterms:conformsTo",
    }
    images = ace_report["data"]["images"]
    assert len(images) == 2 and all(image.get("alt") for image in images)


# ---- Package and navigation ----------------------------------------------------------------


def test_package_has_language_stable_identifier_dates_and_accessibility_claims(
    unpacked: Path,
) -> None:
    opf = parse(unpacked / "content.opf")
    root = opf.getroot()
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == BOOK["lang"]
    meta = {m.get("property"): m.text for m in opf.xpath("//opf:meta[@property]", namespaces=NS)}
    assert meta["dcterms:modified"] == "2026-11-21T00:00:00Z"
    assert meta["dcterms:conformsTo"] == "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"
    assert "A4 print edition" in meta["pageBreakSource"]
    identifier = opf.xpath("//dc:identifier", namespaces=NS)[0].text
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", identifier)
    assert opf.xpath("//dc:source", namespaces=NS), "page-list needs the print edition as source"
    spine = [ref.get("idref") for ref in opf.xpath("//opf:itemref", namespaces=NS)]
    assert spine == ["cover", "titlepage", "imprint", "nav", "chapter-1", "chapter-2", "references"]


def test_nav_has_toc_landmarks_and_page_list_and_every_link_resolves(unpacked: Path) -> None:
    nav = parse(unpacked / "nav.xhtml")
    kinds = [n.get(EPUB_TYPE) for n in nav.xpath("//x:nav", namespaces=NS)]
    assert kinds == ["toc", "landmarks", "page-list"]
    landmarks = nav.xpath("//x:nav[@epub:type='landmarks']//x:a/@epub:type", namespaces=NS)
    assert {"cover", "toc", "bodymatter", "bibliography"} <= set(landmarks)
    for href in nav.xpath("//x:nav//x:a/@href", namespaces=NS):
        file_name, _, fragment = href.partition("#")
        assert (unpacked / file_name).exists(), href
        if fragment:
            assert fragment in ids_in(unpacked / file_name), href
    assert (unpacked.parent / "EPUB" / "toc.ncx").exists()


def test_every_citation_is_a_noteref_to_an_entry_that_links_back_to_it(unpacked: Path) -> None:
    references = parse(unpacked / "references.xhtml")
    entries = {
        e.get("id"): e for e in references.xpath("//*[@epub:type='footnote']", namespaces=NS)
    }
    assert len(entries) == 19
    cited: dict[str, set[str]] = {}
    for chapter in sorted(unpacked.glob("chapter-*.xhtml")):
        for link in parse(chapter).xpath("//x:a[@epub:type='noteref']", namespaces=NS):
            file_name, _, target = link.get("href").partition("#")
            assert file_name == "references.xhtml" and target in entries
            assert link.get("role") == "doc-noteref"
            cited.setdefault(target, set()).add(f"{chapter.name}#{link.get('id')}")
    for target, places in cited.items():
        entry = entries[target]
        backlinks = set(
            entry.getparent().xpath(".//x:a[@role='doc-backlink']/@href", namespaces=NS)
        )
        assert backlinks >= places, f"{target} must link back to every citing place"
        for href in backlinks:
            file_name, _, anchor = href.partition("#")
            assert anchor in ids_in(unpacked / file_name)
    assert set(cited) == set(entries)


def test_page_list_matches_the_print_pages(book: Built, unpacked: Path) -> None:
    """Each page marker sits where that page of the PDF starts: the text right after the marker
    is printed on that page of the PDF."""
    nav = parse(unpacked / "nav.xhtml")
    targets = nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS)
    pdf_pages = book.page_texts()
    assert [int(a.text) for a in targets] == list(range(1, len(pdf_pages) + 1))
    for link in targets:
        file_name, _, anchor = link.get("href").partition("#")
        marker = parse(unpacked / file_name).xpath(f"//*[@id='{anchor}']")[0]
        assert marker.get(EPUB_TYPE) == "pagebreak" and marker.get("role") == "doc-pagebreak"
        assert marker.get("aria-label") == link.text
        following = "".join(marker.xpath("following::text()"))
        # Letters only: list numbers and bullets are drawn by the PDF, not in the XHTML text.
        words = re.sub(r"[^A-Za-z]", "", following)[:40]
        assert len(words) >= 20, f"page {link.text}: too little text after the marker to check"
        page_text = re.sub(r"[^A-Za-z]", "", pdf_pages[int(link.text) - 1])
        assert words in page_text, f"page {link.text}: '{words}' is not on that PDF page"


# ---- What a reader sees ---------------------------------------------------------------------


def test_key_points_is_a_named_aside_and_the_table_has_caption_and_scoped_headers(
    unpacked: Path,
) -> None:
    chapter = parse(unpacked / "chapter-2.xhtml")
    box = chapter.xpath("//x:aside[@id='box-covid-key-points']", namespaces=NS)[0]
    title = chapter.xpath(f"//*[@id='{box.get('aria-labelledby')}']")[0]
    assert "".join(title.itertext()) == "Box 1: Key points"
    assert len(box.xpath(".//x:li", namespaces=NS)) == 7
    table = chapter.xpath("//x:table", namespaces=NS)[0]
    caption = "".join(table.xpath("x:caption", namespaces=NS)[0].itertext())
    assert caption.startswith("Table 1. ")
    assert [th.get("scope") for th in table.xpath(".//x:th", namespaces=NS)] == ["col"] * 3 + [
        "row"
    ] * 5


def test_headings_never_skip_a_level_and_every_image_has_alt_text(unpacked: Path) -> None:
    for document in sorted(unpacked.glob("*.xhtml")):
        tree = parse(document)
        levels = [
            int(h.tag[-1])
            for h in tree.iter()
            if isinstance(h.tag, str) and re.fullmatch(r"\{[^}]+\}h[1-6]", h.tag)
        ]
        for before, after in itertools.pairwise(levels):
            assert after <= before + 1, f"{document.name}: h{before} then h{after}"
        for image in tree.xpath("//x:img", namespaces=NS):
            assert image.get("alt", "").strip(), f"{document.name}: image without alt"


def test_stylesheet_leaves_fonts_colours_and_sizes_to_the_reader(unpacked: Path) -> None:
    css = re.sub(r"/\*.*?\*/", "", (unpacked / "style" / "epub.css").read_text(), flags=re.S)
    assert not re.search(r"\d(px|pt)\b", css), "relative units only"
    forced = re.findall(r"(?:^|[\s;{])(?:color|background(?:-color)?)\s*:\s*([^;}]+)", css)
    assert all(value.strip() in {"inherit", "currentColor"} for value in forced), (
        "no forced text colour or background (night mode)"
    )
    body_rules = re.findall(r"(?:^|})\s*(?:html|body)\s*{([^}]*)}", css)
    assert not any("font-family" in rule for rule in body_rules), "body font is the reader's"


def test_nothing_is_wider_than_a_390_pixel_phone(unpacked: Path) -> None:
    node = require_tool("node")
    chromium = os.environ.get("CHROMIUM") or require_tool("chromium")
    if not (VALIDATORS / "node_modules" / "puppeteer-core").exists():
        if IN_CI:
            pytest.fail("puppeteer-core (installed with DAISY Ace) is missing")
        pytest.skip("puppeteer-core is not installed (make test installs it)")
    files = [str(p) for p in sorted(unpacked.glob("*.xhtml"))]
    env = {
        **os.environ,
        "PUPPETEER_EXECUTABLE_PATH": str(VALIDATORS / "chromium-offline"),
        "CHROMIUM": chromium,
    }
    result = run(
        [node, str(VALIDATORS / "overflow.mjs"), "390", *files], env=env, cwd=str(VALIDATORS)
    )
    assert result.returncode == 0, result.stderr
    reports = json.loads(result.stdout)
    assert len(reports) == len(files)
    for report in reports:
        assert report["wide"] == [] and report["scrollWidth"] <= 390, report


def test_zip_is_reproducible_mimetype_first_and_stored(book: Built) -> None:
    with zipfile.ZipFile(book.epub) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert archive.read("mimetype") == b"application/epub+zip"
        assert {info.date_time for info in archive.infolist()} == {(2026, 11, 21, 0, 0, 0)}


def test_notes_are_pop_up_asides_with_the_link_back_first(tiny: Built, tmp_path: Path) -> None:
    with zipfile.ZipFile(tiny.epub) as archive:
        archive.extractall(tmp_path)
    chapter = parse(tmp_path / "EPUB" / "chapter-1.xhtml")
    calls = chapter.xpath(
        "//x:a[@epub:type='noteref' and @role='doc-noteref'][starts-with(@href, '#c1-fn-')]",
        namespaces=NS,
    )
    assert [c.text for c in calls] == ["1", "2", "1"]
    asides = chapter.xpath("//x:aside[@epub:type='footnote']", namespaces=NS)
    assert [a.get("id") for a in asides] == ["c1-fn-later", "c1-fn-first"]
    for aside in asides:
        assert aside.get("role") == "doc-footnote"
        first_link = aside.xpath(".//x:a", namespaces=NS)[0]
        assert first_link.get("role") == "doc-backlink"
        assert first_link.get("href").lstrip("#") in ids_in(tmp_path / "EPUB" / "chapter-1.xhtml")
