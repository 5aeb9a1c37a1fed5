"""The one error type of the pipeline: problems in the manuscript, each with its place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Location:
    """A place in the project: a project-relative path and, when known, a line."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning), said as `file:line: message`."""

    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class ManuscriptError(Exception):
    """Raised when the manuscript cannot be built; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        if not self.problems:
            raise ValueError("ManuscriptError needs at least one problem")
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[ManuscriptError], tuple[tuple[Problem, ...]]]:
        """Pickled as its problems, so an edition built in another process can report them."""
        return (type(self), (self.problems,))

    @classmethod
    def at(cls, location: Location, message: str) -> ManuscriptError:
        """One problem at one place."""
        return cls([Problem(location, message)])


def raise_if_any(problems: Iterable[Problem]) -> None:
    """Stages collect problems and report them together, in source order."""
    found = sorted(problems, key=lambda p: (p.location.path, p.location.line or 0))
    if found:
        raise ManuscriptError(found)
