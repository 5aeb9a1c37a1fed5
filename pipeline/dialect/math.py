"""TeX math as pandoc reads it (`$…$`, `$$…$$`), converted to MathML by latex2mathml.

pandoc's rules keep prices from turning into math: the opening `$` has a non-space right after
it, the closing one a non-space right before it and no digit right after it. MathML is the
semantic form both editions start from: the EPUB keeps it, the print edition draws it.
"""

from __future__ import annotations

import re
from html import escape

from latex2mathml.converter import convert

# pandoc-crossref labels an equation right after it: `$$ … $$ {#eq:energy}`.
DISPLAY = re.compile(
    r"(?<![\\$])\$\$(?P<tex>.+?)(?<!\\)\$\$(?:[ \t]*\{#(?P<label>eq[:-][\w:.-]*\w)\})?", re.DOTALL
)
INLINE = re.compile(r"(?<![\\$\w])\$(?=[^\s$])(?P<tex>.+?)(?<=[^\s\\])\$(?![\d$])", re.DOTALL)
_OPENER = re.compile(r"(?<![\\$\w])\$(?=[^\s$])")


def left_open(text: str) -> bool:
    """True when a `$$` or an opening `$` on this text is not closed on it."""
    rest = INLINE.sub("", DISPLAY.sub("", text))
    return rest.count("$$") % 2 == 1 or bool(_OPENER.search(rest.replace("$$", "")))


def to_mathml(tex: str, display: bool) -> str:
    """MathML for one formula, with the TeX as its text alternative; ValueError if unreadable."""
    try:
        markup = convert(tex.strip(), display="block" if display else "inline")
    except Exception as error:  # latex2mathml raises many kinds for bad input
        raise ValueError(str(error) or type(error).__name__) from None
    if "\\" in re.sub(r"<[^>]+>", "", markup.replace("&#x0005C;", "")):
        # latex2mathml leaves commands it does not know as text, e.g. <mi>\foo</mi>.
        unknown = re.search(r"\\[A-Za-z]+", re.sub(r"<[^>]+>", "", markup))
        raise ValueError(f"unknown command {unknown.group(0) if unknown else ''}".strip())
    alt = escape(" ".join(tex.split()))
    return markup.replace("<math ", f'<math alttext="{alt}" ', 1)
