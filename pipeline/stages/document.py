"""Stage 4, document: placeholders become numbered markup; one `Document` for every edition."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from html import escape as html_escape
from types import MappingProxyType

from lxml import etree, html
from lxml.html import HtmlElement

from ..core.errors import Location, Problem, raise_if_any
from ..dialect.heading_refs import book_targets, link_heading_references
from ..dialect.identifiers import auto_identifier, explicit_identifiers, unique_identifier
from ..dialect.prepass import AUTHOR_IN_TEXT, element_id
from .bibliography import BibEntry
from .load import Asset, Manuscript, UserStylesheet, citation_format
from .metadata import BookMeta
from .number import CitedItem, Numbering, Target
from .parse import ParsedChapter, local_path
from .references import AuthorDate, Formatted, format_entries, link_identifiers, short_authors

# Attributes kept as written; any other becomes data-* (see _html_attributes).
HTML_ATTRIBUTES = frozenset(
    [
        "id",
        "class",
        "lang",
        "dir",
        "title",
        "style",
        "href",
        "src",
        "alt",
        "width",
        "height",
        "colspan",
        "rowspan",
        "scope",
        "headers",
        "start",
        "type",
        "reversed",
        "value",
        "role",
        "cite",
        "datetime",
        "abbr",
        "span",
        "hreflang",
        "rel",
        "target",
        "download",
        "srcset",
        "sizes",
        "loading",
        "decoding",
        "open",
        "hidden",
        "translate",
        "tabindex",
    ]
)
BLOCKS = (
    "p",
    "li",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "tr",
    "figure",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "aside",
)


@dataclass(frozen=True)
class TocEntry:
    """A line of the contents: a chapter or the references, with its sections as children."""

    level: int
    number: str | None
    title: str
    target: str
    children: tuple[TocEntry, ...] = ()


@dataclass(frozen=True)
class Chapter:
    """A chapter ready for any edition: numbered, linked, every block with a stable id."""

    number: int
    title: str
    title_html: str
    element_id: str
    body_html: str
    path: str
    title_id: str = ""
    lang: str | None = None


@dataclass(frozen=True)
class Reference:
    """An entry of the reference list and the ids of every place that cites it. `number` is
    its place in first-citation order (its ids use it); `label` is the number printed before
    it in a numeric style, None in an author-date list."""

    number: int
    key: str
    element_id: str
    html: str
    cited_by: tuple[str, ...]
    label: str | None = None


@dataclass(frozen=True)
class Document:
    """The whole book as the editions render it."""

    meta: BookMeta
    chapters: tuple[Chapter, ...]
    references: tuple[Reference, ...]
    toc: tuple[TocEntry, ...]
    assets: Mapping[str, Asset]
    warnings: tuple[Problem, ...]
    # The chapter whose `<div id="refs">` holds the list (pandoc's placement), else None:
    # the list is a section of its own at the end.
    references_in: int | None = None
    stylesheets: tuple[UserStylesheet, ...] = ()

    @property
    def numbered_references(self) -> bool:
        """True for a numeric style's list, False for an author-date one."""
        return any(reference.label for reference in self.references)


def reference_id(number: int) -> str:
    """Element id of reference `number` in the list."""
    return f"ref-{number}"


