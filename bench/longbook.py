"""A long book for the benchmarks: the manuscript's chapters repeated, with unique labels.

Each copy of a chapter gets its own file and its labels (`{#sec:x}`, `@sec:x`, `(#sec:x)`)
a suffix, so cross-references stay inside their copy and every id is unique; citations keep
their keys, so the reference list cites pages all through the book.

usage: python bench/longbook.py OUTPUT [--copies N] [--manuscript FOLDER]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
# 28 copies of the two chapters of the embedded book: about 300 A4 pages.
COPIES = 28
# A label: sec:x, tbl:x, fig:x, box:x, eq:x (pandoc-crossref's prefixes, `:` or `-`).
LABEL = re.compile(r"(?<=[#@])((?:sec|tbl|fig|box|eq)[:-][\w-]*\w)")


def relabel(text: str, copy: int) -> str:
    """The chapter's text with every label and every reference to one suffixed by the copy."""
    return LABEL.sub(lambda match: f"{match.group(1)}-c{copy}", text)


def make_long_book(manuscript: Path, output: Path, copies: int) -> Path:
    """Write the long book into `output` (replaced if it exists); return it."""
    if output.exists():
        shutil.rmtree(output)
    shutil.copytree(manuscript, output, ignore=shutil.ignore_patterns("output", ".*"))
    book_file = output / "book.yaml"
    meta = yaml.safe_load(book_file.read_text(encoding="utf-8"))
    chapters = []
    for copy in range(1, copies + 1):
        for chapter in meta["chapters"]:
            source = manuscript / chapter
            target = Path(chapter).with_name(f"{copy:02d}-{Path(chapter).name}")
            (output / target).write_text(
                relabel(source.read_text(encoding="utf-8"), copy), encoding="utf-8"
            )
            chapters.append(target.as_posix())
    for chapter in meta["chapters"]:
        (output / chapter).unlink()
    meta["chapters"] = chapters
    meta["title"] = f"{meta['title']} (long edition)"
    meta["slug"] = "long-book"
    book_file.write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), "utf-8")
    return output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--copies", type=int, default=COPIES)
    parser.add_argument("--manuscript", type=Path, default=REPO / "manuscript")
    args = parser.parse_args()
    print(make_long_book(args.manuscript, args.output, args.copies))
    return 0


if __name__ == "__main__":
    sys.exit(main())
