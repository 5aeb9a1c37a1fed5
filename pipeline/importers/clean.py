"""The Word package made safe and plain before pandoc reads it.

Everything that could reach outside the document, run, or hide is found here, in the XML,
with the place a person would find it in Word: linked images and other external
relationships, fields that include or run outside content, OLE objects, embedded HTML, macros,
embedded fonts, unsafe link schemes. They are removed (and logged), never fetched or run.
Unresolved tracked changes and comments are reported unless the user decided what to do with
them; hidden text is dropped with a warning; text boxes are moved out of their anchor
paragraph (pandoc would otherwise lose the paragraph around them); typed rules go; and in a
document written without heading styles, short bold paragraphs in a larger size become
headings. The result is a new, minimal package: only the parts pandoc needs, only the
relationships that were checked.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from PIL import Image

from ..core.errors import Location, ManuscriptError, Problem
from ..dialect.figures import MAX_PIXELS, PILLOW_FORMATS, raster_problem
from ..dialect.sanitize import url_refusal
from ..dialect.svg import check_svg
from . import fields
from .archive import Package
from .log import COMMENT, DECISION, LEFT_OUT, WARNING, Note, Place, opening_words
from .wordml import (
    HIDDEN,
    NS,
    REL_TYPES,
    SKIP,
    StyleFacts,
    StyleSheet,
    UnsafeXmlError,
    deleted_text,
    parse_part,
    r,
    read_styles,
    run_facts,
    visible_text,
    w,
)

ACCEPT, REJECT = "accept", "reject"
TEXT_BOX_STYLE = "Text Box"
_TRACKED = frozenset(
    w(name) for name in ("ins", "del", "moveFrom", "moveTo", "cellIns", "cellDel", "cellMerge")
)
_FORMAT_CHANGES = frozenset(
    w(name)
    for name in (
        "rPrChange",
        "pPrChange",
        "sectPrChange",
        "tblPrChange",
        "trPrChange",
        "tcPrChange",
        "tblGridChange",
        "numberingChange",
    )
)
_RULE = re.compile(r"^[\s_\-=*~—–·•.]{3,}$")
_HEADING_STYLE = re.compile(r"^heading\s*\d$", re.IGNORECASE)
# Each paragraph carries the index of its place while the package is cleaned (lxml's element
# objects are not stable enough to key a dict on); the attribute is removed before writing.
PLACE = "{urn:manuscript-pipeline}place"
_MACRO_TYPES = ("vbaProject", "wordVbaData", "keyMapCustomizations")
_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml"
_IMAGE_TYPES = {"PNG": "png", "JPEG": "jpeg", "GIF": "gif", "WEBP": "webp"}


@dataclass(frozen=True)
class CoreProperties:
    """The document's own properties (File > Info in Word)."""

    title: str = ""
    subject: str = ""
    creator: str = ""
    keywords: str = ""
    description: str = ""
    created: str = ""
    modified: str = ""
    language: str = ""
    company: str = ""


@dataclass(frozen=True)
class Prepared:
    """The cleaned package and everything learnt while cleaning it."""

    docx: bytes
    media: dict[str, bytes]  # the image path pandoc reports ("media/image1.png") -> its bytes
    notes: tuple[Note, ...]
    unresolved: tuple[Problem, ...]  # tracked changes and comments nobody decided about
    core: CoreProperties
    lang: str | None
    citation_items: dict[str, dict[str, Any]]
    citation_style: str | None
    paragraphs: tuple[tuple[int, str], ...]  # body paragraphs: number, visible text
    headings_guessed: bool
    empty_paragraphs: int  # typed for spacing (pandoc drops them; the log counts them)
    text_width: float = 6.27  # inches between the page margins (pictures keep their share)


@dataclass(frozen=True)
class _Rel:
    ident: str
    kind: str  # the last part of the type URI: image, hyperlink, oleObject…
    target: str
    external: bool


@dataclass
class _Work:
    """Mutable state of one cleaning pass; only `prepare_package` sees it."""

    package: Package
    shown: str
    sheet: StyleSheet
    notes: list[Note] = field(default_factory=list)
    unresolved: list[Problem] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)  # new target -> bytes
    media_names: dict[str, str] = field(default_factory=dict)  # part name -> new target
    refused_media: dict[str, str] = field(default_factory=dict)  # part name -> why
    citation_items: dict[str, dict[str, Any]] = field(default_factory=dict)
    places: list[Place] = field(default_factory=list)  # by the index each paragraph carries
    comment_places: dict[str, Place] = field(default_factory=dict)

    def note(self, kind: str, what: str, where: Place | str = "") -> None:
        self.notes.append(Note(kind, what, str(where)))

    def place(self, element: etree._Element) -> Place | str:
        """The place of the paragraph holding `element` (or of the element itself)."""
        node: etree._Element | None = element
        while node is not None:
            if node.get(PLACE) is not None:
                return self.places[int(node.get(PLACE, "0"))]
            node = node.getparent()
        first = next(element.iter(w("p")), None)
        return (
            self.places[int(first.get(PLACE, "0"))]
            if first is not None and first.get(PLACE)
            else ""
        )


def prepare_package(package: Package, shown: str, changes: str | None) -> Prepared:
    """Check and clean a Word package; ManuscriptError when it cannot be imported at all."""
    try:
        return _prepare(package, shown, changes)
    except UnsafeXmlError as error:
        raise ManuscriptError.at(
            Location(shown), f"{error}; refused (a Word document never holds one)"
        ) from None


