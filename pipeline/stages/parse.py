"""Stage 2, parse: one chapter's Markdown to an HTML fragment plus what it cites and labels."""

from __future__ import annotations

import logging
import posixpath
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import markdown
from lxml import html

from ..core.errors import Location, Problem
from ..dialect.chapters import ChapterFile, Part, split_chapters
from ..dialect.characters import without_control_characters
from ..dialect.inline import BracketedSpans
from ..dialect.limits import nesting_problems
from ..dialect.lists import LIST_SEPARATOR
from ..dialect.prepass import Prepared, prepare_part
from ..dialect.sanitize import check_fragment
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
_PLACEHOLDER_TEXT = re.compile(r'<span data-pp="(cite|xref)" data-i="(\d+)"></span>')
# The attribute list the dialect puts on a heading (prepass._read_heading), left as text when
# the heading sat inside raw HTML that Markdown does not read.
_HEADING_MARK = re.compile(r' \{: (?:[#.][^\s}]+ )*data-h="(\d+)" \}')
# Where pandoc too prints a heading's hashes as written.
_VERBATIM = frozenset({"pre", "code", "textarea"})


@dataclass(frozen=True)
class ImageUse:
    """An image the chapter shows: its path inside the manuscript and where it is named."""

    src: str
    location: Location


@dataclass(frozen=True)
class ParsedChapter:
    """A chapter as HTML with placeholders; `found` holds its items in reading order, keeping
    only the citations and cross-references that were rendered (not those in code)."""

    number: int
    path: str
    title: str
    html: str
    found: Prepared
    heading_titles: tuple[str, ...]
    images: tuple[ImageUse, ...]
    box_titles: tuple[str, ...]
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...] = ()
    lang: str | None = None


def markdown_to_html(text: str) -> str:
    """Python-Markdown with the extensions the dialect relies on."""
    converter = markdown.Markdown(
        extensions=[
            "tables",
            "attr_list",
            "md_in_html",
            "def_list",
            "sane_lists",
            "smarty",
            "footnotes",
            # pandoc's ^superscript^, ~subscript~ and ~~strikeout~~: pymdown-extensions reads
            # them as pandoc does (no unescaped spaces inside); its ^^insert^^ is not pandoc's.
            "pymdownx.caret",
            # Fenced code as pandoc reads it, also inside list items and block quotes.
            "pymdownx.superfences",
            "pymdownx.highlight",
            "pymdownx.tilde",
            BracketedSpans(),
            # pandoc's grid tables, cells with lists and paragraphs included.
            "markdown_grid_tables",
        ],
        extension_configs={
            "pymdownx.caret": {"insert": False},
            # Plain <pre><code>: no colours forced on a reader's night mode, no Pygments.
            "pymdownx.highlight": {"use_pygments": False},
            "pymdownx.tilde": {"smart_delete": False},
            "smarty": {"substitutions": SMARTY_CHARACTERS},
            # U+FE0E asks for the text arrow: some readers draw a colour emoji otherwise.
            "footnotes": {"BACKLINK_TEXT": "\u21a9\ufe0e", "BACKLINK_TITLE": ""},
        },
        output_format="html",
    )
    return converter.convert(text)


def inline_markdown(text: str) -> str:
    """One line of Markdown as inline HTML (for box titles): smart quotes, emphasis."""
    return markdown_to_html(text).strip().removeprefix("<p>").removesuffix("</p>")


def plain_text(inline_html: str) -> str:
    """The text of an inline HTML fragment, for contents lines and cross-reference names."""
    text = html.fragment_fromstring(inline_html or " ", create_parent="span").text_content()
    return " ".join(str(text).split())


@dataclass(frozen=True)
class PlannedChapter:
    """One chapter to parse: its part of its file, its number in the book, and what the
    file's front matter said (reported with the file's first chapter only)."""

    source: ChapterSource
    part: Part | None  # None: the file nests too deeply to be read at all
    number: int
    file_notes: ChapterFile | None
    unreadable: tuple[Problem, ...] = ()

    @property
    def size(self) -> int:
        """How much there is to parse, in characters."""
        return sum(len(line) for line in self.part.lines) if self.part else 0


