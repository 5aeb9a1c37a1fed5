"""Characters no edition can carry: control characters (often pasted from Word, a terminal or
a PDF) are invisible, and XML, hence the EPUB, refuses them. They are taken out with a warning
naming each line, so the author knows their text changed."""

from __future__ import annotations

import re

from ..core.errors import Location, Problem

# C0 controls except tab, line feed and carriage return; DEL; C1 controls; two non-characters.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# Word's manual line break (vertical tab) and a form feed separate words: they become spaces.
_SPACING = {"\x0b": " ", "\x0c": " "}


def without_control_characters(text: str, path: str) -> tuple[str, tuple[Problem, ...]]:
    """The text without control characters, and one warning per line that had any."""
    if not CONTROL.search(text):
        return text, ()
    warnings = []
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        found = sorted(set(CONTROL.findall(line)))
        if found:
            names = ", ".join(f"U+{ord(c):04X}" for c in found)
            warnings.append(
                Problem(
                    Location(path, number),
                    f"removed invisible control characters ({names}) that no edition can "
                    "carry; check the line reads as meant",
                )
            )
            lines[number - 1] = CONTROL.sub(lambda m: _SPACING.get(m.group(0), ""), line)
    return "\n".join(lines), tuple(warnings)
