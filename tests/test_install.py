"""The tool installs like one: a fresh virtual environment, a normal (not editable) install of
the repository, then `new` and `build` with the console script in an unrelated folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import REPO, visible


def run_in(folder: Path, *command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], cwd=folder, capture_output=True, text=True, check=False
    )


def test_a_non_editable_install_builds_a_new_manuscript_anywhere(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    made = run_in(tmp_path, sys.executable, "-m", "venv", "--without-pip", venv)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    # The test environment's pip installs into the new one: no pip download, pip's cache used.
    installed = run_in(
        tmp_path,
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--quiet",
        "--no-compile",
        "--disable-pip-version-check",
        REPO,
    )
    assert installed.returncode == 0, installed.stderr
    where = run_in(tmp_path, python, "-c", "import pipeline; print(pipeline.__file__)")
    assert Path(where.stdout.strip()).is_relative_to(venv)  # the installed copy, not the checkout

    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    tool = venv / "bin" / "manuscript-pipeline"
    created = run_in(elsewhere, tool, "new", "my-book")
    assert created.returncode == 0, created.stderr
    assert (elsewhere / "my-book" / "book.yaml").is_file()
    built = run_in(elsewhere / "my-book", tool, "build", "--quiet")  # this folder's book.yaml
    assert built.returncode == 0, built.stdout + built.stderr
    outputs = visible(elsewhere / "my-book" / "output")
    assert outputs == ["my-first-book.epub", "my-first-book.pdf"]
    again = run_in(elsewhere, tool, "new", "my-book")
    assert again.returncode == 1 and "never overwrites" in again.stderr
