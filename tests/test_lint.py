"""lint: each rule on a fixture, a planted manuscript found line by line, clean text silent."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.core.project import Project
from pipeline.proof.findings import RULES
from pipeline.proof.lint import LintResult, lint

from .conftest import DATA, REPO

TODAY = dt.date(2026, 11, 30)
LINT = DATA / "lint"
BOOK_YAML = """title: Rule fixture
authors: [Test Team]
publisher: Test Press
lang: en
date: 2025-01-01
edition: First edition
review-date: 2027-01-01
rights: © 2025 Test Press
chapters: [chapters/one.md]
bibliography: refs.json
"""
REFS = [
    {
        "id": "ok",
        "type": "book",
        "title": "A complete book",
        "author": [{"family": "Okafor", "given": "Ada"}],
        "issued": {"date-parts": [[2021]]},
    }
]


def lint_folder(folder: Path) -> LintResult:
    return lint(Project.at(REPO, folder, folder / "output"), TODAY)


def lint_chapter(
    tmp_path: Path, chapter: str, book: str = BOOK_YAML, refs: list[dict[str, object]] = REFS
) -> list[tuple[int | None, str]]:
    """Lint a one-chapter manuscript; (line, code) of each finding in the chapter file or
    elsewhere, in order."""
    (tmp_path / "chapters").mkdir()
    (tmp_path / "figures").mkdir()
    for name in ("x.svg", "scan-01.svg"):
        (tmp_path / "figures" / name).write_bytes(
            (DATA / "tiny" / "figures" / "dot.svg").read_bytes()
        )
    (tmp_path / "book.yaml").write_text(book)
    (tmp_path / "refs.json").write_text(json.dumps(refs, indent=1))
    (tmp_path / "chapters" / "one.md").write_text(chapter)
    return [(f.location.line, f.code) for f in lint_folder(tmp_path).findings]


CITED = "# Title\n\nA sentence that cites the book [@ok].\n"

# One fixture per rule: the chapter text, and the (line, code) findings it must give.
RULE_FIXTURES = {
    "PL001 coming soon": (CITED + "\n## Sleep\n\nContent coming soon.\n", [(7, "PL001")]),
    "PL001 coming soon in a heading": (
        CITED + "\n## Sleep: coming soon\n\nText (coming soon).\n",
        [(5, "PL001"), (7, "PL001")],
    ),
    "PL001 TODO and TBD": (CITED + "\nTake TBD tablets. FIXME later.\n", [(5, "PL001")]),
    "PL001 lorem ipsum": (CITED + "\nLorem ipsum dolor sit amet.\n", [(5, "PL001")]),
    "PL001 capture link": (CITED + "\nSee {Link: our page https://x.org}.\n", [(5, "PL001")]),
    "PL001 insert": (CITED + "\nCall [insert phone number] today.\n", [(5, "PL001")]),
    "PL001 not in code": (CITED + "\nType `TODO` here. <!-- TODO -->\n\n    TODO\n", []),
    "PL002 click here": (
        CITED + "\nFor the tests, [click here](https://x.org/t).\n",
        [(5, "PL002")],
    ),
    "PL002 here": (CITED + "\nThe guide is [here](https://x.org/t).\n", [(5, "PL002")]),
    "PL002 learn more": (CITED + "\n[Learn more](https://x.org/t) about it.\n", [(5, "PL002")]),
    "PL002 this link": (CITED + "\nUse [this link](https://x.org/t).\n", [(5, "PL002")]),
    "PL002 says where": (CITED + "\nRead the [NHS guide to tests](https://x.org/t).\n", []),
    "PL003 bare URL": (CITED + "\nVisit https://www.nhs.uk/ for more.\n", [(5, "PL003")]),
    "PL003 www": (CITED + "\nVisit www.nhs.uk today.\n", [(5, "PL003")]),
    "PL003 autolink": (CITED + "\nVisit <https://www.nhs.uk/> today.\n", [(5, "PL003")]),
    "PL003 URL as link text": (
        CITED + "\nSee [www.nhs.uk](https://www.nhs.uk/).\n",
        [(5, "PL003")],
    ),
    "PL004 duplicate": (
        CITED + "\nDrink plenty of water every day, more when it is hot.\n\n"
        "Other text here.\n\nDrink plenty of water every day, more when it is hot!\n",
        [(9, "PL004")],
    ),
    "PL004 short lines repeat freely": (CITED + "\nAsk your GP.\n\nAsk your GP.\n", []),
    "PL005 long sentence": (
        CITED
        + "\nShort one. "
        + " ".join(["word"] * 41)
        + ".\n\n"
        + " ".join(["word"] * 40)
        + ".\n",
        [(5, "PL005")],
    ),
    "PL005 line of the sentence": (
        CITED + "\nA first sentence.\nThen " + " ".join(["more"] * 45) + ".\n",
        [(6, "PL005")],
    ),
    "PL101 empty section": (CITED + "\n## Empty\n\n## Full\n\nText.\n", [(5, "PL101")]),
    "PL101 empty at the end": (CITED + "\n## Last\n\n<!-- nothing yet -->\n", [(5, "PL101")]),
    "PL101 subsections are content": (CITED + "\n## Parent\n\n### Child\n\nText.\n", []),
    "PL101 pandoc fills the references": (CITED + "\n## References\n", []),
    "PL102 heading jump": (CITED + "\n### Too deep\n\nText.\n", [(5, "PL102")]),
    "PL102 back up is fine": (CITED + "\n## A\n\n### B\n\nText.\n\n## C\n\nText.\n", []),
    "PL103 file name": (CITED + "\n![x.svg](figures/x.svg)\n", [(5, "PL103")]),
    "PL103 stem": (CITED + '\n![A dot](figures/x.svg){alt="x"}\n', [(5, "PL103")]),
    "PL103 stem of a file name": (
        CITED + '\n![Dot](figures/scan-01.svg){alt="Scan-01"}\n',
        [(5, "PL103")],
    ),
    "PL103 words of the stem": (CITED + "\n![X](figures/x.svg)\n", []),
    "PL103 photo": (CITED + "\nText ![photo](figures/x.svg) inline.\n", [(5, "PL103")]),
    "PL103 raw img": (CITED + '\n<img src="figures/x.svg" alt="Image 1">\n', [(5, "PL103")]),
    "PL103 real alt": (CITED + "\n![A red dot on a white page](figures/x.svg)\n", []),
    "PL201 uncited": ("# Title\n\nNo citation here.\n", [(3, "PL201")]),  # refs.json line
    "PL900 build error": (CITED + "\nAn unknown key [@nope].\n", [(5, "PL900")]),
}


@pytest.mark.parametrize("case", RULE_FIXTURES, ids=list(RULE_FIXTURES))
def test_each_rule_finds_its_fixture_at_its_line(case: str, tmp_path: Path) -> None:
    chapter, expected = RULE_FIXTURES[case]
    assert lint_chapter(tmp_path, chapter) == expected


def test_incomplete_references_name_what_is_missing(tmp_path: Path) -> None:
    refs = [
        *REFS,
        {"id": "no-year", "type": "book", "title": "T", "author": [{"literal": "WHO"}]},
        {"id": "no-author", "type": "book", "title": "T", "issued": {"raw": "2020"}},
    ]
    chapter = CITED + "\nMore [@no-year; @no-author].\n"
    found = lint_chapter(tmp_path, chapter, refs=refs)
    lines = (tmp_path / "refs.json").read_text().splitlines()
    id_lines = [n for n, line in enumerate(lines, 1) if '"id": "no-' in line]
    assert found == [(id_lines[0], "PL202"), (id_lines[1], "PL202")]
    messages = [f.message for f in lint_folder(tmp_path).findings]
    assert "'no-year' has no year" in messages[0]
    assert "'no-author' has no author" in messages[1]


@pytest.mark.parametrize(
    ("review", "expected"),
    [
        ("review-date: 2026-11-29\n", [(7, "PL301")]),
        ("", [(5, "PL302")]),
        ("review-date: 2026-11-30\n", []),
    ],
)
def test_review_date_passed_or_missing(
    review: str, expected: list[tuple[int, str]], tmp_path: Path
) -> None:
    book = BOOK_YAML.replace("review-date: 2027-01-01\n", review)
    assert lint_chapter(tmp_path, CITED, book=book) == expected


def test_a_comment_silences_the_next_block_or_its_own_line(tmp_path: Path) -> None:
    chapter = (
        CITED
        + "\n<!-- lint-ignore PL003 PL002 -->\nVisit https://x.org or\n[here](https://x.org).\n"
        + "\nVisit https://y.org today. <!-- lint-ignore PL003 -->\n"
        + "\nVisit https://z.org now.\n"
    )
    assert lint_chapter(tmp_path, chapter) == [(11, "PL003")]


def test_lint_comments_that_do_nothing_are_reported(tmp_path: Path) -> None:
    chapter = (
        CITED
        + "\n<!-- lint-ignore PL999 -->\nText.\n"
        + "\n<!-- lint-ignore -->\nText.\n"
        + "\n<!-- lint-ignore PL005 -->\nText.\n"
    )
    found = lint_chapter(tmp_path, chapter)
    assert found == [(5, "PL000"), (8, "PL000"), (11, "PL000")]


def test_book_yaml_silences_a_code_for_the_whole_book(tmp_path: Path) -> None:
    book = BOOK_YAML + "lint:\n  ignore: [PL003, PL900]\n  sentence-words: 10\n"
    chapter = CITED + "\nVisit https://x.org today. " + " ".join(["word"] * 11) + ".\n"
    found = lint_chapter(tmp_path, chapter, book=book)
    # PL003 gone; PL900 cannot be silenced (book.yaml:11, the `lint:` line, says so); the
    # sentence limit is 10 words.
    assert found == [(11, "PL000"), (5, "PL005")]


def test_the_planted_manuscript_gives_exactly_its_expected_findings() -> None:
    folder = LINT / "planted"
    expected = (folder / "expected.txt").read_text().splitlines()
    base = folder.relative_to(REPO).as_posix() + "/"
    found = [
        f"{f.location.path.removeprefix(base)}:{f.location.line}: {f.code}"
        for f in lint_folder(folder).findings
    ]
    assert found == expected
    assert {line.split()[-1] for line in expected} >= set(RULES) - {"PL302", "PL900", "PL901"}


def test_clean_text_gives_no_finding() -> None:
    result = lint_folder(LINT / "clean")
    assert [str(f) for f in result.findings] == []


def test_the_default_manuscript_has_only_the_findings_its_editors_log_explains() -> None:
    result = lint_folder(REPO / "manuscript")
    codes = {f.code for f in result.findings}
    assert codes == {"PL202"}, [str(f) for f in result.findings]
    assert result.errors == 0
    # EDITS.md explains them: the captured references had no authors or years.
    log = (REPO / "manuscript" / "EDITS.md").read_text()
    assert "PL202" in log
    assert len(result.findings) == len(
        json.loads((REPO / "manuscript" / "references.json").read_text())
    )


def test_command_prints_file_line_severity_and_code_and_exits_1_on_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["lint", str(LINT / "planted"), "--today", "2026-11-30"])
    out, err = capsys.readouterr()
    assert status == 1
    assert re.search(
        r"^tests/data/lint/planted/chapters/01-kidneys\.md:13: error: "
        r"placeholder text 'TODO'; .+ \[PL001\]$",
        out,
        re.MULTILINE,
    )
    assert "lint: 11 errors, 8 warnings in 2 chapters" in err
    assert main(["lint", str(LINT / "clean"), "--today", "2026-11-30"]) == 0


def test_command_json_and_rules_list(capsys: pytest.CaptureFixture[str]) -> None:
    main(["lint", str(LINT / "planted"), "--today", "2026-11-30", "--json"])
    findings = json.loads(capsys.readouterr().out)
    assert findings[0] == {
        "code": "PL301",
        "severity": "error",
        "path": "tests/data/lint/planted/book.yaml",
        "line": 7,
        "message": findings[0]["message"],
    }
    assert main(["lint", "--rules"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == list(RULES)


def test_a_broken_book_yaml_is_a_finding_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "book.yaml").write_text("title: x\nreveiw-date: 2020-01-01\n")
    result = lint_folder(tmp_path)
    assert {f.code for f in result.findings} == {"PL900"}
    assert result.errors >= 1
