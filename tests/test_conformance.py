"""pandoc as the oracle: each construct of the conformance corpus means the same in both.

`tests/conformance/*.md` holds one small file per construct. pandoc renders it to HTML, the
pipeline renders it through its stages, and the two are compared as token lists (see
tests/pandoc_oracle.py). A construct in DIFFERENT differs on purpose; the test then checks
that it still differs, so the list stays true.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from .conftest import IN_CI
from .pandoc_oracle import author_classes, pandoc_html, pandoc_path, pipeline_html, tokens

CORPUS = Path(__file__).parent / "conformance"
CASES = sorted(CORPUS.glob("*.md"))
CASES = [case for case in CASES if case.name != "README.md"]
# Constructs whose rendering differs from pandoc's by design, and why.
DIFFERENT = {
    "local-links": "a link to a local path leads nowhere in a PDF or an EPUB (and fails "
    "EPUBCheck): the text stays, the link goes, with a warning",
}


def _pandoc() -> Path:
    found = pandoc_path()
    if found is None:
        if IN_CI:
            pytest.fail("pypandoc-binary is not installed (a dev dependency in pyproject.toml)")
        pytest.skip("pypandoc-binary is not installed")
    return found


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_construct_means_what_pandoc_says(case: Path) -> None:
    markdown = case.read_text()
    classes = author_classes(markdown)
    expected = tokens(pandoc_html(_pandoc(), markdown), classes)
    ours = tokens(pipeline_html(markdown), classes)
    diff = "\n".join(difflib.unified_diff(expected, ours, "pandoc", "pipeline", lineterm=""))
    if case.stem in DIFFERENT:
        assert expected != ours, f"{case.name} now matches pandoc: remove it from DIFFERENT"
        return
    assert expected == ours, diff
