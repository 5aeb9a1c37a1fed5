"""One YAML loader for every file an author writes (book.yaml, front matter, CSL-YAML, a
style map): PyYAML's safe loader without aliases.

An alias (`*name`) repeats a node by reference, so nine lines of aliases to aliases stand
for 9^9 values: loading them, or walking them for their lines, takes minutes and gigabytes.
No manuscript needs one, so an alias is refused at its line, like any other YAML error.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError


class SafeLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses aliases (`*name`) where they are written."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise ComposerError(
                None,
                None,
                "a YAML alias (*name) is not read here: write the value out in full",
                mark,
            )
        return super().compose_node(parent, index)


def safe_load(text: str) -> Any:
    """yaml.safe_load without aliases."""
    return yaml.load(text, Loader=SafeLoader)