def _prepare(package: Package, shown: str, changes: str | None) -> Prepared:
    where = Location(shown)
    main = _main_part(package, where)
    styles_name = _related(package, main, "styles")
    styles_root = _parse(package, styles_name)
    work = _Work(package, shown, read_styles(styles_root))
    _inventory(work, main)
    document = parse_part(package.parts[main], main)
    body = document.find(w("body"))
    if body is None:
        raise ManuscriptError.at(where, "the document has no body: nothing to import")
    notes_parts = {
        kind: _related(package, main, kind) for kind in ("footnotes", "endnotes", "comments")
    }
    note_roots: dict[str, etree._Element] = {}
    for kind, name in notes_parts.items():
        parsed = _parse(package, name)
        if parsed is not None:
            note_roots[kind] = parsed
    for root in (document, *note_roots.values()):
        _resolve_alternate_content(root)
        _mark_hidden(work, root)
        _mark_dropped_fields(root)
    paragraphs = _number_paragraphs(work, body, "")
    note_numbers = _note_numbers(body)
    for kind in ("footnotes", "endnotes"):
        story = note_roots.get(kind)
        if story is not None:
            for note in story.iter(w(kind[:-1])):
                number = note_numbers[kind].get(note.get(w("id"), ""))
                if number is not None:
                    _number_paragraphs(work, note, f"{kind[:-1]} {number}")
    _comments(work, body, note_roots, changes)
    _tracked_changes(work, [document, *note_roots.values()], changes)
    rels_out: dict[str, dict[str, _Rel]] = {}
    story_parts = {main: document}
    for kind, root in note_roots.items():
        name = notes_parts[kind]
        if kind != "comments" and name:
            story_parts[name] = root
    for name, root in story_parts.items():
        rels = _read_rels(package, name)
        kept = _clean_story(work, root, rels)
        rels_out[name] = kept
    headings_guessed = _guess_headings(work, body, styles_root)
    _text_boxes(work, document, styles_root)
    core = _core_properties(package)
    lang = core.language or work.sheet.default_lang or _most_common_lang(document)
    docx = _write_package(work, main, story_parts, rels_out, styles_root, package, notes_parts)
    return Prepared(
        docx=docx,
        media=dict(work.media),
        notes=tuple(work.notes),
        unresolved=tuple(work.unresolved),
        core=core,
        lang=lang,
        citation_items=work.citation_items,
        citation_style=_citation_style(package),
        paragraphs=paragraphs,
        headings_guessed=headings_guessed,
        text_width=_text_width(body),
        empty_paragraphs=sum(
            1
            for p in body.iter(w("p"))
            if not visible_text(p).strip()
            and not _in_table(p)
            and next(p.iter(w("drawing"), w("pict"), w("txbxContent")), None) is None
        ),
    )


# --- the package and its parts -------------------------------------------------------------


def _main_part(package: Package, where: Location) -> str:
    rels = package.get("_rels/.rels")
    types = package.get("[Content_Types].xml")
    if rels is None or types is None:
        raise ManuscriptError.at(
            where, "not a Word document: the package has no [Content_Types].xml or _rels/.rels"
        )
    root = parse_part(rels, "_rels/.rels")
    target = next(
        (
            rel.get("Target", "")
            for rel in root.iter(f"{{{NS['rel']}}}Relationship")
            if rel.get("Type", "").endswith("/officeDocument")
        ),
        "",
    )
    name = posixpath.normpath(target.lstrip("/")) if target else ""
    if not name or name not in package.parts:
        raise ManuscriptError.at(where, "not a Word document: it names no main document part")
    content_type = _content_type(parse_part(types, "[Content_Types].xml"), name)
    if not content_type.startswith(
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml",
            "application/vnd.ms-word",
        )
    ):
        raise ManuscriptError.at(
            where,
            f"not a Word document: its main part is '{content_type or 'of no known type'}'; "
            "only Word documents (.docx) can be imported",
        )
    return name


def _content_type(types: etree._Element, name: str) -> str:
    for override in types.iter(f"{{{NS['ct']}}}Override"):
        if override.get("PartName", "").lstrip("/") == name:
            return override.get("ContentType", "")
    extension = name.rsplit(".", 1)[-1].lower()
    for default in types.iter(f"{{{NS['ct']}}}Default"):
        if default.get("Extension", "").lower() == extension:
            return default.get("ContentType", "")
    return ""


def _rels_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{base}.rels")


def _read_rels(package: Package, part: str) -> dict[str, _Rel]:
    data = package.get(_rels_name(part))
    if data is None:
        return {}
    root = parse_part(data, _rels_name(part))
    found = {}
    for rel in root.iter(f"{{{NS['rel']}}}Relationship"):
        ident = rel.get("Id", "")
        kind = rel.get("Type", "").rsplit("/", 1)[-1]
        external = rel.get("TargetMode", "") == "External"
        target = rel.get("Target", "")
        if not external:
            folder = posixpath.dirname(part)
            joined = (
                target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            )
            target = posixpath.normpath(joined)
        found[ident] = _Rel(ident, kind, target, external)
    return found


def _related(package: Package, part: str, kind: str) -> str | None:
    for rel in _read_rels(package, part).values():
        if rel.kind == kind and not rel.external and rel.target in package.parts:
            return rel.target
    return None


def _parse(package: Package, name: str | None) -> etree._Element | None:
    if not name or name not in package.parts:
        return None
    return parse_part(package.parts[name], name)


