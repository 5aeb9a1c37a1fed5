"""The import log (IMPORT.md): every decision the import took and everything it left out,
each with where it was in the Word document, so a person can check the manuscript against it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

DECISION, LEFT_OUT, WARNING, PLACEHOLDER, COMMENT = (
    "decision",
    "left out",
    "warning",
    "placeholder",
    "comment",
)
_SECTIONS = (
    (WARNING, "Check these"),
    (PLACEHOLDER, "Placeholders to fill in (lint reports them as PL001)"),
    (DECISION, "Decisions taken"),
    (LEFT_OUT, "Not carried over"),
    (COMMENT, "Comments in the Word document (not carried over)"),
)


@dataclass(frozen=True)
class Place:
    """Where something is in the Word document, said so a person can find it there: the
    paragraph's number in its story (the body, a footnote…) and its opening words."""

    paragraph: int
    words: str = ""
    story: str = ""

    def __str__(self) -> str:
        where = f"paragraph {self.paragraph}"
        if self.story:
            where = f"{self.story}, {where}"
        return f"{where} (“{self.words}”)" if self.words else where


@dataclass(frozen=True)
class Note:
    """One line of the log: what happened, and where (empty for the whole document)."""

    kind: str
    what: str
    where: str = ""

    def line(self) -> str:
        """The note as a Markdown list item."""
        return f"- {self.where}: {self.what}" if self.where else f"- {self.what}"


def opening_words(text: str, count: int = 6, limit: int = 48) -> str:
    """The first words of a paragraph, enough to find it with Word's search."""
    words = text.split()
    shown = " ".join(words[:count])
    if len(shown) > limit:
        shown = shown[:limit].rstrip()
    return shown + ("…" if shown != " ".join(words) else "")


def render_log(source: str, summary: Iterable[str], notes: Iterable[Note]) -> str:
    """IMPORT.md: a summary, then the notes grouped by kind, in document order within each."""
    notes = list(notes)
    lines = [f"# Import log: {source}", ""]
    lines += [f"- {item}" for item in summary]
    for kind, title in _SECTIONS:
        chosen = [note for note in notes if note.kind == kind]
        if chosen:
            lines += ["", f"## {title}", ""]
            lines += [note.line() for note in chosen]
    lines += [
        "",
        "## When the Word document changes",
        "",
        "Import it again into a new folder and compare the two (`diff -r old new`), or edit "
        "the Markdown in chapters/ from now on; importing over this folder needs --force and "
        "replaces every edit made here.",
        "",
    ]
    return "\n".join(lines)
