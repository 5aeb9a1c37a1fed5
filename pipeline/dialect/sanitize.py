"""The allowlist for markup that reaches an edition: chapter HTML (Markdown's own output and any
raw HTML in it) and HTML in bibliography entries.

Only the tags, attributes, style properties and URL schemes an edition needs survive. Refusals
are reported (an error with file:line, or a warning when the author asked to drop them), and the
markup itself is cleaned by nh3 (the Rust `ammonia` sanitizer) with the same policy, so a
parser trick that slips past the report still never reaches an edition.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import nh3
from lxml import html

from ..core.errors import Location, Problem

# What Markdown, our dialect and a careful author's inline HTML produce; nothing that runs,
# embeds another document, submits a form or pulls in a resource by itself.
HTML_TAGS = frozenset(
    "a abbr aside b bdi bdo blockquote br caption cite code col colgroup dd del details dfn "
    "div dl dt em figcaption figure h1 h2 h3 h4 h5 h6 hr i img ins kbd li mark ol p pre q rp "
    "rt ruby s samp section small span strong sub summary sup table tbody td tfoot th thead "
    "time tr u ul var wbr".split()
)
# Presentation MathML, for TeX math converted to MathML.
MATHML_TAGS = frozenset(
    "math semantics annotation mrow mi mo mn ms mtext mspace msub msup msubsup mfrac msqrt "
    "mroot mover munder munderover mtable mtr mtd mstyle merror mpadded mphantom menclose "
    "mfenced mmultiscripts mprescripts none".split()
)
ALLOWED_TAGS = HTML_TAGS | MATHML_TAGS
# Dropped with everything inside: their content is code or another document, never text.
CONTENT_TAGS = frozenset("script style iframe object embed noscript template".split())

GLOBAL_ATTRIBUTES = frozenset({"id", "class", "lang", "dir", "title", "role", "style"})
# The dialect's placeholders and heading marks; an author may not write these (see `reserved`).
PLACEHOLDER_ATTRIBUTES = frozenset({"data-pp", "data-i", "data-h"})
TAG_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "td": frozenset({"colspan", "rowspan", "headers", "align"}),
    "th": frozenset({"colspan", "rowspan", "headers", "scope", "align"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
    "ol": frozenset({"start", "type", "reversed"}),
    "li": frozenset({"value"}),
    "time": frozenset({"datetime"}),
    "blockquote": frozenset({"cite"}),
    "q": frozenset({"cite"}),
    "details": frozenset({"open"}),
    "math": frozenset({"display", "xmlns", "alttext"}),
    "annotation": frozenset({"encoding"}),
    "mo": frozenset({"stretchy", "fence", "separator", "form", "lspace", "rspace"}),
    "mfrac": frozenset({"linethickness"}),
    "mstyle": frozenset({"displaystyle", "scriptlevel", "mathvariant"}),
    "mi": frozenset({"mathvariant"}),
    "mtext": frozenset({"mathvariant"}),
    "mspace": frozenset({"width"}),
    "mtd": frozenset({"columnalign"}),
    "mtable": frozenset({"columnalign", "rowspacing", "columnspacing"}),
    "menclose": frozenset({"notation"}),
}
# Typographic properties only: no url(), no positioning that could cover the page.
STYLE_PROPERTIES = frozenset(
    "color background-color font-style font-weight font-variant text-decoration text-align "
    "vertical-align text-transform white-space width height".split()
)
LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
# Attributes whose only purpose is to fetch, submit or run something: refused on any element.
LOADING_ATTRIBUTES = frozenset(
    "action formaction srcdoc srcset ping background poster dynsrc lowsrc codebase manifest "
    "longdesc usemap xlink:href".split()
)
URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")
_RESERVED = re.compile(r"\bdata-(?:pp|i|h)\s*=", re.IGNORECASE)


@dataclass(frozen=True)
class Refusal:
    """One thing the allowlist refuses; `needle` finds the source line that wrote it."""

    what: str
    why: str
    needle: str


def _allowed_attributes(tag: str) -> frozenset[str]:
    return GLOBAL_ATTRIBUTES | PLACEHOLDER_ATTRIBUTES | TAG_ATTRIBUTES.get(tag, frozenset())


def url_refusal(url: str) -> str | None:
    """Why a link or image address may not appear in an edition, or None when it may."""
    match = _SCHEME.match(url)
    if match:
        scheme = match.group(1).lower()
        if scheme in LINK_SCHEMES:
            return None
        return (
            f"the '{scheme}:' scheme is not allowed (links may be https, http, mailto, tel, "
            "#an-id in the book or a file inside the manuscript)"
        )
    # A local path is no threat: images are read only inside the manuscript (load_assets),
    # and a link to a file, which leads nowhere in a PDF or an EPUB, is unlinked with a
    # warning by the parse stage.
    return None


def _style_refusal(style: str) -> str | None:
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        name = name.strip().lower()
        if not name:
            continue
        if name not in STYLE_PROPERTIES:
            return f"the style property '{name}' is not allowed"
        if "(" in value or "\\" in value:
            return f"the value of '{name}' may hold no functions or escapes"
    return None


def refusals(fragment: str) -> Iterator[Refusal]:
    """Everything in an HTML fragment that the allowlist refuses, in document order."""
    root = html.fragment_fromstring(fragment or " ", create_parent="div")
    waiting = list(reversed(root))
    while waiting:  # document order; a refused element's insides are not reported again
        element = waiting.pop()
        tag = element.tag
        if not isinstance(tag, str):  # comments and processing instructions
            if isinstance(element, html.HtmlProcessingInstruction):
                yield Refusal("a processing instruction", "it is not HTML", "<?")
            continue
        tag = tag.lower()
        if tag not in ALLOWED_TAGS:
            why = (
                "it runs code or embeds another document"
                if tag in CONTENT_TAGS or tag in {"svg", "link", "meta", "base", "form"}
                else "it is not on the list of tags an edition can carry"
            )
            yield Refusal(f"the <{tag}> tag", why, f"<{tag}")
            continue
        waiting.extend(reversed(element))
        allowed = _allowed_attributes(tag)
        for name, value in element.attrib.items():
            name = name.lower()
            if name.startswith("on"):
                yield Refusal(f"the {name} attribute on <{tag}>", "it runs code", name)
            elif name in LOADING_ATTRIBUTES:
                yield Refusal(
                    f"the {name} attribute on <{tag}>",
                    "it loads or runs something outside the text",
                    name,
                )
            elif name not in allowed:
                continue  # a pandoc {key=value}: it becomes an inert data-key (see `clean`)
            elif name in URL_ATTRIBUTES and (bad_url := url_refusal(value)):
                yield Refusal(f"the address '{value}' on <{tag}>", bad_url, value)
            elif name == "style" and (bad_style := _style_refusal(value)):
                yield Refusal(f"the style '{value}' on <{tag}>", bad_style, value)


# Elements whose end tag HTML lets an author leave out, and those that never have one.
_OPTIONAL_END = frozenset("p li dt dd tr td th thead tbody tfoot rt rp colgroup".split())
_VOID = frozenset("br hr img wbr col area base embed input link meta source track".split())
# Containers whose end a stray end tag could steal (a box, a table, the notes) or that, left
# open, would swallow whatever follows.
_CONTAINERS = frozenset("div aside section table ul ol dl blockquote figure details span a".split())


class _Balance(HTMLParser):
    """Walks HTML as tags and reports end tags that close nothing and containers never closed:
    raw HTML that does either would take the book's own structure apart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.found: list[Refusal] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # <br/>, <span/>: opens and closes at once

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if tag not in self.open:
            if tag in _CONTAINERS:
                self._stray(tag, "it closes nothing opened before it")
            return
        start = len(self.open) - 1 - self.open[::-1].index(tag)
        cut = [name for name in self.open[start + 1 :] if name in _CONTAINERS]
        if cut:  # it would close an element early and leave a container open inside it
            self._stray(tag, "it closes nothing opened before it")
            return
        del self.open[start:]

    def _stray(self, tag: str, why: str) -> None:
        self.found.append(Refusal(f"the end tag </{tag}>", why, f"</{tag}"))