def build_document(
    manuscript: Manuscript,
    chapters: tuple[ParsedChapter, ...],
    numbering: Numbering,
    assets: Mapping[str, Asset],
) -> Document:
    """Resolve every placeholder with its number and collect the contents and references."""
    problems: list[Problem] = []
    # One namespace for the book, as pandoc has for its one document: ids written by the
    # author first, then automatic ones in reading order, repeats numbered -1, -2…
    used_ids = {f"chapter-{chapter.number}" for chapter in chapters} | {"references"}
    for chapter in chapters:
        used_ids |= explicit_identifiers(chapter.html)
    entries: Sequence[BibEntry] = [manuscript.bibliography[k] for k in numbering.reference_order]
    meta = manuscript.meta
    if citation_format(manuscript.style_xml) == "numeric":
        formatted = format_entries(manuscript.style_xml, entries, meta.link_bibliography)
        references = tuple(
            Reference(n, entry.key, reference_id(n), text, numbering.cited_at.get(n, ()), str(n))
            for n, (entry, text) in enumerate(zip(entries, formatted.entries, strict=True), 1)
        )
        authors = {entry.key: html_escape(short_authors(entry.data)) for entry in entries}
        cite: _Cite = lambda items: citation_group(items, authors)  # noqa: E731
    else:
        formatted, references, style = _author_date(manuscript.style_xml, entries, numbering, meta)
        cite = lambda items: author_date_group(items, style)  # noqa: E731
    problems += formatted.errors
    built = [_build_chapter(chapter, numbering, used_ids, problems, cite) for chapter in chapters]
    built = _link_implicit_heading_references(built, chapters)
    problems += _check_ids_and_links(built, chapters, references)
    raise_if_any(problems)
    toc = [entry for entry, _ in built]
    references_in = _references_placement(built, problems) if references else None
    raise_if_any(problems)
    if references and references_in is None:
        toc.append(TocEntry(1, None, meta.references_title, "references"))
    warnings = [
        *(warning for chapter in chapters for warning in chapter.warnings),
        *formatted.warnings,
        *_unused_warnings(numbering.unused_references),
    ]
    return Document(
        meta=meta,
        chapters=tuple(chapter for _, chapter in built),
        references=references,
        toc=tuple(toc),
        assets=MappingProxyType(dict(assets)),
        warnings=(*meta.warnings, *warnings),
        references_in=references_in,
        stylesheets=manuscript.stylesheets,
    )


_Cite = Callable[[tuple[CitedItem, ...]], HtmlElement]


def _unused_warnings(unused: Sequence[BibEntry]) -> list[Problem]:
    """One warning per uncited entry; one in all for a big shared bibliography file."""
    if len(unused) <= 5:
        return [
            Problem(
                entry.location,
                f"reference '{entry.key}' is never cited, so it is not listed; "
                "cite it, list it with 'nocite', or remove it",
            )
            for entry in unused
        ]
    keys = ", ".join(entry.key for entry in unused[:3])
    return [
        Problem(
            unused[0].location,
            f"{len(unused)} references are never cited, so they are not listed ({keys}, …); "
            "add 'nocite: \"@*\"' to book.yaml to list them all",
        )
    ]


def _author_date(
    style_xml: bytes, entries: Sequence[BibEntry], numbering: Numbering, meta: BookMeta
) -> tuple[Formatted, tuple[Reference, ...], AuthorDate]:
    """The list in the style's order, unnumbered, each entry still known by its first-use
    number (its id and its citations' ids use it)."""
    style = AuthorDate(style_xml, entries)
    first_use = {entry.key: n for n, entry in enumerate(entries, start=1)}
    linked = tuple(
        link_identifiers(text) if meta.link_bibliography else text for text in style.entry_html()
    )
    references = tuple(
        Reference(
            first_use[key],
            key,
            reference_id(first_use[key]),
            text,
            numbering.cited_at.get(first_use[key], ()),
        )
        for key, text in zip(style.order, linked, strict=True)
    )
    return Formatted(linked, (), ()), references, style


def _references_placement(
    built: list[tuple[TocEntry, Chapter]], problems: list[Problem]
) -> int | None:
    """The chapter that places the list with pandoc's `::: {#refs}` (a `<div id="refs">`)."""
    holders = [chapter for _, chapter in built if _REFS_DIV.search(chapter.body_html)]
    for extra in holders[1:]:
        problems.append(
            Problem(
                Location(extra.path),
                f"a second '{{#refs}}' div (the first is in {holders[0].path}); the reference "
                "list can be placed only once",
            )
        )
    return holders[0].number if holders else None


_REFS_DIV = re.compile(r'<div\b[^>]*\sid="refs"')