def _inventory(work: _Work, main: str) -> None:
    """What the package carries that is never carried over: macros, embedded objects and
    fonts, ActiveX controls, running headers and footers, external relationships."""
    names = list(work.package.parts)
    if any(posixpath.basename(n).startswith(_MACRO_TYPES) for n in names):
        work.note(
            WARNING,
            "the document holds macros (VBA); they were neither run nor carried over",
        )
    embedded = [n for n in names if "/embeddings/" in f"/{n}"]
    if embedded:
        work.note(
            LEFT_OUT,
            f"{len(embedded)} embedded object file(s) "
            f"({', '.join(posixpath.basename(n) for n in embedded[:5])}) "
            "were not opened or carried over: paste charts and tables as pictures or as text",
        )
    fonts = [n for n in names if n.startswith("word/fonts/")]
    if fonts:
        work.note(
            LEFT_OUT,
            f"{len(fonts)} embedded font file(s) were not carried over: the editions use the "
            "house fonts",
        )
    if any(n.startswith("word/activeX/") for n in names):
        work.note(LEFT_OUT, "ActiveX controls were not carried over")
    for rel in _read_rels(work.package, main).values():
        if rel.kind in {"header", "footer"} and rel.target in work.package.parts:
            text = " ".join(
                visible_text(p)
                for p in parse_part(work.package.parts[rel.target], rel.target).iter(w("p"))
            ).strip()
            if text:
                work.note(
                    LEFT_OUT,
                    f"the running {rel.kind} “{opening_words(text, 10, 80)}”: the editions make "
                    "their own headers and footers",
                )
    settings = _related(work.package, main, "settings")
    if settings:
        for rel in _read_rels(work.package, settings).values():
            if rel.external:
                work.note(
                    LEFT_OUT,
                    f"the document's link to an outside {rel.kind} was not followed",
                )


# --- places ---------------------------------------------------------------------------------


def _number_paragraphs(
    work: _Work, story: etree._Element, label: str
) -> tuple[tuple[int, str], ...]:
    """Number a story's paragraphs in reading order and remember each one's place."""
    found = []
    for number, paragraph in enumerate(story.iter(w("p")), start=1):
        text = visible_text(paragraph) or deleted_text(paragraph)
        paragraph.set(PLACE, str(len(work.places)))
        work.places.append(Place(number, opening_words(text), label))
        found.append((number, text))
    return tuple(found)


def _note_numbers(body: etree._Element) -> dict[str, dict[str, int]]:
    """Footnote and endnote ids -> the numbers Word shows, in order of their references."""
    numbers: dict[str, dict[str, int]] = {"footnotes": {}, "endnotes": {}}
    for kind in numbers:
        for reference in body.iter(w(f"{kind[:-1]}Reference")):
            ident = reference.get(w("id"), "")
            numbers[kind].setdefault(ident, len(numbers[kind]) + 1)
    return numbers


# --- unfinished documents -------------------------------------------------------------------


def _comments(
    work: _Work,
    body: etree._Element,
    note_roots: dict[str, etree._Element],
    changes: str | None,
) -> None:
    """Comments: listed in the log; without a decision, each open one stops the import."""
    root = note_roots.get("comments")
    anchors: dict[str, Place | str] = {}
    stories = [body, *(r for k, r in note_roots.items() if k != "comments")]
    for story in stories:
        for tag in ("commentRangeStart", "commentReference"):
            for anchor in story.iter(w(tag)):
                anchors.setdefault(anchor.get(w("id"), ""), work.place(anchor))
    done = _resolved_comment_paragraphs(work.package)
    if root is not None:
        for comment in root.iter(w("comment")):
            ident = comment.get(w("id"), "")
            author = comment.get(w("author"), "someone")
            text = " ".join(visible_text(p) for p in comment.iter(w("p"))).strip()
            place = anchors.get(ident, "")
            paragraphs = list(comment.iter(w("p")))
            last_id = (
                paragraphs[-1].get("{http://schemas.microsoft.com/office/word/2010/wordml}paraId")
                if paragraphs
                else None
            )
            resolved = last_id is not None and last_id in done
            work.note(
                COMMENT,
                f"{author}{' (resolved)' if resolved else ''}: “{text}”",
                place,
            )
            if changes is None and not resolved:
                work.unresolved.append(
                    Problem(
                        Location(work.shown),
                        f"{place or 'somewhere in the document'}: a comment by {author} "
                        f"(“{opening_words(text, 8, 60)}”) is still open",
                    )
                )
    for story in stories:
        for tag in ("commentRangeStart", "commentRangeEnd"):
            for node in list(story.iter(w(tag))):
                _remove(node)
        for reference in list(story.iter(w("commentReference"))):
            run = reference.getparent()
            _remove(run if run is not None and run.tag == w("r") else reference)


def _resolved_comment_paragraphs(package: Package) -> set[str]:
    data = package.get("word/commentsExtended.xml")
    if data is None:
        return set()
    root = parse_part(data, "word/commentsExtended.xml")
    w15 = "http://schemas.microsoft.com/office/word/2012/wordml"
    return {
        node.get(f"{{{w15}}}paraId", "")
        for node in root.iter(f"{{{w15}}}commentEx")
        if node.get(f"{{{w15}}}done") == "1"
    }


