"""Where things live: the manuscript, the styles and the output folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Project:
    """Absolute paths a build reads from and writes to; passed explicitly, never global."""

    root: Path
    manuscript: Path
    styles: Path
    output: Path

    @classmethod
    def at(cls, root: Path, manuscript: Path, output: Path) -> Project:
        """A project whose styles sit in `root/styles`."""
        root = root.resolve()
        return cls(root, manuscript.resolve(), root / "styles", output.resolve())

    def show(self, path: Path) -> str:
        """A path as messages print it: relative to the project root when inside it."""
        path = path.resolve()
        for base in (self.root, self.manuscript.parent):
            if path.is_relative_to(base):
                return path.relative_to(base).as_posix()
        return str(path)

    @property
    def readable_roots(self) -> tuple[Path, ...]:
        """The only folders rendering may read from: the manuscript and the styles."""
        return (self.manuscript, self.styles)
