"""The subcommands of the command line, one module each: its arguments, its run, its printing.

Each module exposes `NAME`, `HELP`, `add_arguments(parser)` and `run(args) -> int`. Only this
layer (and `pipeline/cli.py`) prints; everything below returns values.
"""
