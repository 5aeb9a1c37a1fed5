"""Packaging hook: the wheel carries a copy of the top-level `styles/` inside the package.

`styles/` stays the one source (templates, stylesheets, fonts); a non-editable install
(`pip install .`, `pipx install .`) needs them next to the code, so `build_py` copies the
folder into `pipeline/styles/` of the build. Everything else is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithStyles(build_py):  # type: ignore[misc]
    """build_py, then the house styles copied in beside the modules."""

    def run(self) -> None:
        super().run()
        source = Path(__file__).resolve().parent / "styles"
        target = Path(self.build_lib) / "pipeline" / "styles"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target)


setup(cmdclass={"build_py": BuildWithStyles})