def _tracked_changes(work: _Work, roots: list[etree._Element], changes: str | None) -> None:
    """Tracked insertions, deletions, moves and formatting changes, by paragraph."""
    found: dict[str, Counter[str]] = {}
    authors: dict[str, set[str]] = {}
    formatting = 0
    for root in roots:
        for node in root.iter():
            if node.tag in _FORMAT_CHANGES:
                formatting += 1
                continue
            if node.tag not in _TRACKED:
                continue
            place = str(work.place(node)) or "somewhere in the document"
            kind = etree.QName(node).localname
            word = {
                "ins": "insertion",
                "del": "deletion",
                "moveFrom": "move",
                "moveTo": "move",
            }.get(kind, "table change")
            found.setdefault(place, Counter())[word] += 1
            authors.setdefault(place, set()).add(node.get(w("author"), "someone"))
    if formatting and (found or changes):
        work.note(
            DECISION,
            f"{formatting} tracked formatting change(s) keep the formatting shown in Word",
        )
    if not found:
        return
    if changes is None:
        for place, counts in found.items():
            what = ", ".join(
                f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in sorted(counts.items())
            )
            who = ", ".join(sorted(authors[place]))
            work.unresolved.append(
                Problem(
                    Location(work.shown),
                    f"{place}: tracked changes not yet accepted or rejected ({what} by {who})",
                )
            )
        return
    verb = "accepted" if changes == ACCEPT else "rejected"
    total = sum(sum(c.values()) for c in found.values())
    work.note(
        DECISION,
        f"{total} tracked change(s) {verb} (--{changes}-changes), in {len(found)} paragraph(s)",
    )
    for place, counts in found.items():
        what = ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in sorted(counts.items()))
        work.note(DECISION, f"tracked changes {verb}: {what}", place)


# --- one story: fields, hidden text, relationships, objects ---------------------------------


def _clean_story(work: _Work, root: etree._Element, rels: dict[str, _Rel]) -> dict[str, _Rel]:
    """Clean one story (the body, or the notes) in place; the relationships it keeps."""
    _hidden_text(work, root)
    _fields(work, root)
    for node in list(root.iter(w("object"), w("control"), w("altChunk"), w("subDoc"))):
        what = {
            "object": "an embedded object (OLE: a chart, a spreadsheet, an equation editor "
            "object…) was left out; paste it as a picture or as text",
            "control": "a form control (ActiveX) was left out",
            "altChunk": "an embedded chunk of HTML, RTF or another document was left out; "
            "paste its text into the document instead",
            "subDoc": "a link to a subdocument was left out and never followed",
        }[etree.QName(node).localname]
        work.note(LEFT_OUT, what, work.place(node))
        _remove(node)
    kept: dict[str, _Rel] = {}
    for rel in rels.values():
        if rel.kind == "hyperlink" and rel.external:
            why = url_refusal(rel.target) or _local_target(rel.target)
            if why:
                _unlink(work, root, rel, why)
                continue
            kept[rel.ident] = rel
        elif rel.kind == "image" and not rel.external:
            target = _checked_image(work, rel.target)
            if target:
                kept[rel.ident] = _Rel(rel.ident, rel.kind, target, False)
    _images(work, root, rels, kept)
    for node in list(root.iter(w("hyperlink"))):
        ident = node.get(r("id"))
        if ident and ident not in kept:
            _unwrap(node)
    for node in root.iter():
        for name in [str(a) for a in node.attrib if str(a).startswith(f"{{{NS['r']}}}")]:
            if node.get(name) not in kept:
                del node.attrib[name]
    for name in ("headerReference", "footerReference"):
        for node in list(root.iter(w(name))):
            _remove(node)
    _typed_rules(work, root)
    return kept


def _local_target(target: str) -> str | None:
    if target.startswith("#") or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target):
        return None
    return "it names a file on the author's computer or network"


def _unlink(work: _Work, root: etree._Element, rel: _Rel, why: str) -> None:
    for node in list(root.iter(w("hyperlink"))):
        if node.get(r("id")) == rel.ident:
            work.note(
                LEFT_OUT,
                f"a link was removed, its text kept: {why}",
                work.place(node),
            )
            _unwrap(node)


def _mark_hidden(work: _Work, root: etree._Element) -> None:
    """Mark the runs Word hides (directly or by style), before any text is read or quoted."""
    for paragraph in root.iter(w("p")):
        style = _paragraph_style(paragraph, work.sheet)
        for run in paragraph.iter(w("r")):
            if run_facts(run, style, work.sheet)[2]:
                run.set(HIDDEN, "1")


def _hidden_text(work: _Work, root: etree._Element) -> None:
    """Hidden runs are dropped, with a warning naming their paragraph (not their text: it
    was hidden for a reason; Word shows it with Home > Show/Hide)."""
    for paragraph in root.iter(w("p")):
        hidden = [run for run in paragraph.iter(w("r")) if run.get(HIDDEN) is not None]
        words = sum(len("".join(t.text or "" for t in run.iter(w("t"))).split()) for run in hidden)
        for run in hidden:
            _remove(run)
        if words:
            work.note(
                WARNING,
                f"hidden text ({words} word(s)) was dropped: no edition shows what Word hides",
                work.place(paragraph),
            )


def _paragraph_style(paragraph: etree._Element, sheet: StyleSheet) -> StyleFacts | None:
    style = paragraph.find(f"{w('pPr')}/{w('pStyle')}")
    ident = style.get(w("val")) if style is not None else sheet.default_paragraph
    return sheet.facts(ident)


@dataclass
class _Field:
    instruction: list[str] = field(default_factory=list)
    code: list[etree._Element] = field(default_factory=list)
    result: list[etree._Element] = field(default_factory=list)
    plan: fields.FieldPlan | None = None


