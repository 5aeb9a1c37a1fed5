"""Stage 2, parse: one chapter's Markdown to an HTML fragment plus what it cites and labels."""

from __future__ import annotations

from dataclasses import dataclass

import markdown

from .dialect import (
    BoxDef,
    CitationUse,
    CrossRefUse,
    FigureDef,
    HeadingDef,
    Prepared,
    TableDef,
    prepare,
)
from .errors import Location, Problem
from .load import ChapterSource

# smarty's defaults are HTML entities (&ldquo;), which are not XML; EPUB needs the characters.
SMARTY_CHARACTERS = {
    "left-single-quote": "\u2018",
    "right-single-quote": "\u2019",
    "left-double-quote": "\u201c",
    "right-double-quote": "\u201d",
    "left-angle-quote": "\u00ab",
    "right-angle-quote": "\u00bb",
    "ndash": "\u2013",
    "mdash": "\u2014",
    "ellipsis": "\u2026",
}


@dataclass(frozen=True)
class ParsedChapter:
    """A chapter as HTML with placeholders, and its items in reading order."""

    number: int
    path: str
    title: str
    html: str
    citations: tuple[CitationUse, ...]
    xrefs: tuple[CrossRefUse, ...]
    boxes: tuple[BoxDef, ...]
    tables: tuple[TableDef, ...]
    figures: tuple[FigureDef, ...]
    headings: tuple[HeadingDef, ...]
    images: tuple[tuple[str, Location], ...]
    box_titles: tuple[str, ...]
    problems: tuple[Problem, ...]


def markdown_to_html(text: str) -> str:
    """Python-Markdown with the extensions the dialect relies on."""
    converter = markdown.Markdown(
        extensions=["tables", "attr_list", "md_in_html", "def_list", "sane_lists", "smarty"],
        extension_configs={"smarty": {"substitutions": SMARTY_CHARACTERS}},
        output_format="html",
    )
    return converter.convert(text)


def inline_markdown(text: str) -> str:
    """One line of Markdown as inline HTML (for box titles): smart quotes, emphasis."""
    return markdown_to_html(text).strip().removeprefix("<p>").removesuffix("</p>")


def parse_chapter(source: ChapterSource, number: int) -> ParsedChapter:
    """Parse one chapter; problems are returned, not raised, so all chapters report together."""
    prepared = prepare(source.text, source.path)
    title, title_problems = _chapter_title(prepared, source)
    return ParsedChapter(
        number=number,
        path=source.path,
        title=title,
        html=markdown_to_html(prepared.text),
        citations=prepared.citations,
        xrefs=prepared.xrefs,
        boxes=prepared.boxes,
        tables=prepared.tables,
        figures=prepared.figures,
        headings=tuple(h for h in prepared.headings if h.level > 1),
        images=prepared.images,
        box_titles=tuple(inline_markdown(box.title) for box in prepared.boxes),
        problems=prepared.problems + title_problems,
    )


def _chapter_title(prepared: Prepared, source: ChapterSource) -> tuple[str, tuple[Problem, ...]]:
    """The one `# Title` a chapter starts with."""
    titles = [h for h in prepared.headings if h.level == 1]
    first_line = next((i for i, line in enumerate(source.text.splitlines(), 1) if line.strip()), 1)
    if not titles:
        return "", (
            Problem(
                Location(source.path, first_line),
                "a chapter starts with its title as '# Title'; none found",
            ),
        )
    problems = tuple(
        Problem(
            extra.location,
            f"second '# ' title in one chapter ('{extra.text}'); use "
            "'## ' for a section, or start a new chapter file",
        )
        for extra in titles[1:]
    )
    if titles[0].location.line != first_line:
        problems += (
            Problem(
                Location(source.path, first_line),
                "a chapter starts with its title as '# Title'; move the title to the top",
            ),
        )
    return titles[0].text, problems
