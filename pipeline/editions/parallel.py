"""Laying a book out in parallel processes, one part at a time, and joining the parts.

Every chapter starts on a new page, so a book is a row of parts that WeasyPrint can lay out
alone: the cover, imprint and contents; groups of consecutive chapters; the reference list
(a short book: two parts, the front with the first half, the list with the second).
What one part cannot know are the numbers that come from the others: its first page, the
book's page total ("Page 41 of 297"), and the pages written into its text (the contents,
"(p. 12)" after a cross-reference, the reference list's "Cited on pp."). Those are given to
each part as plain numbers, guessed, and checked afterwards, as LaTeX does with its .aux
file: the guess is the page map the last build of this profile kept (or, with none, a first
round that only counts pages). Once every part is laid out, the real page map follows from
the parts' own page counts and anchors; a part is redone only when the HTML and numbers it
was given differ from the ones the real map gives. When nothing differs the parts are the
pages one layout of the whole book would give, and they are joined (join.py).

A first round that only counts is not wasted: a worker keeps a few of the parts it counted
(part_layout.py) and finishes them once the numbers are known, laying out again only the
pages that show a number (a chapter's cross-references), not the whole part. Otherwise each
worker lays out one part at a time and lets it go before the next, so no process holds more
than one part and those few: on a long book that is what keeps memory down, and the parts
are laid out on every core at once.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from ..core.errors import Location, ManuscriptError, Problem
from ..stages.document import Document
from .layout import PrintLayout
from .part_layout import PartPages, PartRender, WriterConfig, lay_out_part
from .render import PrintPart, render_print_html
from .workers import LayoutWorkers, WorkerStoppedError

# About eighteen A4 pages of the house style a part, at most sixteen parts: small enough that
# a worker holds little, few enough that the parts' fixed costs (each its own styles, font
# subsets and PDF) stay small. A book of two chapters or more is always split, on every
# machine alike: even a short one is laid out sooner on two cores.
PART_CHARACTERS = 40_000
MOST_PARTS = 16
ROUNDS = 4  # a guess settles in one or two; more means the numbers move each other


class _Guess(Mapping[str, int]):
    """A page map that answers 0 for an id it does not know: a part laid out with it is only
    counted, or redone once the real page is known."""

    def __init__(self, pages: Mapping[str, int]) -> None:
        self._pages = pages

    def __getitem__(self, anchor: str) -> int:
        return self._pages.get(anchor, 0)

    def __iter__(self) -> Iterator[str]:
        return iter(self._pages)

    def __len__(self) -> int:
        return len(self._pages)


def book_parts(document: Document, has_author_css: bool) -> tuple[PrintPart, ...]:
    """The parts to lay out apart, in page order; () when the book is laid out whole (it has
    one chapter, its reference list sits inside a chapter, or an author's stylesheet may let a
    chapter start mid-page). The parts depend on the book alone, never on the machine: the
    same sources give the same PDF on one core or sixteen."""
    sizes = [len(chapter.body_html) for chapter in document.chapters]
    groups = min(len(sizes), MOST_PARTS, max(2, math.ceil(sum(sizes) / PART_CHARACTERS)))
    if groups < 2 or document.references_in is not None or has_author_css:
        return ()
    # Each chapter joins the group its middle falls in, the book cut in equal lengths.
    share, before = sum(sizes) / groups, 0
    grouped: dict[int, list[int]] = {}
    for chapter, size in zip(document.chapters, sizes, strict=True):
        group = min(groups - 1, int((before + size / 2) // share))
        grouped.setdefault(group, []).append(chapter.number)
        before += size
    chapters = [frozenset(numbers) for _, numbers in sorted(grouped.items())]
    if len(chapters) == 2:
        # A short book: two parts, the cover, imprint and contents with the first half, the
        # reference list with the second. Each part has its own HTML, styles and PDF to
        # make; four parts on two cores cost more than two.
        return (
            PrintPart(front=True, chapters=chapters[0], references=False),
            PrintPart(front=False, chapters=chapters[1], references=bool(document.references)),
        )
    parts = [PrintPart(front=True, chapters=frozenset(), references=False)]
    parts += [PrintPart(front=False, chapters=numbers, references=False) for numbers in chapters]
    if document.references:
        parts.append(PrintPart(front=False, chapters=frozenset(), references=True))
    return tuple(parts)


def lay_out_in_parts(
    config: WriterConfig,
    document: Document,
    parts: Sequence[PrintPart],
    hint: PrintLayout | None,
    workers: LayoutWorkers,
    meanwhile: Callable[[], None] | None = None,
) -> PrintLayout | None:
    """The book laid out part by part by `workers` and joined, or None when the numbers did
    not settle (the caller then lays the book out whole). `meanwhile` runs in this process
    while the workers lay out the first round."""
    pages_of: Mapping[str, int] = hint.pages_of if hint else {}
    firsts = [pages_of.get(_first_anchor(document, part), 0) for part in parts]
    total = hint.page_count if hint else 0
    done: dict[int, tuple[PartRender, PartPages]] = {}
    count_only = hint is None
    styles, profile = config.styles, config.profile
    wanted: dict[int, PartRender] = {}
    rendered_for: tuple[list[int], int, dict[str, int]] | None = None
    for round_number in range(ROUNDS + 1):
        # A part's HTML follows from these numbers alone: when the guess was right (a
        # rebuild), the parts need not be rendered again to see that nothing changed.
        numbers = (list(firsts), total, dict(pages_of))
        if numbers != rendered_for:
            wanted = {
                index: PartRender(
                    render_print_html(document, styles, _Guess(pages_of), profile, part, True),
                    firsts[index],
                    total,
                )
                for index, part in enumerate(parts)
            }
            rendered_for = numbers
        kept = {
            index
            for index, (_, pages) in done.items()
            if pages.finish_in and not pages.pdf and not parts[index].front  # not the contents
        }
        todo = [
            index
            for index in _largest_first(parts, document, kept)
            if index not in done or done[index][0] != wanted[index] or not done[index][1].pdf
        ]
        if not todo:
            joined = _joined(done, parts, document)
            jobs = workers.jobs
            how = f"in {len(parts)} parts on {jobs} process{'es' if jobs > 1 else ''}"
            rounds = f"{round_number} round{'s' if round_number > 1 else ''}"
            reused = sum(pages.from_count for _, pages in done.values())
            rounds += f" ({reused} finished from their count)" if reused else ""
            return dataclasses.replace(joined, how=f"{how}, {rounds}")
        if round_number == ROUNDS:
            break
        # A part only counted is kept by its worker, and finished there once the numbers
        # are known (part_layout.py): only its pages showing a changed number are laid
        # out again.
        calls = [(config, wanted[index], count_only, f"{config.token}/{index}") for index in todo]
        where = [done[index][1].finish_in if index in done else None for index in todo]
        laid_out = _laid_out(workers, calls, document, meanwhile, where)
        for index, pages in zip(todo, laid_out, strict=True):
            done[index] = (wanted[index], pages)
        meanwhile = None
        count_only = False
        firsts, total, pages_of = _real_numbers([done[i][1] for i in range(len(parts))])
    return None


def _laid_out(
    workers: LayoutWorkers,
    calls: Sequence[tuple[Any, ...]],
    document: Document,
    meanwhile: Callable[[], None] | None = None,
    where: Sequence[int | None] = (),
) -> list[PartPages]:
    """The parts laid out by the workers; a worker killed by a limit is the build's problem,
    not a bug."""
    try:
        return workers.run(lay_out_part, calls, meanwhile, where)
    except WorkerStoppedError:
        raise ManuscriptError.at(
            Location(document.meta.source),
            "a process laying out part of the book was stopped (out of memory or processor "
            "time); look for very large images or tables, or allow more with --memory-limit "
            "or --time-limit",
        ) from None


def _largest_first(
    parts: Sequence[PrintPart], document: Document, kept: Collection[int] = ()
) -> list[int]:
    """Part indexes, the costliest first so that no worker is left with a long one at the
    end: the contents (a line per section, each with leaders to fill: by far the slowest
    pages), the reference list, then the chapters, longest first. Parts `kept` by the worker
    that counted them come first of all: only that worker can finish them (quickly), it lets
    their memory go before it lays out anything large (the contents, if it counted them),
    and the chapters any worker can take are left to even out the end."""
    sizes = {chapter.number: len(chapter.body_html) for chapter in document.chapters}

    def cost(index: int) -> tuple[bool, bool, bool, int]:
        part = parts[index]
        size = sum(sizes[n] for n in part.chapters or ())
        return (index not in kept, not part.front, not part.references, -size)

    return sorted(range(len(parts)), key=lambda index: (cost(index), index))


def _first_anchor(document: Document, part: PrintPart) -> str:
    """The element id a part starts with."""
    if part.front:
        return "cover"
    if part.chapters:
        first = min(part.chapters)
        return next(c.element_id for c in document.chapters if c.number == first)
    return "references"


def _real_numbers(
    laid_out: Sequence[PartPages],
) -> tuple[list[int], int, dict[str, int]]:
    """Each part's first page, the book's total and every id's page, from the parts' own
    page counts and anchors."""
    firsts, first = [], 1
    for part in laid_out:
        firsts.append(first)
        first += part.page_count
    pages_of: dict[str, int] = {}
    for start, part in zip(firsts, laid_out, strict=True):
        for anchor, pages in part.spans.items():
            pages_of.setdefault(anchor, start + pages[0] - 1)
    return firsts, first - 1, pages_of


def _joined(
    done: Mapping[int, tuple[PartRender, PartPages]],
    parts: Sequence[PrintPart],
    document: Document,
) -> PrintLayout:
    """The parts as one layout: its page map, warnings and joined PDF."""
    from .join import join_parts  # pikepdf: imported where it is used

    laid_out = [done[index][1] for index in range(len(parts))]
    firsts, total, pages_of = _real_numbers(laid_out)
    spans: dict[str, tuple[int, ...]] = {}
    warnings: dict[Problem, None] = {}
    for start, part in zip(firsts, laid_out, strict=True):
        for anchor, pages in part.spans.items():
            spans.setdefault(anchor, tuple(start + page - 1 for page in pages))
        warnings.update(dict.fromkeys(part.warnings))
    joined = join_parts([part.pdf for part in laid_out if part.pdf is not None])
    if joined.missing:
        raise ManuscriptError(
            Problem(
                Location(document.chapters[0].path),
                f"WeasyPrint: No anchor #{name} for internal URI reference",
            )
            for name in joined.missing
        )
    return PrintLayout(
        pages_of=MappingProxyType(pages_of),
        spans=MappingProxyType(spans),
        page_count=total,
        warnings=tuple(warnings),
        rendered=None,
        pdf=joined.pdf,  # no html: --keep-html renders it from pages_of (build.py)
    )
