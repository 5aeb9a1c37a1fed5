"""Every edition as a reader, a printer and a validator sees it: page sizes, text sizes read
from the PDFs' own text, the booklet's order as a clinic folds it, the press file's boxes and
output intent, the web page in Chromium. The editions are built once, in two processes."""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

import pikepdf
import pytest
from lxml import html
from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTCurve, LTLayoutContainer
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage

from pipeline.build import BuildOptions, build, group_by_layout
from pipeline.core.project import Project
from pipeline.editions.booklet import saddle_stitch_order
from pipeline.editions.catalog import known_editions
from pipeline.editions.render import render_print_html
from pipeline.editions.tagged import as_list, elements, is_element, tree_roots
from pipeline.editions.web import citation_places
from pipeline.proof.structure import structure_problems

from .conftest import (
    DATA,
    OTHER_EDITIONS,
    REPO,
    VALIDATORS,
    Built,
    Editions,
    build_editions,
    document_of,
    require_tool,
    run,
)

MM = 72 / 25.4
A4 = (595.28, 841.89)
TAGGED = ("letter", "leaflet", "large-print", "booklet")  # + a4, checked in test_print_edition
PAGE_SIZES = {
    "a4": A4,
    "letter": (612.0, 792.0),
    "leaflet": (419.53, 595.28),
    "large-print": A4,
    "booklet": (841.89, 595.28),
}


def pdf_of(name: str, book: Built, editions: Editions) -> Path:
    return book.pdf if name == "a4" else editions.files[name]


def layout_of(name: str, book: Built, editions: Editions):  # type: ignore[no-untyped-def]
    return book.result.layouts["a4"] if name == "a4" else editions.result.layouts[name]


class _TaggedAggregator(PDFPageAggregator):  # type: ignore[misc]
    """pdfminer's page aggregator that notes, on each character, the marked-content tags it
    is drawn inside (WeasyPrint tags an image's own drawing, an SVG's labels too, /Figure)."""

    def __init__(self, manager: PDFResourceManager) -> None:
        super().__init__(manager, laparams=None)
        self.tags: list[str] = []

    def begin_tag(self, tag: object, props: object = None) -> None:
        self.tags.append(str(getattr(tag, "name", tag)))

    def end_tag(self) -> None:
        if self.tags:
            self.tags.pop()

    def render_char(self, *args: object, **kwargs: object) -> float:
        width = float(super().render_char(*args, **kwargs))
        self.cur_item._objs[-1].in_figure = "Figure" in self.tags
        return width


def chars(pdf: Path) -> list[tuple[int, LTChar]]:
    """(page, character) for every character the PDF draws as text, except inside figures
    (an SVG's own labels belong to the image, which has alt text and a caption)."""
    found: list[tuple[int, LTChar]] = []

    def walk(item: object, page: int) -> None:
        if isinstance(item, LTChar):
            if item.get_text().strip() and not getattr(item, "in_figure", False):
                found.append((page, item))
        elif isinstance(item, LTLayoutContainer):
            for child in item:
                walk(child, page)

    with pdf.open("rb") as stream:
        manager = PDFResourceManager()
        device = _TaggedAggregator(manager)
        interpreter = PDFPageInterpreter(manager, device)
        for number, page in enumerate(PDFPage.get_pages(stream), start=1):
            interpreter.process_page(page)
            walk(device.get_result(), number)
    return found


def sizes(pdf: Path) -> tuple[float, float]:
    """(smallest text size, body text size: the size most characters are set in), in pt."""
    measured = Counter(round(char.size, 1) for _, char in chars(pdf))
    return min(measured), measured.most_common(1)[0][0]


# ---- The command and the processes ------------------------------------------------------


