"""The command line: one line per problem, exit 1, no traceback, previous outputs untouched."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.core.errors import Location, ManuscriptError, Problem
from pipeline.editions import web as web_module

from .conftest import DATA, REPO, visible

BROKEN = sorted(p for p in (DATA / "broken").iterdir() if (p / "expected.txt").exists())


@pytest.mark.parametrize("case", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_manuscript_fails_with_the_expected_message_and_keeps_old_outputs(
    case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "broken.pdf"
    old.write_bytes(b"%PDF-1.7 the last good build")
    status = main(["build", str(case), "--output", str(tmp_path), "--quiet"])
    captured = capsys.readouterr()
    where = case.relative_to(REPO).as_posix()
    expected = (case / "expected.txt").read_text().replace("{dir}", where)
    assert status == 1
    assert captured.err == expected
    assert "Traceback" not in captured.err + captured.out
    assert old.read_bytes() == b"%PDF-1.7 the last good build"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.pdf"], "no partial files"


def test_a_real_process_prints_no_traceback_and_exits_1(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "build",
            str(DATA / "broken" / "unknown-citation"),
            "-o",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().endswith("did you mean 'smith2020'?")
    assert "Traceback" not in result.stderr
    assert "load" in result.stdout  # progress lines went to stdout before the failure


def test_help_explains_the_build_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["build", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for option in ("--output", "--format", "--profile", "--quiet", "book.yaml"):
        assert option in text


def test_quiet_build_prints_nothing_but_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", str(DATA / "tiny"), "-o", str(tmp_path), "-q", "-f", "pdf"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "refs.json:" in captured.err and "'unused' is never cited" in captured.err
    assert "review date 2026-01-15 has passed" in captured.err
    assert visible(tmp_path) == ["a-tiny-book.pdf"]


def test_large_print_profile_writes_its_own_file(tmp_path: Path) -> None:
    assert (
        main(
            [
                "build",
                str(DATA / "tiny"),
                "-o",
                str(tmp_path),
                "-q",
                "-f",
                "pdf",
                "-p",
                "large-print",
            ]
        )
        == 0
    )
    assert visible(tmp_path) == ["a-tiny-book-large-print.pdf"]


def test_unknown_profile_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", str(DATA / "tiny"), "-o", str(tmp_path), "-q", "-p", "a5"]) == 1
    assert (
        "styles/profiles: error: unknown edition 'a5'; choose from a4, large-print, leaflet, "
        "letter, press, booklet, epub, web" in capsys.readouterr().err
    )


def test_a_misspelt_edition_in_book_yaml_is_reported_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    book = tmp_path / "book"
    shutil.copytree(DATA / "tiny", book)
    with (book / "book.yaml").open("a") as stream:
        stream.write("editions: [a4, leaflat, web]\n")
    line = (book / "book.yaml").read_text().count("\n")
    assert main(["build", str(book), "-o", str(tmp_path / "out"), "-q", "--all-editions"]) == 1
    err = capsys.readouterr().err
    assert f"book.yaml:{line}: error: unknown edition 'leaflat'; did you mean 'leaflet'?" in err
    assert not (tmp_path / "out").exists()


def test_an_error_in_a_parallel_edition_fails_the_whole_build_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The problem crosses back from the worker process; no edition is written. (The
    pipeline's own checks catch every WeasyPrint error we know how to provoke before the
    editions start, so the web edition's renderer is made to fail here.)"""

    def failing(*_args: object) -> None:
        raise ManuscriptError([Problem(Location("chapters/one.md", 5), "the web page failed")])

    # The build imports the renderer when it makes the web page (a build without one never
    # loads it), so the patch goes where it is imported from.
    monkeypatch.setattr(web_module, "render_web", failing)
    argv = ["build", str(DATA / "tiny"), "-o", str(tmp_path), "-q", "-e", "a4", "-e", "web"]
    assert main([*argv, "-j", "2"]) == 1
    err = capsys.readouterr().err
    assert "chapters/one.md:5: error: the web page failed" in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
