"""A tagged PDF's structure tree, walked with pikepdf and held against its content.

What a screen reader relies on and no viewer shows: every marked-content sequence with an
MCID — in a page, or in a form XObject drawn on one (the booklet) — is reached by exactly one
structure element of the tree; every /K entry resolves to content that exists; the ParentTree
maps each content item back to the element that holds it (ISO 32000-1 §14.7.4); each
element's /P is the element that lists it; every link annotation sits in a Link element.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pikepdf

from ..editions.tagged import ObjGen, as_list, elements, is_element, parent_tree, tree_roots

ContentKey = tuple[ObjGen, int]  # (the page's or form XObject's objgen, MCID)


@dataclass(frozen=True)
class Content:
    """The marked content of a PDF: its MCIDs, and the ParentTree key of each content stream."""

    mcids: frozenset[ContentKey]
    struct_parents: dict[ObjGen, int]  # objgen of a page or form XObject -> ParentTree key
    pages: frozenset[ObjGen]
    drawn_on: dict[ObjGen, ObjGen]  # form XObject -> the page that draws it


@dataclass
class Reached:
    """What the elements of the tree point at."""

    content: dict[ContentKey, list[pikepdf.Dictionary]] = field(default_factory=dict)
    annotations: dict[ObjGen, list[pikepdf.Dictionary]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def marked_content(pdf: pikepdf.Pdf) -> Content:
    """Every MCID in the pages' content streams and in the form XObjects they draw."""
    mcids: set[ContentKey] = set()
    struct_parents: dict[ObjGen, int] = {}
    drawn_on: dict[ObjGen, ObjGen] = {}
    for page in pdf.pages:
        _collect(page.obj, page.obj, mcids, struct_parents, drawn_on, page.obj.objgen)
    pages = frozenset(p.obj.objgen for p in pdf.pages)
    return Content(frozenset(mcids), struct_parents, pages, drawn_on)


def _collect(
    owner: pikepdf.Object,
    holder: pikepdf.Object,
    mcids: set[ContentKey],
    struct_parents: dict[ObjGen, int],
    drawn_on: dict[ObjGen, ObjGen],
    page: ObjGen,
) -> None:
    """The MCIDs of one content stream (a page's or a form's), then of the forms it draws
    (a form drawn on two pages could not say which its MCIDs are: the second is ignored)."""
    if "/StructParents" in holder:
        struct_parents[holder.objgen] = int(holder.StructParents)
    resources = holder.get("/Resources")
    properties = resources.get("/Properties") if resources is not None else None
    xobjects = resources.get("/XObject") if resources is not None else None
    for instruction in pikepdf.parse_content_stream(owner):
        operands = instruction.operands
        if instruction.operator == pikepdf.Operator("BDC"):
            plist: pikepdf.Object | None = operands[1]
            if isinstance(plist, pikepdf.Name) and properties is not None:
                plist = properties.get(str(plist))
            if isinstance(plist, pikepdf.Dictionary) and "/MCID" in plist:
                mcids.add((holder.objgen, int(plist.MCID)))
        elif instruction.operator == pikepdf.Operator("Do") and xobjects is not None:
            form = xobjects.get(str(operands[0]))
            if form is None or form.get("/Subtype") != "/Form" or form.objgen in drawn_on:
                continue
            drawn_on[form.objgen] = page
            _collect(form, form, mcids, struct_parents, drawn_on, page)


def reached(pdf: pikepdf.Pdf, content: Content) -> Reached:
    """Every content item and annotation the elements of the tree point at."""
    found = Reached()
    listed_by: dict[ObjGen, pikepdf.Object] = {}
    top = pdf.Root.StructTreeRoot
    for kid in tree_roots(pdf):
        if kid.is_indirect:
            listed_by[kid.objgen] = top
    for element, inherited in elements(tree_roots(pdf)):
        name = f"{element.S} {element.objgen}"
        parent = listed_by.get(element.objgen)
        if parent is not None and not _same(element.get("/P"), parent):
            found.problems.append(f"{name}: /P is not the element that lists it")
        page = element.get("/Pg", inherited)
        if page is not None and page.objgen not in content.pages:
            found.problems.append(f"{name}: /Pg is not a page of the document")
        for kid in as_list(element.get("/K")):
            if is_element(kid):
                if kid.is_indirect and kid.objgen in listed_by:
                    found.problems.append(f"{kid.S} {kid.objgen} is listed by two elements")
                elif kid.is_indirect:
                    listed_by[kid.objgen] = element
            elif isinstance(kid, int):
                _reach(found, content, name, element, page, int(kid))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                on, stream = kid.get("/Pg", page), kid.get("/Stm")
                if stream is not None and (
                    on is None or content.drawn_on.get(stream.objgen) != on.objgen
                ):
                    found.problems.append(f"{name}: MCID {kid.MCID} in a form not drawn on /Pg")
                _reach(found, content, name, element, stream or on, int(kid.MCID))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                _reach_annotation(found, name, element, kid, kid.get("/Pg", page))
            else:
                found.problems.append(f"{name}: a /K entry that is nothing: {kid!r:.60}")
    return found


