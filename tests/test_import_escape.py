"""Text from a Word document stays text: escape.py against the pipeline's own reader.

Each string is escaped as the importer writes it, read by the real parse stage (the pre-pass
and Python-Markdown with every extension), and the paragraph's text must be the string itself:
no heading, list, citation, math, note, raw HTML, TeX or typography made of it, no error and
no warning. The whole path (Word → import → build → EPUB) is checked in test_import_docx.py.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html

from pipeline.importers.escape import escape_line, escape_url
from pipeline.stages.load import ChapterSource
from pipeline.stages.parse import parse_book

# What a Word paragraph might say that the dialect would otherwise read as markup.
HOSTILE = [
    "# not a heading",
    "## Section 2 ##",
    "<b>bold</b> and <script>alert(1)</script>",
    "<!-- a comment -->",
    "---",
    "***",
    "___",
    "[@smith2020] and [see @who, p. 4]",
    "email me @home or info@clinic.org",
    "@fig:one and @tbl:two",
    "::: {.key-points}",
    ":::",
    "$x$ and $$y$$ and $5 and $10",
    "\\newpage",
    "\\textbf{bold} and C:\\Users\\ann",
    "^[an inline note] and [^1] and [^1]: defined",
    "H~2~O and 10^3^ and ~~struck~~",
    "| a | b |",
    "|---|---|",
    "| verse",
    "1. not a list",
    "1) nor this",
    "a) nor this",
    "(iv) nor this",
    "#. nor this",
    "B. Smith wrote",
    "- not a bullet",
    "+ nor this",
    "* nor this",
    "> not a quote",
    ": not a definition",
    "~ nor this",
    "Table: not a caption",
    ": not a caption either",
    "=====",
    "Term",
    "[link](https://example.org) and ![image](x.png)",
    "[text](#nowhere) and [span]{.smallcaps}",
    "{#id .class} and {=html}",
    "`code` and ``more``",
    "*stars* and _underscores_ and **bold**",
    "\"quotes\" and 'single' and -- dashes ... dots",
    "&amp; &lt; &#36; &nbsp; entities",
    "(@) example (@good)",
    "%title line",
    "    four spaces of indent",
    "line ending in a backslash \\",
    "10\u00a0mg and 5\u00a0%",
    "C# and F# #hashtag",
    "<https://example.org>",
    "a\u2028b",
]


def _paragraph_text(line: str) -> tuple[str, list[str]]:
    """The text the reader makes of one paragraph, and every problem or warning it reports."""
    chapter = parse_book((ChapterSource("chapters/x.md", f"# T\n\n{line}\n"),))[0]
    root = html.fragment_fromstring(chapter.html, create_parent="div")
    paragraphs = root.findall(".//p")
    found = [str(p) for p in (*chapter.problems, *chapter.warnings)]
    shape = [element.tag for element in root if element.tag not in {"h1"}]
    if shape != ["p"]:
        found.append(f"the text became {shape}, not one paragraph")
    return (paragraphs[0].text_content() if paragraphs else ""), found


def _expected(text: str) -> str:
    """Text as a reader sees it: runs of spaces are one space (HTML collapses them)."""
    text = re.sub("[\u2028\u2029\t]", " ", text)
    return re.sub(" +", " ", text).strip(" \u00a0")


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_literal_text_is_read_back_as_itself(text: str) -> None:
    read, problems = _paragraph_text(escape_line(text))
    assert problems == []
    assert _expected(read) == _expected(text)


SYNTAX = list("#*_`[]{}()<>!@$^~|:;.,-+='\"\\&%/?")
alphabet = st.sampled_from([*SYNTAX, *"aAiIvxB1 2", "\u00a0", "é", "中"])


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(st.text(alphabet=alphabet, min_size=1, max_size=24).filter(lambda t: t.strip(" \u00a0")))
def test_generated_text_is_read_back_as_itself(text: str) -> None:
    read, problems = _paragraph_text(escape_line(text))
    assert problems == []
    assert _expected(read) == _expected(text)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/a_b*c~d/@user?q=$x^[y]&z=(1)",
        "mailto:info@clinic.org",
        "https://example.org/path with spaces",
    ],
)
def test_link_addresses_survive_and_start_nothing(url: str) -> None:
    chapter = parse_book(
        (ChapterSource("chapters/x.md", f"# T\n\nSee [the page]({escape_url(url)}).\n"),)
    )[0]
    assert [str(p) for p in (*chapter.problems, *chapter.warnings)] == []
    link = html.fragment_fromstring(chapter.html, create_parent="div").find(".//a")
    assert link is not None
    from urllib.parse import unquote

    assert unquote(link.get("href", "")) == url
