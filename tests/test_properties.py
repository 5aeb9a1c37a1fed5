"""Generated manuscripts: whatever an author (or an attacker) writes ends in valid editions or
in a ManuscriptError, never in any other exception.

Hypothesis writes chapters from the dialect's constructs and from awkward text (accents, CJK,
right-to-left scripts, emoji, control characters, Markdown punctuation, raw HTML, safe and
not). Each chapter goes through the stages in this process (fast); then a batch of those that
built is made into one real book, built with the command line and checked by EPUBCheck once
(its JVM costs seconds, so the EPUBs are checked in one batch, not one by one) and by qpdf.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.cli import main
from pipeline.core.errors import Location, ManuscriptError
from pipeline.core.project import Project
from pipeline.editions.epub import write_epub
from pipeline.editions.epub_render import render_epub
from pipeline.editions.render import render_print_html
from pipeline.stages.document import build_document
from pipeline.stages.load import ChapterSource, load_manuscript, load_styles
from pipeline.stages.number import number_book
from pipeline.stages.parse import parse_book

from .conftest import DATA, REPO, epubcheck, epubcheck_problems, require_tool, run

KEYS = ("alpha", "beta", "gamma", "delta", "epsilon")
SCRIPTS = [
    "Magnésium, çà et là, naïve façade",  # accents
    "镁对免疫系统很重要。",  # CJK
    "المغنيسيوم مهم للمناعة",  # Arabic, right to left
    "מגנזיום חשוב",  # Hebrew
    "Emoji 💊🩺👩🏽‍⚕️ and a flag 🇬🇧",
    "Zero\u200bwidth and soft\u00adhyphen and nbsp\u00a0here",
    "Control \x01\x07\x1b[31m characters \x0b\x0c",
    "Markdown *stars* _under_ `code` [link](#nowhere) <b>bold</b> & ampersands",
    "A price of $20 and 10$ more, C# and 100%",
    "Stray ::: colons, {braces}, ^carets^ and ~tildes~",
]
RAW_HTML = [
    "<b>bold</b>",
    '<span class="smallcaps" lang="fr">texte</span>',
    "<sup>2</sup>",
    '<a href="https://example.org">a link</a>',
    '<a href="javascript:alert(1)">x</a>',
    "<script>alert(1)</script>",
    '<img src="x.png" onerror="alert(1)">',
    "<svg onload=alert(1)>",
    "<div>unclosed",
    "</div>",
    "<!-- a comment [@alpha] -->",
]

words = st.sampled_from(
    ["magnesium", "immune", "cells", "dose", "daily", "food", "the", "and", "of", "zinc"]
)
text = st.one_of(
    st.lists(words, min_size=1, max_size=12).map(" ".join),
    st.sampled_from(SCRIPTS),
    st.text(min_size=1, max_size=40),
)
citation = st.lists(st.sampled_from(KEYS), min_size=1, max_size=3).map(
    lambda keys: "[" + "; ".join(f"@{k}" for k in keys) + "]"
)
inline = st.one_of(
    text,
    citation,
    st.sampled_from(RAW_HTML),
    st.sampled_from(["H~2~O", "10^3^", "~~old~~", "[caps]{.smallcaps}", "$x^2$", "^[a note]"]),
)
paragraph = st.lists(inline, min_size=1, max_size=5).map(" ".join)


@st.composite
def nested_list(draw: st.DrawFn) -> str:
    indent = draw(st.sampled_from([2, 4]))
    marker = draw(st.sampled_from(["-", "*", "1.", "a)"]))
    items = draw(st.lists(st.tuples(st.integers(0, 3), paragraph), min_size=1, max_size=6))
    depth, lines = 0, []
    for wanted, body in items:
        depth = min(wanted, depth + 1)
        lines.append(" " * (indent * depth) + f"{marker} {body}")
    return "\n".join(lines)


@st.composite
def table(draw: st.DrawFn) -> str:
    columns = draw(st.integers(1, 4))
    rows = draw(st.lists(st.lists(text, min_size=columns, max_size=columns), max_size=4))
    cell = lambda value: value.replace("|", "/").replace("\n", " ")  # noqa: E731
    lines = ["| " + " | ".join(f"H{i}" for i in range(columns)) + " |"]
    lines.append("|" + "---|" * columns)
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    if draw(st.booleans()):
        lines += ["", f"Table: {draw(words)} caption {{#tbl:t{draw(st.integers(0, 9))}}}"]
    return "\n".join(lines)


@st.composite
def box(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["key-points", "note", "warning", "summary", "faq", "lead"]))
    body = draw(st.lists(st.one_of(paragraph, nested_list()), min_size=1, max_size=3))
    return f"::: {{.{kind}}}\n" + "\n\n".join(body) + "\n:::"


@st.composite
def footnoted(draw: st.DrawFn) -> str:
    label = draw(st.sampled_from(["a", "b", "note1"]))
    return f"{draw(paragraph)}[^{label}]\n\n[^{label}]: {draw(paragraph)}"


heading = st.tuples(
    st.integers(1, 4),
    st.lists(words, min_size=1, max_size=5),
    st.sampled_from(["", " {#sec:s1}", " {#sec:s2 .unnumbered}", " {-}", " {.unlisted}"]),
).map(lambda h: "#" * h[0] + " " + " ".join(h[1]) + h[2])
other_blocks = st.sampled_from(
    [
        "![A dot in a figure](figures/dot.svg){#fig:f1}",
        "See @tbl:t1, @fig:f1, @sec:s1 and [@tbl:t1; @fig:f1].",
        "$$E = mc^2$$ {#eq:e1}\n\nAs @eq:e1 shows.",
        "> A quotation with [@alpha] and *emphasis*.\n>\n> > Nested.",
        "```python\nprint('[@alpha] stays literal')\n```",
        "Term\n:   Its definition [@beta].",
        "| A line block\n|    indented\n| with [@gamma]",
        "+-----+-----+\n| a   | b   |\n+=====+=====+\n| 1   | 2   |\n+-----+-----+",
        "  a  b\n---  ---\n  1  2\n\nTable: A simple table",
        "\\newpage",
        "```{=html}\n<b>raw</b>\n```",
        "```{=latex}\n\\textbf{x}\n```",
        "[texte]{lang=fr} and [small]{.smallcaps}",
        "::: {lang=de}\nDeutscher Text.\n:::",
        ":::: {.warning}\n::: {.note}\ninner\n:::\n::::",
        "Setext heading\n--------------",
    ]
)
block = st.one_of(
    paragraph,
    heading,
    nested_list(),
    table(),
    box(),
    footnoted(),
    st.sampled_from(RAW_HTML),
    other_blocks,
)


@st.composite
def chapter(draw: st.DrawFn) -> str:
    title = " ".join(draw(st.lists(words, min_size=1, max_size=4)))
    opening = draw(st.sampled_from([f"# {title}", f"---\ntitle: {title}\n---", ""]))
    blocks = draw(st.lists(block, min_size=1, max_size=8))
    return opening + "\n\n" + "\n\n".join(blocks) + "\n"


def _through_the_stages(text: str) -> None:
    """Every stage up to the editions' markup, in this process; ManuscriptError is fine."""
    project = Project.at(REPO, DATA / "tiny", REPO / "output")
    manuscript = load_manuscript(project)
    styles = load_styles(project)
    chapters = parse_book((ChapterSource("chapters/generated.md", text),))
    problems = [p for c in chapters for p in c.problems]
    if problems:
        raise ManuscriptError(problems)
    numbering = number_book(
        chapters, manuscript.bibliography, True, Location("refs.json"), (), Location("book")
    )
    document = build_document(manuscript, chapters, numbering, {})
    render_print_html(document, styles, None)
    write_epub(render_epub(document, styles, {}), document)


