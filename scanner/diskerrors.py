"""A folder or disk that cannot be written: the path, the cause in words, exit status 2.

A full disk or a read-only output folder is not an internal error: the user can
fix it (free space, another --out). Python's OSError and SQLite's error codes
are turned into one :class:`OutputError` naming the path and the cause, with the
pages already stored kept (each page is its own transaction) so that the same
command run again resumes. Exit status 2 ("cannot run at all", as for bad usage):
the run could not finish, and the CSVs and the report are missing or stale.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
from pathlib import Path

from scanner.errors import ExitCode, PetitionScanError

DISK_FULL = "disk full"
READ_ONLY = "read-only folder"
DENIED = "permission denied"

#: errno -> the cause as the message says it.
CAUSES: dict[int, str] = {
    errno.ENOSPC: DISK_FULL,
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large for this disk",
    errno.EROFS: READ_ONLY,
    errno.EACCES: DENIED,
    errno.EPERM: DENIED,
}

_HINTS = {
    DISK_FULL: "Free some space on that disk (or give --out/--store on another one), then run the same "
    "command again: the pages already stored are kept and are not read again.",
    "disk quota exceeded": "Free some of your quota (or use another disk), then run the same command again.",
    READ_ONLY: "That folder is on a read-only disk or share: give --out (and --store) a folder you can write to.",
    DENIED: "You may not write there: give --out (and --store) a folder of your own, or ask for write access.",
}


class OutputError(PetitionScanError):
    """The output folder or the store cannot be written."""

    exit_code = ExitCode.USAGE

    def __init__(self, path: Path | str, cause: str, hint: str | None = None) -> None:
        super().__init__(f"{path}: cannot write ({cause})", hint or _HINTS.get(cause, _HINTS[DENIED]))
        self.path = str(path)
        self.cause = cause


def folder_cause(folder: Path) -> str | None:
    """Why nothing can be created in ``folder`` (its nearest existing parent), or None if it can.

    Tried for real (a temporary file made and removed): ``os.access`` is wrong for
    root, for ACLs and for network shares.
    """
    folder = Path(folder)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        fd, name = tempfile.mkstemp(prefix=".petition-scan-probe-", dir=folder)
    except OSError as exc:
        return CAUSES.get(exc.errno or 0, exc.strerror or str(exc))
    os.close(fd)
    os.unlink(name)
    return None


def _sqlite_cause(exc: sqlite3.Error, store_path: Path) -> str | None:
    name = str(getattr(exc, "sqlite_errorname", ""))
    if name.startswith("SQLITE_FULL"):
        return DISK_FULL
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_PERM")):
        cause = folder_cause(store_path.parent)
        if cause is None and store_path.exists() and not os.access(store_path, os.W_OK):
            return "the store file is read-only"
        if cause is None and name.startswith("SQLITE_IOERR"):
            return None  # a real I/O error (bad disk): not ours to name
        return cause or ("cannot open the file" if name.startswith("SQLITE_CANTOPEN") else None)
    return None


def output_error(exc: BaseException, store_path: Path | None = None, folder: Path | None = None) -> OutputError | None:
    """``exc`` as an OutputError when it is a write failure the user can fix, else None.

    An OSError that names no file is put on ``folder`` (the output folder); SQLite's
    errors on ``store_path``.
    """
    if isinstance(exc, OutputError):
        return exc
    if isinstance(exc, OSError) and exc.errno in CAUSES:
        where = Path(os.fsdecode(exc.filename)) if exc.filename is not None else folder or Path("output folder")
        if where.name.startswith(".") and where.name.endswith(".tmp"):  # export.atomic_writer's temporary file
            where = where.with_name(where.name[1:-4])
        return OutputError(where, CAUSES[exc.errno])
    if isinstance(exc, sqlite3.Error) and store_path is not None:
        cause = _sqlite_cause(exc, store_path)
        if cause is not None:
            return OutputError(store_path, cause)
    return None
