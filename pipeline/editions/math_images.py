"""Formulas for print: WeasyPrint draws no MathML, so each becomes an SVG image of itself.

ziamath lays MathML out with the STIX Two Math font it ships (no TeX, no network, the same
bytes every run); the image keeps the TeX as its alt text for the tagged PDF.
"""

from __future__ import annotations

import base64
import re

from lxml import etree, html
from lxml.html import HtmlElement

from ..core.errors import Location, ManuscriptError

# ziamath's size is the font size in its own units; the image is then scaled in em, so a
# formula follows the text size of each print profile.
SIZE = 20.0
_VIEWBOX = re.compile(r'viewBox="(?P<x>[-\d.]+) (?P<y>[-\d.]+) (?P<w>[-\d.]+) (?P<h>[-\d.]+)"')


def formula_image(math: HtmlElement) -> HtmlElement:
    """An <img> drawing one <math> element, sized in em and set on the text's baseline."""
    # Imported here: a quarter of a second, and most books have no formula.
    from ziamath.zmath import Math

    markup = etree.tostring(math, encoding="unicode", method="xml", with_tail=False)
    try:
        svg = Math(markup, size=SIZE).svg()
    except Exception as error:  # ziamath raises many kinds for MathML it cannot lay out
        tex = math.get("alttext") or "a formula"
        raise ManuscriptError.at(
            Location(f"TeX math '{tex}'"),
            f"cannot be drawn for print ({type(error).__name__}: {error}); simplify the formula",
        ) from None
    box = _VIEWBOX.search(svg)
    assert box is not None, "ziamath writes a viewBox"
    width, height = float(box.group("w")) / SIZE, float(box.group("h")) / SIZE
    depth = (float(box.group("h")) + float(box.group("y"))) / SIZE
    display = math.get("display") == "block"
    data = base64.b64encode(svg.encode()).decode()
    image = html.Element(
        "img",
        {
            "src": f"data:image/svg+xml;base64,{data}",
            "alt": math.get("alttext") or "formula",
            "class": "math math-display" if display else "math",
            "style": f"width: {width:.3f}em; height: {height:.3f}em; "
            f"vertical-align: {-depth:.3f}em",
        },
    )
    return image


def draw_formulas(root: HtmlElement) -> None:
    """Every <math> under `root` replaced by its image."""
    for math in list(root.iter("math")):
        image = formula_image(math)
        image.tail = math.tail
        parent = math.getparent()
        assert parent is not None
        parent.replace(math, image)