def balance_refusals(fragment: str) -> list[Refusal]:
    """End tags that close nothing, and containers left open, in an HTML fragment."""
    walker = _Balance()
    walker.feed(fragment)
    walker.close()
    walker.found += [
        Refusal(f"the <{tag}> element", "it is never closed", f"<{tag}")
        for tag in walker.open
        if tag in _CONTAINERS
    ]
    return walker.found


def reserved_attributes(text: str) -> Iterator[int]:
    """Lines (1-based) where the author wrote one of the dialect's own placeholder attributes,
    which would let raw HTML pose as a citation or a box."""
    for number, line in enumerate(text.splitlines(), start=1):
        if _RESERVED.search(line):
            yield number


def _attribute_filter(tag: str, name: str, value: str) -> str | None:
    if name in URL_ATTRIBUTES and url_refusal(value):
        return None
    if name == "style" and _style_refusal(value):
        return None
    return value


def _inert_attributes(fragment: str) -> str:
    """pandoc's `{key=value}` on a heading, div or span: an attribute HTML does not have for
    that element becomes `data-key`, as pandoc's HTML writer does, and so can do nothing."""
    root = html.fragment_fromstring(fragment or " ", create_parent="div")
    changed = False
    for element in root.iterdescendants():
        if not isinstance(element.tag, str) or element.tag.lower() not in ALLOWED_TAGS:
            continue
        allowed = _allowed_attributes(element.tag.lower())
        for name in list(element.attrib):
            lowered = name.lower()
            if lowered in allowed or lowered.startswith(("data-", "aria-")):
                continue
            value = element.attrib.pop(name)
            if not lowered.startswith("on") and lowered not in LOADING_ATTRIBUTES:
                element.set(f"data-{lowered}", value)
            changed = True
    if not changed:
        return fragment
    return (root.text or "") + "".join(
        html.tostring(child, encoding="unicode", method="html") for child in root
    )


