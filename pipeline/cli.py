"""The command line: one parser, a subcommand per module in `pipeline/commands/`."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from .commands import batch, build, check, import_word, lint, new

# Each module brings its name, help line, arguments and run function.
COMMANDS = (build, batch, lint, check, new, import_word)
EXAMPLES = """examples:
  python -m pipeline build                        this folder's book.yaml (or ./manuscript)
                                                  -> ./output (PDF and EPUB)
  python -m pipeline build my-book -o out -f pdf  only the PDF of my-book/
  python -m pipeline build -e leaflet -e booklet  the A5 leaflet and its booklet for folding
  python -m pipeline build --all-editions         every edition book.yaml lists
  python -m pipeline new my-book                  a sample manuscript to start from
  python -m pipeline lint --report                proof the text; reading grades as HTML
  python -m pipeline check                        every validator over everything in ./output
  python -m pipeline batch leaflets/              every variant of every book under leaflets/
  python -m pipeline import leaflet.docx          a manuscript folder from a Word document

How to write a manuscript (book.yaml, citations, boxes, tables): README.md."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Turn a Markdown manuscript into a tagged print PDF and an EPUB 3.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        sub = commands.add_parser(
            command.NAME,
            help=command.HELP,
            description=command.DESCRIPTION,
            epilog=EXAMPLES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    return parser


def _interrupted(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    # `kill` gets the same orderly stop as Ctrl-C: temporary files are removed on the way out.
    previous = {sig: signal.signal(sig, _interrupted) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        status: int = args.run(args)
    except KeyboardInterrupt:
        print(
            "interrupted: each output folder holds its previous editions or all the new ones, "
            "never a part of either",
            file=sys.stderr,
        )
        return 130
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status


if __name__ == "__main__":
    sys.exit(main())
