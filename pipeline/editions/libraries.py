"""Importing WeasyPrint without searching the system for its C libraries.

WeasyPrint opens Pango, HarfBuzz and fontconfig through cffi, trying several names for each
(one per platform). cffi opens a name it can, and looks any other up with
`ctypes.util.find_library`, which on Linux runs `ldconfig -p`, then `gcc` and `ld`, for every
name: WeasyPrint's Windows and macOS names come first, so an import runs a few dozen
processes (0.1–0.2 s here, more on a busy machine) before it reaches `libpango-1.0.so.0`,
which opens at once. Import it with that look-up switched off; where the libraries do not
open by their file names (an unusual install), import it again the usual way.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import io
import sys


def _by_file_name_only(name: str) -> str | None:
    """No search: cffi then tries WeasyPrint's next name for the library."""
    return None


def import_weasyprint() -> None:
    """Import WeasyPrint's library bindings, by file name first (see the module's docstring)."""
    if "weasyprint.text.ffi" in sys.modules:
        return
    before = set(sys.modules)
    search = ctypes.util.find_library
    ctypes.util.find_library = _by_file_name_only
    try:
        # WeasyPrint prints installation advice before it raises: not for this first try.
        with contextlib.redirect_stdout(io.StringIO()):
            import weasyprint.text.ffi
    except OSError:
        for name in set(sys.modules) - before:  # the half-made import, then the usual one
            del sys.modules[name]
        ctypes.util.find_library = search
        import weasyprint.text.ffi  # noqa: F401
    finally:
        ctypes.util.find_library = search
