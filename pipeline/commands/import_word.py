"""`import`: a Word document (.docx) becomes a manuscript folder that builds at once."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import Location, ManuscriptError
from ..core.sandbox import Limits, run_limited
from ..importers.archive import MAX_FILE_BYTES, name_problem
from ..importers.log import PLACEHOLDER, WARNING
from ..importers.modes import AUTO, ONE_FILE, SPLIT
from .build import print_problems

if TYPE_CHECKING:
    # Imported when the command runs: every command's parser is built on each start, and a
    # build should not wait for the Word reader.
    from ..importers.docx import ImportOptions, ImportResult

NAME = "import"
HELP = "make a manuscript folder from a Word document (.docx)"
DESCRIPTION = (
    "Read DOCUMENT.docx and write FOLDER (default: a folder named after the document) with "
    "book.yaml, chapters in the pipeline's Markdown, figures/, references.json for Zotero or "
    "Mendeley citations, style-map.yaml and IMPORT.md, the log of every decision taken and "
    "everything left out. It builds at once: manuscript-pipeline build FOLDER. The document "
    "is untrusted input: nothing it links to is fetched, nothing in it is run. Tracked changes "
    "and open comments stop the import unless --accept-changes or --reject-changes decides. "
    "An existing folder is never overwritten unless --force (and only one made by an earlier "
    "import)."
)
WORD_SUFFIXES = (".docx", ".docm", ".dotx", ".dotm")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The import command's arguments."""
    parser.add_argument("document", type=Path, help="the Word document (.docx)")
    parser.add_argument(
        "folder",
        nargs="?",
        type=Path,
        help="the manuscript folder to write (default: named after the document)",
    )
    decided = parser.add_mutually_exclusive_group()
    decided.add_argument(
        "--accept-changes",
        action="store_const",
        const="accept",
        dest="changes",
        help="accept every tracked change (comments are listed in IMPORT.md, not printed)",
    )
    decided.add_argument(
        "--reject-changes",
        action="store_const",
        const="reject",
        dest="changes",
        help="reject every tracked change (comments are listed in IMPORT.md, not printed)",
    )
    parser.add_argument(
        "--style-map",
        type=Path,
        metavar="FILE",
        help="Word style names and what they become (YAML; every import writes the one it "
        "used as style-map.yaml; default: FOLDER/style-map.yaml when --force replaces a folder)",
    )
    cut = parser.add_mutually_exclusive_group()
    cut.add_argument(
        "--split",
        action="store_const",
        const=SPLIT,
        dest="chapters",
        help="a chapter file per top-level heading (default for documents over 3000 words)",
    )
    cut.add_argument(
        "--one-file",
        action="store_const",
        const=ONE_FILE,
        dest="chapters",
        help="one chapter file whose sections are the document's headings (default for a leaflet)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace FOLDER if an earlier import made it (edits made there are lost)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only problems")


def run(args: argparse.Namespace) -> int:
    """Import; print a summary, the warnings and the placeholders; return the exit status."""
    from ..importers.docx import ImportOptions

    document: Path = args.document
    folder: Path = args.folder or Path.cwd() / _default_name(document)
    try:
        data = _read_document(document)
        _check_folder(folder, args.force)
        style_map_path = args.style_map or (
            folder / "style-map.yaml"
            if args.force and (folder / "style-map.yaml").is_file()
            else None
        )
        options = ImportOptions(
            changes=args.changes,
            style_map=style_map_path.read_text(encoding="utf-8") if style_map_path else None,
            style_map_name=str(style_map_path or "style-map.yaml"),
            chapters=args.chapters or AUTO,
            today=dt.date.today(),
        )
        result = run_limited(
            _import, (data, document.name, options), Limits(300, 2048, 300), Location(document.name)
        )
        write_folder(folder, result.files, replace=args.force)
    except ManuscriptError as error:
        print_problems(error)
        return 1
    except OSError as error:
        print(f"{folder}: error: cannot write there ({error.strerror})", file=sys.stderr)
        return 1
    for note in result.notes:
        if note.kind == WARNING:
            where = f"{note.where}: " if note.where else ""
            print(f"{document.name}: warning: {where}{note.what}", file=sys.stderr)
    if not args.quiet:
        placeholders = sum(1 for note in result.notes if note.kind == PLACEHOLDER)
        print(
            f"Imported {document.name} into {folder}/: {result.chapters} chapter file(s), "
            f"{result.figures} figure(s), {result.references} reference(s)."
        )
        print(f"  {folder}/IMPORT.md lists every decision and everything left out.")
        if placeholders:
            print(
                f"  {placeholders} placeholder(s) to fill in (TODO …); "
                f"manuscript-pipeline lint {folder} lists them."
            )
        print(f"Build it with:\n  manuscript-pipeline build {folder} -o {folder}/output")
    return 0


def _import(data: bytes, shown: str, options: ImportOptions, _report: object) -> ImportResult:
    from ..importers.docx import import_docx

    return import_docx(data, shown, options)


def _default_name(document: Path) -> str:
    return document.stem.strip().replace(" ", "-") or "imported"


def _read_document(document: Path) -> bytes:
    where = Location(str(document))
    suffix = document.suffix.lower()
    if suffix in {".odt", ".ott", ".fodt"}:
        raise ManuscriptError.at(
            where,
            "OpenDocument text cannot be imported yet; save it as .docx (LibreOffice: File > "
            "Save As > Word 2007-365) and import that",
        )
    if suffix in {".doc", ".rtf", ".pages"}:
        raise ManuscriptError.at(
            where, f"a {suffix} file cannot be imported; open it in Word and save it as .docx"
        )
    if suffix not in WORD_SUFFIXES:
        raise ManuscriptError.at(where, "not a Word document; import reads .docx files")
    if not document.is_file():
        raise ManuscriptError.at(where, "no such file")
    if document.stat().st_size > MAX_FILE_BYTES:
        raise ManuscriptError.at(
            where,
            f"the file is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB; save the pictures "
            "smaller in Word (File > Compress Pictures) and try again",
        )
    return document.read_bytes()


def _check_folder(folder: Path, force: bool) -> None:
    where = Location(str(folder))
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise ManuscriptError.at(where, "exists and is not a folder; choose another name")
    if not folder.exists():
        return
    if not force:
        raise ManuscriptError.at(
            where,
            "already exists; import never overwrites a folder (edits made there would be "
            "lost): choose a new folder, or add --force to replace one an earlier import made",
        )
    if any(folder.iterdir()) and not (folder / "IMPORT.md").is_file():
        raise ManuscriptError.at(
            where,
            "is not a folder an earlier import made (it has no IMPORT.md); --force replaces "
            "only those: choose a new folder",
        )


def write_folder(folder: Path, files: dict[str, bytes], replace: bool) -> None:
    """Write every file into a new folder beside the target, then rename it into place, so a
    failure or an interrupt leaves no half-written manuscript; a replaced folder is removed
    only after the new one is in place."""
    parent = folder.resolve().parent if folder.exists() else folder.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.importing-", dir=parent))
    old: Path | None = None
    try:
        for name, data in files.items():
            if name_problem(name):
                raise ManuscriptError.at(Location(name), "refused: not a path inside the folder")
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("xb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
        staging.chmod(0o777 & ~_umask())
        if folder.exists() and replace:
            old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.replaced-", dir=parent))
            old.rmdir()
            folder.rename(old)
        staging.rename(folder)
    except BaseException:
        if old is not None and not folder.exists():
            old.rename(folder)
            old = None
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
