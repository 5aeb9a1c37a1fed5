"""The plain-language report shown two ways: lines for the terminal, a small HTML page.

The page's chart is an inline SVG drawn here (no script, no network), with the same figures in
a table beside it for readers who cannot see the chart.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..editions.render import environment
from ..stages.load import Styles
from .readability import Grades, Readability, over_target

TEMPLATE = "readability.html.j2"
CHART_WIDTH = 720
LABEL_WIDTH = 300
ROW_HEIGHT = 24
CHART_TOP = 28
CHART_BOTTOM = 30


def report_name(slug: str) -> str:
    """The HTML page's file name, inside the output folder's `proof/`."""
    return f"{slug}-readability.html"


def _grade_cells(grades: Grades) -> str:
    return (
        f"{grades.words:6d} {grades.sentences:5d} {grades.flesch_kincaid:5.1f} "
        f"{grades.smog:5.1f} {grades.coleman_liau:5.1f}"
    )


def terminal_report(report: Readability) -> str:
    """The report as terminal lines: a grades table, then sentences and words with places."""
    target = f"{report.target:g}" + ("" if report.target_given else " (default; set reading-grade)")
    lines = [
        f"Plain-language report: target reading grade {target}, Flesch–Kincaid",
        f"{'':46} {'words':>6} {'sent.':>5} {'FK':>5} {'SMOG':>5} {'C–L':>5}",
    ]
    for chapter in report.chapters:
        mark = "  above target" if over_target(chapter.grades.flesch_kincaid, report.target) else ""
        lines.append(
            f"{_cut(f'{chapter.number} {chapter.title}', 46):46} "
            f"{_grade_cells(chapter.grades)}{mark}"
        )
        for section in chapter.sections:
            mark = "  above" if over_target(section.grades.flesch_kincaid, report.target) else ""
            lines.append(f"  {_cut(section.title, 44):44} {_grade_cells(section.grades)}{mark}")
    lines.append(f"{'Whole book':46} {_grade_cells(report.book)}")
    lines.append("\nLongest sentences")
    for sentence in report.longest:
        lines.append(f"  {sentence.location}  {sentence.words} words  {_cut(sentence.text, 70)}")
    lines.append("\nHardest words (most syllables)")
    for word in report.hardest:
        places = ", ".join(str(p.line) for p in word.locations[:6])
        more = f" (+{len(word.locations) - 6})" if len(word.locations) > 6 else ""
        lines.append(
            f"  {word.word:<24} {word.syllables} syllables  {word.locations[0].path}: "
            f"{places}{more}"
        )
    return "\n".join(lines)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass(frozen=True)
class Bar:
    """One bar of the chart: a section's Flesch–Kincaid grade, placed in SVG units."""

    label: str
    grade: float
    y: float
    width: float
    above: bool
    chapter_start: bool


@dataclass(frozen=True)
class Chart:
    """The chart's geometry: bars, the target line, the axis ticks."""

    width: int
    height: int
    left: int
    bars: tuple[Bar, ...]
    target_x: float
    ticks: tuple[tuple[float, int], ...]
    row: int


def chart(report: Readability) -> Chart:
    """Bars for each section's Flesch–Kincaid grade, grouped by chapter, with the target."""
    rows = [
        (f"{chapter.number}. {section.title}", section.grades.flesch_kincaid, index == 0)
        for chapter in report.chapters
        for index, section in enumerate(chapter.sections)
    ]
    top = max([report.target, *(grade for _, grade, _ in rows)], default=report.target)
    scale_max = max(5, int(top // 2 + 1) * 2)
    span = CHART_WIDTH - LABEL_WIDTH - 40
    per_grade = span / scale_max
    bars = tuple(
        Bar(
            _cut(label, 44),
            grade,
            CHART_TOP + index * ROW_HEIGHT,
            max(0.0, grade) * per_grade,
            over_target(grade, report.target),
            first,
        )
        for index, (label, grade, first) in enumerate(rows)
    )
    return Chart(
        width=CHART_WIDTH,
        height=CHART_TOP + len(rows) * ROW_HEIGHT + CHART_BOTTOM,
        left=LABEL_WIDTH,
        bars=bars,
        target_x=LABEL_WIDTH + report.target * per_grade,
        ticks=tuple((LABEL_WIDTH + g * per_grade, g) for g in range(0, scale_max + 1, 2)),
        row=ROW_HEIGHT,
    )


def render_report(report: Readability, styles: Styles) -> str:
    """The report as one self-contained, accessible HTML page."""
    template = environment(styles).get_template(TEMPLATE)
    return template.render(report=report, chart=chart(report), over_target=over_target)