def _build_chapter(
    parsed: ParsedChapter,
    numbering: Numbering,
    used_ids: set[str],
    problems: list[Problem],
    cite: _Cite,
) -> tuple[TocEntry, Chapter]:
    root = html.fragment_fromstring(parsed.html, create_parent="div")
    n = parsed.number
    # Boxes, tables and figures first: their titles and captions hold citations too.
    for element in root.xpath(".//*[@data-pp='box' or @data-pp='table' or @data-pp='figure']"):
        kind, index = element.get("data-pp"), int(element.get("data-i"))
        if kind == "box":
            _make_box(element, parsed, index, numbering.boxes[(n, index)])
        elif kind == "table":
            _make_table(element, parsed, index, numbering.tables[(n, index)], problems)
        else:
            _make_figure(element, parsed, index, numbering.figures[(n, index)])
    for element in root.xpath(".//*[@data-pp='cite' or @data-pp='xref' or @data-pp='math']"):
        index = int(element.get("data-i"))
        if element.get("data-pp") == "math":
            formula = html.fragment_fromstring(parsed.found.maths[index].mathml)
            _replace(element, _equation(formula, numbering.equations.get((n, index))))
        elif element.get("data-pp") == "cite":
            _replace(element, cite(numbering.citations[(n, index)]))
        else:
            _replace(element, _xref(numbering.xrefs[(n, index)]))
    chapter_id = f"chapter-{n}"
    sections: list[TocEntry] = []
    for heading in root.xpath(".//h1|.//h2|.//h3|.//h4|.//h5|.//h6"):
        sections += _number_heading(heading, parsed, numbering, used_ids)
    title = root.xpath(".//h1[@data-title]")[0]
    title_html, title_text, title_id = _inner_html(title), parsed.title, title.get("id")
    title.getparent().remove(title)
    for th in root.iterfind(".//thead/tr/th"):
        th.set("scope", "col")
    _normalise_footnotes(root, n)
    for image in root.iter("img"):
        _image_size(image)
    _html_attributes(root)
    _give_blocks_ids(root, f"b{n}-")
    body = "".join(html.tostring(child, encoding="unicode", method="html") for child in root)
    toc = TocEntry(1, str(n), title_text, chapter_id, tuple(sections))
    return toc, Chapter(
        n,
        title_text,
        title_html,
        chapter_id,
        (root.text or "") + body,
        parsed.path,
        title_id,
        parsed.lang,
    )


def _equation(formula: HtmlElement, target: Target | None) -> HtmlElement:
    """A labelled display formula: its number beside it, "(1)", and the id @eq:x links to."""
    if target is None:
        return formula
    wrapper = html.Element("span", {"class": "equation", "id": target.element_id})
    wrapper.append(formula)
    number = etree.SubElement(wrapper, "span", {"class": "equation-number"})
    number.text = f"({target.number})"
    return wrapper


def _inner_html(element: HtmlElement) -> str:
    inner = str(html.tostring(element, encoding="unicode", method="html"))
    return inner[inner.index(">") + 1 : inner.rindex("<")]


def _number_heading(
    heading: HtmlElement, parsed: ParsedChapter, numbering: Numbering, used_ids: set[str]
) -> list[TocEntry]:
    """Give a heading its id and number; return its contents line, if it has one.

    The dialect tagged every heading it read with `data-h`; a heading it did not see (one
    inside a block quote or raw HTML) gets an id but no number and no contents line.
    """
    tag = heading.attrib.pop("data-h", None)
    if not heading.get("id"):
        heading.set("id", unique_identifier(auto_identifier(_heading_text(heading)), used_ids))
    if tag is None:
        return []
    index = int(tag)
    if index == 0:
        heading.set("data-title", "")
        return []
    source = parsed.found.headings[index]
    number = numbering.sections[(parsed.number, index)]
    if number:
        label = html.Element("span", {"class": "secno"})
        label.text = number
        label.tail = " " + (heading.text or "")
        heading.text = None
        heading.insert(0, label)
    if source.level == 2 and not source.in_box and source.listed:
        return [TocEntry(2, number, parsed.heading_titles[index], heading.get("id"))]
    return []


def _heading_text(heading: HtmlElement) -> str:
    """A heading's words as pandoc reads them for its id: without note calls."""
    text = heading.text or ""
    for child in heading:
        if child.tag != "sup" or "footnote-ref" not in (child.get("class") or ""):
            text += child.text_content()
        text += child.tail or ""
    return text