def clean(fragment: str) -> str:
    """The fragment with everything outside the allowlist removed (nh3)."""
    attributes = {tag: set(_allowed_attributes(tag)) for tag in ALLOWED_TAGS}
    return str(
        nh3.clean(
            _inert_attributes(fragment),
            tags=set(ALLOWED_TAGS),
            clean_content_tags=set(CONTENT_TAGS),
            attributes=attributes,
            generic_attribute_prefixes={"aria-", "data-"},
            attribute_filter=_attribute_filter,
            url_schemes=set(LINK_SCHEMES),
            link_rel=None,
            strip_comments=True,
        )
    )


def locate(needle: str, text: str, path: str) -> Location:
    """The first line of `text` that contains `needle` (case-insensitive): raw HTML carries no
    positions of its own once Markdown has converted it."""
    wanted = needle.lower()
    for number, line in enumerate(text.splitlines(), start=1):
        if wanted and wanted in line.lower():
            return Location(path, number)
    return Location(path)


def check_fragment(
    fragment: str, source_text: str, path: str, drop: bool
) -> tuple[str, tuple[Problem, ...], tuple[Problem, ...]]:
    """Clean one chapter's HTML: (clean HTML, errors, warnings). With `drop`, what the
    allowlist refuses is removed with a warning; otherwise each refusal is an error."""
    found = tuple(
        Problem(
            locate(refusal.needle, source_text, path),
            f"{refusal.what} is refused: {refusal.why}"
            + ("; removed" if drop else "; remove it, or build with --sanitize to drop it"),
        )
        for refusal in [*refusals(fragment), *balance_refusals(fragment)]
    )
    # Never dropped, always an error: left in place they would pose as the dialect's own
    # placeholders, and taken out they would leave a placeholder without its record.
    reserved = tuple(
        Problem(
            Location(path, line),
            "data-pp, data-i and data-h are the pipeline's own attributes; remove them",
        )
        for line in reserved_attributes(source_text)
    )
    if drop:
        return clean(fragment), reserved, found
    return clean(fragment), reserved + found, ()


# CSL's rich text: the only markup a bibliography field may hold (citeproc passes it on).
_FIELD_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][\w:-]*)([^>]*)>")
FIELD_TAGS = frozenset({"i", "b", "sup", "sub", "span"})
FIELD_SPAN_ATTRIBUTES = re.compile(
    r"""^\s*(?:class\s*=\s*["']nocase["']|style\s*=\s*["']font-variant:\s*small-caps;?["'])?\s*$""",
    re.IGNORECASE,
)


def _field_texts(value: Any, name: str) -> Iterator[tuple[str, str]]:
    """Every text inside a CSL field value, with the field's name (names and dates nest)."""
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _field_texts(inner, name)
    elif isinstance(value, list):
        for inner in value:
            yield from _field_texts(inner, name)


def field_refusals(data: Mapping[str, Any]) -> Iterator[str]:
    """What a bibliography entry's fields hold beyond CSL's rich text (<i>, <b>, <sup>, <sub>,
    <span class="nocase">), each as a phrase for a message."""
    for name, value in data.items():
        for field, text in _field_texts(value, str(name)):
            for tag in _FIELD_TAG.finditer(text):
                closing, element, attributes = tag.group(1), tag.group(2).lower(), tag.group(3)
                if closing:
                    continue
                if element not in FIELD_TAGS:
                    yield f"'{field}' holds the tag <{element}>"
                elif attributes.strip() and not (
                    element == "span" and FIELD_SPAN_ATTRIBUTES.match(attributes)
                ):
                    yield f"'{field}' holds <{element}{attributes}>"


def check_bibliography(
    entries: Iterable[tuple[str, Mapping[str, Any], Location]], drop: bool
) -> tuple[tuple[Problem, ...], tuple[Problem, ...]]:
    """(errors, warnings) for markup in bibliography fields beyond CSL's rich text; the
    reference formatter keeps only that rich text, so with `drop` the rest goes with a warning."""
    suffix = "; removed" if drop else "; remove it, or build with --sanitize to drop it"
    found = tuple(
        Problem(location, f"bibliography entry '{key}': {what}{suffix}")
        for key, data, location in entries
        for what in field_refusals(data)
    )
    return ((), found) if drop else (found, ())
