"""Joining parts of a book laid out in separate processes into one tagged PDF.

Each part is a whole WeasyPrint PDF/UA file holding some consecutive pages of the book
(parallel.py). WeasyPrint tags a document page by page: its structure root holds one Document
element whose kids are each page's elements in turn, and its ParentTree maps key k to the
marked content of page k, then one key per link annotation. So the book's structure is the
parts' Document kids one after the other, with every ParentTree key (and the pages'
/StructParents, the annotations' /StructParent) moved on past the keys of the parts before.

Links are named destinations (`/Dest (id)`), so a link into another part resolves once the
parts' destination name trees are one. The outline is the parts' top-level entries in
order: a part starts with a chapter, whose heading is a top-level entry.

Every part subsets the same fonts under the same names; a viewer may take two fonts of one
name for the same font, so each later part's subsets are renamed.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass

import pikepdf


@dataclass(frozen=True)
class Joined:
    """The joined PDF, and the ids links point to that no part has (WeasyPrint would have
    dropped those links, and said so as an error)."""

    pdf: bytes
    missing: tuple[str, ...]


def join_parts(parts: Sequence[bytes]) -> Joined:
    """The parts (tagged PDFs, in page order) as one tagged PDF, the first part's catalog
    (language, metadata, viewer preferences) kept."""
    with pikepdf.open(io.BytesIO(parts[0])) as book:
        tree = book.Root.StructTreeRoot
        document = tree.K[0]
        nums: list[pikepdf.Object | int] = list(tree.ParentTree.Nums)
        next_key = _next_key(nums)
        dests = _destinations(book)
        top_entries = _top_entries(book)
        for index, data in enumerate(parts[1:], start=1):
            with pikepdf.open(io.BytesIO(data)) as part:
                _rename_font_subsets(part, index)
                part_tree = part.Root.StructTreeRoot
                part_nums = list(part_tree.ParentTree.Nums)
                _move_keys(part, next_key)
                kids = part_tree.K[0].K
                for kid in kids:
                    del kid["/P"]  # else copying it would bring the part's whole tree along
                for entry in _top_entries(part):
                    del entry["/Parent"]
                for page in part.pages:
                    book.pages.append(page)
                # One copy of everything else, so each object is copied once, onto the
                # pages just copied (pikepdf maps a part's objects to their copies).
                bundle = part.make_indirect(
                    pikepdf.Array(
                        [
                            kids,
                            pikepdf.Array(part_nums),
                            pikepdf.Array([item for pair in _destinations(part) for item in pair]),
                            pikepdf.Array(_top_entries(part)),
                        ]
                    )
                )
                copied_kids, copied_nums, copied_dests, copied_entries = book.copy_foreign(bundle)
                for kid in copied_kids:
                    kid.P = document
                    document.K.append(kid)
                for position in range(0, len(copied_nums), 2):
                    nums += [int(copied_nums[position]) + next_key, copied_nums[position + 1]]
                next_key += _next_key(part_nums)
                dests += [
                    (str(copied_dests[i]), copied_dests[i + 1])
                    for i in range(0, len(copied_dests), 2)
                ]
                top_entries += list(copied_entries)
        tree.ParentTree = book.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(nums)))
        if "/ParentTreeNextKey" in tree:
            tree.ParentTreeNextKey = next_key
        _write_destinations(book, dests)
        _write_outline(book, top_entries)
        missing = _links_without_destination(book, {name for name, _ in dests})
        out = io.BytesIO()
        # Copied objects are not in an object stream until one is made for them.
        book.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return Joined(out.getvalue(), missing)


def _links_without_destination(book: pikepdf.Pdf, names: set[str]) -> tuple[str, ...]:
    """The named destinations links point to and no part defines, in page order."""
    missing: dict[str, None] = {}
    for page in book.pages:
        for annotation in page.obj.get("/Annots", pikepdf.Array()):
            target = annotation.get("/Dest")
            if isinstance(target, pikepdf.String) and str(target) not in names:
                missing[str(target)] = None
    return tuple(missing)


def _next_key(nums: Sequence[pikepdf.Object | int]) -> int:
    """One more than the largest key of a flat ParentTree /Nums array."""
    return max((int(nums[i]) for i in range(0, len(nums), 2)), default=-1) + 1


def _move_keys(part: pikepdf.Pdf, offset: int) -> None:
    """Move a part's pages' and annotations' ParentTree keys on by `offset`."""
    for page in part.pages:
        if "/StructParents" in page.obj:
            page.obj.StructParents = int(page.obj.StructParents) + offset
        for annotation in page.obj.get("/Annots", pikepdf.Array()):
            if "/StructParent" in annotation:
                annotation.StructParent = int(annotation.StructParent) + offset