def test_generated_chapters_build_or_fail_cleanly_and_a_batch_is_valid(tmp_path: Path) -> None:
    built: list[str] = []

    @settings(
        max_examples=150,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(chapter())
    def stages_never_crash(text: str) -> None:
        try:
            _through_the_stages(text)
        except ManuscriptError as error:
            assert error.problems, "a ManuscriptError always names its problems"
            for problem in error.problems:
                assert problem.location.path, problem
            return
        built.append(text)

    stages_never_crash()
    assert len(built) >= 20, "most generated chapters should build"

    # A batch of those that built, as one real book through the command line.
    book = tmp_path / "book"
    shutil.copytree(DATA / "tiny", book)
    names = []
    for number, text in enumerate(built[:15], start=1):
        # Labels are unique per chapter here; the book needs them unique across chapters.
        unique = re.sub(r"\{#(sec|tbl|fig|box):", rf"{{#\1:c{number}-", text)
        (book / "chapters" / f"g{number:02}.md").write_text(unique, encoding="utf-8")
        names.append(f"  - chapters/g{number:02}.md")
    yaml = (book / "book.yaml").read_text(encoding="utf-8")
    yaml = re.sub(r"chapters:\n(  - .*\n)+", "chapters:\n" + "\n".join(names) + "\n", yaml)
    (book / "book.yaml").write_text(yaml, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", str(book), "-o", str(out), "-q"]) == 0
    report = epubcheck(out / "a-tiny-book.epub", tmp_path / "epubcheck.json")
    assert epubcheck_problems(report) == []
    qpdf = require_tool("qpdf")
    assert run([qpdf, "--check", str(out / "a-tiny-book.pdf")]).returncode == 0


@pytest.mark.parametrize("text", SCRIPTS + RAW_HTML)
def test_each_awkward_text_alone_builds_or_fails_cleanly(text: str) -> None:
    try:
        _through_the_stages(f"# Title\n\n{text}\n")
    except ManuscriptError as error:
        assert all(problem.location.path for problem in error.problems)
