"""The PDF/UA editions' structure trees: languages on the elements that hold them, running
heads as artifacts, and a tree walk that catches a broken tree (every MCID reached once,
every /K resolvable, the ParentTree in step). Built on tests/data/languages: an English book
with a French chapter, a French box, and German and English words inside them."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTLayoutContainer
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage

from pipeline.build import BuildOptions, build
from pipeline.core.project import Project
from pipeline.editions.tagged import as_list, elements, is_element, tree_roots
from pipeline.proof.structure import languages, structure_problems

from .conftest import DATA, REPO, require_tool, run

LANGUAGES = DATA / "languages"


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The language book's A4 report, leaflet and booklet."""
    project = Project.at(REPO, LANGUAGES, tmp_path_factory.mktemp("languages"))
    result = build(project, BuildOptions(("a4", "leaflet", "booklet"), jobs=2), lambda _: None)
    return dict(result.files)


class _MarkedText(PDFPageAggregator):  # type: ignore[misc]
    """pdfminer's aggregator noting on each character the MCID it is drawn in."""

    def __init__(self, manager: PDFResourceManager) -> None:
        super().__init__(manager, laparams=None)
        self.mcids: list[int | None] = []

    def begin_tag(self, tag: object, props: object = None) -> None:
        mcid = props.get("MCID") if isinstance(props, dict) else None
        self.mcids.append(mcid if mcid is not None else (self.mcids or [None])[-1])

    def end_tag(self) -> None:
        if self.mcids:
            self.mcids.pop()

    def render_char(self, *args: object, **kwargs: object) -> float:
        width = float(super().render_char(*args, **kwargs))
        self.cur_item._objs[-1].mcid = self.mcids[-1] if self.mcids else None
        return width


def text_by_mcid(path: Path) -> dict[tuple[int, int], str]:
    """(page index, MCID) -> the text drawn in that marked content (pages, not forms)."""
    found: dict[tuple[int, int], str] = {}

    def walk(item: object, page: int) -> None:
        if isinstance(item, LTChar) and getattr(item, "mcid", None) is not None:
            key = (page, item.mcid)
            found[key] = found.get(key, "") + item.get_text()
        elif isinstance(item, LTLayoutContainer):
            for child in item:
                walk(child, page)

    with path.open("rb") as stream:
        manager = PDFResourceManager()
        device = _MarkedText(manager)
        interpreter = PDFPageInterpreter(manager, device)
        for index, page in enumerate(PDFPage.get_pages(stream)):
            interpreter.process_page(page)
            walk(device.get_result(), index)
    return found


Spoken = list[tuple[str, str, str]]


def spoken_languages(path: Path) -> Spoken:
    """(language, element types above, text) of every marked content the tree reaches, in
    reading order; the language is the nearest /Lang above it in the tree, or the catalog's."""
    texts = text_by_mcid(path)
    spoken: Spoken = []
    with pikepdf.open(path) as pdf:
        pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}

        def visit(
            element: pikepdf.Object, page: pikepdf.Object | None, lang: str, kinds: str
        ) -> None:
            lang = str(element.get("/Lang", lang))
            page = element.get("/Pg", page)
            kinds += str(element.S)
            for kid in as_list(element.get("/K")):
                if isinstance(kid, int) and page is not None:
                    text = texts.get((pages[page.objgen], int(kid)), "")
                    spoken.append((lang, kinds, text))
                elif is_element(kid):
                    visit(kid, page, lang, kinds)

        for top in tree_roots(pdf):
            visit(top, None, str(pdf.Root.Lang), "")
    return spoken


def language_of(spoken: Spoken, words: str, inside: str = "") -> set[str]:
    """The languages the marked content holding these words (in an element of the type
    `inside`, if given) is read in."""
    return {lang for lang, kinds, text in spoken if words in text and inside in kinds}


