"""How an imported document is cut into chapter files (a module of its own: the command
line names them when it starts, before anything reads a Word document)."""

SPLIT, ONE_FILE, AUTO = "split", "one-file", "auto"
