"""Numbering once over the whole book, and the markup the document stage makes of it."""

from __future__ import annotations

from types import MappingProxyType

import pytest
from lxml import html

from pipeline.core.errors import Location, ManuscriptError
from pipeline.stages.bibliography import BibEntry
from pipeline.stages.document import citation_group
from pipeline.stages.load import ChapterSource
from pipeline.stages.number import CitedItem, number_book
from pipeline.stages.parse import parse_chapter

BIB = MappingProxyType(
    {
        key: BibEntry(key, {"id": key, "type": "book", "title": key}, Location("refs.json", n))
        for n, key in enumerate(["a", "b", "c", "d", "unused"], start=1)
    }
)


def chapters(*texts: str):  # type: ignore[no-untyped-def]
    return tuple(
        parse_chapter(ChapterSource(f"ch{n}.md", text), n) for n, text in enumerate(texts, start=1)
    )


def test_references_are_numbered_by_first_use_across_chapters() -> None:
    parsed = chapters("# One\n\nFirst [@c].\n\nThen [@a; @c].\n", "# Two\n\nLast [@b].\n")
    numbering = number_book(parsed, BIB, True, Location("refs.json"))
    assert numbering.reference_order == ("c", "a", "b")
    assert numbering.cited_at[1] == ("cite-1-1", "cite-1-2")  # c, cited twice
    assert [e.key for e in numbering.unused_references] == ["d", "unused"]


def test_tables_figures_and_labelled_boxes_are_numbered_through_the_book() -> None:
    table = "| a | b |\n|---|---|\n| 1 | 2 |\n\nTable: T {#tbl:%s}\n"
    parsed = chapters(
        "# One\n\n"
        + table % "one"
        + "\n::: note\nunlabelled\n:::\n\n::: {#box:k .key-points}\nk\n:::\n",
        "# Two\n\nSee @tbl:two and @box:k.\n\n" + table % "two",
    )
    numbering = number_book(parsed, BIB, False, Location("refs.json"))
    assert numbering.targets["tbl-two"].name == "Table 2"
    assert numbering.targets["box-k"].name == "Box 1"
    assert [numbering.xrefs[(2, i)].name for i in range(2)] == ["Table 2", "Box 1"]


def test_sections_numbered_per_chapter_and_unnumbered_subtrees_skipped() -> None:
    parsed = chapters("# One\n\n## A\n\n### A1\n\n## FAQ {.unnumbered}\n\n### Q\n\n## B\n")
    numbering = number_book(parsed, BIB, True, Location("refs.json"))
    # Index 0 is the chapter title: "Chapter 1" is printed, not a section number.
    assert [numbering.sections[(1, i)] for i in range(6)] == [
        None,
        "1.1",
        "1.1.1",
        None,
        None,
        "1.2",
    ]


def test_every_unknown_key_and_label_is_reported_with_a_suggestion() -> None:
    parsed = chapters("# One\n\n[@aa] and @tbl:nope.\n\n## S {#sec:s}\n\n## T {#sec:s}\n")
    with pytest.raises(ManuscriptError) as error:
        number_book(parsed, BIB, True, Location("refs.json"))
    messages = [str(p) for p in error.value.problems]
    assert messages == [
        "ch1.md:3: unknown citation key 'aa'; did you mean 'a'?",
        "ch1.md:3: unknown cross-reference '@tbl:nope'; no table has a label; add {#tbl:nope} "
        "to the one you mean",
        "ch1.md:7: label 'sec:s' is already used at line 5; labels must be unique in the book",
    ]


def group_text(*numbers: int, locator: str = "") -> str:
    items = tuple(
        CitedItem(n, f"cite-{n}-1", "", locator if n == numbers[-1] else "") for n in numbers
    )
    return html.tostring(citation_group(items), encoding="unicode")


def test_citation_groups_sort_and_collapse_runs_keeping_an_anchor_for_each() -> None:
    text = group_text(5, 3, 4, 1)
    assert html.fromstring(text).text_content() == "[1, 3–5]"
    assert 'id="cite-4-1"' in text  # 4 is inside the range but still an anchor for its back-link
    assert html.fromstring(group_text(1, 2)).text_content() == "[1, 2]"


def test_a_locator_keeps_items_in_written_order() -> None:
    assert html.fromstring(group_text(2, 1, locator="p. 4")).text_content() == "[2, 1, p. 4]"
