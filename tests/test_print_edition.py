"""The A4 report as a reader, a printer and a PDF validator see it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pikepdf
import pytest
import yaml
from lxml import html

from pipeline.editions.render import render_print_html

from .conftest import REPO, Built, document_of, require_tool, run, squash

MANUSCRIPT = REPO / "manuscript"
BOOK = yaml.safe_load((MANUSCRIPT / "book.yaml").read_text())
VENDORED_FAMILIES = {"Andika", "Gentium-Book-Plus"}


def citations_in_source_order() -> list[str]:
    """Keys in order of first citation, read straight from the Markdown (not via the pipeline)."""
    seen: list[str] = []
    for chapter in BOOK["chapters"]:
        text = re.sub(r"`[^`]*`", "", (MANUSCRIPT / chapter).read_text())
        for group in re.findall(r"\[([^\[\]]*@[^\[\]]*)\]", text):
            for key in re.findall(r"@([\w][\w:.#$%&+?<>~/-]*[\w])", group):
                if not key.startswith(("tbl:", "fig:", "sec:", "box:")) and key not in seen:
                    seen.append(key)
    return seen


def citation_numbers(text: str) -> list[int]:
    """Every number cited in running text, in reading order, ranges expanded ('3–7')."""
    numbers: list[int] = []
    for group in re.findall(r"\[((?:see )?\d[\d,\s–-]*(?:, p\. \d+)?)\]", text):
        for part in re.sub(r", p\. \d+", "", group).replace("see ", "").split(","):
            if "–" in part:
                low, high = (int(n) for n in part.split("–"))
                numbers += range(low, high + 1)
            elif part.strip():
                numbers.append(int(part))
    return numbers


def reference_entries(book: Built) -> dict[int, str]:
    """The printed reference list: entry number -> its text (wrapped lines joined)."""
    listing = "\n".join(book.page_texts()[references_page(book) - 1 :])
    parts = re.split(r"^\s*(\d{1,3})\.\s", listing, flags=re.M)
    return {int(number): text for number, text in zip(parts[1::2], parts[2::2], strict=True)}


def references_page(book: Built) -> int:
    """1-based page where the reference list starts."""
    assert book.result.layout is not None
    return book.result.layout.pages_of["references"]


# ---- PDF structure, metadata, fonts (independent tools) --------------------------------------


def test_pdfinfo_says_tagged_with_title_and_metadata_from_book_yaml(book: Built) -> None:
    info = run([require_tool("pdfinfo"), str(book.pdf)]).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert fields["Tagged"].strip() == "yes"
    assert fields["Title"].strip() == f"{BOOK['title']}: {BOOK['subtitle']}"
    assert fields["Author"].strip() == BOOK["authors"][0]["name"]
    assert fields["Subject"].strip() == BOOK["description"]
    assert "COVID-19" in fields["Keywords"]
    # Dates come from book.yaml, never from the clock.
    assert fields["CreationDate"].strip().startswith("Sat Nov 21 00:00:00 2026")
    assert fields["Page size"].strip().endswith("(A4)")


def test_xmp_claims_pdf_ua_1_and_catalog_has_language_and_title_display(book: Built) -> None:
    with pikepdf.open(book.pdf) as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert re.search(r'pdfuaid:part(>|=")1', xmp)
        assert "dc:title" in xmp and BOOK["title"] in xmp
        assert str(pdf.Root.Lang) == BOOK["lang"]
        assert bool(pdf.Root.MarkInfo.Marked)
        assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle)
        assert "/StructTreeRoot" in pdf.Root


def test_qpdf_finds_no_structural_problem(book: Built) -> None:
    result = run([require_tool("qpdf"), "--check", str(book.pdf)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


def test_every_font_is_embedded_and_one_of_the_vendored_fonts(book: Built) -> None:
    lines = run([require_tool("pdffonts"), str(book.pdf)]).stdout.splitlines()[2:]
    assert lines, "pdffonts listed no fonts"
    for line in lines:
        name, columns = line.split()[0], line.split()
        family = (
            name.split("+", 1)[1].rsplit("-", 1)[0]
            if "-" in name.split("+", 1)[1]
            else name.split("+", 1)[1]
        )
        assert family in VENDORED_FAMILIES, f"{name} is not a vendored font"
        emb, _sub, uni = columns[-5:-2]
        assert (emb, uni) == ("yes", "yes"), line


def outline_titles(pdf_path: Path) -> list[tuple[int, str]]:
    with pikepdf.open(pdf_path) as pdf, pdf.open_outline() as outline:
        found: list[tuple[int, str]] = []

        def walk(items: list[pikepdf.OutlineItem], depth: int) -> None:
            for item in items:
                found.append((depth, item.title))
                walk(item.children, depth + 1)

        walk(outline.root, 1)
        return found


def test_outline_lists_both_chapters_their_sections_and_the_references(book: Built) -> None:
    outline = outline_titles(book.pdf)
    titles = [title for _, title in outline]
    assert (1, "1 Magnesium and our immune system") in outline
    assert (1, "2 The relevance of magnesium homeostasis in COVID-19") in outline
    assert (2, "1.1 Magnesium and our immune barriers") in outline
    assert titles[-1] == "References"
    assert not any("Key points" in t or "Quick summary" in t for t in titles), "box titles leak"


def test_figure_is_tagged_with_its_alt_text(book: Built) -> None:
    alt = re.search(r'alt="([^"]+)"', (MANUSCRIPT / "chapters/01-immune-system.md").read_text())
    assert alt
    with pikepdf.open(book.pdf) as pdf:
        figures = [
            element
            for element in _structure(pdf.Root.StructTreeRoot)
            if element.get("/S") == "/Figure"
        ]
        assert [str(f.Alt) for f in figures] == [alt.group(1)]


def _structure(root: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    found, stack = [], [root]
    while stack:
        element = stack.pop()
        if isinstance(element, pikepdf.Dictionary):
            found.append(element)
            kids = element.get("/K")
            stack.extend(kids if isinstance(kids, pikepdf.Array) else [kids] if kids else [])
    return found


def test_comparison_table_has_column_and_row_headers_in_the_tag_tree(book: Built) -> None:
    with pikepdf.open(book.pdf) as pdf:
        kinds = [str(e.get("/S")) for e in _structure(pdf.Root.StructTreeRoot)]
    # 3 column headers + 5 row headers ("Inflammatory response" … "Prognosis").
    assert kinds.count("/TH") == 8
    assert kinds.count("/Table") == 1 and kinds.count("/Caption") == 2  # table + figure
    with pikepdf.open(book.pdf) as pdf:
        headers = [e for e in _structure(pdf.Root.StructTreeRoot) if e.get("/S") == "/TH"]
        # The head row's cells, the corner above the row headers too, head their columns.
        scoped = [h for h in headers if h.A.get("/Scope") == "/Column"]
        assert len(scoped) == 3 and all(h.P.P.S == "/THead" for h in scoped)


# ---- What a reader sees ---------------------------------------------------------------------


def test_contents_page_numbers_are_the_pages_chapters_start_on(book: Built) -> None:
    pages = book.page_texts()
    contents = next(i for i, text in enumerate(pages) if text.lstrip().startswith("Contents"))
    entries = re.findall(r"^\s*(\d)\s+(.+?)\s*(?:\. )+\s*\.?\s*(\d+)\s*$", pages[contents], re.M)
    assert len(entries) == len(BOOK["chapters"])
    for number, title, page in entries:
        starts = [
            i + 1
            for i, text in enumerate(pages)
            if re.search(rf"CHAPTER {number}\s*\n\s*{re.escape(title.split()[0])}", text)
        ]
        assert starts == [int(page)], f"chapter {number} '{title}' listed on page {page}"
    references = re.search(r"^References[ .]*(\d+)\s*$", pages[contents], re.M)
    assert references and int(references.group(1)) == references_page(book)
    assert pages[references_page(book) - 1].lstrip().startswith("References")


def test_citations_are_numbered_by_first_use_and_match_the_reference_list(book: Built) -> None:
    pages = book.page_texts()
    body = "\n".join(pages[3 : references_page(book) - 1])
    cited = citation_numbers(body)
    firsts = list(dict.fromkeys(cited))
    assert firsts == list(range(1, len(firsts) + 1)), "numbers must appear in order of first use"

    keys = citations_in_source_order()
    titles = {
        item["id"]: item["title"]
        for item in json.loads((MANUSCRIPT / BOOK["bibliography"]).read_text())
    }
    assert len(firsts) == len(keys) == 19
    entries = reference_entries(book)
    assert sorted(entries) == list(range(1, 20))
    for number, key in enumerate(keys, start=1):
        assert squash(titles[key]) in squash(entries[number]), f"entry {number} is not '{key}'"


def test_each_reference_names_the_pages_that_cite_it(book: Built) -> None:
    pages = book.page_texts()
    cited_on: dict[int, set[int]] = {}
    for page_number, text in enumerate(pages[: references_page(book) - 1], start=1):
        for number in citation_numbers(text):
            cited_on.setdefault(number, set()).add(page_number)
    entries = reference_entries(book)
    assert len(entries) == 19
    for number, text in entries.items():
        page_list = re.search(r"Cited on pp?\.\s*([\d,\s]+)\.", text)
        assert page_list, f"entry {number} has no back-links"
        assert {int(p) for p in page_list.group(1).split(",")} == cited_on[number]


def test_key_points_and_every_other_box_stay_on_one_page(book: Built) -> None:
    document, styles = document_of(MANUSCRIPT)
    page = html.fromstring(render_print_html(document, styles, None))
    boxes = page.xpath("//aside[contains(@class, 'box')]")
    assert len(boxes) == 6  # disclaimer, 2 summaries, key points, warning, note
    assert book.result.layout is not None
    for box in boxes:
        assert len(book.result.layout.spans[box.get("id")]) == 1, f"{box.get('id')} is split"
    # And as printed: the key points title and the last point share one page.
    pages = book.page_texts()
    on_page = [i for i, t in enumerate(pages) if "Box 1: Key points" in t]
    assert len(on_page) == 1
    assert squash("neurological issues.") in squash(pages[on_page[0]])


def test_no_heading_is_stranded_at_the_foot_of_a_page(book: Built) -> None:
    document, styles = document_of(MANUSCRIPT)
    page = html.fromstring(render_print_html(document, styles, None))
    assert book.result.layout is not None
    pages_of = book.result.layout.pages_of
    body = page.xpath("//section[contains(@class, 'chapter') or @id = 'references']//*[@id]")
    with_ids = [e for e in body if e.get("id") in pages_of]
    headings = [e for e in with_ids if e.tag in {"h1", "h2", "h3", "h4"}]
    assert len(headings) > 20
    for heading in headings:
        following = with_ids[with_ids.index(heading) + 1]
        assert pages_of[following.get("id")] == pages_of[heading.get("id")], heading.text_content()


def test_table_1_figure_1_and_the_key_points_are_in_the_text(book: Built) -> None:
    text = squash("".join(book.page_texts()))
    assert squash("Table 1. Magnesium’s effects in mild and severe COVID-19") in text
    assert squash("Figure 1. Schematic of the four long-term trends") in text
    assert squash("Table 1 (p.") in text and squash("Figure 1 (p.") in text
    for point in ("Immune modulation:", "Inflammation reduction:", "Long-COVID symptoms:"):
        assert squash(point) in text


def test_every_page_but_the_cover_says_page_n_of_m_and_the_review_date(book: Built) -> None:
    pages = book.page_texts()
    total = len(pages)
    assert "Page 1 of" not in pages[0]
    for number, text in enumerate(pages[1:], start=2):
        assert f"Page {number} of {total}" in text
    for text in pages[3:]:
        assert "next review November 2027" in text


def test_imprint_carries_edition_dates_and_disclaimer(book: Built) -> None:
    imprint = squash(book.page_texts()[1])
    for expected in (
        "First edition",
        "Published21 November 2026",
        "Next review21 November 2027",
        "Medical disclaimer",
        BOOK["disclaimer"],
    ):
        assert squash(expected) in imprint


def test_long_words_are_hyphenated(book: Built) -> None:
    # WeasyPrint marks a hyphenation break with U+2010 (a real hyphen is U+002D).
    broken = re.findall(r"([a-z]{3,})\u2010\n\s*([a-z]{3,})", "".join(book.page_texts()))
    source = (MANUSCRIPT / "chapters/01-immune-system.md").read_text() + (
        MANUSCRIPT / "chapters/02-covid-19.md"
    ).read_text()
    hyphenated = [a + b for a, b in broken if a + b in source]
    assert hyphenated, "hyphenation is on (lang is set) so some long words break"


# ---- The tiny book: what the real one does not exercise --------------------------------------


def test_a_table_that_runs_onto_the_next_page_repeats_its_header_row(tiny: Built) -> None:
    pages = tiny.page_texts()
    with_rows = [t for t in pages if re.search(r"^\s*Row \d+", t, re.M)]
    assert len(with_rows) >= 2
    for text in with_rows:
        assert re.search(r"^\s*Item\s+Description\s+Number\s*$", text, re.M)


def test_two_builds_of_the_same_sources_are_byte_identical(
    book: Built, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from .conftest import _build

    again = _build(MANUSCRIPT, tmp_path_factory.mktemp("again"))
    assert again.pdf.read_bytes() == book.pdf.read_bytes()
    assert again.epub.read_bytes() == book.epub.read_bytes()


def test_the_book_builds_without_a_single_warning(book: Built) -> None:
    """WeasyPrint only logs CSS it ignores; an uncited entry is only a warning. Neither here."""
    assert [str(w) for w in book.result.warnings] == []


def test_footnotes_sit_at_the_foot_of_the_page_that_calls_them(tiny: Built) -> None:
    """Numbered by first call in both editions; each note on its call's page (WeasyPrint can
    push notes to the next page when @footnote has a border, see the stylesheet)."""
    assert tiny.result.layout is not None
    pages_of = tiny.result.layout.pages_of
    for note in ("later", "first"):
        assert pages_of[f"c1-fn-{note}"] == pages_of[f"c1-fnref-{note}"]
    page = squash(tiny.page_texts()[pages_of["c1-fn-later"] - 1])
    assert page.index(squash("1. The note called first.")) < page.index(
        squash("2. The note defined first but called second, citing [3].")
    )
