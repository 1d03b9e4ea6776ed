"""The files to read: the inputs given, folders searched recursively, and what was not read.

Nothing inside an input folder is left out without a word (issue 18.6): a folder
that cannot be listed, a symbolic link loop, a broken link or a file that cannot
be looked at is a :class:`Skipped` that *counts* (it may hold scans: exit status 1,
named in the report and on stderr); a file of another kind (notes.txt) is named
too but does not count. Links to folders are followed, each folder read once.
Hidden files and folders and the system's own files (Thumbs.db) are not inputs.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from scanner.safetext import fs_text, shown

log = logging.getLogger(__name__)

#: Extensions picked up in folders (content is sniffed anyway when decoding).
SUPPORTED_SUFFIXES = frozenset({".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff"})
CONVERT_HINT = {
    ".heic": "HEIC photos are not supported: export them as JPEG (most phones can).",
    ".heif": "HEIF photos are not supported: export them as JPEG (most phones can).",
}
_OTHER_HINT = "only PDF, JPEG, PNG and TIFF are read"
#: Files systems and scanners leave beside scans: not inputs.
_SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", "ehthumbs.db"})


@dataclass(frozen=True)
class InputFile:
    """One input file and the name it is reported under."""

    path: Path  #: absolute path
    source: str  #: path relative to the folder given (or the file's name), posix style


@dataclass(frozen=True)
class Skipped:
    """Something found among the inputs and not read."""

    source: str  #: as reported: relative to the folder given; a folder ends with '/'
    path: str
    reason: str
    counts: bool  #: may hold scans: makes the exit status 1

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


@dataclass
class Inputs:
    files: list[InputFile] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def natural_key(text: str) -> list[tuple[int, int | str]]:
    """Sort 'scan2' before 'scan10', as a person would."""
    return [(0, int(t)) if t.isdigit() else (1, t.lower()) for t in re.split(r"(\d+)", text) if t]


def _cause(exc: OSError) -> str:
    from scanner.diskerrors import CAUSES

    return CAUSES.get(exc.errno or 0, exc.strerror or type(exc).__name__)


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a loop: reading it reports the failure
        return path.absolute()


def _unsupported(source: str, path: Path) -> Skipped:
    suffix = path.suffix.lower()
    reason = CONVERT_HINT.get(suffix, f"not a scan ({_OTHER_HINT})")
    return Skipped(source, fs_text(str(path)), reason, counts=suffix in CONVERT_HINT)


def _walk(root: Path, out: Inputs) -> list[InputFile]:
    """Files under ``root``, named by their path below it."""
    found: list[InputFile] = []
    top = os.stat(root)
    visited = {(top.st_dev, top.st_ino)}
    stack: list[tuple[Path, str, frozenset[tuple[int, int]]]] = [(root, "", frozenset(visited))]
    while stack:
        folder, rel, ancestors = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            reason = f"folder cannot be read ({_cause(exc)}): the files in it were not read"
            out.skipped.append(Skipped(rel or fs_text(f"{root}/"), fs_text(str(folder)), reason, counts=True))
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.name.lower() in _SYSTEM_FILES:
                continue  # hidden files and folders (.DS_Store, .thumbnails) are not scans
            source = f"{rel}{fs_text(entry.name)}"
            path = Path(entry.path)
            try:
                st = os.stat(path)  # follows links
            except FileNotFoundError:
                target = fs_text(os.readlink(path)) if path.is_symlink() else "?"
                reason = f"broken link (to {target}, which does not exist)"
                out.skipped.append(Skipped(source, fs_text(str(path)), reason, counts=True))
                continue
            except OSError as exc:
                reason = "symbolic link loop" if exc.errno == errno.ELOOP else f"cannot be looked at ({_cause(exc)})"
                out.skipped.append(Skipped(source, fs_text(str(path)), reason, counts=True))
                continue
            if stat.S_ISDIR(st.st_mode):
                key = (st.st_dev, st.st_ino)
                if key in ancestors:
                    target = fs_text(os.readlink(path)) if path.is_symlink() else "a mount"
                    reason = f"symbolic link loop (to {target}, a folder it is in): not followed"
                    out.skipped.append(Skipped(f"{source}/", fs_text(str(path)), reason, counts=True))
                elif key not in visited:  # a folder reached by two links is read once
                    visited.add(key)
                    stack.append((path, f"{rel}{fs_text(entry.name)}/", ancestors | {key}))
            elif not stat.S_ISREG(st.st_mode):
                reason = "not a file (a device, pipe or socket)"
                out.skipped.append(Skipped(source, fs_text(str(path)), reason, counts=False))
            elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
                out.skipped.append(_unsupported(source, path))
            else:
                found.append(InputFile(_resolved(path), source))
    found.sort(key=lambda f: natural_key(f.source))
    return found


def find_inputs(inputs: list[Path]) -> Inputs:
    """Files to read, in a stable order, and everything found that will not be read.

    A path that does not exist is kept, so reading it reports the failure.
    """
    out = Inputs()
    seen: set[Path] = set()
    for given in inputs:
        root = Path(given)
        if root.is_dir():
            try:
                found = _walk(root, out)
            except OSError as exc:
                reason = f"folder cannot be read ({_cause(exc)})"
                out.skipped.append(Skipped(fs_text(f"{root}/"), fs_text(str(root)), reason, counts=True))
                continue
        elif root.is_file() and root.suffix.lower() not in SUPPORTED_SUFFIXES:
            out.skipped.append(_unsupported(fs_text(root.name), root))
            continue
        else:
            found = [InputFile(_resolved(root), fs_text(root.name))]
        for f in found:
            if f.path not in seen:
                seen.add(f.path)
                out.files.append(f)
    for s in out.skipped:
        log.info("%s", shown(str(s)))
    return out


def iter_inputs(inputs: list[Path], notes: list[str] | None = None) -> list[InputFile]:
    """The files of :func:`find_inputs`; what is not read goes to ``notes`` (when given)."""
    found = find_inputs(inputs)
    if notes is not None:
        notes.extend(str(s) for s in found.skipped)
    return found.files
