"""`new`: a manuscript folder that builds at once, to start a book from."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..core.errors import Location, ManuscriptError
from ..core.output import write_all
from .build import print_problems

NAME = "new"
HELP = "start a manuscript: book.yaml, a sample chapter, a bibliography"
DESCRIPTION = (
    "Create FOLDER with a book.yaml whose every field is explained, a sample chapter that "
    "uses each construct of the dialect (citations, boxes, tables, figures, cross-references, "
    "footnotes), a reference chapter and a BibTeX bibliography. It builds at once: "
    "cd FOLDER && manuscript-pipeline build. Existing files are never overwritten."
)
# The sample manuscript ships inside the package (and so inside the wheel).
SCAFFOLD = Path(__file__).resolve().parent.parent / "scaffold"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The new command's argument: the folder to create."""
    parser.add_argument("folder", type=Path, help="the manuscript folder to create")


def scaffold_files(folder: Path) -> dict[Path, bytes]:
    """Every file of the sample manuscript, by its path in `folder`."""
    return {
        folder / source.relative_to(SCAFFOLD): source.read_bytes()
        for source in sorted(SCAFFOLD.rglob("*"))
        if source.is_file()
    }


def run(args: argparse.Namespace) -> int:
    """Write the sample manuscript unless a file of it is already there."""
    folder: Path = args.folder
    files = scaffold_files(folder)
    taken = sorted(str(path) for path in files if path.exists() or path.is_symlink())
    if folder.exists() and not folder.is_dir():
        taken = [str(folder)]
    if taken:
        print_problems(
            ManuscriptError.at(
                Location(taken[0]),
                f"already exists ({len(taken)} file(s) in the way); `new` never overwrites: "
                "choose a new folder name",
            )
        )
        return 1
    try:
        write_all(files)
    except OSError as error:
        print(f"{folder}: error: cannot write there ({error.strerror})", file=sys.stderr)
        return 1
    print(f"Created {folder}/ with {len(files)} files. Build it with:")
    print(f"  cd {folder} && manuscript-pipeline build")
    return 0