def plan_chapters(sources: tuple[ChapterSource, ...]) -> tuple[PlannedChapter, ...]:
    """Every chapter of every file, numbered in reading order (a file may hold several):
    quick, so that the chapters can then be parsed in any order, or at once."""
    planned: list[PlannedChapter] = []
    for source in sources:
        text, removed = without_control_characters(source.text, source.path)
        source = ChapterSource(source.path, text)
        too_deep = nesting_problems(source.text, source.path)
        if too_deep:  # nothing else of the file is read: Markdown itself would give out
            planned.append(PlannedChapter(source, None, len(planned) + 1, None, too_deep))
            continue
        found = split_chapters(source.text, source.path)
        found = replace(found, warnings=removed + found.warnings)
        for index, part in enumerate(found.parts):
            notes = found if index == 0 else None
            planned.append(PlannedChapter(source, part, len(planned) + 1, notes))
    return tuple(planned)


def parse_planned(planned: PlannedChapter, drop_unsafe: bool = False) -> ParsedChapter:
    """One planned chapter parsed (a pure function of its plan: any process may do it)."""
    if planned.part is None:
        return _unreadable(planned.source, planned.number, planned.unreadable)
    chapter = parse_part(planned.source, planned.part, planned.number, drop_unsafe)
    return _with_file_notes(chapter, planned.file_notes) if planned.file_notes else chapter


def parse_book(
    sources: tuple[ChapterSource, ...], drop_unsafe: bool = False
) -> tuple[ParsedChapter, ...]:
    """Every chapter of every file, numbered in reading order (a file may hold several).

    Markup outside the allowlist (pipeline/dialect/sanitize.py) is an error, or with
    `drop_unsafe` removed with a warning; either way it never reaches an edition.
    """
    return tuple(parse_planned(planned, drop_unsafe) for planned in plan_chapters(sources))


def parse_chapter(source: ChapterSource, number: int, drop_unsafe: bool = False) -> ParsedChapter:
    """A file's first chapter as chapter `number` (most files hold one)."""
    text, removed = without_control_characters(source.text, source.path)
    source = ChapterSource(source.path, text)
    too_deep = nesting_problems(source.text, source.path)
    if too_deep:
        return _unreadable(source, number, too_deep)
    found = split_chapters(source.text, source.path)
    found = replace(found, warnings=removed + found.warnings)
    return _with_file_notes(parse_part(source, found.parts[0], number, drop_unsafe), found)


def _with_file_notes(chapter: ParsedChapter, found: ChapterFile) -> ParsedChapter:
    """What the file's front matter said, reported once, with its first chapter."""
    return replace(
        chapter,
        problems=found.problems + chapter.problems,
        warnings=found.warnings + chapter.warnings,
    )


def _unreadable(source: ChapterSource, number: int, problems: tuple[Problem, ...]) -> ParsedChapter:
    """A chapter that could not be read at all: only its problems matter."""
    empty = split_chapters("", source.path).parts[0]
    return replace(parse_part(ChapterSource(source.path, ""), empty, number), problems=problems)


def parse_part(
    source: ChapterSource, part: Part, number: int, drop_unsafe: bool = False
) -> ParsedChapter:
    """Parse one chapter; problems are returned, not raised, so all chapters report together."""
    prepared = prepare_part(part, source.path)
    try:
        with _grid_table_failures() as failed_tables:
            converted = markdown_to_html(prepared.text)
    except RecursionError:  # a backstop: nesting_problems should have caught it first
        too_deep = Problem(
            Location(source.path),
            "the chapter nests blocks too deeply to be read; flatten its lists, quotes or HTML",
        )
        return _unreadable(source, number, (too_deep,))
    converted, unsafe, dropped = check_fragment(converted, source.text, source.path, drop_unsafe)
    root = html.fragment_fromstring(converted, create_parent="div")
    # Before anything counts what the chapter cites: a note left out takes its citations along.
    note_problems = _calls_without_notes(root, source)
    note_warnings = _uncalled_notes(root, source)
    _list_styles(root)
    _task_lists(root)
    _tidy_tables(root)
    _code_language(root)
    box_titles = tuple(inline_markdown(box.title) for box in prepared.boxes)
    as_text, heading_warnings = _headings_left_as_text(root, prepared, source)
    prepared = replace(
        prepared,
        headings=tuple(
            replace(h, as_text=True) if i in as_text else h for i, h in enumerate(prepared.headings)
        ),
    )
    rendered = _restore_literal_placeholders(root, prepared)
    for title in box_titles:
        rendered |= _restore_literal_placeholders(
            html.fragment_fromstring(title or " ", create_parent="p"), prepared
        )
    images, image_problems = _images(root, prepared, source)
    link_warnings = _unresolvable_links(root, source) + note_warnings
    title = _chapter_title(prepared)
    body = (root.text or "") + "".join(
        html.tostring(child, encoding="unicode", method="html") for child in root
    )
    return ParsedChapter(
        number=number,
        path=source.path,
        title=title,
        html=body,
        found=replace(
            prepared,
            citations=tuple(u for u in prepared.citations if ("cite", u.index) in rendered),
            xrefs=tuple(u for u in prepared.xrefs if ("xref", u.index) in rendered),
        ),
        heading_titles=tuple(plain_text(inline_markdown(h.text)) for h in prepared.headings),
        images=images,
        box_titles=box_titles,
        problems=prepared.problems
        + image_problems
        + note_problems
        + _grid_problems(failed_tables, source)
        + unsafe,
        warnings=prepared.warnings + heading_warnings + link_warnings + dropped,
        lang=part.lang,
    )


