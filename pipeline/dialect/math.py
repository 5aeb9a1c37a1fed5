"""TeX math as pandoc reads it (`$…$`, `$$…$$`), converted to MathML by latex2mathml.

pandoc's rules keep prices from turning into math: the opening `$` has a non-space right after
it, the closing one a non-space right before it and no digit right after it. MathML is the
semantic form both editions start from: the EPUB keeps it, the print edition draws it.
"""

from __future__ import annotations

import re
from html import escape

from latex2mathml.converter import convert
from lxml import etree

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
    markup = _allowed_mathml(markup)
    alt = escape(" ".join(tex.split()))
    return markup.replace("<math ", f'<math alttext="{alt}" ', 1)


# Presentation MathML, and only what draws a formula: no <maction> (it runs on events), no
# <mglyph> (it loads an image), nothing from HTML.
_ELEMENTS = frozenset(
    "math mi mn mo ms mtext mspace mrow mfrac msqrt mroot mstyle merror mpadded mphantom "
    "mfenced menclose msub msup msubsup munder mover munderover mmultiscripts mprescripts none "
    "mtable mtr mtd mlabeledtr semantics annotation".split()
)
# Attributes that only shape the drawing; \href, \style and \class (href, style, class) are
# refused: a link or a stylesheet inside a formula is not the formula's.
_ATTRIBUTES = frozenset(
    "display displaystyle scriptlevel mathvariant mathcolor mathbackground mathsize accent "
    "accentunder columnalign columnlines columnspacing columnspan rowalign rowlines rowspacing "
    "rowspan frame framespacing equalrows equalcolumns fence separator separators form "
    "stretchy symmetric largeop movablelimits lspace rspace minsize maxsize linethickness "
    "numalign denomalign bevelled notation width height depth voffset linebreak open close "
    "encoding".split()
)
_VALUE = re.compile(r"[\w#.+\- %]*")
_MATHML = "http://www.w3.org/1998/Math/MathML"
# latex2mathml writes `&` and `<` of text such as \text{a & b < c} unescaped.
_BARE_AMPERSAND = re.compile(r"&(?!#\d+;|#x[0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
_BARE_LESS_THAN = re.compile(r"<(?![A-Za-z/])")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _allowed_mathml(markup: str) -> str:
    """The converter's MathML when every element and attribute in it is on the allowlist;
    ValueError naming the first that is not (TeX can ask for raw markup: \\text{<img …>})."""
    markup = _BARE_LESS_THAN.sub("&lt;", _BARE_AMPERSAND.sub("&amp;", markup))
    try:
        root = etree.fromstring(markup, _PARSER)
    except etree.XMLSyntaxError:
        raise ValueError("it makes markup that is not MathML (raw < or > in \\text{}?)") from None
    for element in root.iter():
        if not isinstance(element.tag, str):
            raise ValueError("it makes markup that is not MathML")
        name = etree.QName(element)
        if name.namespace != _MATHML or name.localname not in _ELEMENTS:
            raise ValueError(f"<{name.localname}> is not allowed in a formula")
        for attribute, raw in element.attrib.items():
            local, value = etree.QName(attribute).localname, str(raw)
            if local not in _ATTRIBUTES:
                command = {"href": "\\href", "style": "\\style", "class": "\\class"}
                what = command.get(local, f"the attribute '{local}'")
                raise ValueError(f"{what} is not allowed in a formula")
            if not _VALUE.fullmatch(value):
                raise ValueError(f"the value '{value}' of '{local}' is not allowed in a formula")
    return markup