def test_each_language_reaches_the_elements_that_hold_it(editions: dict[str, Path]) -> None:
    spoken = spoken_languages(editions["a4"])
    expected = {
        "Minerals": "en",
        "Gesundheit": "de",
        " means health; the": "en",
        "Ce paragraphe est écrit en français": "fr",
        "Celui-ci aussi.": "fr",
        "Back in English after the box.": "en",
        "Le magnésium est un minéral essentiel": "fr",
        "Magnesium ist wichtig": "de",  # a German span inside the French chapter
        "weekend": "en",  # an English one too
        "Les légumes verts": "fr",
        "Cette note de bas de page": "fr",  # a footnote, moved to the page foot
    }
    assert {words: language_of(spoken, words) for words in expected} == {
        words: {lang} for words, lang in expected.items()
    }
    # The chapter's title, from its front matter (its contents line is a known limit: the
    # contents page is in the book's language, entries included).
    assert language_of(spoken, "Le magnésium", inside="/Sect/H1") == {"fr"}


def test_lang_is_declared_where_the_language_changes_and_nowhere_else(
    editions: dict[str, Path],
) -> None:
    with pikepdf.open(editions["a4"]) as pdf:
        declared = list(languages(pdf))
        # A chapter's Sect, the box, the spans (a span broken over lines is one element per
        # line), the footnote: each declares its language once, never repeating its parent's.
        assert ("/Sect", "fr") in declared
        assert ("/NonStruct", "fr") in declared  # the box: WeasyPrint tags <aside> so
        assert {lang for kind, lang in declared if kind == "/Span"} == {"de", "en", "fr"}
        for element, _ in elements(tree_roots(pdf)):
            parent = element.get("/P")
            while parent is not None and "/Lang" not in parent and "/P" in parent:
                parent = parent.P
            inherited = str(parent.Lang) if parent is not None and "/Lang" in parent else "en"
            if "/Lang" in element:
                assert str(element.Lang) != inherited, f"{element.S} repeats {inherited}"


def test_the_booklet_keeps_the_leaflets_languages(editions: dict[str, Path]) -> None:
    with pikepdf.open(editions["leaflet"]) as leaflet, pikepdf.open(editions["booklet"]) as book:
        assert list(languages(book)) == list(languages(leaflet))
        assert ("/Sect", "fr") in list(languages(book))


def test_running_heads_and_page_numbers_are_pagination_artifacts(
    editions: dict[str, Path],
) -> None:
    spoken = " ".join(text for _, _, text in spoken_languages(editions["a4"]))
    assert "Page 2 of" not in spoken.replace("\n", " ")  # the page foot is not read out
    pages = run([require_tool("pdftotext"), str(editions["a4"]), "-"]).stdout
    assert "Page 2 of" in pages  # and still printed
    with pikepdf.open(editions["a4"]) as pdf:
        artifacts = [
            instruction
            for instruction in pikepdf.parse_content_stream(pdf.pages[1])
            if instruction.operator == pikepdf.Operator("BDC")
            and instruction.operands[0] == pikepdf.Name.Artifact
        ]
        assert any(i.operands[1].get("/Type") == "/Pagination" for i in artifacts)


@pytest.mark.parametrize("name", ["a4", "leaflet", "booklet"])
def test_the_tree_reaches_every_mcid_once_and_the_parent_tree_agrees(
    name: str, editions: dict[str, Path]
) -> None:
    with pikepdf.open(editions[name]) as pdf:
        assert structure_problems(pdf) == []


def _broken(path: Path, damage: Callable[[pikepdf.Pdf], None]) -> list[str]:
    with pikepdf.open(path) as pdf:
        damage(pdf)
        out = io.BytesIO()
        pdf.save(out)
    with pikepdf.open(out) as reopened:
        return structure_problems(reopened)


def _first(pdf: pikepdf.Pdf, test: Callable[[pikepdf.Dictionary], bool]) -> pikepdf.Dictionary:
    return next(element for element, _ in elements(tree_roots(pdf)) if test(element))


