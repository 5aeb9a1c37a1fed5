"""Writing outputs all-or-nothing: a failed or interrupted build leaves the last good files
untouched, and two builds into one folder never interleave."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

# Ctrl-C and `kill` must not land between two renames: the editions change together.
_INTERRUPTS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def write_all(files: Mapping[Path, bytes]) -> None:
    """Write every file beside its target, then rename each into place.

    Everything is produced in memory before this is called, so a manuscript error can never
    leave a half-written PDF; a disk error or an interrupt while writing removes the temporary
    files; the renames run with interrupts held back, so the editions change together.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for target, data in files.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.partial")
            staged.append((temporary, target))
            with temporary.open("wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _INTERRUPTS)
    try:
        for temporary, target in staged:
            temporary.replace(target)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


@contextmanager
def output_lock(folder: Path, on_wait: Callable[[], None]) -> Iterator[None]:
    """Hold an exclusive lock on the output folder for one build; a second build into the same
    folder calls `on_wait` once and waits. The kernel drops the lock if the process dies.
    A folder made only for the lock is removed again if the build wrote nothing into it."""
    made = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        if made:
            with contextlib.suppress(OSError):  # not empty: the build wrote its editions
                folder.rmdir()
        os.close(descriptor)
