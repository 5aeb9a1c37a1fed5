"""Where a build's time goes: the A4 PDF of a book made in this process under cProfile.

Prints the share of the main parts (imports, our stages, WeasyPrint's styling, layout and PDF
writing, the PDF/UA finishing) and the functions that cost most on their own. cProfile slows
Python code down about twice; the shares are what to read, not the seconds.

usage: python bench/where_time_goes.py [MANUSCRIPT] [--top N]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# What each part of the build is, by the function that does it (file suffix, function name).
PARTS = (
    ("imports", "<frozen importlib._bootstrap>", "_find_and_load"),
    ("pipeline: parse the Markdown", "pipeline/stages/parse.py", "parse_book"),
    ("pipeline: build the document", "pipeline/stages/document.py", "build_document"),
    ("pipeline: render the print HTML", "pipeline/editions/render.py", "render_print_html"),
    ("WeasyPrint: stylesheets and styles", "weasyprint/document.py", "_build_layout_context"),
    ("WeasyPrint: boxes", "weasyprint/formatting_structure/build.py", "build_formatting_structure"),
    ("WeasyPrint: layout (pagination)", "weasyprint/layout/__init__.py", "layout_document"),
    ("WeasyPrint: PDF writing", "weasyprint/document.py", "write_pdf"),
    ("PDF/UA finishing (pikepdf)", "pipeline/editions/pdfua.py", "finish_pdfua"),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manuscript", type=Path, nargs="?", default=REPO / "manuscript")
    parser.add_argument("--top", type=int, default=15, help="functions by own time")
    args = parser.parse_args()

    from pipeline.build import BuildOptions, make_all
    from pipeline.core.project import Project

    with tempfile.TemporaryDirectory() as out:
        project = Project.at(REPO, args.manuscript.resolve(), Path(out))
        options = BuildOptions(editions=("a4",), today=dt.date(2026, 11, 30))
        profile = cProfile.Profile()
        profile.enable()
        made = make_all(project, options, lambda _line: None)
        profile.disable()
    stats = pstats.Stats(profile)
    total = max(cumulative for (_, _, _, cumulative, _) in stats.stats.values())  # type: ignore[attr-defined]
    pages = next(iter(made.layouts))[1].page_count
    print(f"{args.manuscript.name}: {pages} pages, {total:.1f} s under cProfile\n")
    for label, path, function in PARTS:
        spent = sum(
            cumulative
            for (file, _, name), (_, calls, _, cumulative, _) in stats.stats.items()  # type: ignore[attr-defined]
            if file.endswith(path) and name == function
        )
        # A recursive function's cumulative time counts its outermost calls only.
        print(f"  {label:<36} {spent:6.2f} s  {spent / total:5.0%}")
    print(f"\nthe {args.top} functions that cost most on their own:")
    stats.sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
