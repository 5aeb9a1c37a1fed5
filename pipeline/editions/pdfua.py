"""The PDF/UA-1 editions, finished: languages in the structure tree, running heads as artifacts.

WeasyPrint 70 writes /Lang only on the catalog, and its structure elements keep nothing of the
HTML they came from (no id, no attribute), so nothing in the finished PDF can tell which
element a `lang` attribute was on. The one place that knows is WeasyPrint's own tag-tree
builder, which holds each box (with its computed `lang`) as it makes the box's element:
`languages_in_structure()` wraps that builder for the time of a write, and gives /Lang to
every element whose language differs from its structure parent's — a chapter's Sect, the P of
a `::: {lang=fr}` div, a `[texte]{lang=fr}` Span, a footnote moved to the page foot.

WeasyPrint also tags the page margin boxes (running heads, "Page N of M", the edition line)
as content, then leaves their structure elements out of the tree: marked content that no
element of the tree reaches. `finish_pdfua` (bytes in, bytes out) marks that content as
pagination artifacts, which is what PDF/UA asks of running heads and page numbers, moves the
link annotations WeasyPrint files under a Span into the Link element above it, and gives the
header cells of a table's head row /Scope /Column.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pikepdf
import pydyf
from weasyprint.formatting_structure import boxes
from weasyprint.pdf import tags as weasyprint_tags

from .tagged import (
    ObjGen,
    as_list,
    elements,
    is_element,
    parent_tree,
    replace_in_number_tree,
    tree_roots,
)

PAGINATION = pikepdf.Dictionary(Type=pikepdf.Name.Pagination)

# --- /Lang on structure elements, while WeasyPrint builds them ---------------------------------

_state = threading.local()
_install_lock = threading.Lock()
_original_builder: Any = None


@contextmanager
def languages_in_structure() -> Iterator[None]:
    """While this is active (in this thread), WeasyPrint's tagged PDFs carry /Lang on each
    structure element whose language differs from its parent's."""
    _install()
    _state.active, _state.stack = True, []
    try:
        yield
    finally:
        _state.active = False


def _install() -> None:
    """Wrap WeasyPrint's tag-tree builder once; the wrapper does nothing unless active."""
    global _original_builder
    with _install_lock:
        if _original_builder is not None:
            return
        _original_builder = weasyprint_tags._build_box_tree
        weasyprint_tags._build_box_tree = _build_with_languages


def _build_with_languages(box: Any, parent: Any, pdf: Any, *rest: Any) -> Iterator[Any]:
    """WeasyPrint's `_build_box_tree`, plus /Lang where the box's language changes.

    The builder recurses through the module global, so every level comes through here; each
    level's generator is consumed whole inside its parent's, so a stack follows the nesting.
    """
    elements = _original_builder(box, parent, pdf, *rest)
    if not getattr(_state, "active", False):
        yield from elements
        return
    stack: list[str] = _state.stack
    inherited = stack[-1] if stack else _catalog_language(pdf)
    own = box.style["lang"] or inherited
    # The page, <html> and <body> make no element of their own: they yield their children's.
    structural = box.element_tag not in ("html", "body") and not isinstance(
        box, (boxes.PageBox, boxes.MarginBox)
    )
    stack.append(own)
    try:
        for element in elements:
            if structural and own.casefold() != inherited.casefold():
                element["Lang"] = pydyf.String(own)
            yield element
    finally:
        stack.pop()


def _catalog_language(pdf: Any) -> str:
    lang = pdf.catalog.get("Lang")
    return str(lang.string) if isinstance(lang, pydyf.String) else ""


# --- After the write: running heads as artifacts, links in Link elements ------------------------


def finish_pdfua(data: bytes) -> bytes:
    """A WeasyPrint PDF/UA-1 file whose margin-box content is marked as pagination artifacts
    and whose link annotations all sit in Link elements."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/StructTreeRoot" not in pdf.Root:
            return data
        # One walk of the tree serves every step: none adds or removes an element.
        tree = [element for element, _ in elements(tree_roots(pdf))]
        in_tree = {element.objgen for element in tree}
        parents = parent_tree(pdf)
        for page in pdf.pages:
            key = page.obj.get("/StructParents")
            if key is not None and isinstance(parents.get(int(key)), pikepdf.Array):
                _artifacts_for_unreached(pdf, page, parents[int(key)], in_tree)
        _links_into_link_elements(pdf, tree)
        _column_headers_scoped(tree)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
    return out.getvalue()


def _links_into_link_elements(pdf: pikepdf.Pdf, tree: list[pikepdf.Dictionary]) -> None:
    """WeasyPrint gives every inline box inside an <a> the link's annotation too, and puts
    each in that box's element (a Span, the a::after page number's Link's NonStruct…); PDF/UA
    wants a link annotation in a Link element: each moves up to the nearest Link above it."""
    moved: dict[int, pikepdf.Object] = {}  # ParentTree key -> its new element
    for element in tree:
        if element.S == "/Link" or not isinstance(element.get("/K"), pikepdf.Array):
            continue
        links = [kid for kid in element.K if _is_link_reference(kid)]
        link = element.get("/P")
        while link is not None and is_element(link) and link.S != "/Link":
            link = link.get("/P")
        if not links or link is None or not is_element(link):
            continue
        element.K = pikepdf.Array([kid for kid in element.K if not _is_link_reference(kid)])
        for reference in links:
            link.K = pikepdf.Array([*as_list(link.get("/K")), reference])
            key = reference.Obj.get("/StructParent")
            if key is not None:
                moved[int(key)] = link
    replace_in_number_tree(pdf.Root.StructTreeRoot.ParentTree, moved)


def _column_headers_scoped(tree: list[pikepdf.Dictionary]) -> None:
    """Header cells of a table's head row say they head their column (/Scope /Column), as
    the HTML's `scope="col"` says: WeasyPrint links data cells to headers by /Headers only,
    which leaves a corner header (above a column of row headers) heading nothing."""
    for element in tree:
        row = element.get("/P")
        group = row.get("/P") if row is not None else None
        if element.S != "/TH" or group is None or group.get("/S") != "/THead":
            continue
        attributes = element.get("/A")
        if isinstance(attributes, pikepdf.Dictionary) and attributes.get("/O") == "/Table":
            attributes.Scope = pikepdf.Name.Column


def _is_link_reference(kid: pikepdf.Object) -> bool:
    return (
        isinstance(kid, pikepdf.Dictionary)
        and kid.get("/Type") == "/OBJR"
        and kid.Obj.get("/Subtype") == "/Link"
    )


def _artifacts_for_unreached(
    pdf: pikepdf.Pdf, page: pikepdf.Page, parents: pikepdf.Object, in_tree: set[ObjGen]
) -> None:
    """Re-mark the page's MCIDs whose ParentTree element is outside the tree as artifacts,
    and drop them from the ParentTree (their elements then vanish on save)."""
    unreached = {
        mcid
        for mcid, element in enumerate(parents)
        if is_element(element) and element.objgen not in in_tree
    }
    if not unreached:
        return
    instructions = [
        pikepdf.ContentStreamInstruction([pikepdf.Name.Artifact, PAGINATION], instruction.operator)
        if instruction.operator == pikepdf.Operator("BDC")
        and _mcid(instruction.operands[1]) in unreached
        else instruction
        for instruction in pikepdf.parse_content_stream(page)
    ]
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
    for mcid in unreached:
        parents[mcid] = None


def _mcid(properties: pikepdf.Object) -> int | None:
    if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
        return int(properties.MCID)
    return None
