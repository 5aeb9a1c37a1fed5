"""Reading a tagged PDF's structure tree with pikepdf: the few walks every finishing step and
check needs (ISO 32000-1 §14.7: structure elements, /K, the ParentTree number tree)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import pikepdf

ObjGen = tuple[int, int]


def as_list(value: pikepdf.Object | None) -> list[pikepdf.Object]:
    """A /K (or any entry that holds one object or an array of them) as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, pikepdf.Array) else [value]


def is_element(value: pikepdf.Object) -> bool:
    """A structure element (not an MCID, a marked-content or an object reference)."""
    return isinstance(value, pikepdf.Dictionary) and "/S" in value


def number_tree(node: pikepdf.Object | None) -> dict[int, pikepdf.Object]:
    """A number tree (the ParentTree) as a dict, its /Kids followed."""
    found: dict[int, pikepdf.Object] = {}
    if node is None:
        return found
    nums = as_list(node.get("/Nums"))
    for index in range(0, len(nums) - 1, 2):
        found[int(nums[index])] = nums[index + 1]
    for kid in as_list(node.get("/Kids")):
        found.update(number_tree(kid))
    return found


def replace_in_number_tree(
    node: pikepdf.Object, replacements: Mapping[int, pikepdf.Object]
) -> None:
    """Set existing keys of a number tree to new values, in one walk of the tree (a book has
    thousands of links: one walk per key would grow with the square of its length)."""
    nums = node.get("/Nums")
    if nums is not None:
        for index in range(0, len(nums) - 1, 2):
            key = int(nums[index])
            if key in replacements:
                nums[index + 1] = replacements[key]
    for kid in as_list(node.get("/Kids")):
        replace_in_number_tree(kid, replacements)


def elements(
    starts: Iterable[pikepdf.Object],
) -> Iterator[tuple[pikepdf.Dictionary, pikepdf.Object | None]]:
    """Each structure element under `starts`, parents before children, once, with the page it
    inherits (the nearest /Pg above it: an MCID in /K belongs to the element's /Pg or that)."""
    seen: set[ObjGen] = set()
    stack: list[tuple[pikepdf.Object, pikepdf.Object | None]] = [
        (start, None) for start in reversed(list(starts))
    ]
    while stack:
        element, inherited = stack.pop()
        if not is_element(element):
            continue
        assert isinstance(element, pikepdf.Dictionary)
        if element.is_indirect:
            if element.objgen in seen:
                continue
            seen.add(element.objgen)
        yield element, inherited
        page = element.get("/Pg", inherited)
        stack += [(kid, page) for kid in reversed(as_list(element.get("/K")))]


def tree_roots(pdf: pikepdf.Pdf) -> list[pikepdf.Object]:
    """The top of the structure tree: the StructTreeRoot's /K."""
    root = pdf.Root.get("/StructTreeRoot")
    return as_list(root.get("/K")) if root is not None else []


def parent_tree(pdf: pikepdf.Pdf) -> dict[int, pikepdf.Object]:
    """The ParentTree: a page's or form's /StructParents (or an annotation's /StructParent) to
    its elements (an array indexed by MCID) or its one element."""
    root = pdf.Root.get("/StructTreeRoot")
    return number_tree(root.get("/ParentTree")) if root is not None else {}
