"""Raw TeX as pandoc sees it in Markdown: LaTeX commands and environments written for the PDF.

pandoc passes them to LaTeX and drops them from HTML and EPUB. Our editions are HTML, so a
page-break command becomes a page break in print, and everything else is dropped — each with
a warning naming its line, so nothing vanishes unnoticed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

PAGE_BREAKS = ("newpage", "pagebreak", "clearpage", "cleardoublepage")
PAGE_BREAK_HTML = '<div class="page-break" aria-hidden="true"></div>'
_PAGE_BREAK = re.compile(rf"^\\({'|'.join(PAGE_BREAKS)})(\{{\}})?\s*$")
_COMMAND_LINE = re.compile(r"^ {0,3}\\[A-Za-z]+\*?(?:\[[^\]]*\]|\{[^{}]*\})*\s*(%.*)?$")
_BEGIN = re.compile(r"^ {0,3}\\begin\{(?P<env>[^}]+)\}")
_INLINE = re.compile(r"\\[A-Za-z]+\*?(?:\[[^\]\n]*\])?(?:\{[^{}\n]*(?:\{[^{}\n]*\}[^{}\n]*)*\})*")


def page_break(line: str) -> str | None:
    """The command's name when the line is `\\newpage` (or a sibling) alone."""
    match = _PAGE_BREAK.match(line.strip())
    return match.group(1) if match else None


def environment(line: str) -> str | None:
    """The environment a `\\begin{…}` line opens (pandoc reads it whole as raw TeX)."""
    match = _BEGIN.match(line)
    return match.group("env") if match else None


def ends_environment(line: str, env: str) -> bool:
    """True on the line that closes `env`."""
    return f"\\end{{{env}}}" in line


def is_command_line(line: str) -> bool:
    """A line that is one TeX command (`\\maketitle`, `\\vspace{1cm}`), not prose."""
    return bool(_COMMAND_LINE.match(line)) and not line.lstrip().startswith("\\\\")


def inline_commands(text: str) -> list[re.Match[str]]:
    """TeX commands inside a line of prose, e.g. `\\cite[22]{smith}` (outside math and code)."""
    return list(_INLINE.finditer(text))


_NEWCOMMAND = re.compile(
    r"^\s*\\(?:re)?newcommand\*?\{?\\(?P<name>[A-Za-z]+)\}?(?:\[(?P<count>\d)\])?\{(?P<body>.*)\}\s*$"
)


def macro_definition(line: str) -> tuple[str, int, str] | None:
    """`\\newcommand{\\tuple}[1]{\\langle #1 \\rangle}` -> ('tuple', 1, '\\langle #1 \\rangle');
    pandoc applies such macros to the math that follows."""
    match = _NEWCOMMAND.match(line)
    if not match:
        return None
    return match.group("name"), int(match.group("count") or 0), match.group("body")


def expand_macros(tex: str, macros: dict[str, tuple[int, str]]) -> str:
    """The formula with every defined macro replaced by its body, arguments filled in."""
    for _ in range(10):  # macros may use macros; ten rounds is plenty, and no loop forever
        changed = False
        for name, (count, body) in macros.items():
            pattern = re.escape(f"\\{name}") + r"(?![A-Za-z])" + r"\s*\{([^{}]*)\}" * count
            expanded = re.sub(pattern, _filler(body), tex)
            changed |= expanded != tex
            tex = expanded
        if not changed:
            break
    return tex


def _filler(body: str) -> Callable[[re.Match[str]], str]:
    def fill(match: re.Match[str]) -> str:
        text = body
        for number, argument in enumerate(match.groups(), start=1):
            text = text.replace(f"#{number}", argument or "")
        return text

    return fill