def citation_group(
    items: tuple[CitedItem, ...], authors: Mapping[str, str] | None = None
) -> HtmlElement:
    """`[1, 3–5]`: links to the entries; the ids let each entry link back here. A narrative
    citation (`@key` in the text) names the authors first: `Smith et al. [3]`."""
    group = html.Element("span", {"class": "citation"})
    group.text = "["
    if len(items) == 1 and items[0].mode == AUTHOR_IN_TEXT:
        group.text = f"{(authors or {}).get(items[0].key, '')} ["
    plain = all(not item.prefix and not item.locator for item in items)
    ordered = sorted(items, key=lambda item: item.number) if plain else list(items)
    runs = _runs(ordered) if plain else [[item] for item in ordered]
    last: HtmlElement | None = None
    for index, run in enumerate(runs):
        separator = ", " if index else ""
        if last is None:
            group.text += separator
        else:
            last.tail = (last.tail or "") + separator
        if len(run) >= 3:
            first = _cite_link(run[0])
            group.append(first)
            for middle in run[1:-1]:  # anchors only: "3–5" still links back from 4
                group.append(html.Element("span", {"id": middle.anchor_id, "class": "cite-anchor"}))
            group[-1].tail = "\u2013"
            last = _cite_link(run[-1])
            group.append(last)
            continue
        item = run[0]
        if item.prefix:
            if last is None:
                group.text += item.prefix + " "
            else:
                last.tail = (last.tail or "") + item.prefix + " "
        last = _cite_link(item)
        last.tail = f", {item.locator}" if item.locator else ""
        group.append(last)
    if last is None:
        group.text += "]"
    else:
        last.tail = (last.tail or "") + "]"
    return group


def author_date_group(items: tuple[CitedItem, ...], style: AuthorDate) -> HtmlElement:
    """`(Smith, 2020a; Adams et al., 2019, p. 4)`, or `Smith (2020a)` for `@smith2020a` in the
    text: each item a link to its entry, whose id lets the entry link back here."""
    opening, closing = style.open or "(", style.close or ")"
    if style.sorted_citations:
        items = tuple(sorted(items, key=lambda item: style.order.index(item.key)))
    texts = [style.cite(item.key, item.mode, item.locator) for item in items]
    narrative = len(items) == 1 and items[0].mode == AUTHOR_IN_TEXT
    # citeproc's text is HTML already ("Smith &amp; Jones", "<i>Title</i>" for no author).
    lead = f"{texts[0].author} {html_escape(opening)}" if narrative else html_escape(opening)
    group = html.fragment_fromstring(lead, create_parent="span")
    group.set("class", "citation author-date")
    for index, (item, text) in enumerate(zip(items, texts, strict=True)):
        _append_text(
            group, (style.delimiter if index else "") + (f"{item.prefix} " * bool(item.prefix))
        )
        link = html.fragment_fromstring(text.linked or "&#160;", create_parent="a")
        link.attrib.update(
            {
                "href": f"#{reference_id(item.number)}",
                "id": item.anchor_id,
                "class": "cite",
                "role": "doc-biblioref",
            }
        )
        group.append(link)
    _append_text(group, closing)
    return group


def _append_text(element: HtmlElement, text: str) -> None:
    """Text at the end of an element: after its last child, or as its text."""
    if len(element):
        element[-1].tail = (element[-1].tail or "") + text
    else:
        element.text = (element.text or "") + text


def _runs(items: list[CitedItem]) -> list[list[CitedItem]]:
    """Split sorted items into runs of consecutive numbers; short runs become single items."""
    runs: list[list[CitedItem]] = []
    for item in items:
        if runs and item.number == runs[-1][-1].number + 1:
            runs[-1].append(item)
        else:
            runs.append([item])
    return [r for run in runs for r in ([run] if len(run) >= 3 else [[i] for i in run])]


def _cite_link(item: CitedItem) -> HtmlElement:
    link = html.Element(
        "a",
        {
            "href": f"#{reference_id(item.number)}",
            "id": item.anchor_id,
            "class": "cite",
            "role": "doc-biblioref",
        },
    )
    link.text = str(item.number)
    return link


def _xref(target: Target) -> HtmlElement:
    link = html.Element("a", {"href": f"#{target.element_id}", "class": f"xref xref-{target.kind}"})
    link.text = target.name
    return link


def _replace(old: HtmlElement, new: HtmlElement) -> None:
    new.tail = old.tail
    parent = old.getparent()
    assert parent is not None
    parent.replace(old, new)


