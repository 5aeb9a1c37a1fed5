"""Where things live: the manuscript, the styles and the output folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

BOOK_FILE = "book.yaml"
_PACKAGE = Path(__file__).resolve().parent.parent


def styles_folder() -> Path:
    """The house styles: inside the installed package (a wheel carries a copy), or the
    checkout's top-level `styles/`, which stays the one source."""
    packaged = _PACKAGE / "styles"
    return packaged if packaged.is_dir() else _PACKAGE.parent / "styles"


def default_manuscript(here: Path) -> Path:
    """The folder the user stands in when it holds a book.yaml, else its `manuscript/`."""
    return here if (here / BOOK_FILE).is_file() else here / "manuscript"


def default_output(here: Path) -> Path:
    """`output/` in the folder the user stands in."""
    return here / "output"


@dataclass(frozen=True)
class Project:
    """Absolute paths a build reads from and writes to; passed explicitly, never global."""

    root: Path
    manuscript: Path
    styles: Path
    output: Path

    @classmethod
    def at(cls, root: Path, manuscript: Path, output: Path) -> Project:
        """A project whose messages name paths relative to `root` (the folder the user runs
        the command from) and whose styles are the house styles."""
        return cls(root.resolve(), manuscript.resolve(), styles_folder(), output.resolve())

    def show(self, path: Path) -> str:
        """A path as messages print it: relative to the root, the manuscript's parent or the
        styles' parent when inside one of them."""
        path = path.resolve()
        for base in (self.root, self.manuscript.parent, self.styles.parent):
            if path.is_relative_to(base):
                return path.relative_to(base).as_posix()
        return str(path)

    @property
    def readable_roots(self) -> tuple[Path, ...]:
        """The only folders rendering may read from: the manuscript and the styles."""
        return (self.manuscript, self.styles)


def output_problem(manuscript: Path, output: Path) -> str | None:
    """Why editions cannot be written to `output`, or None.

    The manuscript's own `output/` is the one folder inside it that may hold editions (the
    default when a manuscript is built from inside its folder); it is never read as a source.
    Anywhere else inside the manuscript, editions would mix with the sources they are made of.
    """
    manuscript, output = manuscript.resolve(), output.resolve()
    if output.exists() and not output.is_dir():
        return "is a file, not a folder; choose a folder for the editions with --output"
    if output == manuscript or (
        output.is_relative_to(manuscript) and output != manuscript / "output"
    ):
        return (
            "is inside the manuscript folder, among the sources; write the editions to the "
            "manuscript's own output/ or to a folder outside it"
        )
    return None
