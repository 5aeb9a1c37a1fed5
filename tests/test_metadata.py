"""book.yaml: every problem with its line; a stable identifier; nothing from the clock."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.core.errors import ManuscriptError
from pipeline.stages.metadata import parse_book_yaml, slugify

GOOD = """title: Book
subtitle: Sub
authors:
  - name: A. Editor
    role: editor
  - B. Author
publisher: P
lang: en-GB
date: 2025-03-01
edition: 2nd
rights: R
chapters: [a.md, b.md]
"""


def test_a_complete_book_yaml() -> None:
    meta = parse_book_yaml(GOOD, "book.yaml")
    assert meta.full_title == "Book: Sub"
    assert [(p.name, p.role) for p in meta.authors] == [
        ("A. Editor", "editor"),
        ("B. Author", "author"),
    ]
    assert meta.modified == meta.date == dt.date(2025, 3, 1)
    assert meta.slug == "book" and meta.citation_style == "nlm-citation-sequence"
    assert meta.chapter_lines == (12, 12)


def test_identifier_is_derived_from_the_book_not_random() -> None:
    first = parse_book_yaml(GOOD, "book.yaml").identifier
    assert first == parse_book_yaml(GOOD, "book.yaml").identifier
    assert first != parse_book_yaml(GOOD.replace("edition: 2nd", "edition: 3rd"), "b").identifier
    given = parse_book_yaml(GOOD + "identifier: urn:isbn:9780000000000\n", "b").identifier
    assert given == "urn:isbn:9780000000000"


def test_all_problems_are_reported_together_with_lines() -> None:
    text = (
        GOOD.replace("lang: en-GB", "lang: english language").replace(
            "date: 2025-03-01", "date: 2025-13-01x"
        )
        + "number-sections: yes please\ncolour: blue\n"
    )
    with pytest.raises(ManuscriptError) as error:
        parse_book_yaml(text.replace("title: Book\n", ""), "book.yaml")
    found = [(p.location.line, p.message.split(";")[0].split(":")[0]) for p in error.value.problems]
    assert found == [
        (None, "missing required field 'title'"),
        (7, "'lang'"),
        (8, "'date'"),
        (12, "'number-sections'"),
        (13, "unknown field 'colour'"),
    ]


def test_invalid_yaml_names_its_line() -> None:
    with pytest.raises(ManuscriptError) as error:
        parse_book_yaml("title: [unclosed\nauthors: x\n", "book.yaml")
    assert error.value.problems[0].location.line == 2


def test_slugs_are_ascii_file_names() -> None:
    assert slugify("Überblick & Magnesium: 2. Auflage") == "uberblick-magnesium-2-auflage"