def _scan_fields(root: etree._Element) -> list[_Field]:
    """Every complex field of a story, with the runs of its code and of its result."""
    stack: list[_Field] = []
    finished: list[_Field] = []
    for run in list(root.iter(w("r"))):
        owner: _Field | None = None
        for node in run:
            if node.tag == w("fldChar"):
                kind = node.get(w("fldCharType"))
                if kind == "begin":
                    stack.append(_Field())
                    owner = stack[-1]
                elif stack and kind == "separate":
                    owner = stack[-1]
                    owner.plan = fields.plan_field("".join(owner.instruction))
                elif stack and kind == "end":
                    owner = stack.pop()
                    owner.plan = owner.plan or fields.plan_field("".join(owner.instruction))
                    finished.append(owner)
            elif node.tag == w("instrText") and stack:
                owner = stack[-1]
                owner.instruction.append(node.text or "")
        for open_field in stack:
            if open_field is not owner:  # text of a field, or a field nested in it
                open_field.result.append(run)
        if owner is not None:
            owner.code.append(run)
    return finished


def _mark_dropped_fields(root: etree._Element) -> None:
    """The shown text of fields that will be dropped is marked, so no place quotes it."""
    for found in _scan_fields(root):
        if found.plan is not None and found.plan.action == fields.DROP:
            for run in found.result:
                run.set(SKIP, "1")
    for simple in root.iter(w("fldSimple")):
        if fields.plan_field(simple.get(w("instr"), "")).action == fields.DROP:
            for run in simple.iter(w("r")):
                run.set(SKIP, "1")


def _fields(work: _Work, root: etree._Element) -> None:
    """Complex and simple fields: each kept, reduced to its text, or dropped (fields.py)."""
    finished = _scan_fields(root)
    for simple in list(root.iter(w("fldSimple"))):
        instruction = simple.get(w("instr"), "")
        plan = _effective_plan(work, fields.plan_field(instruction), instruction, simple)
        if plan.action == fields.DROP:
            _remove(simple)
        elif plan.action == fields.TEXT:
            _unwrap(simple)
        elif plan.kind == "HYPERLINK":
            _as_hyperlink(simple, instruction)
    kinds: Counter[str] = Counter()
    for done in finished:
        assert done.plan is not None
        plan = _effective_plan(work, done.plan, "".join(done.instruction), done.code[0])
        if plan.action == fields.KEEP:
            continue
        if plan.action == fields.TEXT and not plan.why and plan.kind != "HYPERLINK":
            kinds[plan.kind] += 1
        for node in {id(n): n for n in done.code}.values():
            _remove(node)
        if plan.action == fields.DROP:
            for node in done.result:
                _remove(node)
    for kind, count in sorted(kinds.items()):
        work.note(
            DECISION,
            f"{count} {kind} field(s): the text Word showed was kept, the field code left out",
        )


def _effective_plan(
    work: _Work, plan: fields.FieldPlan, instruction: str, anchor: etree._Element
) -> fields.FieldPlan:
    """The plan once the field's content is known (a link's scheme), noted in the log."""
    if plan.kind == "citation":
        for item in fields.citation_items(instruction):
            work.citation_items.setdefault(item["id"], item)
    elif plan.kind == "HYPERLINK":
        target, inside = fields.hyperlink_target(instruction)
        why = None if inside else (url_refusal(target) or _local_target(target))
        if why:
            work.note(
                LEFT_OUT,
                f"a link was removed, its text kept: {why}",
                work.place(anchor),
            )
            return fields.FieldPlan(fields.TEXT, plan.kind)
    elif plan.why:
        kind = WARNING if plan.kind in fields.OUTSIDE else LEFT_OUT
        work.note(kind, plan.why, work.place(anchor))
    return plan


def _images(
    work: _Work, root: etree._Element, rels: dict[str, _Rel], kept: dict[str, _Rel]
) -> None:
    """Pictures: linked ones (never fetched) and refused ones are removed, with their place."""
    for blip in list(root.iter(f"{{{NS['a']}}}blip", f"{{{NS['v']}}}imagedata")):
        embed = blip.get(r("embed")) or blip.get(r("id"))
        link = blip.get(r("link"))
        if embed in kept:
            continue
        holder = _picture_holder(blip)
        if link and link in rels:
            work.note(
                LEFT_OUT,
                "a picture linked from outside the document was never fetched; insert the "
                "picture itself into the document (Insert > Pictures > This Device)",
                work.place(blip),
            )
        elif embed in rels and rels[embed].target in work.refused_media:
            work.note(
                WARNING,
                f"a picture was left out: {work.refused_media[rels[embed].target]}",
                work.place(blip),
            )
            placeholder = etree.Element(w("r"))
            etree.SubElement(
                placeholder, w("t")
            ).text = f"[insert picture: {posixpath.basename(rels[embed].target)}]"
            holder.addprevious(placeholder)
        else:
            work.note(LEFT_OUT, "a picture with no image data was left out", work.place(blip))
        _remove(holder)


def _picture_holder(node: etree._Element) -> etree._Element:
    """The run-level element that holds a picture (w:drawing or w:pict), else the run."""
    current: etree._Element | None = node
    while current is not None:
        if current.tag in (w("drawing"), w("pict")):
            return current
        current = current.getparent()
    parent = node.getparent()
    return parent if parent is not None else node


def _checked_image(work: _Work, part: str) -> str | None:
    """The new name of a picture part that passed the figure checks (TIFF and BMP become
    PNG), or None with the reason kept for the log."""
    if part in work.media_names:
        return work.media_names[part]
    if part in work.refused_media:
        return None
    data = work.package.get(part)
    if data is None:
        work.refused_media[part] = "its image data is missing"
        return None
    kind, data, why = _image_kind(data)
    if why or kind is None:
        work.refused_media[part] = why or "unknown image type"
        return None
    target = f"media/image{len(work.media) + 1}.{kind}"
    work.media[target] = data
    work.media_names[part] = target
    return target


