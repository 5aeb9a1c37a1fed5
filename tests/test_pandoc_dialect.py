"""pandoc's Markdown as the pipeline reads it: chapters, front matter, ids, divs, lists, math.

In-memory tests of the dialect's decisions; tests/test_conformance.py checks the markup
against pandoc itself, tests/test_pandoc_suite.py the whole editions.
"""

from __future__ import annotations

from types import MappingProxyType

import pytest
from lxml import html

from pipeline.core.errors import Location, ManuscriptError
from pipeline.dialect.chapters import split_chapters
from pipeline.dialect.identifiers import auto_identifier
from pipeline.dialect.lists import normalise_lists
from pipeline.editions.render import print_body
from pipeline.stages.load import ChapterSource
from pipeline.stages.number import number_book
from pipeline.stages.parse import parse_book

from .pandoc_oracle import pipeline_html


def parse(text: str, path: str = "chapters/03-side_effects.qmd"):  # type: ignore[no-untyped-def]
    return parse_book((ChapterSource(path, text),))


def test_front_matter_gives_title_and_language_and_warns_of_other_keys() -> None:
    text = "---\ntitle: Side *effects*\nlang: fr-CA\nauthor: Ann\ntags: [a]\n---\n\nTexte.\n"
    (chapter,) = parse(text)
    assert (chapter.title, chapter.lang) == ("Side effects", "fr-CA")
    assert [str(w) for w in chapter.warnings] == [
        "chapters/03-side_effects.qmd:5: front matter field 'tags' is ignored here; a chapter's "
        "front matter may give title, lang, author (book-wide fields go in book.yaml)"
    ]
    assert chapter.problems == ()


def test_a_bad_front_matter_language_is_an_error_with_its_line() -> None:
    (chapter,) = parse("---\nlang: French\n---\n\n# T\n")
    assert [(p.location.line, p.message.split(":")[0]) for p in chapter.problems] == [
        (2, "front matter 'lang'")
    ]


def test_a_chapter_without_a_title_is_named_after_its_file_with_a_warning() -> None:
    (chapter,) = parse("Text, and then a section.\n\n## Section\n")
    assert chapter.title == "Side effects"
    assert "has no title" in chapter.warnings[0].message
    assert chapter.warnings[0].location == Location("chapters/03-side_effects.qmd", 1)


def test_each_level_one_heading_starts_a_chapter_and_notes_follow_their_calls() -> None:
    text = "# One\n\nA call.[^n]\n\n# Two\n\n```\n# not a heading\n```\n\n[^n]: The note.\n"
    one, two = parse(text)
    assert (one.title, one.number, two.title, two.number) == ("One", 1, "Two", 2)
    assert one.problems == () and "The note." in one.html
    assert two.found.headings[0].location.line == 5


def test_front_matter_title_keeps_the_file_whole_and_shifts_its_headings() -> None:
    (chapter,) = parse("---\ntitle: Whole\n---\n\n# Part A\n\n# Part B\n")
    assert chapter.title == "Whole"
    assert [h.level for h in chapter.found.headings] == [1, 2, 2]


def test_pandoc_automatic_identifiers() -> None:
    assert auto_identifier("Heading with emphasis and code") == "heading-with-emphasis-and-code"
    assert auto_identifier("2. Numbers first, then words") == "numbers-first-then-words"
    assert auto_identifier("Überblick: Größe") == "überblick-größe"
    assert auto_identifier("123") == "section"


def test_ids_are_unique_across_the_book_so_links_reach_the_first_and_the_repeat() -> None:
    body = pipeline_html(
        "# A\n\n## Summary\n\n# B\n\n## Summary\n\n[x](#summary) [y](#summary-1)\n"
    )
    ids = html.fragment_fromstring(body, create_parent="div").xpath("//h2/@id")
    assert ids == ["summary", "summary-1"]


def test_quarto_and_crossref_labels_name_the_same_target() -> None:
    table = "| a | b |\n|---|---|\n| 1 | 2 |\n\nTable: T {#tbl-doses}\n"
    chapters = parse(f"# One\n\n{table}\nSee @tbl-doses and [@tbl:doses].\n")
    numbering = number_book(chapters, MappingProxyType({}), False, None)
    assert [t.name for t in numbering.xrefs.values()] == ["Table 1", "Table 1"]


def test_unknown_classes_stay_divs_and_a_near_box_name_is_an_error() -> None:
    (good,) = parse("# T\n\n::: {.editor-note #n1 lang=de data-x=1 colour=red}\nHallo\n:::\n")
    div = html.fragment_fromstring(good.html, create_parent="div").find("div")
    assert dict(div.attrib) == {
        "id": "n1",
        "class": "editor-note",
        "lang": "de",
        "data-x": "1",
        "data-colour": "red",
    }
    (typo,) = parse("# T\n\n::: warnign\nCareful\n:::\n")
    assert "did you mean '.warning'?" in typo.problems[0].message