def _make_box(
    element: HtmlElement, parsed: ParsedChapter, index: int, target: Target | None
) -> None:
    box = parsed.found.boxes[index]
    if target:
        box_id = target.element_id
    elif box.label:
        box_id = element_id(box.label)
    else:
        box_id = f"c{parsed.number}-box-{index + 1}"
    for name in ("data-pp", "data-i"):
        del element.attrib[name]
    element.set("class", f"box {box.kind}")
    element.set("id", box_id)
    if box.lang:
        element.set("lang", box.lang)
    element.set("aria-labelledby", f"{box_id}-title")
    title = html.fragment_fromstring(parsed.box_titles[index], create_parent="p")
    title.set("class", "box-title")
    title.set("id", f"{box_id}-title")
    if target:
        title.text = f"{target.name}: {title.text or ''}"
    title.tail = element.text
    element.text = None
    element.insert(0, title)


def _make_table(
    element: HtmlElement,
    parsed: ParsedChapter,
    index: int,
    target: Target,
    problems: list[Problem],
) -> None:
    source = parsed.found.tables[index]
    table = element.find("table")
    caption_text = element.find("p[last()]")
    if table is None or caption_text is None:
        problems.append(
            Problem(
                source.location,
                "the caption has a table above it that "
                "Markdown cannot read: its second row must have one '---' "
                "cell per column, as in '|---|---|'",
            )
        )
        return
    caption = html.Element("caption")
    label = html.Element("span", {"class": "label"})
    label.text = f"{target.name}."
    label.tail = " " + (caption_text.text or "")
    caption.append(label)
    caption.extend(list(caption_text))
    table.insert(0, caption)
    table.set("id", target.element_id)
    if source.row_headers:
        for row in table.iterfind("tbody/tr"):
            first = row[0]
            first.tag = "th"
            first.set("scope", "row")
    _replace(element, table)


def _make_figure(element: HtmlElement, parsed: ParsedChapter, index: int, target: Target) -> None:
    source = parsed.found.figures[index]
    caption_text = element.find("p")
    assert caption_text is not None, "the dialect writes the caption paragraph"
    figure = html.Element("figure", {"id": target.element_id, "class": "figure"})
    etree.SubElement(
        figure, "img", {"src": local_path(source.src), "alt": source.alt, **dict(source.size)}
    )
    caption = etree.SubElement(figure, "figcaption")
    label = etree.SubElement(caption, "span", {"class": "label"})
    label.text = f"{target.name}."
    label.tail = " " + (caption_text.text or "").replace("\u00a0", "").lstrip()
    caption.extend(list(caption_text))
    _replace(element, figure)


def _html_attributes(root: HtmlElement) -> None:
    """An attribute HTML does not know (`{key=val}` on a heading or a raw tag) becomes
    `data-key`, as pandoc's HTML writer does; EPUBCheck refuses it otherwise."""
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag == "math":
            continue
        if next(element.iterancestors("math"), None) is not None:
            continue  # MathML has attributes of its own
        for name in list(element.attrib):
            if name in HTML_ATTRIBUTES or name.startswith(("data-", "aria-", "epub:", "xml:")):
                continue
            value = element.attrib.pop(name)
            element.set(f"data-{name}", value)


def _image_size(image: HtmlElement) -> None:
    """pandoc's `{width=50%}`: HTML takes a bare number of pixels as an attribute, anything
    else (%, em, cm, in) as CSS, which is what pandoc's HTML writer does too."""
    styles = []
    for name in ("width", "height"):
        value = (image.get(name) or "").strip()
        if not value or re.fullmatch(r"\d+", value):
            continue
        if re.fullmatch(r"\d+px", value):
            image.set(name, value[:-2])
            continue
        del image.attrib[name]
        if re.fullmatch(r"\d+(\.\d+)?(%|em|rem|ex|cm|mm|in|pt|pc)", value):
            styles.append(f"{name}: {value}")
    if styles:
        existing = (image.get("style") or "").strip().rstrip(";")
        image.set("style", "; ".join([*([existing] if existing else []), *styles]))