def _image_kind(data: bytes) -> tuple[str | None, bytes, str | None]:
    """(extension, bytes, why refused) for a picture: PNG, JPEG, GIF, WebP as they are (after
    the same checks as any figure), SVG after the SVG allowlist, TIFF and BMP as PNG."""
    head = data[:512].lstrip()
    if head.startswith(b"<") and b"<svg" in data[:4096]:
        checked = check_svg(data, "picture", drop=False)
        if checked.errors:
            return None, data, checked.errors[0].message
        return "svg", checked.data, None
    if data[:4] in (b"\x01\x00\x00\x00", b"\xd7\xcd\xc6\x9a") or data[:2] == b"\x01\x00":
        return (
            None,
            data,
            (
                "it is a Windows metafile (EMF/WMF), which no edition can show; save the picture "
                "as PNG and insert that instead"
            ),
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            found = image.format or ""
            width, height = image.size
    except Image.DecompressionBombError:
        return (
            None,
            data,
            (
                f"it has far more than {MAX_PIXELS // 1_000_000} million pixels (a decompression "
                "bomb, or a picture far too large): refused"
            ),
        )
    except (OSError, ValueError, SyntaxError):
        return (
            None,
            data,
            "it is not a picture format the editions can show (PNG, JPEG, GIF, WebP, SVG)",
        )
    if found in _IMAGE_TYPES:
        media_type = next(t for t, f in PILLOW_FORMATS.items() if f == found)
        problem = raster_problem(data, media_type)
        return (None, data, problem) if problem else (_IMAGE_TYPES[found], data, None)
    if found in {"TIFF", "BMP", "DIB"}:
        if width * height > MAX_PIXELS:
            return (
                None,
                data,
                f"it is {width} × {height} pixels (at most {MAX_PIXELS // 1_000_000} million)",
            )
        try:
            with Image.open(io.BytesIO(data)) as image:
                converted = io.BytesIO()
                image.convert("RGBA" if "A" in image.mode else "RGB").save(converted, "PNG")
        except (OSError, ValueError, SyntaxError):
            return None, data, f"the {found} picture cannot be read"
        return "png", converted.getvalue(), None
    return None, data, f"a {found} picture cannot be shown by the editions; save it as PNG"


def _typed_rules(work: _Work, root: etree._Element) -> None:
    """Paragraphs that are only a typed line (_____, -----, *****) are dropped, outside tables."""
    for paragraph in list(root.iter(w("p"))):
        text = visible_text(paragraph).strip()
        typed_rule = len(set(text.replace(" ", ""))) == 1 and _RULE.match(text)
        pictured = next(paragraph.iter(w("drawing"), w("pict")), None) is not None
        if typed_rule and not pictured and not _in_table(paragraph):
            work.note(
                LEFT_OUT,
                f"a typed rule ({text[:12]}…) was dropped: the editions draw their own",
                work.place(paragraph),
            )
            _remove(paragraph)


def _in_table(node: etree._Element) -> bool:
    parent = node.getparent()
    while parent is not None:
        if parent.tag == w("tc"):
            return True
        parent = parent.getparent()
    return False


# --- structure: text boxes, guessed headings -------------------------------------------------


def _resolve_alternate_content(root: etree._Element) -> None:
    """mc:AlternateContent holds one thing twice (DrawingML and VML): keep the first choice."""
    for node in list(root.iter(f"{{{NS['mc']}}}AlternateContent")):
        if node.getparent() is None:
            continue
        choice = node.find(f"{{{NS['mc']}}}Choice")
        chosen = choice if choice is not None else node.find(f"{{{NS['mc']}}}Fallback")
        for child in list(chosen) if chosen is not None else []:
            node.addprevious(child)
        _remove(node)


def _text_boxes(work: _Work, document: etree._Element, styles: etree._Element | None) -> None:
    """A text box's paragraphs move after the paragraph it is anchored in (pandoc would drop
    that paragraph's own text), styled "Text Box" so the style map decides what they become."""
    moved = 0
    for _ in range(10_000):
        box = next(document.iter(w("txbxContent")), None)
        if box is None:
            break
        host = _ancestor(box, w("p"))
        holder = _picture_holder(box)
        if host is None:
            _remove(holder)
            continue
        anchor = host
        for child in list(box):
            if child.tag not in (w("p"), w("tbl")):
                continue
            if child.tag == w("p"):
                properties = child.find(w("pPr"))
                if properties is None:
                    properties = etree.Element(w("pPr"))
                    child.insert(0, properties)
                if properties.find(w("pStyle")) is None:
                    style = etree.Element(w("pStyle"))
                    style.set(w("val"), "PipelineTextBox")
                    properties.insert(0, style)
            anchor.addnext(child)
            anchor = child
        work.note(
            DECISION,
            "the text of a text box follows the paragraph it was anchored to",
            work.place(host),
        )
        _remove(holder)
        moved += 1
    if moved and styles is not None:
        _ensure_style(styles, "PipelineTextBox", TEXT_BOX_STYLE)


def _ancestor(node: etree._Element, tag: str) -> etree._Element | None:
    parent = node.getparent()
    while parent is not None and parent.tag != tag:
        parent = parent.getparent()
    return parent


def _guess_headings(work: _Work, body: etree._Element, styles: etree._Element | None) -> bool:
    """In a document with no heading styles, short bold paragraphs in a larger size than the
    text are headings (the largest, first in the document and alone in its size, the title)."""
    sheet = work.sheet
    styled = [p for p in body.iter(w("p")) if _HEADING_STYLE.match(sheet.name(_style_id(p)) or "")]
    if styled or styles is None:
        return False
    sizes: Counter[int] = Counter()
    candidates: list[tuple[etree._Element, int, str]] = []
    has_title = any(sheet.name(_style_id(p)).lower() == "title" for p in body.iter(w("p")))
    for paragraph in body.iter(w("p")):
        style = _paragraph_style(paragraph, sheet)
        runs = [
            run
            for run in paragraph.iter(w("r"))
            if "".join(t.text or "" for t in run.iter(w("t"))).strip()
        ]
        facts = [run_facts(run, style, sheet) for run in runs]
        for run, (_, size, _) in zip(runs, facts, strict=True):
            sizes[size] += len("".join(t.text or "" for t in run.iter(w("t"))))
        text = visible_text(paragraph).strip()
        name = sheet.name(_style_id(paragraph)).lower()
        if (
            not facts
            or _in_table(paragraph)
            or (style is not None and style.numbered)
            or paragraph.find(f"{w('pPr')}/{w('numPr')}") is not None
            or name in {"title", "subtitle", "caption"}
            or len(text.split()) > 15
            or len(text) > 120
            or text.endswith((".", ",", ";"))
        ):
            continue
        if all(bold for bold, _, _ in facts):
            candidates.append((paragraph, max(size for _, size, _ in facts), text))
    if not candidates or not sizes:
        return False
    body_size = sizes.most_common(1)[0][0]
    larger = [c for c in candidates if c[1] > body_size]
    chosen = larger or [c for c in candidates if len(c[2].split()) <= 8]
    if not chosen:
        return False
    first_text = next((p for p in body.iter(w("p")) if visible_text(p).strip()), None)
    by_size = sorted({size for _, size, _ in chosen}, reverse=True)
    title = None
    top = [c for c in chosen if c[1] == by_size[0]]
    if not has_title and len(top) == 1 and top[0][0] is first_text and len(by_size) > 1:
        title = top[0][0]
        by_size = by_size[1:]
    for paragraph, size, _ in chosen:
        if paragraph is title:
            _set_style(paragraph, "Title")
            work.note(
                DECISION,
                f"the first paragraph, bold at {size / 2:g} pt, was taken as the title",
                work.place(paragraph),
            )
            continue
        level = min(by_size.index(size) + 1, 3) if size in by_size else 1
        _set_style(paragraph, f"Heading{level}")
        work.note(
            DECISION,
            f"bold at {size / 2:g} pt on its own (the text is {body_size / 2:g} pt): taken as a "
            f"heading of level {level}",
            work.place(paragraph),
        )
    _ensure_style(styles, "Title", "Title")
    for level in range(1, 4):
        _ensure_style(styles, f"Heading{level}", f"heading {level}")
    return True


def _style_id(paragraph: etree._Element) -> str | None:
    style = paragraph.find(f"{w('pPr')}/{w('pStyle')}")
    return style.get(w("val")) if style is not None else None


def _set_style(paragraph: etree._Element, style_id: str) -> None:
    properties = paragraph.find(w("pPr"))
    if properties is None:
        properties = etree.Element(w("pPr"))
        paragraph.insert(0, properties)
    style = properties.find(w("pStyle"))
    if style is None:
        style = etree.Element(w("pStyle"))
        properties.insert(0, style)
    style.set(w("val"), style_id)


def _ensure_style(styles: etree._Element, style_id: str, name: str) -> None:
    if any(s.get(w("styleId")) == style_id for s in styles.iter(w("style"))):
        return
    style = etree.SubElement(styles, w("style"))
    style.set(w("type"), "paragraph")
    style.set(w("styleId"), style_id)
    etree.SubElement(style, w("name")).set(w("val"), name)


# --- properties -----------------------------------------------------------------------------


def _core_properties(package: Package) -> CoreProperties:
    values: dict[str, str] = {}
    data = package.get("docProps/core.xml")
    if data is not None:
        root = parse_part(data, "docProps/core.xml")
        for key, tag in (
            ("title", f"{{{NS['dc']}}}title"),
            ("subject", f"{{{NS['dc']}}}subject"),
            ("creator", f"{{{NS['dc']}}}creator"),
            ("keywords", f"{{{NS['cp']}}}keywords"),
            ("description", f"{{{NS['dc']}}}description"),
            ("created", f"{{{NS['dcterms']}}}created"),
            ("modified", f"{{{NS['dcterms']}}}modified"),
            ("language", f"{{{NS['dc']}}}language"),
        ):
            node = root.find(tag)
            values[key] = " ".join((node.text or "").split()) if node is not None else ""
    app = package.get("docProps/app.xml")
    if app is not None:
        root = parse_part(app, "docProps/app.xml")
        company = next((n for n in root.iter() if etree.QName(n).localname == "Company"), None)
        values["company"] = " ".join((company.text or "").split()) if company is not None else ""
    return CoreProperties(**values)


def _text_width(body: etree._Element) -> float:
    """The width between the margins of the document's last section, in inches."""
    section = body.find(w("sectPr"))
    size = section.find(w("pgSz")) if section is not None else None
    margins = section.find(w("pgMar")) if section is not None else None
    try:
        width = int(size.get(w("w"), "11906")) if size is not None else 11906
        left = int(margins.get(w("left"), "1440")) if margins is not None else 1440
        right = int(margins.get(w("right"), "1440")) if margins is not None else 1440
    except ValueError:
        return 6.27
    inches = (width - left - right) / 1440
    return inches if 1 < inches < 40 else 6.27


def _most_common_lang(document: etree._Element) -> str | None:
    found = Counter(
        node.get(w("val"), "") for node in document.iter(w("lang")) if node.get(w("val"))
    )
    return found.most_common(1)[0][0] if found else None


def _citation_style(package: Package) -> str | None:
    """The CSL style a reference manager used, from the document's custom properties."""
    data = package.get("docProps/custom.xml")
    if data is None:
        return None
    text = data.decode("utf-8", "replace")
    match = re.search(
        r"style id=&quot;https?://www\.zotero\.org/styles/([\w.-]+)", text
    ) or re.search(r"<vt:lpwstr>https?://www\.zotero\.org/styles/([\w.-]+)</vt:lpwstr>", text)
    return match.group(1) if match else None


# --- writing the cleaned package ------------------------------------------------------------


def _write_package(
    work: _Work,
    main: str,
    stories: dict[str, etree._Element],
    rels: dict[str, dict[str, _Rel]],
    styles: etree._Element | None,
    package: Package,
    notes_parts: dict[str, str | None],
) -> bytes:
    """A new package with the cleaned stories, the styles and numbering, the checked pictures."""
    out = io.BytesIO()
    overrides = {"word/document.xml": f"{_WML}.document.main+xml"}
    names = {main: "word/document.xml"}
    for kind in ("footnotes", "endnotes"):
        if notes_parts.get(kind) in stories:
            names[notes_parts[kind] or ""] = f"word/{kind}.xml"
            overrides[f"word/{kind}.xml"] = f"{_WML}.{kind}+xml"
    parts: dict[str, bytes] = {}
    document_rels = []
    if styles is not None:
        parts["word/styles.xml"] = etree.tostring(
            styles, xml_declaration=True, encoding="UTF-8", standalone=True
        )
        overrides["word/styles.xml"] = f"{_WML}.styles+xml"
        document_rels.append(("rIdPipelineStyles", "styles", "styles.xml"))
    numbering = _related(package, main, "numbering")
    if numbering:
        root = parse_part(package.parts[numbering], numbering)
        for picture in list(root.iter(w("numPicBullet"))):
            _remove(picture)
        parts["word/numbering.xml"] = etree.tostring(
            root, xml_declaration=True, encoding="UTF-8", standalone=True
        )
        overrides["word/numbering.xml"] = f"{_WML}.numbering+xml"
        document_rels.append(("rIdPipelineNumbering", "numbering", "numbering.xml"))
    for kind in ("footnotes", "endnotes"):
        if f"word/{kind}.xml" in names.values():
            document_rels.append((f"rIdPipeline{kind}", kind, f"{kind}.xml"))
    for root in stories.values():
        for node in root.iter(w("p"), w("r")):
            for name in (PLACE, SKIP, HIDDEN):
                node.attrib.pop(name, "")
        etree.cleanup_namespaces(root)
    for old, new in names.items():
        parts[new] = etree.tostring(
            stories[old], xml_declaration=True, encoding="UTF-8", standalone=True
        )
        entries = [(rel.ident, rel.kind, rel.target, rel.external) for rel in rels[old].values()]
        extra = (
            [(i, k, t, False) for i, k, t in document_rels] if new == "word/document.xml" else []
        )
        parts[_rels_name(new)] = _rels_xml(entries + extra)
    for target, data in work.media.items():
        parts[f"word/{target}"] = data
    types = [
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
        '<Default Extension="xml" ContentType="application/xml"/>',
    ]
    for extension, media_type in (
        ("png", "image/png"),
        ("jpeg", "image/jpeg"),
        ("gif", "image/gif"),
        ("webp", "image/webp"),
        ("svg", "image/svg+xml"),
    ):
        types.append(f'<Default Extension="{extension}" ContentType="{media_type}"/>')
    types += [
        f'<Override PartName="/{name}" ContentType="{kind}"/>' for name, kind in overrides.items()
    ]
    parts["[Content_Types].xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<Types xmlns="{NS["ct"]}">{"".join(types)}</Types>'
    ).encode()
    parts["_rels/.rels"] = _rels_xml([("rId1", "officeDocument", "word/document.xml", False)])
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(parts):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(info, parts[name], zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _rels_xml(entries: list[tuple[str, str, str, bool]]) -> bytes:
    root = etree.Element(f"{{{NS['rel']}}}Relationships", nsmap={None: NS["rel"]})  # type: ignore[dict-item]
    for ident, kind, target, external in entries:
        rel = etree.SubElement(root, f"{{{NS['rel']}}}Relationship")
        rel.set("Id", ident)
        rel.set("Type", REL_TYPES + kind)
        rel.set("Target", target)
        if external:
            rel.set("TargetMode", "External")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# --- small tree helpers ---------------------------------------------------------------------


def _remove(node: etree._Element) -> None:
    """Remove an element, keeping the text that follows it (lxml keeps it on the element)."""
    parent = node.getparent()
    if parent is None:
        return
    parent.remove(node)


def _as_hyperlink(simple: etree._Element, instruction: str) -> None:
    """A simple HYPERLINK field as the <w:hyperlink> Word writes today: pandoc drops the
    text of a simple field whose link is a bookmark (`\\l "name"`)."""
    target, bookmark = fields.hyperlink_target(instruction)
    if not bookmark:
        return
    link = etree.Element(w("hyperlink"), {w("anchor"): target})
    for child in list(simple):
        link.append(child)
    simple.addprevious(link)
    _remove(simple)


def _unwrap(node: etree._Element) -> None:
    """Replace an element by its children."""
    for child in list(node):
        node.addprevious(child)
    _remove(node)