def test_two_space_nesting_and_fancy_markers_are_rewritten_for_python_markdown() -> None:
    lines, numbers = normalise_lists(("- a", "  - b", "", "iv. four", "v.  five"), (1, 2, 3, 4, 5))
    assert lines == (
        "- a",
        "    - b",
        "",
        "<!-- a new list -->",  # a bullet list, then a roman one: two lists, as in pandoc
        "",
        '4. <span data-ol-type="i"></span>four',
        '5. <span data-ol-type="i"></span>five',
    )
    assert numbers == (1, 2, 3, 4, 4, 4, 5)


def test_math_is_mathml_for_the_epub_and_an_image_with_its_tex_for_print() -> None:
    body = pipeline_html("# T\n\nArea $\\pi r^2$ and $20 or $30.\n")
    assert '<math alttext="\\pi r^2"' in body and "$20 or $30" in body
    printed = print_body(body)
    assert "<math" not in printed
    assert 'alt="\\pi r^2"' in printed and "data:image/svg+xml;base64," in printed


def test_unreadable_math_is_an_error_with_its_line() -> None:
    (chapter,) = parse("# T\n\nBad $\\nosuchcommand{x}$ here.\n")
    assert chapter.problems[0].location.line == 3
    assert "TeX math '$\\nosuchcommand{x}$' cannot be read" in chapter.problems[0].message


def test_raw_blocks_pass_html_under_the_safety_rules_and_drop_other_formats() -> None:
    (chapter,) = parse('# T\n\n```{=html}\n<p class="x">kept</p>\n```\n\n```{=latex}\n\\x\n```\n')
    assert '<p class="x">kept</p>' in chapter.html and "\\x" not in chapter.html
    assert "raw latex block is left out" in chapter.warnings[0].message
    (unsafe,) = parse("# T\n\n```{=html}\n<script>alert(1)</script>\n```\n")
    assert "raw <script> is not allowed" in unsafe.problems[0].message


def test_new_page_is_a_print_page_break_with_a_warning() -> None:
    (chapter,) = parse("# T\n\nA\n\n\\newpage\n\nB\n")
    assert 'class="page-break"' in chapter.html
    assert chapter.warnings[0].location.line == 5


def test_a_dangling_link_to_an_automatic_id_is_still_an_error() -> None:
    with pytest.raises(ManuscriptError, match="link to '#summery' points at nothing"):
        pipeline_html("# T\n\n## Summary\n\n[x](#summery)\n")


def test_split_keeps_every_line_number() -> None:
    found = split_chapters("---\ntitle: X\n---\nA\n", "c.md")
    assert found.parts[0].numbers == (4,)


def test_labelled_display_equations_are_numbered_and_referable() -> None:
    body = pipeline_html(
        "# T\n\n$$E = mc^2$$ {#eq:energy}\n\nAs @eq:energy and [@eq-energy] show.\n"
    )
    root = html.fragment_fromstring(body, create_parent="div")
    assert root.xpath("//span[@id='eq-energy']/span[@class='equation-number']/text()") == ["(1)"]
    assert root.xpath("//a[@href='#eq-energy']/text()") == ["Equation 1", "Equation 1"]


def test_a_heading_in_raw_html_markdown_does_not_read_is_text_with_a_warning() -> None:
    text = (
        "# T\n\n<table><tr><td>\n\n## In a cell\n\n</td></tr></table>\n\n"
        "<pre>\n## In pre, as written\n</pre>\n\n## After {#sec:after}\n"
    )
    (chapter,) = parse(text, "c.md")
    assert 'data-h="1"' not in chapter.html and "{:" not in chapter.html
    assert "## In a cell" in chapter.html and "## In pre, as written" in chapter.html
    # <pre> is verbatim in pandoc too; only the cell, where pandoc reads a heading, warns.
    assert [str(w) for w in chapter.warnings] == [
        "c.md:5: this heading is inside raw HTML <td>, where Markdown is not read, so it is "
        "printed as written; end the <td> before it, or write the HTML part in Markdown "
        "(a ::: div, a pipe or grid table)"
    ]
    numbering = number_book((chapter,), MappingProxyType({}), True, None)
    # The headings printed as text take no section number: the real one is 1.1.
    assert [n for n in numbering.sections.values() if n] == ["1.1"]


def test_markdown_inside_a_raw_html_table_or_paragraph_is_a_warning_with_its_line() -> None:
    text = (
        "# T\n\n<table><tr><td>plain</td></tr>\n<tr><td>**bold**</td></tr>\n"
        "<tr><td>*more*</td></tr></table>\n\n<p>5 * 3 * 2, a*b*c and a [link](x.html)</p>\n\n"
        "<div>\n**read as Markdown**\n</div>\n\nAfter **the HTML**.\n"
    )
    (chapter,) = parse(text, "c.md")
    assert [(str(w.location), w.message.split(" is ")[0]) for w in chapter.warnings] == [
        ("c.md:4", "'**bold**'"),  # once per HTML block
        ("c.md:7", "'[link](x.html)'"),  # arithmetic is no emphasis
    ]
    assert "<strong>read as Markdown</strong>" in chapter.html
    assert "<strong>the HTML</strong>" in chapter.html
