"""pandoc's implicit heading references: `[Heading text]`, `[Heading text][]` and
`[other words][Heading text]` link to the heading with that text anywhere in the book (the
first one when several share it), as pandoc's `implicit_header_references` extension reads
them. Python-Markdown leaves such a reference as literal text because no link definition
names it; this pass finds that text in the finished chapters once every heading has its id.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping

from lxml import html
from lxml.html import HtmlElement

# `[label]`, `[label][]` or `[text][label]`; brackets inside are not references.
_BRACKETED = re.compile(r"\[([^\[\]]+)\](?:\[([^\[\]]*)\])?")
# The same in the Markdown, where a bracket may be escaped.
_SOURCE_BRACKETED = re.compile(
    r"(?P<escaped>\\)?\[(?P<words>[^\[\]]+)\](?:\[(?P<label>[^\[\]]*)\])?"
)
# A fenced block as the other dialect passes read one: 3+ backticks or tildes, up to 3 spaces in.
_FENCED = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?^ {0,3}\1", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+).+?\1", re.DOTALL)
# Text in these is code, a link already, or a formula: never a reference.
_NOT_PROSE = {"a", "code", "pre", "kbd", "samp", "script", "style", "math"}


def label_key(text: str) -> str:
    """A reference label as pandoc matches it: case and runs of white space do not count."""
    return " ".join(text.split()).casefold()


def heading_targets(body_html: str) -> dict[str, str]:
    """Each heading's text (without its section number or note calls) -> its id."""
    root = html.fragment_fromstring(body_html or "<p></p>", create_parent="div")
    found: dict[str, str] = {}
    for heading in root.xpath(".//h1|.//h2|.//h3|.//h4|.//h5|.//h6"):
        if heading.get("id"):
            found.setdefault(label_key(_words(heading)), heading.get("id"))
    return found


def link_heading_references(body_html: str, targets: Mapping[str, str], source_text: str) -> str:
    """The chapter's HTML with each implicit heading reference made a link to its heading.

    A bracket the author escaped (`\\[Heading\\]`) looks the same in the HTML as one that was
    not, so the chapter's Markdown decides: the n-th `[Heading]` in the HTML's prose is the
    n-th in the Markdown outside code, and becomes a link only if that one was not escaped.
    """
    if "[" not in body_html or not targets:
        return body_html
    written = _written_references(source_text)
    wanted = {key: target for key, target in targets.items() if any(written.get(key, ()))}
    if not wanted:
        return body_html
    root = html.fragment_fromstring(body_html, create_parent="div")
    prose = _prose_texts(root)
    in_html = Counter(
        key
        for _, text in prose
        for match in _BRACKETED.finditer(text)
        if (key := _match_key(match)) in wanted
    )
    # When the counts disagree (a construct hid one), link only labels never escaped.
    verdicts = {
        key: iter(written[key] if len(written[key]) == count else [all(written[key])] * count)
        for key, count in in_html.items()
    }
    linkable = {key: (wanted[key], verdicts[key]) for key in in_html}
    changed = False
    for (node, is_tail), _ in prose:
        changed |= _link(node, is_tail, linkable)
    if not changed:
        return body_html
    return (root.text or "") + "".join(
        html.tostring(child, encoding="unicode", method="html") for child in root
    )


def _match_key(match: re.Match[str]) -> str:
    words, label = match.group(1), match.group(2)
    return label_key(label if label else words)


def _written_references(source_text: str) -> dict[str, tuple[bool, ...]]:
    """Each bracketed label of the Markdown outside code, in order: True where it was written
    as a reference, False where its bracket was escaped."""
    text = _FENCED.sub(lambda m: " " * len(m.group(0)), source_text)
    text = _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)
    found: dict[str, list[bool]] = {}
    for match in _SOURCE_BRACKETED.finditer(text):
        words = match.group("words").removesuffix("\\")
        label = (match.group("label") or "").removesuffix("\\")
        key = label_key(label if label else words)
        found.setdefault(key, []).append(match.group("escaped") is None)
    return {key: tuple(kinds) for key, kinds in found.items()}


def _prose_texts(root: HtmlElement) -> list[tuple[tuple[HtmlElement, bool], str]]:
    """Every run of text outside code, links and formulas, in reading order: (owner, is it
    the owner's tail), text."""
    texts: list[tuple[tuple[HtmlElement, bool], str]] = []

    def walk(element: HtmlElement, in_prose: bool) -> None:
        in_prose = in_prose and element.tag not in _NOT_PROSE
        if in_prose and element.text:
            texts.append(((element, False), element.text))
        for child in element:
            if isinstance(child.tag, str):
                walk(child, in_prose)
            if in_prose and child.tail:
                texts.append(((child, True), child.tail))

    walk(root, True)
    return texts


def _words(heading: HtmlElement) -> str:
    text = heading.text or ""
    for child in heading:
        classes = child.get("class") or ""
        if "secno" not in classes and "footnote-ref" not in classes:
            text += child.text_content()
        text += child.tail or ""
    return text


def _pieces(
    text: str, linkable: Mapping[str, tuple[str, Iterator[bool]]]
) -> tuple[str, list[HtmlElement]] | None:
    """The text before the first reference, then one link per reference (each carrying the
    text that follows it as its tail); None when the text holds no reference to link."""
    links: list[HtmlElement] = []
    before, position = "", 0
    for match in _BRACKETED.finditer(text):
        key = _match_key(match)
        if key not in linkable:
            continue
        target, verdicts = linkable[key]
        if not next(verdicts, False):
            continue
        link = html.Element("a", {"href": f"#{target}"})
        link.text = match.group(1)
        if links:
            links[-1].tail = (links[-1].tail or "") + text[position : match.start()]
        else:
            before = text[: match.start()]
        links.append(link)
        position = match.end()
    if not links:
        return None
    links[-1].tail = text[position:]
    return before, links


def _link(
    node: HtmlElement, is_tail: bool, linkable: Mapping[str, tuple[str, Iterator[bool]]]
) -> bool:
    pieces = _pieces((node.tail if is_tail else node.text) or "", linkable)
    if pieces is None:
        return False
    before, links = pieces
    if is_tail:
        node.tail = before
        anchor = node
        for link in links:
            anchor.addnext(link)
            anchor = link
    else:
        node.text = before
        for index, link in enumerate(links):
            node.insert(index, link)
    return True


def book_targets(chapters: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """(title, title id, body HTML) of each chapter in order -> every heading's text and id,
    the first heading of a text winning, as pandoc links the first."""
    targets: dict[str, str] = {}
    for title, title_id, body_html in chapters:
        if title_id:
            targets.setdefault(label_key(title), title_id)
        for key, target in heading_targets(body_html).items():
            targets.setdefault(key, target)
    return targets
