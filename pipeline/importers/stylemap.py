"""Word paragraph styles and what they become in the manuscript.

A clinic's Word template has its own style names ("Key Points", "Clinic Contact", "Warning
Box"). The default map knows the common ones: box-like styles become the pipeline's boxes,
quotation styles block quotes, Word's own styles plain text; any other style becomes a div
with a class named after it (`::: {.clinic-contact}`), ready for the house or the user's
stylesheet. A clinic's own map is a small YAML file (`style-map.yaml`, written by every
import with the styles it found) mapping style names to:

    key-points | summary | note | warning   a box
    quote                                    a block quote
    heading 1 … heading 6                    a heading of that level
    paragraph                                plain paragraphs (the style is forgotten)
    drop                                     left out (logged)
    .some-class                              a div with that class
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from ..core.errors import Location, ManuscriptError
from ..core.yaml_safe import safe_load
from ..dialect.divs import likely_typo
from ..dialect.prepass import BOX_KINDS

BOXES = tuple(BOX_KINDS)
PARAGRAPH, QUOTE, DROP = "paragraph", "quote", "drop"
_HEADING = re.compile(r"^heading ([1-6])$")
TARGETS = (*BOXES, QUOTE, PARAGRAPH, DROP, *(f"heading {n}" for n in range(1, 7)))

# Style names compared without case, spaces, hyphens or underscores.
DEFAULT_MAP = {
    "keypoints": "key-points",
    "keypoint": "key-points",
    "keymessages": "key-points",
    "keyfacts": "key-points",
    "box": "key-points",
    "keypointsbox": "key-points",
    "summary": "summary",
    "summarybox": "summary",
    "note": "note",
    "notebox": "note",
    "tip": "note",
    "info": "note",
    "information": "note",
    "warning": "warning",
    "warningbox": "warning",
    "caution": "warning",
    "important": "warning",
    "alert": "warning",
    "quote": QUOTE,
    "intensequote": QUOTE,
    "blocktext": QUOTE,
    "blockquotation": QUOTE,
    "blockquote": QUOTE,
}
# Word's and pandoc's own paragraph styles: their meaning is already in the document's
# structure (lists, captions, notes) or is only formatting.
PLAIN_STYLES = frozenset(
    re.sub(r"[\s_-]", "", name)
    for name in (
        "normal",
        "body text",
        "body text 2",
        "body text 3",
        "body text first indent",
        "body text indent",
        "body",
        "text body",
        "standard",
        "default",
        "default paragraph font",
        "no spacing",
        "first paragraph",
        "compact",
        "list paragraph",
        "list",
        "list bullet",
        "list number",
        "list continue",
        "caption",
        "table caption",
        "image caption",
        "figure",
        "captioned figure",
        "footnote text",
        "endnote text",
        "annotation text",
        "table paragraph",
        "table contents",
        "table grid",
        "plain text",
        "normal (web)",
        "normal web",
        "web",
        "title",
        "subtitle",
        "author",
        "date",
        "abstract",
        "hyperlink",
        "header",
        "footer",
        "bibliography",
        "source code",
    )
)
_NUMBERED_PLAIN = re.compile(r"^(listbullet|listnumber|listcontinue|list|toc|index|heading)\d*$")


@dataclass(frozen=True)
class StyleMap:
    """Style names (normalised) to targets; the user's entries first."""

    entries: dict[str, str]

    def target(self, style: str) -> str:
        """What a paragraph style becomes: a target of TARGETS or `.class`."""
        key = normalise(style)
        if key in self.entries:
            return self.entries[key]
        if key in DEFAULT_MAP:
            return DEFAULT_MAP[key]
        if key in PLAIN_STYLES or _NUMBERED_PLAIN.match(key):
            return PARAGRAPH
        return "." + class_name(style)


def normalise(style: str) -> str:
    """A style name compared as Word users think of it: no case, spaces, hyphens."""
    return re.sub(r"[\s_-]", "", style).lower()


def class_name(style: str) -> str:
    """A CSS class from a style name: "Clinic Contact" -> clinic-contact. A name one slip
    from a box name (which the build would refuse as a typo) gets a `style-` prefix."""
    slug = re.sub(r"[^\w]+", "-", style.strip().lower(), flags=re.UNICODE).strip("-_")
    if not slug or not slug[0].isalpha():
        slug = f"style-{slug}".rstrip("-")
    if likely_typo(slug, BOXES):
        slug = f"style-{slug}"
    return slug


def heading_level(target: str) -> int | None:
    """The level of a `heading N` target."""
    match = _HEADING.match(target)
    return int(match.group(1)) if match else None


def read_style_map(text: str, shown: str) -> StyleMap:
    """A user's style map (YAML: `Style name: target`); errors name the line."""
    try:
        data = safe_load(text) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise ManuscriptError.at(
            Location(shown, mark.line + 1 if mark else None), f"not valid YAML: {error}"
        ) from None
    if not isinstance(data, dict):
        raise ManuscriptError.at(
            Location(shown, 1), "a style map is a list of 'Word style name: target' lines"
        )
    entries = {}
    lines = text.splitlines()
    for name, target in data.items():
        value = str(target).strip().lower() if target is not None else ""
        if value not in TARGETS and not re.match(r"^\.[A-Za-z][\w-]*$", value):
            line = next(
                (n for n, line_ in enumerate(lines, 1) if line_.lstrip().startswith(str(name))),
                None,
            )
            raise ManuscriptError.at(
                Location(shown, line),
                f"style '{name}': unknown target '{target}'; use one of "
                f"{', '.join(TARGETS)}, or .a-class for a div with that class",
            )
        entries[normalise(str(name))] = value
    return StyleMap(entries)


def _yaml_key(name: str) -> str:
    dumped: str = yaml.safe_dump(name, allow_unicode=True)
    return dumped.strip().removesuffix("...").strip()


def render_style_map(found: dict[str, str]) -> str:
    """style-map.yaml: the paragraph styles the document used and what each became."""
    lines = [
        "# Word paragraph styles and what they became in this manuscript. Edit a line and",
        "# import again with --style-map style-map.yaml (targets: key-points, summary, note,",
        "# warning, quote, paragraph, drop, heading 1 … heading 6, or .a-class for a div).",
    ]
    for style, target in sorted(found.items(), key=lambda item: item[0].lower()):
        lines.append(f"{_yaml_key(style)}: {target}")
    return "\n".join(lines) + "\n"
