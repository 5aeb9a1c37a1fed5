"""pandoc's fenced divs beyond the house boxes: any classes and attributes, kept as <div>.

A div whose class is one of the boxes (or a Quarto callout) is a box; any other div keeps
its classes, id and attributes, so a user stylesheet can style it in every edition. A class
one typing slip away from a box name is an error, since the box would silently be lost.
"""

from __future__ import annotations

from html import escape

# Attributes HTML knows on any element; pandoc writes the others as data-*.
HTML_ATTRIBUTES = ("lang", "dir", "title", "style")
# A class pandoc users write on purpose that happens to look like a box name.
NOT_TYPOS = frozenset({"notes"})  # reveal.js speaker notes


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: how many one-letter edits turn `a` into `b`."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


def likely_typo(name: str, known: tuple[str, ...]) -> str | None:
    """The box name `name` was probably meant to be (`key-point` -> `key-points`)."""
    if name in known or name in NOT_TYPOS:
        return None
    for candidate in known:
        allowed = 1 if len(candidate) <= 5 else 2
        if edit_distance(name.lower(), candidate) <= allowed:
            return candidate
    return None


def attribute_text(
    ident: str | None, classes: tuple[str, ...], pairs: tuple[tuple[str, str], ...]
) -> str:
    """The HTML attributes of a div or span, as pandoc's HTML writer sets them."""
    parts = [f'id="{escape(ident)}"'] if ident else []
    if classes:
        parts.append(f'class="{escape(" ".join(classes))}"')
    for key, value in pairs:
        name = key if key in HTML_ATTRIBUTES or key.startswith("data-") else f"data-{key}"
        parts.append(f'{name}="{escape(value)}"')
    return " ".join(parts)