def _normalise_footnotes(root: HtmlElement, chapter: int) -> None:
    """Python-Markdown's notes with ids unique in the book, numbered by first call (as pandoc
    and the print edition's page-foot counter number them), with roles for assistive tech."""

    def unique(old: str) -> str:  # 'fnref2:a' -> 'c1-fnref2-a'
        return f"c{chapter}-" + re.sub(r"[^A-Za-z0-9_-]", "-", old)

    calls = root.xpath(".//sup[a[contains(concat(' ', @class, ' '), ' footnote-ref ')]]")
    order: dict[str, int] = {}
    for sup in calls:
        link = sup[0]
        target = unique(link.get("href")[1:])
        number = order.setdefault(target, len(order) + 1)
        sup.set("id", unique(sup.get("id")))
        link.set("href", f"#{target}")
        link.set("role", "doc-noteref")
        link.text = str(number)
    for block in root.xpath(".//div[@class='footnote']"):
        block.tag = "section"
        block.attrib.update({"class": "footnotes", "role": "doc-endnotes", "aria-label": "Notes"})
        for rule in block.findall("hr"):
            block.remove(rule)
        listing = block.find("ol")
        assert listing is not None, "Python-Markdown writes the notes as a list"
        notes = list(listing)
        for note in notes:
            note.set("id", unique(note.get("id")))
            listing.remove(note)
        for note in sorted(notes, key=lambda li: order.get(li.get("id"), len(order) + 1)):
            listing.append(note)
        for back in block.xpath(".//a[contains(@class, 'footnote-backref')]"):
            back.attrib.pop("title", None)
            back.attrib.update(
                {
                    "href": f"#{unique(back.get('href')[1:])}",
                    "role": "doc-backlink",
                    "aria-label": "Back to the text",
                }
            )


def detach_backlinks(note: HtmlElement) -> list[str]:
    """Remove a note's links back to the text (and the space before them); return their
    targets. Print drops them, the EPUB puts one in front of the note."""
    targets = []
    for back in note.xpath(".//a[@role='doc-backlink']"):
        targets.append(back.get("href"))
        previous, parent = back.getprevious(), back.getparent()
        back.drop_tree()
        if previous is not None:
            previous.tail = (previous.tail or "").rstrip("\u00a0 ") or None
        elif parent is not None:
            parent.text = (parent.text or "").rstrip("\u00a0 ") or None
    return targets


def _give_blocks_ids(root: HtmlElement, prefix: str) -> None:
    """Every block gets a stable id: the print pagination is mapped onto the EPUB through them."""
    count = 0
    for element in root.iter(*BLOCKS):
        if not element.get("id"):
            count += 1
            element.set("id", f"{prefix}{count}")


def _link_implicit_heading_references(
    built: list[tuple[TocEntry, Chapter]], chapters: tuple[ParsedChapter, ...]
) -> list[tuple[TocEntry, Chapter]]:
    """`[Heading text]` links to that heading anywhere in the book, once every heading has
    its id (pandoc's implicit heading references)."""
    targets = book_targets((c.title, c.title_id, c.body_html) for _, c in built)
    return [
        (toc, replace(c, body_html=link_heading_references(c.body_html, targets, p.found.text)))
        for (toc, c), p in zip(built, chapters, strict=True)
    ]


def _check_ids_and_links(
    built: list[tuple[TocEntry, Chapter]],
    chapters: tuple[ParsedChapter, ...],
    references: tuple[Reference, ...],
) -> list[Problem]:
    """Ids are unique across the book, and every `(#id)` link lands on one of them."""
    problems = []
    seen: dict[str, str] = {"references": "the reference list"}
    seen |= {reference.element_id: "the reference list" for reference in references}
    for _, built_chapter in built:
        seen.setdefault(built_chapter.element_id, built_chapter.path)
        seen.setdefault(built_chapter.title_id, built_chapter.path)
        for found in re.findall(r'\sid="([^"]+)"', built_chapter.body_html):
            if found in seen:
                problems.append(
                    Problem(
                        Location(built_chapter.path),
                        f"id '{found}' is used twice (also in {seen[found]}); ids must be unique "
                        "in the book",
                    )
                )
            seen[found] = built_chapter.path
    for chapter in chapters:
        for link in chapter.found.links:
            if link.fragment not in seen:
                close = difflib.get_close_matches(link.fragment, list(seen), n=1)
                hint = (
                    f"did you mean '#{close[0]}'?"
                    if close
                    else "link to a labelled section ('#sec:…'), table, figure or box"
                )
                problems.append(
                    Problem(
                        link.location,
                        f"link to '#{link.fragment}' points at nothing in the book; {hint}",
                    )
                )
    return problems
