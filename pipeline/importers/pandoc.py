"""pandoc's Word reader, run as a separate program on the cleaned package.

pandoc 3.9 comes inside the `pypandoc-binary` wheel (pinned), so every install reads Word the
same way and nothing is downloaded. It runs with `--sandbox` (no file or network access beyond
its input, which arrives on stdin), a heap limit and a time limit, and writes its document
tree as JSON on stdout; nothing is written to disk.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from ..core.errors import Location, ManuscriptError

PANDOC_VERSION = "3.9"
HEAP_LIMIT = "2048m"
TIME_LIMIT_SECONDS = 300


def pandoc_path() -> Path:
    """The pandoc binary inside the pypandoc-binary wheel (never one found on PATH, whose
    version and Word reader would differ)."""
    import pypandoc  # type: ignore[import-untyped]

    return Path(pypandoc.__file__).resolve().parent / "files" / "pandoc"


def read_docx(docx: bytes, changes: str, shown: str) -> dict[str, Any]:
    """pandoc's document tree (JSON) of a cleaned .docx; `changes` is accept or reject."""
    binary = pandoc_path()
    where = Location(shown)
    if not binary.is_file():
        raise ManuscriptError.at(
            where,
            "pandoc is missing (it comes with the pypandoc-binary package); reinstall the "
            "pipeline with pip",
        )
    command = [
        str(binary),
        "--from=docx+styles+citations",
        "--to=json",
        f"--track-changes={changes}",
        "--sandbox",
        "+RTS",
        f"-M{HEAP_LIMIT}",
        "-RTS",
    ]
    try:
        done = subprocess.run(
            command,
            input=docx,
            capture_output=True,
            timeout=TIME_LIMIT_SECONDS,
            check=False,
            env={"LANG": "C.UTF-8"},
        )
    except subprocess.TimeoutExpired:
        raise ManuscriptError.at(
            where, f"reading the document took longer than {TIME_LIMIT_SECONDS} s; stopped"
        ) from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ManuscriptError.at(
            where,
            "pandoc could not read the document ("
            + (message[-1] if message else f"exit status {done.returncode}")
            + "); open it in Word, save it again as .docx and retry",
        )
    tree: dict[str, Any] = json.loads(done.stdout)
    return tree
