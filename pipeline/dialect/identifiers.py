"""pandoc's automatic identifiers, so `[see](#heading-text)` finds the heading it names."""

from __future__ import annotations

import re


def auto_identifier(text: str) -> str:
    """The id pandoc gives a heading: lower case, spaces to hyphens, only letters, digits and
    `_-.` kept, nothing before the first letter; `section` when nothing is left."""
    kept = "".join(c for c in text.lower() if c.isspace() or c.isalnum() or c in "_-.")
    joined = "-".join(kept.split())
    start = next((i for i, c in enumerate(joined) if c.isalpha()), len(joined))
    return joined[start:] or "section"


def unique_identifier(base: str, used: set[str]) -> str:
    """`base`, or `base-1`, `base-2`… as pandoc numbers repeats; the result is added to `used`."""
    candidate, suffix = base, 0
    while candidate in used:
        suffix += 1
        candidate = f"{base}-{suffix}"
    used.add(candidate)
    return candidate


def explicit_identifiers(html: str) -> set[str]:
    """Every id written in a fragment of HTML (they take precedence over automatic ones)."""
    return set(re.findall(r'\sid="([^"]+)"', html))
