"""WeasyPrint imported without a search of the system for its C libraries
(editions/libraries.py), and imported the usual way where that does not work."""

from __future__ import annotations

import subprocess
import sys

from .conftest import REPO

RENDERS = """
from weasyprint import HTML
assert HTML(string="<p>Hello</p>").render().pages, "WeasyPrint lays a page out"
"""


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )


def test_the_import_starts_no_process() -> None:
    """cffi's fallback, ctypes.util.find_library, runs ldconfig, gcc and ld for each name."""
    result = run_python(
        "import subprocess\n"
        "started = []\n"
        "original = subprocess.Popen.__init__\n"
        "def spy(self, args, *rest, **options):\n"
        "    started.append(args)\n"
        "    original(self, args, *rest, **options)\n"
        "subprocess.Popen.__init__ = spy\n"
        "from pipeline.editions.libraries import import_weasyprint\n"
        "import_weasyprint()\n"
        "assert started == [], started\n" + RENDERS
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_libraries_that_do_not_open_by_file_name_are_searched_for_as_before() -> None:
    """An install where only the search finds the libraries: the first try fails quietly
    (WeasyPrint's installation advice is not printed) and the usual import follows."""
    result = run_python(
        "import ctypes.util, cffi\n"
        "from pipeline.editions import libraries\n"
        "original = cffi.FFI.dlopen\n"
        "def only_when_searched(self, name, flags=0):\n"
        "    if ctypes.util.find_library is libraries._by_file_name_only:\n"
        "        raise OSError(f'cannot open {name}')\n"
        "    return original(self, name, flags)\n"
        "cffi.FFI.dlopen = only_when_searched\n"
        "libraries.import_weasyprint()\n"
        "assert ctypes.util.find_library is not libraries._by_file_name_only\n" + RENDERS
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
