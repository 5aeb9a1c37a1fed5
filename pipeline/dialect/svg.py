"""The allowlist for SVG figures: a drawing, never a program or a window onto the network.

An SVG is XML that can hold scripts, event handlers, HTML in a <foreignObject>, links to other
files or the web, and entity bombs. It is parsed here with every XML feature that reaches out
switched off (no DTD, no entities, no network, no huge trees), then walked: anything that is
not plain drawing is refused with its line in the SVG, or removed with a warning when the author
asked for that. Editor bookkeeping (Inkscape, Sodipodi, RDF metadata) is dropped quietly: it
never shows, and every Inkscape file carries it.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from lxml import etree

from ..core.errors import Location, Problem
from .css import css_loads
from .figures import raster_problem

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
XML = "http://www.w3.org/XML/1998/namespace"
# Namespaces of drawing programs' own notes: removed, as they are never drawn.
EDITOR_NAMESPACES = frozenset(
    {
        "http://www.inkscape.org/namespaces/inkscape",
        "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "http://creativecommons.org/ns#",
        "http://purl.org/dc/elements/1.1/",
        "http://ns.adobe.com/AdobeIllustrator/10.0/",
        "http://ns.adobe.com/Graphs/1.0/",
        "http://ns.adobe.com/SaveForWeb/1.0/",
        "http://ns.adobe.com/Extensibility/1.0/",
        "http://ns.adobe.com/Flows/1.0/",
        "http://ns.adobe.com/ImageReplacement/1.0/",
        "http://ns.adobe.com/GenericCustomNamespace/1.0/",
        "http://ns.adobe.com/XPath/1.0/",
    }
)
ELEMENTS = frozenset(
    "svg g defs symbol use title desc metadata switch path rect circle ellipse line polyline "
    "polygon text tspan textPath linearGradient radialGradient stop clipPath mask pattern "
    "marker filter feBlend feColorMatrix feComponentTransfer feComposite feFlood "
    "feGaussianBlur feMerge feMergeNode feOffset feFuncA feFuncR feFuncG feFuncB "
    "feMorphology feTurbulence feDropShadow animate animateTransform animateMotion mpath set "
    "style image view".split()
)
LINKS = frozenset({"href", f"{{{XLINK}}}href"})
MAX_BYTES = 5 * 1024 * 1024
MAX_ELEMENTS = 100_000
_RASTER = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,", re.IGNORECASE)


@dataclass(frozen=True)
class CheckedSvg:
    """The drawing as the editions will carry it, and what was refused or removed."""

    data: bytes
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]


def _local(name: str) -> str:
    return etree.QName(name).localname


def _namespace(name: str) -> str:
    return etree.QName(name).namespace or ""


def _refusal(element: etree._Element) -> str | None:
    """Why an element may not stay in a figure, or None."""
    namespace, name = _namespace(element.tag), _local(element.tag)
    if namespace != SVG:
        return f"<{name}> from {namespace or 'no namespace'} is not SVG drawing"
    if name == "script":
        return "<script> runs code"
    if name == "foreignObject":
        return "<foreignObject> embeds another document (HTML) in the drawing"
    if name not in ELEMENTS:
        return f"<{name}> is not on the list of SVG elements a figure may use"
    # The CSS as the renderer reads it: XML comments and CDATA split nothing.
    if name == "style" and _loads_outside("".join(str(text) for text in element.itertext())):
        return "<style> may not import or load anything (no @import, only url(#id))"
    # Any prefix may stand for xlink, and browsers trim the name: compare the local part.
    target = element.get("attributeName", "").strip().rpartition(":")[2].lower()
    if target == "href":
        return f"<{name}> may not change a link"
    if target.startswith("on"):
        return f"<{name}> may not set the {target} attribute, which runs code"
    return None


def _attribute_refusal(name: str, value: str) -> str | None:
    """Why an attribute may not stay on an element, or None."""
    local = _local(name)
    if local.lower().startswith("on"):
        return f"the {local} attribute runs code"
    if name in LINKS and not (value.startswith("#") or _RASTER.match(value)):
        return (
            f"the link '{value[:60]}' leaves the drawing (only #ids inside it, or an embedded "
            "PNG/JPEG/GIF/WebP image, are allowed)"
        )
    embedded = _RASTER.match(value) if name in LINKS else None
    if embedded:
        kind = "jpeg" if embedded.group(1).lower() == "jpeg" else embedded.group(1).lower()
        try:
            data = base64.b64decode(value[embedded.end() :], validate=False)
        except binascii.Error:
            return "the embedded image is not valid base64"
        problem = raster_problem(data, f"image/{kind}")
        if problem:
            return f"the embedded {kind.upper()} image: {problem}"
    if _loads_outside(value):
        return f"the {local} attribute loads '{value[:60]}' from outside the drawing"
    return None


def _loads_outside(css: str) -> bool:
    """True when CSS (a <style>, a style= or presentation attribute) would import or fetch
    anything but an element of the drawing itself (url(#id))."""
    return any(load.url is None or not load.url.startswith("#") for load in css_loads(css))


def check_svg(data: bytes, shown: str, drop: bool) -> CheckedSvg:
    """Parse and check an SVG figure; the data is rewritten only when something was removed."""
    where = Location(shown)
    if len(data) > MAX_BYTES:
        return CheckedSvg(
            data,
            (
                Problem(
                    where,
                    f"the SVG is {len(data) // 1024} KiB; figures may be at most "
                    f"{MAX_BYTES // 1024 // 1024} MiB: simplify or export it as PNG",
                ),
            ),
            (),
        )
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        return CheckedSvg(
            data,
            (Problem(Location(shown, error.lineno), f"not a valid SVG file: {error.msg}"),),
            (),
        )
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        return CheckedSvg(
            data,
            (
                Problem(
                    Location(shown, 1),
                    "the SVG has a DOCTYPE; entities and DTDs are refused in figures: remove "
                    "the <!DOCTYPE …> line",
                ),
            ),
            (),
        )
    if _local(root.tag) != "svg" or _namespace(root.tag) != SVG:
        return CheckedSvg(
            data,
            (Problem(Location(shown, 1), "not an SVG drawing: the root element must be <svg>"),),
            (),
        )
    count = sum(1 for _ in root.iter())
    if count > MAX_ELEMENTS:
        return CheckedSvg(
            data,
            (
                Problem(
                    where,
                    f"the SVG has {count} elements; figures may have at most {MAX_ELEMENTS}: "
                    "simplify it or export it as PNG",
                ),
            ),
            (),
        )
    expansion = _use_problem(root)
    if expansion:
        line, why = expansion
        return CheckedSvg(data, (Problem(Location(shown, line), why),), ())
    refused, changed = _walk(root, shown)
    # <?xml-stylesheet …?> before the root loads a stylesheet; only the root is written back.
    outside = [*root.itersiblings(preceding=True), *root.itersiblings()]
    for node in outside:
        if isinstance(node, etree._ProcessingInstruction):
            refused.insert(0, Problem(Location(shown, _line(node)), "a processing instruction"))
            changed = True
    suffix = "; removed" if drop else "; remove it, or build with --sanitize to drop it"
    found = tuple(Problem(p.location, f"SVG figure: {p.message}{suffix}") for p in refused)
    if found and not drop:
        return CheckedSvg(data, found, ())
    # Unchanged drawings keep their bytes; editor notes or dropped refusals mean a rewrite.
    cleaned = etree.tostring(root, xml_declaration=True, encoding="utf-8") if changed else data
    return CheckedSvg(cleaned, (), found)


def _use_problem(root: etree._Element) -> tuple[int | None, str] | None:
    """A <use> that refers to itself through others, or uses that multiply into more than
    MAX_ELEMENTS drawn elements (the SVG form of the "billion laughs"): (line, why)."""
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    sizes: dict[int, int] = {}
    visiting: set[int] = set()

    def references(element: etree._Element) -> list[etree._Element]:
        found = []
        for use in element.iter(f"{{{SVG}}}use"):
            target = use.get("href") or use.get(f"{{{XLINK}}}href") or ""
            if target.startswith("#") and target[1:] in by_id:
                found.append(by_id[target[1:]])
        return found

    def size(element: etree._Element) -> int:
        key = id(element)
        if key in sizes:
            return sizes[key]
        if key in visiting:
            raise _CycleError(element)
        visiting.add(key)
        total = sum(1 for _ in element.iter()) + sum(size(r) for r in references(element))
        visiting.discard(key)
        sizes[key] = min(total, MAX_ELEMENTS + 1)
        return sizes[key]

    try:
        drawn = size(root)
    except _CycleError as cycle:
        return _line(cycle.element), "SVG figure: <use> elements refer to each other in a circle"
    except RecursionError:
        return None, "SVG figure: its <use> elements refer to each other too deeply"
    if drawn > MAX_ELEMENTS:
        return None, (
            f"SVG figure: its <use> elements repeat each other into more than {MAX_ELEMENTS} "
            "elements; simplify the drawing or export it as PNG"
        )
    return None


class _CycleError(Exception):
    def __init__(self, element: etree._Element) -> None:
        super().__init__()
        self.element = element


def _walk(root: etree._Element, shown: str) -> tuple[list[Problem], bool]:
    """Remove, in place, everything that is not plain drawing; say what was refused."""
    refused: list[Problem] = []
    changed = False
    for element in list(root.iter()):
        if _detached(element, root):
            continue  # inside a subtree already removed
        if not isinstance(element.tag, str):  # comments, processing instructions
            if isinstance(element, etree._ProcessingInstruction):
                refused.append(Problem(Location(shown, _line(element)), "a processing instruction"))
                _remove(element)
                changed = True
            continue
        if _namespace(element.tag) in EDITOR_NAMESPACES:
            _remove(element)
            changed = True
            continue
        why = _refusal(element)
        if why:
            refused.append(Problem(Location(shown, _line(element)), why))
            _remove(element)
            changed = True
            continue
        for name, value in [(str(n), str(v)) for n, v in element.attrib.items()]:
            if _namespace(name) in EDITOR_NAMESPACES:
                del element.attrib[name]
                changed = True
                continue
            why = _attribute_refusal(name, value)
            if why:
                refused.append(Problem(Location(shown, _line(element)), why))
                changed = True
                if name in LINKS:  # an <image> or <use> without its target draws nothing
                    _remove(element)
                    break
                del element.attrib[name]
    if changed:
        etree.cleanup_namespaces(root)
    return refused, changed


def _detached(node: etree._Element, root: etree._Element) -> bool:
    """True when `node` no longer hangs from `root` (an ancestor was removed)."""
    top = node
    for ancestor in node.iterancestors():
        top = ancestor
    return top is not root


def _line(node: etree._Element) -> int | None:
    line = node.sourceline
    return line if isinstance(line, int) else None


def _remove(node: etree._Element) -> None:
    """Take a node out, keeping the text that followed it."""
    parent = node.getparent()
    if parent is None:
        return
    if node.tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)