def _reach(
    found: Reached,
    content: Content,
    name: str,
    element: pikepdf.Dictionary,
    owner: pikepdf.Object | None,
    mcid: int,
) -> None:
    if owner is None:
        found.problems.append(f"{name}: MCID {mcid} with no page or stream")
        return
    key = (owner.objgen, mcid)
    if key not in content.mcids:
        found.problems.append(f"{name}: MCID {mcid} of {owner.objgen} is in no content stream")
    found.content.setdefault(key, []).append(element)


def _reach_annotation(
    found: Reached,
    name: str,
    element: pikepdf.Dictionary,
    reference: pikepdf.Dictionary,
    page: pikepdf.Object | None,
) -> None:
    annotation = reference.get("/Obj")
    if annotation is None or not annotation.is_indirect:
        found.problems.append(f"{name}: an object reference without /Obj")
        return
    if page is None or not any(_same(a, annotation) for a in as_list(page.get("/Annots"))):
        found.problems.append(f"{name}: its annotation is not on the page its /Pg names")
    found.annotations.setdefault(annotation.objgen, []).append(element)


def structure_problems(pdf: pikepdf.Pdf) -> list[str]:
    """Everything wrong between the tree, the content and the ParentTree; empty when sound."""
    if "/StructTreeRoot" not in pdf.Root:
        return ["no /StructTreeRoot"]
    content = marked_content(pdf)
    found = reached(pdf, content)
    problems = list(found.problems)
    for owner, mcid in sorted(content.mcids - found.content.keys()):
        problems.append(f"MCID {mcid} of {owner} is marked, but no element of the tree has it")
    parents = parent_tree(pdf)
    for (owner, mcid), holders in sorted(found.content.items()):
        if len(holders) > 1:
            problems.append(f"MCID {mcid} of {owner} is in {len(holders)} elements")
        if owner not in content.struct_parents:
            problems.append(f"{owner} has MCID {mcid} but no /StructParents")
            continue
        entry = parents.get(content.struct_parents[owner])
        listed = entry[mcid] if isinstance(entry, pikepdf.Array) and mcid < len(entry) else None
        if listed is None or not _same(listed, holders[0]):
            problems.append(f"the ParentTree does not map MCID {mcid} of {owner} to its element")
    for page in pdf.pages:
        for annotation in as_list(page.obj.get("/Annots")):
            problems += _annotation_problems(annotation, found, parents)
    return problems


def _annotation_problems(
    annotation: pikepdf.Object, found: Reached, parents: dict[int, pikepdf.Object]
) -> list[str]:
    holders = found.annotations.get(annotation.objgen, [])
    kind = annotation.get("/Subtype")
    if not holders:
        return (
            [f"{kind} annotation {annotation.objgen} is in no element"] if kind == "/Link" else []
        )
    if len(holders) > 1:
        return [f"annotation {annotation.objgen} is in {len(holders)} elements"]
    if kind == "/Link" and holders[0].S != "/Link":
        return [f"link annotation {annotation.objgen} is in a {holders[0].S}, not a /Link"]
    listed = parents.get(int(annotation.get("/StructParent", -1)))
    if listed is None or not _same(listed, holders[0]):
        return [f"annotation {annotation.objgen}: the ParentTree does not map it to its element"]
    return []


def languages(pdf: pikepdf.Pdf) -> Iterator[tuple[str, str]]:
    """(element type, /Lang) of each element that declares its own language, in tree order."""
    for element, _ in elements(tree_roots(pdf)):
        if "/Lang" in element:
            yield str(element.S), str(element.Lang)


def _same(a: pikepdf.Object | None, b: pikepdf.Object | None) -> bool:
    """The same indirect PDF object."""
    return a is not None and b is not None and a.is_indirect and a.objgen == b.objgen