def _destinations(pdf: pikepdf.Pdf) -> list[tuple[str, pikepdf.Object]]:
    """The named destinations of a WeasyPrint file (a flat name tree)."""
    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return []
    flat = names.Dests.Names
    return [(str(flat[i]), flat[i + 1]) for i in range(0, len(flat), 2)]


def _write_destinations(book: pikepdf.Pdf, dests: list[tuple[str, pikepdf.Object]]) -> None:
    """One sorted name tree; a name defined twice keeps its first place, as in WeasyPrint."""
    first: dict[str, pikepdf.Object] = {}
    for name, destination in dests:
        first.setdefault(name, destination)
    if not first:
        return
    flat = pikepdf.Array()
    for name in sorted(first):
        flat.append(pikepdf.String(name))
        flat.append(first[name])
    if "/Names" not in book.Root:
        book.Root.Names = pikepdf.Dictionary()
    book.Root.Names.Dests = book.make_indirect(pikepdf.Dictionary(Names=flat))


def _top_entries(pdf: pikepdf.Pdf) -> list[pikepdf.Object]:
    """The top-level outline entries, in order."""
    outlines = pdf.Root.get("/Outlines")
    entries = []
    entry = outlines.get("/First") if outlines is not None else None
    while entry is not None:
        entries.append(entry)
        entry = entry.get("/Next")
    return entries


def _write_outline(book: pikepdf.Pdf, entries: list[pikepdf.Object]) -> None:
    """Chain the top-level entries under one outline root."""
    if not entries:
        return
    if "/Outlines" not in book.Root:
        book.Root.Outlines = book.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines))
    root = book.Root.Outlines
    for previous, entry in zip([None, *entries], entries, strict=False):
        entry.Parent = root
        if previous is None:
            if "/Prev" in entry:
                del entry["/Prev"]
        else:
            entry.Prev = previous
            previous.Next = entry
    if "/Next" in entries[-1]:
        del entries[-1]["/Next"]
    root.First, root.Last = entries[0], entries[-1]
    # Count: the entries visible with every open entry open (a closed one has Count < 0).
    root.Count = sum(1 + max(int(entry.get("/Count", 0)), 0) for entry in entries)


def _rename_font_subsets(part: pikepdf.Pdf, index: int) -> None:
    """Give a later part's font subsets names of their own (same family, another tag)."""
    renamed: dict[str, pikepdf.Name] = {}

    def rename(name: pikepdf.Object) -> pikepdf.Name:
        old = str(name)
        if old not in renamed:
            tag, plus, family = old[1:].partition("+")
            digest = hashlib.md5(f"{tag}/{index}".encode(), usedforsecurity=False).digest()
            new_tag = "".join(chr(65 + byte % 26) for byte in digest[:6])
            renamed[old] = pikepdf.Name("/" + (new_tag + plus + family if plus else old[1:]))
        return renamed[old]

    for page in part.pages:
        resources = page.obj.get("/Resources", pikepdf.Dictionary())
        fonts = resources.get("/Font", pikepdf.Dictionary())
        for font in fonts.values():
            for each in [font, *font.get("/DescendantFonts", [])]:
                if "/BaseFont" in each:
                    each.BaseFont = rename(each.BaseFont)
                descriptor = each.get("/FontDescriptor")
                if descriptor is not None and "/FontName" in descriptor:
                    descriptor.FontName = rename(descriptor.FontName)