def test_every_edition_is_built_and_each_stage_line_names_its_edition(
    editions: Editions,
) -> None:
    assert sorted(editions.files) == sorted(OTHER_EDITIONS)
    for path in editions.files.values():
        assert path.is_file() and path.stat().st_size > 1000
    named = {line.edition for line in editions.lines if line.edition}
    assert named >= set(OTHER_EDITIONS)
    layouts = [line.edition for line in editions.lines if line.stage == "layout"]
    assert sorted(layouts) == ["large-print", "leaflet", "letter", "press"]  # booklet: leaflet's
    booklet = next(line for line in editions.lines if line.edition == "booklet")
    assert "double-sided, flip on the short edge" in booklet.detail


def test_a_parallel_build_is_byte_identical_to_a_build_in_turn(
    editions: Editions, tmp_path: Path
) -> None:
    """Also two press builds in different processes: PDF/X-4's random ids are gone."""
    serial = build_editions(tmp_path, ("press", "booklet", "web"), jobs=1)
    for name in ("press", "booklet"):
        assert serial.files[name].read_bytes() == editions.files[name].read_bytes(), name
    web, again = editions.files["web"].parent, serial.files["web"].parent
    files = sorted(p.relative_to(web) for p in web.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for name in files:
        assert (web / name).read_bytes() == (again / name).read_bytes(), name


def test_the_epub_is_made_with_the_a4_layout_whatever_else_is_asked() -> None:
    known = known_editions(("a4", "large-print", "leaflet"))
    groups = dict(group_by_layout([known["large-print"], known["epub"], known["booklet"]]))
    assert groups == {"large-print": ("large-print",), "a4": ("epub",), "leaflet": ("booklet",)}


# ---- Pages as printed --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a4", "letter", "leaflet", "large-print", "booklet"])
def test_page_size_of_each_edition(name: str, book: Built, editions: Editions) -> None:
    with pikepdf.open(pdf_of(name, book, editions)) as pdf:
        for page in pdf.pages:
            left, bottom, right, top = (float(v) for v in page.MediaBox)
            assert (round(right - left, 2), round(top - bottom, 2)) == PAGE_SIZES[name]


@pytest.mark.parametrize("name", ["a4", "letter", "leaflet", "large-print", "press"])
def test_cover_is_one_page_and_no_box_is_split(name: str, book: Built, editions: Editions) -> None:
    layout = layout_of(name, book, editions)
    assert layout.spans["cover"] == (1,)
    assert layout.pages_of["imprint-title"] == 2
    document, styles = document_of(REPO / "manuscript")
    page = html.fromstring(render_print_html(document, styles, None))
    boxes = [box.get("id") for box in page.xpath("//aside[contains(@class, 'box')]")]
    assert len(boxes) == 6
    for box in boxes:
        assert len(layout.spans[box]) == 1, f"{box} is split in {name}"


@pytest.mark.parametrize("name", ["a4", "letter", "leaflet", "large-print"])
def test_no_contents_entry_leaves_its_page_number_alone_on_a_line(
    name: str, book: Built, editions: Editions
) -> None:
    layout = layout_of(name, book, editions)
    first, last = layout.pages_of["contents-title"], layout.pages_of["chapter-1"] - 1
    pdftotext = require_tool("pdftotext")
    pdf = str(pdf_of(name, book, editions))
    text = run([pdftotext, "-layout", "-f", str(first), "-l", str(last), pdf, "-"]).stdout
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    entries = [line for line in lines if re.search(r"\d+$", line) and "Page " not in line]
    assert len(entries) == 3 + 3 + 9  # 2 chapters + references, 3 + 9 sections
    for line in entries:
        assert re.search(r"[A-Za-z]{2}", line), f"a page number alone on a line in {name}"
    # Every listed page is where that entry starts (the leader ends in the real number).
    numbers = [int(line.rsplit(" ", 1)[-1]) for line in entries]
    assert (
        numbers[0] == layout.pages_of["chapter-1"] and numbers[-1] == layout.pages_of["references"]
    )


@pytest.mark.parametrize("name", ["letter", "leaflet", "large-print"])
def test_imprint_says_the_epub_pages_are_the_a4_editions_not_this_ones(
    name: str, editions: Editions
) -> None:
    imprint = run([require_tool("pdftotext"), "-f", "2", "-l", "2", str(editions.files[name]), "-"])
    text = " ".join(imprint.stdout.split())
    assert "The EPUB edition marks the page numbers of the A4 print edition, not of this one." in (
        text
    )
    assert "means the same place in both" not in text


def test_press_edition_has_3_mm_bleed_crop_marks_and_a_cmyk_output_intent(
    editions: Editions,
) -> None:
    with pikepdf.open(editions.files["press"]) as pdf:
        for page in pdf.pages:
            trim = [float(v) for v in page.TrimBox]
            bleed = [float(v) for v in page.BleedBox]
            media = [float(v) for v in page.MediaBox]
            assert [round(v, 2) for v in trim] == [0, 0, *A4]
            assert [round(b - t, 2) for b, t in zip(bleed, trim, strict=True)] == [
                round(-3 * MM, 2),
                round(-3 * MM, 2),
                round(3 * MM, 2),
                round(3 * MM, 2),
            ]
            assert media[0] < bleed[0] and media[2] > bleed[2], "room for the crop marks"
            assert "/DefaultRGB" in page.Resources.ColorSpace
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFX"
        profile = intent.DestOutputProfile.read_bytes()
        assert (profile[12:16], profile[16:20]) == (b"prtr", b"CMYK")
        assert str(intent.OutputConditionIdentifier) == "ISO Coated v2 300% (basICColor)"
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
        assert "pdfuaid" not in xmp  # not tagged: the PDF/UA editions are the readers'
        assert re.search(r"xmpMM:DocumentID>xmp\.did:[0-9a-f-]{36}<", xmp)
        margin = -float(pdf.pages[0].MediaBox[0])  # pdfminer puts the MediaBox at 0, 0
    # Crop marks: a horizontal and a vertical line at each corner, all outside the trim.
    width, height = A4
    marks = [
        (x0, y0, x1, y1)
        for x0, y0, x1, y1 in _lines_on_page_1(editions.files["press"])
        if x1 <= margin or x0 >= margin + width or y1 <= margin or y0 >= margin + height
    ]
    assert len(marks) == 8, marks


def _lines_on_page_1(pdf: Path) -> list[tuple[float, float, float, float]]:
    """The bounding box of every line drawn on page 1 (in form XObjects too)."""
    from pdfminer.high_level import extract_pages

    found = []

    def walk(item: object) -> None:
        if isinstance(item, LTCurve):
            found.append(item.bbox)
        elif isinstance(item, LTLayoutContainer):
            for child in item:
                walk(child)

    walk(next(iter(extract_pages(str(pdf), page_numbers=[0]))))
    return found


# ---- Text sizes, read from the PDFs ---------------------------------------------------------


def test_large_print_sets_every_text_at_16_pt_or_more_in_a_sans(editions: Editions) -> None:
    found = chars(editions.files["large-print"])
    small = [(page, c.get_text(), round(c.size, 1)) for page, c in found if c.size < 15.95]
    assert small == [], small[:10]
    fonts = Counter(c.fontname.split("+")[-1].split("-")[0] for _, c in found)
    assert fonts["Andika"] / sum(fonts.values()) > 0.99, fonts  # Gentium only for Greek κ
    text = run([require_tool("pdftotext"), str(editions.files["large-print"]), "-"]).stdout
    assert "\u2010\n" not in text, "no word is hyphenated in large print"


@pytest.mark.parametrize(
    ("name", "body", "smallest"),
    [("a4", 12, 8.5), ("letter", 12, 8.5), ("leaflet", 12, 8), ("large-print", 16, 16)],
)
def test_body_text_size_measured_in_the_pdf(
    name: str, body: float, smallest: float, book: Built, editions: Editions
) -> None:
    measured_smallest, measured_body = sizes(pdf_of(name, book, editions))
    assert measured_body == body
    assert measured_smallest >= smallest


# ---- Validators: structure, tags ------------------------------------------------------------


@pytest.mark.parametrize("name", ["letter", "leaflet", "large-print", "press", "booklet"])
def test_qpdf_finds_no_structural_problem(name: str, editions: Editions) -> None:
    result = run([require_tool("qpdf"), "--check", str(editions.files[name])])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", TAGGED)
def test_reader_editions_are_tagged_pdf_ua_with_language_outline_and_embedded_fonts(
    name: str, editions: Editions
) -> None:
    path = editions.files[name]
    info = run([require_tool("pdfinfo"), str(path)]).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    with pikepdf.open(path) as pdf:
        assert re.search(r'pdfuaid:part(>|=")1', pdf.Root.Metadata.read_bytes().decode())
        assert str(pdf.Root.Lang) == "en"
        assert "/StructTreeRoot" in pdf.Root
        with pdf.open_outline() as outline:
            assert len(outline.root) == 4  # contents, two chapters, references
    for line in run([require_tool("pdffonts"), str(path)]).stdout.splitlines()[2:]:
        assert line.split()[0].split("+")[1].startswith(("Andika", "Gentium")), line
        assert line.split()[-5] == "yes", f"not embedded: {line}"


@pytest.mark.parametrize("name", ["a4", *TAGGED])
def test_every_tagged_edition_has_a_sound_structure_tree(
    name: str, book: Built, editions: Editions
) -> None:
    """Every MCID (in a page, or in a booklet sheet's form XObjects) in exactly one element
    of the tree; every /K resolvable; the ParentTree in step; running heads are artifacts."""
    with pikepdf.open(pdf_of(name, book, editions)) as pdf:
        assert structure_problems(pdf) == []


@pytest.fixture(scope="session")
def pdfua_findings(book: Built, editions: Editions) -> dict[str, list[dict[str, object]]]:
    """What pdfua 0.1.3, an independent PDF/UA-1 checker, finds in each tagged edition."""
    names = ("a4", *TAGGED)
    paths = [str(pdf_of(name, book, editions)) for name in names]
    output = run([sys.executable, "-m", "pdfua", "check", "--format", "json", *paths]).stdout
    reports, decoder, at = [], json.JSONDecoder(), 0
    text = output.strip()
    while at < len(text):  # one JSON document per file, one after the other
        report, at = decoder.raw_decode(text, at)
        reports.append(report)
        at = len(text) - len(text[at:].lstrip())
    return {name: report["findings"] for name, report in zip(names, reports, strict=True)}


@pytest.mark.parametrize("name", ["a4", *TAGGED])
def test_an_independent_pdf_ua_checker_finds_nothing(
    name: str, pdfua_findings: dict[str, list[dict[str, object]]]
) -> None:
    findings = pdfua_findings[name]
    if name == "booklet":
        # pdfua reads page content streams only: a leaflet page drawn as a form XObject (its
        # content tagged inside, as ISO 32000-1 14.7.4 allows) counts as an untagged paint.
        # Anything else it would report still fails here.
        findings = [
            f
            for f in findings
            if f["rule_id"] != "UA-01-003" or f["evidence"]["unmarked_text_operators"] != 0  # type: ignore[index]
        ]
    assert findings == []


def test_the_press_file_says_what_it_is_without_claiming_pdf_ua(editions: Editions) -> None:
    with pikepdf.open(editions.files["press"]) as pdf:
        assert "Magnesium and immunity" in str(pdf.docinfo.Title)
        assert str(pdf.Root.Lang) == "en"
        assert "pdfuaid" not in pdf.Root.Metadata.read_bytes().decode()


# ---- The booklet, as a clinic folds it ------------------------------------------------------


def test_saddle_stitch_order_pads_to_a_multiple_of_four() -> None:
    assert saddle_stitch_order(6) == ((None, 1), (2, None), (6, 3), (4, 5))
    assert saddle_stitch_order(8) == ((8, 1), (2, 7), (6, 3), (4, 5))


def test_booklet_holds_the_leaflet_pages_sheet_by_sheet_in_folding_order(
    editions: Editions,
) -> None:
    leaflet_pages = editions.result.layouts["leaflet"].page_count
    padded = -(-leaflet_pages // 4) * 4
    halves: dict[tuple[int, str], str] = {}
    for page, char in chars(editions.files["booklet"]):
        side = "left" if char.x0 < PAGE_SIZES["booklet"][0] / 2 else "right"
        halves[(page, side)] = halves.get((page, side), "") + char.get_text()
    sides = padded // 2
    with pikepdf.open(editions.files["booklet"]) as pdf:
        assert len(pdf.pages) == sides
        assert pdf.Root.ViewerPreferences.Duplex == "/DuplexFlipShortEdge"
    for sheet in range(padded // 4):
        # Folded, sheet 1 is the outside: front = last | first, back = second | second-last.
        front = (padded - 2 * sheet, 2 * sheet + 1)
        back = (2 * sheet + 2, padded - 2 * sheet - 1)
        for side_index, pair in ((2 * sheet + 1, front), (2 * sheet + 2, back)):
            for half, expected in zip(("left", "right"), pair, strict=True):
                seen = _page_number(halves.get((side_index, half), ""), leaflet_pages)
                wanted = expected if expected <= leaflet_pages else None
                assert seen == wanted, f"sheet {sheet + 1} side {side_index} {half}"


def _struct_text(path: Path) -> list[str]:
    """poppler's reading of the structure tree with its text, object numbers left out."""
    lines = run([require_tool("pdfinfo"), "-struct-text", str(path)]).stdout.splitlines()
    return [line for line in lines if not re.fullmatch(r"\s*Object \d+ \d+", line)]


def test_a_screen_reader_reads_the_booklet_in_the_leaflets_order(editions: Editions) -> None:
    leaflet, booklet = (_struct_text(editions.files[name]) for name in ("leaflet", "booklet"))
    assert booklet == leaflet
    text = "\n".join(booklet)
    # The book's order, not the sheets': the cover first, the references last.
    assert text.index("Magnesium and immunity") < text.index("The relevance of magnesium")
    assert text.index("The relevance of magnesium") < text.rindex("References")
    with pikepdf.open(editions.files["booklet"]) as pdf:
        references = [
            kid
            for element, _ in elements(tree_roots(pdf))
            for kid in as_list(element.get("/K"))
            if not is_element(kid) and not isinstance(kid, int)
        ]
        # Each MCID is a marked-content reference into a leaflet page's form XObject.
        marked = [kid for kid in references if kid.get("/Type") == "/MCR"]
        assert marked and all("/Stm" in kid and kid.Stm.Subtype == "/Form" for kid in marked)
        assert not any(
            isinstance(kid, int)
            for e, _ in elements(tree_roots(pdf))
            for kid in as_list(e.get("/K"))
        )


def _outline(path: Path) -> list[tuple[str, int, float, float]]:
    """(title, page index, left, top) of every outline entry."""
    with pikepdf.open(path) as pdf, pdf.open_outline() as outline:
        found = []
        stack = list(reversed(outline.root))
        while stack:
            item = stack.pop()
            target, _, left, top, *_ = item.destination
            found.append(
                (item.title, pdf.pages.index(pikepdf.Page(target)), float(left), float(top))
            )
            stack += reversed(item.children)
        return found


def test_booklet_bookmarks_and_links_point_at_the_sheet_that_holds_their_page(
    editions: Editions,
) -> None:
    leaflet_pages = editions.result.layouts["leaflet"].page_count
    side_of = {
        number: (side, half)
        for side, pair in enumerate(saddle_stitch_order(leaflet_pages))
        for half, number in enumerate(pair)
        if number is not None
    }
    sheet_width, leaflet_width = PAGE_SIZES["booklet"][0], PAGE_SIZES["leaflet"][0]
    margin = (sheet_width / 2 - leaflet_width) / 2  # each half centres its leaflet page

    def on_sheet(page: int, left: float, top: float) -> tuple[int, float, float]:
        side, half = side_of[page + 1]
        return side, round(left + half * sheet_width / 2 + margin, 1), round(top, 1)

    leaflet, booklet = _outline(editions.files["leaflet"]), _outline(editions.files["booklet"])
    assert len(booklet) == len(leaflet) > 4
    for (title, page, left, top), (same, sheet, x, y) in zip(leaflet, booklet, strict=True):
        assert (same, sheet, round(x, 1), round(y, 1)) == (title, *on_sheet(page, left, top))
    with (
        pikepdf.open(editions.files["leaflet"]) as source,
        pikepdf.open(editions.files["booklet"]) as pdf,
    ):
        for number, page in enumerate(source.pages, start=1):
            side, half = side_of[number]
            sheet = pdf.pages[side]
            links = [a for a in page.obj.get("/Annots", []) if a.Subtype == "/Link"]
            moved = [
                a
                for a in sheet.obj.get("/Annots", [])
                if (float(a.Rect[0]) >= sheet_width / 2) == bool(half)
            ]
            assert [_link(a) for a in links] == [_link(a) for a in moved], number
            if links:  # PDF/UA: annotations in structure order
                assert sheet.obj.Tabs == "/S"
        # Every named destination lands on the sheet that holds its leaflet page.
        for name, target in pikepdf.NameTree(source.Root.Names.Dests).items():
            moved = pikepdf.NameTree(pdf.Root.Names.Dests)[name]
            side, _ = side_of[source.pages.index(pikepdf.Page(target[0])) + 1]
            assert pdf.pages.index(pikepdf.Page(moved[0])) == side, name


def _link(annotation: pikepdf.Object) -> tuple[str, float, float]:
    """Where a link leads, and its height on the page (WeasyPrint writes y2 < y1)."""
    bottom, top = sorted(round(float(annotation.Rect[i]), 2) for i in (1, 3))
    target = annotation.get("/Dest") or annotation.A.URI
    return str(target), bottom, top


def test_booklet_is_named_as_the_booklet_and_claims_pdf_ua_in_its_xmp(editions: Editions) -> None:
    with pikepdf.open(editions.files["booklet"]) as pdf:
        title = str(pdf.docinfo.Title)
        assert title.startswith("Magnesium and immunity") and title.endswith(
            "(booklet for printing)"
        )
        xmp = pdf.open_metadata()
        assert xmp["dc:title"] == title
        assert xmp["pdfuaid:part"] == "1"
        preferences = pdf.Root.ViewerPreferences
        assert (preferences.DisplayDocTitle, preferences.Duplex) == (True, "/DuplexFlipShortEdge")
        assert preferences.PrintScaling == "/None"


def _page_number(text: str, total: int) -> int | None:
    """The leaflet page a half-sheet shows: its 'Page N of M' foot, the cover, or blank."""
    found = re.search(rf"Page(\d+)of{total}", text.replace(" ", ""))
    if found:
        return int(found.group(1))
    return 1 if "PIPELINEPRESS" in text.replace(" ", "") else None


# ---- The web page, in a real browser --------------------------------------------------------


@pytest.fixture(scope="session")
def web_report(editions: Editions, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """tests/validators/web.mjs on the web edition: axe-core, links, loads, widths."""
    node = require_tool("node")
    chromium = os.environ.get("CHROMIUM") or require_tool("chromium")
    if not (VALIDATORS / "node_modules" / "axe-core").exists():
        pytest.fail("axe-core is not installed; make test installs it with npm")
    shots = tmp_path_factory.mktemp("web-shots")
    env = {
        **os.environ,
        "PUPPETEER_EXECUTABLE_PATH": str(VALIDATORS / "chromium-offline"),
        "CHROMIUM": chromium,
    }
    result = run(
        [node, str(VALIDATORS / "web.mjs"), str(editions.files["web"]), str(shots)], env=env
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_web_page_has_no_axe_violation_at_phone_and_desktop_width_light_and_dark(
    web_report: dict[str, object],
) -> None:
    views = web_report["views"]
    assert isinstance(views, dict) and len(views) == 4
    for name, view in views.items():
        assert view["axe"] == [], name


def test_web_page_fits_a_390_pixel_phone_and_every_link_and_file_resolves(
    web_report: dict[str, object],
) -> None:
    views = web_report["views"]
    assert isinstance(views, dict)
    for name in ("phone", "phone-dark"):
        assert views[name]["scrollWidth"] == 390 and views[name]["wide"] == [], views[name]
    assert web_report["brokenLinks"] == [] and web_report["failedRequests"] == []
    assert isinstance(web_report["links"], int) and web_report["links"] > 50
    images = web_report["images"]
    assert images == ["figures/magnesium-trends.svg: 640"]
    fonts = web_report["fonts"]
    assert isinstance(fonts, list)
    assert "Andika normal normal: loaded" in fonts
    assert "Gentium Book Plus normal normal: loaded" in fonts


def test_web_page_has_the_same_numbers_boxes_table_and_references(editions: Editions) -> None:
    page = html.parse(str(editions.files["web"])).getroot()
    text = page.text_content()
    for expected in ("Table 1.", "Figure 1.", "Box 1: Key points", "1.1", "2.8"):
        assert expected in text
    assert len(page.xpath("//section[@id='references']/ol/li")) == 19
    assert len(page.xpath("//table//th")) == 8
    # Each reference links back to the places that cite it; each citation to its entry.
    backlinks = page.xpath("//a[@role='doc-backlink' and starts-with(@href, '#cite-')]")
    assert len(backlinks) >= 19
    citations = page.xpath("//a[@role='doc-biblioref']")
    assert {a.get("href") for a in citations} == {f"#ref-{n}" for n in range(1, 20)}
    css = (editions.files["web"].parent / "style.css").read_text()
    assert "@media (prefers-color-scheme: dark)" in css and "@media print" in css


def test_web_page_of_an_author_date_book_places_the_list_where_the_author_put_it(
    tmp_path: Path,
) -> None:
    """pandoc's `<div id="refs">`, `toc-title` and the author's `css:` reach the web page too."""
    project = Project.at(REPO, DATA / "author-date", tmp_path)
    result = build(project, BuildOptions(("web",)), lambda _line: None)
    page_path = result.files["web"]
    page = html.parse(str(page_path)).getroot()
    (holder,) = page.xpath("//*[@id='refs']")
    assert holder.get("role") == "doc-bibliography"
    assert holder.xpath(".//ul[contains(@class, 'author-date')]/li")
    assert not page.xpath("//section[@id='references']")  # not a second list at the end
    assert page.xpath("string(//h2[@id='contents-title'])") == "Table of contents"
    assert page.xpath("//link[@href='custom.css']")
    assert (page_path.parent / "custom.css").is_file()
    assert (page_path.parent / "figures" / "rule.svg").is_file()  # named by custom.css


def test_web_back_links_name_the_section_of_each_citation_even_past_html_comments() -> None:
    document, _ = document_of(DATA / "tricky")  # its chapters keep HTML comments
    places = citation_places(document)
    assert places and set(places) == {
        anchor for ref in document.references for anchor in ref.cited_by
    }
    assert all(place.startswith(("section ", "chapter ", "‘")) for place in places.values())
