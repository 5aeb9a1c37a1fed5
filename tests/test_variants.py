"""Variants in book.yaml and Quarto's `{{< meta key >}}` shortcode, on strings: where it is
expanded, where it stays as written, and every problem at its line."""

from __future__ import annotations

from types import MappingProxyType

import pytest
from jinja2 import Environment

from pipeline.core.errors import ManuscriptError
from pipeline.dialect.shortcodes import expand_markdown, expand_template
from pipeline.stages.load import Styles, with_shortcodes
from pipeline.stages.metadata import parse_book_yaml, variant_names

VALUES = {"clinic": {"name": "North Clinic", "phone": "01632 960 001"}, "title": "Knees"}

BOOK = """title: Your knee operation
authors: [Ward Sister]
publisher: Shire Health
lang: en-GB
date: 2026-01-10
edition: First edition
rights: none
chapters: [one.md]
clinic:
  hours: 9 to 5
variants:
  north:
    clinic: {name: North Clinic, phone: 01632 960 001}
  south:
    clinic:
      name: South Clinic
      phone: 01632 960 002
    title: "Your knee operation at {{< meta clinic.name >}}"
"""


def test_a_chapter_gets_values_outside_code_and_comments() -> None:
    text = "\n".join(
        [
            "Call {{< meta clinic.name >}} on {{<meta clinic.phone>}}.",  # 1
            "Write `{{< meta clinic.phone >}}` to print it.",  # 2
            "Escaped: {{{< meta clinic.phone >}}}.",  # 3
            "<!-- {{< meta nothing >}} -->",  # 4
            "",  # 5
            "```",  # 6
            "{{< meta nothing >}}",  # 7
            "```",  # 8
            "",  # 9
            "    {{< meta nothing.indented >}}",  # 10: an indented code block
            "",
            "- an item",
            "",
            "    {{< meta clinic.name >}} continues the item",  # 14: not code, list text
        ]
    )
    expanded = expand_markdown(text, "one.md", VALUES)
    assert expanded.problems == ()
    lines = expanded.text.split("\n")
    assert lines[0] == "Call North Clinic on 01632 960 001."
    assert lines[1] == "Write `{{< meta clinic.phone >}}` to print it."
    assert lines[2] == "Escaped: {{&lt; meta clinic.phone >}}."  # `<` would open an HTML tag
    assert lines[3] == "<!-- {{< meta nothing >}} -->"
    assert lines[6] == "{{< meta nothing >}}"
    assert lines[9] == "    {{< meta nothing.indented >}}"
    assert lines[13] == "    North Clinic continues the item"
    assert len(lines) == len(text.split("\n"))  # every line keeps its number
    assert expanded.used == {"clinic.name", "clinic.phone"}


def test_every_problem_has_its_line() -> None:
    text = "One.\n\nCall {{< meta clinic.phnoe >}}.\n{{< meta clinic >}}\n{{< var version >}}\n"
    problems = expand_markdown(text, "one.md", VALUES).problems
    assert [(p.location.path, p.location.line) for p in problems] == [
        ("one.md", 3),
        ("one.md", 4),
        ("one.md", 5),
    ]
    assert "unknown key 'clinic.phnoe'" in problems[0].message
    assert "did you mean 'clinic.phone'?" in problems[0].message
    assert "'clinic' is a group of values (name, phone)" in problems[1].message
    assert "'var' is a Quarto shortcode this pipeline does not run" in problems[2].message


def test_templates_get_values_escaped_as_any_other() -> None:
    values = {"clinic": {"name": 'Smith & "Sons" <Clinic>'}}
    expanded = expand_template("<p>{{< meta clinic.name >}}</p>", "t.j2", values)
    page = Environment(autoescape=True).from_string(expanded.text).render()
    assert page == "<p>Smith &amp; &#34;Sons&#34; &lt;Clinic&gt;</p>"
    styles = Styles(
        MappingProxyType({"x.html.j2": "<p>\n{{< meta clinic.fax >}}</p>"}),
        MappingProxyType({}),
        MappingProxyType({}),
    )
    with pytest.raises(ManuscriptError) as error:
        with_shortcodes(styles, values)
    (problem,) = error.value.problems
    assert (problem.location.path, problem.location.line) == ("styles/templates/x.html.j2", 2)


def test_each_variant_is_its_own_book() -> None:
    assert variant_names(BOOK) == ("north", "south")
    north = parse_book_yaml(BOOK, "book.yaml", "north")
    south = parse_book_yaml(BOOK, "book.yaml", "south")
    first = parse_book_yaml(BOOK, "book.yaml")
    assert first == north
    assert (north.slug, south.slug) == ("your-knee-operation-north", "your-knee-operation-south")
    assert north.identifier != south.identifier
    assert south.title == "Your knee operation at South Clinic"
    assert north.clinic is not None and south.clinic is not None
    assert (north.clinic.phone, south.clinic.phone) == ("01632 960 001", "01632 960 002")
    assert north.clinic.hours == south.clinic.hours == "9 to 5"  # the book's, shared
    assert (north.variant, north.variants) == ("north", ("north", "south"))


def test_variants_as_a_list_with_names() -> None:
    text = BOOK.split("variants:")[0] + (
        "variants:\n  - name: north\n    clinic: {name: N, phone: '1'}\n"
        "  - name: south\n    clinic: {name: S, phone: '2'}\n"
    )
    assert variant_names(text) == ("north", "south")
    assert parse_book_yaml(text, "b", "south").clinic.name == "S"  # type: ignore[union-attr]


def problems_of(
    text: str, variant: str | None = None, used: frozenset[str] = frozenset()
) -> list[tuple[int | None, str]]:
    with pytest.raises(ManuscriptError) as error:
        parse_book_yaml(text, "book.yaml", variant, used)
    return [(p.location.line, p.message) for p in error.value.problems]


def test_variant_problems_name_their_line() -> None:
    assert problems_of(BOOK, "west") == [(11, "no variant 'west'; book.yaml lists north, south")]
    shared = BOOK.replace("rights: none", "rights: none\nidentifier: urn:isbn:9780000000000")
    ((line, message),) = problems_of(shared, "south")
    assert line == 15 and "would share the book's identifier" in message
    typo = BOOK.replace("    clinic: {name: North Clinic", "    clinc: {name: North Clinic")
    assert (13, "unknown field 'clinc'; did you mean 'clinic'?") in problems_of(typo, "north")
    fax = BOOK.replace("  hours: 9 to 5", "  hours: 9 to 5\n  fax: 01632 960 009")
    ((line, message),) = problems_of(fax, "north")
    assert line == 11 and message.startswith("unknown clinic detail 'fax'")
    # A value of the author's own is fine when a shortcode uses it.
    assert parse_book_yaml(fax, "book.yaml", "north", frozenset({"clinic.fax"})).clinic


def test_own_fields_are_errors_unless_a_shortcode_uses_them() -> None:
    text = BOOK + "department: Orthopaedics\n"
    assert problems_of(text)[0][1].startswith("unknown field 'department'")
    meta = parse_book_yaml(text, "book.yaml", None, frozenset({"department"}))
    assert meta.values["department"] == "Orthopaedics"
