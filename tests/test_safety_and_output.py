"""Rendering reads only the project; outputs are replaced all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core.output import write_all
from pipeline.editions.fetcher import ProjectFetcher, RefusedResourceError


def test_fetcher_serves_files_inside_the_allowed_folders_only(tmp_path: Path) -> None:
    inside = tmp_path / "manuscript"
    inside.mkdir()
    (inside / "x.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("secret")
    (inside / "link.svg").symlink_to(tmp_path / "secret.txt")
    fetcher = ProjectFetcher((inside,))
    response = fetcher.fetch((inside / "x.svg").as_uri())
    assert response.read() == b"<svg/>" and response.headers["Content-Type"] == "image/svg+xml"
    for refused in [
        (tmp_path / "secret.txt").as_uri(),
        (inside / "link.svg").as_uri(),
        f"{inside.as_uri()}/../secret.txt",
        "http://127.0.0.1:9/x.css",
        "https://example.org/x.png",
        "ftp://example.org/x",
        "file:///dev/zero",
    ]:
        with pytest.raises(RefusedResourceError):
            fetcher.fetch(refused)


def test_data_uris_are_allowed(tmp_path: Path) -> None:
    response = ProjectFetcher((tmp_path,)).fetch("data:text/plain;base64,aGk=")
    assert response.read() == b"hi"


def test_outputs_are_written_beside_their_targets_and_renamed(tmp_path: Path) -> None:
    target = tmp_path / "book.pdf"
    target.write_bytes(b"old")
    write_all({target: b"new", tmp_path / "book.epub": b"epub"})
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.epub", "book.pdf"]


def test_a_failed_write_leaves_every_old_output_and_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "book.pdf"
    target.write_bytes(b"old")
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a folder should be")
    with pytest.raises(OSError):
        write_all({target: b"new", blocked / "book.epub": b"epub"})
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocked", "book.pdf"]
