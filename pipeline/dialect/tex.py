"""Raw TeX as pandoc sees it in Markdown: LaTeX commands and environments written for the PDF.

pandoc passes them to LaTeX and drops them from HTML and EPUB. Our editions are HTML, so a
page-break command becomes a page break in print, and everything else is dropped — each with
a warning naming its line, so nothing vanishes unnoticed.
"""

from __future__ import annotations

import re

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
