"""Reading a Word file as the zip it is, before anything in it is trusted.

A .docx is a zip of XML parts and media. A hostile one may hold thousands of entries, entries
that expand a thousandfold (a zip bomb), names that climb out of a folder (`../../x`), or
encrypted members. Every limit is checked against the central directory first and again while
reading, since a header may lie about sizes; members are read into memory, never extracted.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass

from ..core.errors import Location, ManuscriptError

MIB = 1024 * 1024
# A long Word book with its pictures is tens of MiB; these leave room and stop bombs.
MAX_FILE_BYTES = 100 * MIB
MAX_ENTRIES = 2000
MAX_ENTRY_BYTES = 64 * MIB
MAX_TOTAL_BYTES = 256 * MIB
# Word 97-2003 files and password-protected .docx files are OLE compound files, not zips.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Package:
    """The members of a zip package, by name, read into memory after every check."""

    parts: dict[str, bytes]

    def get(self, name: str) -> bytes | None:
        """A part by its name inside the package (a leading slash is allowed)."""
        return self.parts.get(name.lstrip("/"))


def name_problem(name: str) -> str | None:
    """Why a member name cannot be trusted, or None."""
    if not name or "\x00" in name or "\\" in name or len(name) > 1024:
        return "its name is empty, too long or holds a backslash or NUL"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "its name is an absolute path"
    if ".." in name.split("/"):
        return "its name climbs out of the package (..)"
    return None


def read_package(data: bytes, shown: str) -> Package:
    """Every member of a .docx (or other zip package) after the checks; ManuscriptError when
    the file is not a zip we may open."""
    where = Location(shown)

    def refuse(why: str) -> ManuscriptError:
        return ManuscriptError.at(where, why)

    if len(data) > MAX_FILE_BYTES:
        raise refuse(
            f"the file is {len(data) // MIB} MiB; a document may be at most "
            f"{MAX_FILE_BYTES // MIB} MiB: save pictures at a smaller size in Word and try again"
        )
    if data.startswith(_OLE_MAGIC):
        raise refuse(
            "this is a Word 97-2003 document or a password-protected one, not a .docx; open "
            "it in Word, remove any password, and save it as 'Word Document (.docx)'"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise refuse(
            "not a Word document: a .docx is a zip package and this file is not one; save it "
            "again from Word as 'Word Document (.docx)'"
        ) from None
    if len(members) > MAX_ENTRIES:
        raise refuse(
            f"the package holds {len(members)} entries (at most {MAX_ENTRIES}); "
            "a Word document never needs that many: refused as a possible zip bomb"
        )
    seen: set[str] = set()
    declared = 0
    for member in members:
        problem = name_problem(member.filename)
        if problem:
            raise refuse(f"the package member '{member.filename[:80]}' is refused: {problem}")
        folded = member.filename.lower()
        if folded in seen:
            raise refuse(f"the package holds '{member.filename}' twice: refused")
        seen.add(folded)
        if member.flag_bits & 0x1:
            raise refuse(
                f"the package member '{member.filename}' is encrypted; remove the password in "
                "Word and save again"
            )
        if member.file_size > MAX_ENTRY_BYTES:
            raise refuse(_too_big(member.filename, member.file_size))
        declared += member.file_size
        if declared > MAX_TOTAL_BYTES:
            raise refuse(_too_much())
    parts: dict[str, bytes] = {}
    total = 0
    for member in members:
        if member.is_dir():
            continue
        content = _read_bounded(archive, member, where)
        total += len(content)
        if total > MAX_TOTAL_BYTES:
            raise refuse(_too_much())
        parts[posixpath.normpath(member.filename)] = content
    return Package(parts)


def _read_bounded(archive: zipfile.ZipFile, member: zipfile.ZipInfo, where: Location) -> bytes:
    """A member's bytes, stopping as soon as it grows past its limit whatever its header says."""
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(MIB):
                size += len(chunk)
                if size > MAX_ENTRY_BYTES:
                    raise ManuscriptError.at(where, _too_big(member.filename, size))
                chunks.append(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
        raise ManuscriptError.at(
            where, f"the package member '{member.filename}' cannot be read ({error}): refused"
        ) from None
    return b"".join(chunks)


def _too_big(name: str, size: int) -> str:
    return (
        f"the package member '{name}' expands to more than {size // MIB} MiB (at most "
        f"{MAX_ENTRY_BYTES // MIB} MiB each): refused as a possible zip bomb"
    )


def _too_much() -> str:
    return (
        f"the package expands to more than {MAX_TOTAL_BYTES // MIB} MiB in all: refused as a "
        "possible zip bomb"
    )