@contextmanager
def _grid_table_failures() -> Iterator[list[str]]:
    """The grid tables markdown-grid-tables could not read (it logs them and leaves text)."""
    failures: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            failures.append(record.getMessage())

    logger = logging.getLogger("markdown-grid-tables")
    handler, propagate = Catch(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield failures
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _grid_problems(failures: list[str], source: ChapterSource) -> tuple[Problem, ...]:
    problems = []
    for failure in failures:
        rows = [row for row in failure.splitlines()[1:] if row.strip()]
        first = next((row for row in rows if not row.startswith("+")), rows[0] if rows else "")
        problems.append(
            Problem(
                _line_naming(first.strip(), source),
                "this grid table cannot be read: its '|' and '+' do not line up in every "
                "row (a zero-width or combining character counts as a column here); align "
                "them, or write a pipe table",
            )
        )
    return tuple(problems)


LIST_STYLES = {"a": "lower-alpha", "A": "upper-alpha", "i": "lower-roman", "I": "upper-roman"}


def _tidy_tables(root: html.HtmlElement) -> None:
    """Tables as pandoc writes them: no header row when every header cell is empty, a cell
    of one paragraph holds its text directly, no spans of 1, no padding line breaks."""
    for mark in root.xpath(".//div[@data-grid-align]"):
        table = mark.getnext()
        if table is not None and table.tag == "table":
            alignments = mark.get("data-grid-align").split()
            for row in table.iter("tr"):
                for cell, align in zip(row, alignments, strict=False):
                    if align != "default":
                        cell.set("style", f"text-align: {align};")
        mark.drop_tree()
    for head in root.xpath(".//table/thead"):
        if not "".join(head.itertext()).strip() and not head.xpath(".//img"):
            head.drop_tree()
    for cell in root.xpath(".//td|.//th"):
        for name in ("colspan", "rowspan"):
            if cell.get(name) == "1":
                del cell.attrib[name]
        for line_break in cell.xpath("./p/br[last()]"):
            if not (line_break.tail or "").strip() and line_break.getnext() is None:
                line_break.drop_tree()
        paragraphs = [child for child in cell if child.tag == "p"]
        if len(cell) == 1 and len(paragraphs) == 1 and not (cell.text or "").strip():
            paragraphs[0].drop_tag()
        if (cell.text or "").strip() == "" and len(cell) == 0:
            cell.text = (cell.text or "").strip()


def _code_language(root: html.HtmlElement) -> None:
    """```python gives <pre class="python">, as pandoc writes it (and user CSS expects)."""
    for pre in root.xpath(".//pre[code]"):
        code = pre[0]
        languages = [c for c in (code.get("class") or "").split() if c.startswith("language-")]
        classes = [c.removeprefix("language-") for c in languages]
        code.attrib.pop("class", None)
        pre.attrib.pop("class", None)
        if classes:
            pre.set("class", " ".join(classes))
        if code.get("id"):
            pre.set("id", code.attrib.pop("id"))


def _list_styles(root: html.HtmlElement) -> None:
    """pandoc's `a)`, `iv.` lists: the dialect marked each item; the list gets `type`."""
    for mark in root.xpath(".//span[@data-ol-type]"):
        item = next(mark.iterancestors("li"), None)
        listing = item.getparent() if item is not None else None
        if listing is not None and listing.tag == "ol":
            style = mark.get("data-ol-type")
            listing.set("type", style)
            # WeasyPrint reads no `type`; a style is what pandoc's HTML 4 writer sets too.
            listing.set("style", f"list-style-type: {LIST_STYLES[style]}")
        mark.drop_tree()
    for listing in root.xpath(".//ol[@start]"):
        # WeasyPrint 70 ignores `start` and `value`; it does read the list-item counter.
        reset = f"counter-reset: list-item {int(listing.get('start')) - 1}"
        listing.set("style", "; ".join(filter(None, [listing.get("style"), reset])))
    for comment in root.xpath(".//comment()"):
        if comment.text == LIST_SEPARATOR:
            comment.drop_tree()


def _task_lists(root: html.HtmlElement) -> None:
    """A list with task boxes (the dialect's `- [ ]`) is a task list: no bullets, as pandoc's
    `ul.task-list`; the box stands in the bullet's place."""
    for box in root.xpath(".//li/span[@class='task-box'] | .//li/p[1]/span[@class='task-box']"):
        item = box.getparent() if box.getparent().tag == "li" else box.getparent().getparent()
        listing = item.getparent()
        classes = (listing.get("class") or "").split()
        if "task-list" not in classes:
            listing.set("class", " ".join([*classes, "task-list"]))


def _headings_left_as_text(
    root: html.HtmlElement, prepared: Prepared, source: ChapterSource
) -> tuple[set[int], tuple[Problem, ...]]:
    """Headings Markdown did not read (inside raw HTML such as <table> or <pre>): their
    internal attribute list is taken out of the text, and, outside <pre>, each is a warning."""
    found: set[int] = set()
    warnings: list[Problem] = []
    for node in root.iter():
        for holder, attribute in ((node, "text"), (node.getparent(), "tail")):
            text = getattr(node, attribute)
            if holder is None or not text or 'data-h="' not in text:
                continue
            indices = [int(m.group(1)) for m in _HEADING_MARK.finditer(text)]
            setattr(node, attribute, _HEADING_MARK.sub("", text))
            found.update(indices)
            verbatim = {holder.tag, *(a.tag for a in holder.iterancestors())} & _VERBATIM
            warnings += [
                Problem(
                    prepared.headings[index].location,
                    f"this heading is inside raw HTML <{holder.tag}>, where Markdown is not "
                    f"read, so it is printed as written; end the <{holder.tag}> before it, or "
                    "write the HTML part in Markdown (a ::: div, a pipe or grid table)",
                )
                for index in indices
                if not verbatim
            ]
    return found, tuple(warnings)


def _restore_literal_placeholders(
    root: html.HtmlElement, prepared: Prepared
) -> set[tuple[str, int]]:
    """Put back the source text of any placeholder that landed in code or a comment (where
    Markdown keeps it as text); return the placeholders that became real elements."""
    sources = {("cite", u.index): u.source for u in prepared.citations}
    sources |= {("xref", u.index): u.source for u in prepared.xrefs}

    def restore(text: str | None) -> str | None:
        if not text or "data-pp" not in text:
            return text
        return _PLACEHOLDER_TEXT.sub(lambda m: sources[(m.group(1), int(m.group(2)))], text)

    for node in root.iter():
        node.text = restore(node.text)
        if node is not root:
            node.tail = restore(node.tail)
    return {
        (str(e.get("data-pp")), int(e.get("data-i")))
        for e in root.iter()
        if isinstance(e.tag, str) and e.get("data-pp") in {"cite", "xref"}
    }


def _images(
    root: html.HtmlElement, prepared: Prepared, source: ChapterSource
) -> tuple[tuple[ImageUse, ...], tuple[Problem, ...]]:
    """Every image the chapter shows (figures, inline, reference-style or raw <img>), each
    with a path normalised inside the manuscript and an alt text."""
    problems: list[Problem] = []
    images = [ImageUse(figure.src, figure.location) for figure in prepared.figures]
    for img in root.iter("img"):
        src = img.get("src", "")
        where = _line_naming(src, source)
        if not img.get("alt", "").strip():
            problems.append(
                Problem(
                    where,
                    f"image '{src}' has no alt text; describe it inside "
                    '![…] or with {alt="…"} for readers who cannot see it',
                )
            )
        images.append(ImageUse(src, where))
    normalised = []
    for image in images:
        path = local_path(image.src)
        for img in root.iter("img"):
            if img.get("src") == image.src:
                img.set("src", path)  # "./figures/x.svg" and "figures/x.svg" are one file
        normalised.append(ImageUse(path, image.location))
    return tuple(normalised), tuple(problems)


def _calls_without_notes(root: html.HtmlElement, source: ChapterSource) -> tuple[Problem, ...]:
    """A note call whose note Markdown did not make (its text is empty), or a call inside a
    note (pandoc's notes do not nest; a note calling itself would loop)."""
    ids = {element.get("id") for element in root.iter() if element.get("id")}
    problems = []
    for call in root.xpath(".//a[contains(@class, 'footnote-ref')]"):
        target = (call.get("href") or "#")[1:]
        inside = next(call.iterancestors("li"), None)
        if inside is not None and (inside.get("id") or "").startswith("fn:"):
            note = (inside.get("id") or "").partition(":")[2]
            problems.append(
                Problem(
                    _line_naming(f"[^{note}]:", source),
                    f"footnote [^{note}] calls another note inside its text; notes do not "
                    "nest: move that note's call into the running text",
                )
            )
            continue
        if target not in ids:
            label = target.partition(":")[2]
            problems.append(
                Problem(
                    _line_naming(f"[^{label}]:", source),
                    f"footnote [^{label}] has no text; write it after '[^{label}]:'",
                )
            )
    return tuple(problems)


def _uncalled_notes(root: html.HtmlElement, source: ChapterSource) -> tuple[Problem, ...]:
    """A note whose text is there but which nothing in the text calls (its call escaped as
    `\\[^a]`, or deleted) is left out, with a warning, as pandoc leaves it out."""
    warnings = []
    ids = {element.get("id") for element in root.iter() if element.get("id")}
    for note in root.xpath(".//div[@class='footnote']/ol/li"):
        backs = note.xpath(".//a[contains(@class, 'footnote-backref')]/@href")
        if any(back[1:] in ids for back in backs) or note.xpath(".//a[@class='footnote-ref']"):
            continue  # called; or calling another note, which _calls_without_notes reports
        label = (note.get("id") or "").partition(":")[2]
        warnings.append(
            Problem(
                _line_naming(f"[^{label}]:", source),
                f"footnote [^{label}] is never called in the text, so it is left out; call it "
                f"with [^{label}] where it belongs, or delete it",
            )
        )
        listing = note.getparent()
        listing.remove(note)
        if not len(listing):
            listing.getparent().drop_tree()
    return tuple(warnings)


def _unresolvable_links(root: html.HtmlElement, source: ChapterSource) -> tuple[Problem, ...]:
    """A link to a local path ('/url', 'notes.html') leads nowhere in a PDF or an EPUB (and
    fails EPUBCheck): its text stays, the link goes, with a warning."""
    warnings = []
    for link in root.xpath(".//a[@href]"):
        href = link.get("href").strip()
        if href.startswith("#") or re.match(r"[a-z][a-z0-9+.-]*:", href, re.IGNORECASE):
            continue
        warnings.append(
            Problem(
                next(
                    (
                        where
                        for text in (f"({href}", f"]: {href}", f"<{href}")
                        if (where := _line_naming(text, source)).line
                    ),
                    Location(source.path),
                ),
                f"link to '{href}' is not a web address (https://…) or a place in the book "
                "(#id), so it leads nowhere in print or in the EPUB; its text is kept unlinked",
            )
        )
        link.drop_tag()
    return tuple(warnings)


def local_path(src: str) -> str:
    """'./figures/x.svg' -> 'figures/x.svg'; URLs ('https://…', 'data:…') stay as written."""
    if re.match(r"[a-z][a-z0-9+.-]*:", src, re.IGNORECASE):
        return src
    return posixpath.normpath(src)


def _line_naming(text: str, source: ChapterSource) -> Location:
    """The first line of the chapter that mentions `text` (raw HTML has no other position)."""
    for number, line in enumerate(source.text.splitlines(), start=1):
        if text and text in line:
            return Location(source.path, number)
    return Location(source.path)


def _chapter_title(prepared: Prepared) -> str:
    """The `# Title` the chapter starts with (the dialect writes one when the file has none;
    only a title line refused as unsafe leaves none, and that is reported already)."""
    if not prepared.headings:
        return ""
    return plain_text(inline_markdown(prepared.headings[0].text))
