"""One run at a time on a store: an OS lock on a file beside it.

Two runs on one store each search duplicates against what the other has not yet
committed, so a duplicate link can be lost. ``flock`` is released by the kernel
when the holder dies (SIGKILL included), so a crashed run never leaves the store
locked; the file holds the holder's pid only to name it in the message.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scanner.store.base import StoreError, resolve_store_path


class StoreInUseError(StoreError):
    """Another run holds the store."""

    hint = "Wait for that run to end, or give this run its own --out (or --store)."


def lock_path(store: Path) -> Path:
    """The lock file of the store at ``store`` (a .sqlite file or its folder)."""
    path = resolve_store_path(store)
    return path.with_name(path.name + ".lock")


@contextmanager
def run_lock(store: Path) -> Iterator[None]:
    """Hold the store's run lock, or raise StoreInUseError at once naming the holder."""
    path = lock_path(store)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise StoreInUseError(f"{resolve_store_path(store)}: store in use by process {holder}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
