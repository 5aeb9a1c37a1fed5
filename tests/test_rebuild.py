"""A rebuild with nothing changed makes nothing; any change to an input, or to an edition on
disk, makes everything again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.cli import main

from .conftest import DATA


def _build(book: Path, out: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert main(["build", str(book), "-o", str(out), *extra]) == 0
    return capsys.readouterr().out


def test_nothing_changed_nothing_made_and_any_change_rebuilds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book, out = tmp_path / "book", tmp_path / "out"
    shutil.copytree(DATA / "tiny", book)
    first = _build(book, out, capsys)
    assert "layout" in first and "first build into this folder" in first
    made = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    again = _build(book, out, capsys)
    assert "unchanged since the last build" in again and "layout" not in again
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == made

    (book / "book.yaml").touch()  # a new time, the same bytes: still nothing to do
    assert "layout" not in _build(book, out, capsys)

    chapter = book / "chapters" / "one.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nOne more line.\n", "utf-8")
    assert "layout" in _build(book, out, capsys)

    (out / "a-tiny-book.epub").unlink()  # an edition gone from the folder
    assert "layout" in _build(book, out, capsys)
    (out / "a-tiny-book.pdf").write_bytes(b"edited by hand")
    assert "layout" in _build(book, out, capsys)

    assert "layout" in _build(book, out, capsys, "--force")
    assert "layout" in _build(book, out, capsys, "-e", "a4")  # other editions asked for


def test_a_skipped_build_still_shows_the_last_builds_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["build", str(DATA / "tiny"), "-o", str(tmp_path), "-q", "-e", "epub"]
    assert main(args) == 0
    first = capsys.readouterr().err
    assert main(args) == 0
    assert capsys.readouterr().err == first and "'unused' is never cited" in first