def _drop_a_paragraph(pdf: pikepdf.Pdf) -> None:
    paragraph = _first(pdf, lambda e: e.S == "/P")
    paragraph.P.K = pikepdf.Array([k for k in paragraph.P.K if k.objgen != paragraph.objgen])


def _list_a_paragraph_twice(pdf: pikepdf.Pdf) -> None:
    paragraph = _first(pdf, lambda e: e.S == "/P")
    other = _first(pdf, lambda e: e.S == "/H1")
    other.K.append(paragraph.K[0])


def _claim_an_mcid_twice(pdf: pikepdf.Pdf) -> None:
    span = _first(pdf, lambda e: e.S == "/Span" and isinstance(e.get("/K"), pikepdf.Array))
    mcid = next(kid for kid in span.K if isinstance(kid, int))
    span.P.K.append(mcid)  # the paragraph, on the same page


def _file_a_link_under_a_span(pdf: pikepdf.Pdf) -> None:
    """As WeasyPrint files the annotations of the spans inside a contents entry's link."""
    link = _first(pdf, lambda e: e.S == "/Link" and any(_is_object(k) for k in e.K))
    span = _first(pdf, lambda e: e.S == "/Span" and isinstance(e.get("/K"), pikepdf.Array))
    reference = next(k for k in link.K if _is_object(k))
    link.K = pikepdf.Array([k for k in link.K if not _is_object(k)])
    span.K.append(reference)
    pdf.Root.StructTreeRoot.ParentTree.Nums.extend([reference.Obj.StructParent + 1000, span])
    reference.Obj.StructParent = reference.Obj.StructParent + 1000


def _is_object(kid: pikepdf.Object) -> bool:
    return isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR"


def _swap_the_forms_of_a_sheet(pdf: pikepdf.Pdf) -> None:
    """An MCID pointed at the other leaflet page drawn on the same sheet."""
    reference = next(
        kid
        for element, _ in elements(tree_roots(pdf))
        for kid in as_list(element.get("/K"))
        if isinstance(kid, pikepdf.Dictionary)
        and kid.get("/Type") == "/MCR"
        and len(kid.Pg.Resources.XObject) == 2
    )
    forms = [form for _, form in reference.Pg.Resources.XObject.items()]
    reference.Stm = next(form for form in forms if form.objgen != reference.Stm.objgen)


def _move_an_mcid_to_another_page(pdf: pikepdf.Pdf) -> None:
    span = _first(pdf, lambda e: e.S == "/Span" and isinstance(e.K, pikepdf.Array))
    span.Pg = pdf.pages[-1].obj


@pytest.mark.parametrize(
    ("name", "damage", "says"),
    [
        ("a4", _drop_a_paragraph, "is marked, but no element of the tree has it"),
        ("a4", _list_a_paragraph_twice, "is listed by two elements"),
        ("a4", _claim_an_mcid_twice, "is in 2 elements"),
        ("a4", _move_an_mcid_to_another_page, "the ParentTree does not map"),
        ("a4", _file_a_link_under_a_span, "is in a /Span, not a /Link"),
        ("booklet", _swap_the_forms_of_a_sheet, "the ParentTree does not map"),
    ],
)
def test_the_tree_walk_finds_a_broken_tree(
    name: str, damage: Callable[[pikepdf.Pdf], None], says: str, editions: dict[str, Path]
) -> None:
    problems = _broken(editions[name], damage)
    assert any(says in problem for problem in problems), problems


def test_an_untagged_pdf_has_no_tree(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    assert structure_problems(pdf) == ["no /StructTreeRoot"]


def test_two_builds_are_byte_identical(
    editions: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = Project.at(REPO, LANGUAGES, tmp_path_factory.mktemp("again"))
    again = build(project, BuildOptions(("a4", "booklet"), jobs=1), lambda _: None).files
    for name in ("a4", "booklet"):
        assert again[name].read_bytes() == editions[name].read_bytes(), name
