"""Small helpers over pandoc's JSON document tree (blocks and inlines as `{"t": …, "c": …}`)."""

from __future__ import annotations

from typing import Any

Node = dict[str, Any]


def kind(node: Node) -> str:
    """A node's type: Para, Str, Header…"""
    return str(node.get("t", ""))


def content(node: Node) -> Any:
    """A node's content (`c`), whatever its shape."""
    return node.get("c")


def text(nodes: Any) -> str:
    """The plain text of inlines or blocks, spaces between words."""
    pieces: list[str] = []
    _collect(nodes, pieces)
    return "".join(pieces)


def _collect(nodes: Any, pieces: list[str]) -> None:
    if isinstance(nodes, list):
        for node in nodes:
            _collect(node, pieces)
        return
    if not isinstance(nodes, dict):
        return
    name = kind(nodes)
    if name == "Str":
        pieces.append(str(content(nodes)))
    elif name in {"Space", "SoftBreak", "LineBreak"}:
        pieces.append(" ")
    elif name in {"Code", "Math"}:
        pieces.append(str(content(nodes)[-1]))
    elif name == "Note":
        return
    elif name in {"Para", "Plain", "Header"}:
        _collect(content(nodes) if name != "Header" else content(nodes)[2], pieces)
        pieces.append(" ")
    elif name == "Image":
        return
    elif "c" in nodes:
        _collect(content(nodes), pieces)


def inlines_of(text_value: str) -> list[Node]:
    """Plain text as pandoc inlines (words and spaces)."""
    out: list[Node] = []
    for index, word in enumerate(text_value.split(" ")):
        if index:
            out.append({"t": "Space"})
        if word:
            out.append({"t": "Str", "c": word})
    return out


def has_image(nodes: Any) -> bool:
    """True when the inlines or blocks hold an image."""
    if isinstance(nodes, list):
        return any(has_image(node) for node in nodes)
    if isinstance(nodes, dict):
        return kind(nodes) == "Image" or has_image(nodes.get("c"))
    return False


def is_blank(block: Node) -> bool:
    """A paragraph with no visible text and no picture (Word's empty lines for spacing)."""
    return (
        kind(block) in {"Para", "Plain"}
        and not text(content(block)).strip(" \u00a0\u200b\t")
        and not has_image(content(block))
        and not _has_note(content(block))
    )


def _has_note(nodes: Any) -> bool:
    if isinstance(nodes, list):
        return any(_has_note(node) for node in nodes)
    if isinstance(nodes, dict):
        return kind(nodes) == "Note" or _has_note(nodes.get("c"))
    return False


def attributes(attr: Any) -> tuple[str, list[str], dict[str, str]]:
    """pandoc's (id, classes, key-value pairs)."""
    ident, classes, pairs = attr
    return str(ident), list(classes), {str(k): str(v) for k, v in pairs}
