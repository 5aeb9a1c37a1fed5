"""What a piece of CSS would load, read as a browser reads it: escapes and comments decoded.

A stylesheet (an author's `css:` file, an SVG figure's `<style>` or `style=`) can make a reader
fetch files or reach the network through `@import`, `url()` and the functions that take a URL
as a string (`src()`, `image-set()`, `image()`, `cross-fade()`). CSS lets an author write any of
these with escapes (`\\75rl(`, `@\\69mport`) or split by comments, so the text is tokenized with
tinycss2 (the tokenizer WeasyPrint itself uses, CSS Syntax Level 3) and the tokens are checked,
never the raw text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import tinycss2
from tinycss2.ast import (
    AtKeywordToken,
    FunctionBlock,
    Node,
    ParenthesesBlock,
    ParseError,
    SquareBracketsBlock,
    StringToken,
    URLToken,
)
from tinycss2.ast import CurlyBracketsBlock as CurlyBlock

# Functions whose argument is a URL (CSS Values 4 `src()` is `url()` with a string).
URL_FUNCTIONS = frozenset({"url", "src"})
# Functions whose bare strings are URLs too: image-set("a.png" 1x), image("a.png").
IMAGE_FUNCTIONS = frozenset(
    {"image-set", "-webkit-image-set", "image", "-webkit-image", "cross-fade", "-webkit-cross-fade"}
)


@dataclass(frozen=True)
class CssLoad:
    """One thing in a stylesheet that would load a resource: `url` is None for `@import`, and
    for a URL too malformed to read (which a browser drops, but is refused all the same)."""

    line: int
    construct: str
    url: str | None


def css_loads(text: str) -> tuple[CssLoad, ...]:
    """Every `@import` and URL the CSS names, in order, with its line (1-based)."""
    return tuple(_loads(tinycss2.parse_component_value_list(text, skip_comments=True)))


def _loads(tokens: Iterable[Node]) -> Iterator[CssLoad]:
    for token in tokens:
        line = token.source_line
        if isinstance(token, AtKeywordToken) and token.lower_value == "import":
            yield CssLoad(line, "@import", None)
        elif isinstance(token, URLToken):
            yield CssLoad(line, "url()", token.value)
        elif isinstance(token, ParseError) and token.kind == "bad-url":
            yield CssLoad(line, "url()", None)
        elif isinstance(token, FunctionBlock):
            yield from _function_loads(token)
        elif isinstance(token, (CurlyBlock, SquareBracketsBlock, ParenthesesBlock)):
            yield from _loads(token.content)


def _function_loads(function: FunctionBlock) -> Iterator[CssLoad]:
    name, line = function.lower_name, function.source_line
    arguments = [t for t in function.arguments if t.type not in {"whitespace", "comment"}]
    if name in URL_FUNCTIONS:
        first = arguments[0] if arguments else None
        url = first.value if isinstance(first, StringToken) else None
        yield CssLoad(line, f"{name}()", url)
        return
    if name in IMAGE_FUNCTIONS:
        for argument in arguments:
            if isinstance(argument, StringToken):
                yield CssLoad(argument.source_line, f"{name}()", argument.value)
    yield from _loads(function.arguments)
