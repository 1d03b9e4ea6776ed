"""Real file-system faults for tests and tools/reliability.py: a read-only folder, a full disk,
a folder nobody may read, even when running as root (CI containers do).

Root ignores ``chmod``, so as root a command is wrapped instead: in a private mount
namespace (``unshare -m``) the folder is bind-mounted read-only, or a tiny tmpfs is
mounted on it; ``setpriv`` drops the capabilities that let root read and write
through permissions. Each helper returns the wrapped command, or None when the
machine allows none of this (the caller then skips).
"""

from __future__ import annotations

import functools
import os
import shlex
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

#: Capabilities that let root ignore file permissions.
_DAC_CAPS = "-dac_override,-dac_read_search,-fowner"


def is_root() -> bool:
    return os.geteuid() == 0


@functools.cache
def can_unshare_mounts() -> bool:
    """A private mount namespace with tmpfs mounts (root in most containers)."""
    if shutil.which("unshare") is None or not is_root():
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=16k tmpfs /mnt && umount /mnt"],
        capture_output=True, check=False,
    )
    return probe.returncode == 0


@functools.cache
def can_drop_dac() -> bool:
    """Root without the capabilities that bypass permissions (setpriv)."""
    if not is_root() or shutil.which("setpriv") is None:
        return False
    probe = subprocess.run(["setpriv", f"--bounding-set={_DAC_CAPS}", "true"], capture_output=True, check=False)
    return probe.returncode == 0


def _in_namespace(setup: str, argv: Sequence[str]) -> list[str]:
    return ["unshare", "-m", "sh", "-c", f"{setup} && exec {shlex.join(argv)}"]


def read_only_cmd(folder: Path, argv: Sequence[str]) -> list[str] | None:
    """``argv`` run with ``folder`` read-only (EROFS as root, EACCES by chmod otherwise)."""
    folder = Path(folder).resolve()
    if not is_root():
        folder.chmod(0o555)
        return list(argv)
    if not can_unshare_mounts():
        return None
    f = shlex.quote(str(folder))
    return _in_namespace(f"mount --bind {f} {f} && mount -o remount,ro,bind {f}", argv)


def full_disk_cmd(folder: Path, size_kb: int, argv: Sequence[str]) -> list[str] | None:
    """``argv`` run with an empty ``size_kb`` KB tmpfs on ``folder`` (ENOSPC once it fills)."""
    if not can_unshare_mounts():
        return None
    f = shlex.quote(str(Path(folder).resolve()))
    return _in_namespace(f"mount -t tmpfs -o size={int(size_kb)}k tmpfs {f}", argv)


def unreadable_cmd(folder: Path, argv: Sequence[str]) -> list[str] | None:
    """``argv`` run where ``folder`` cannot be listed (chmod 000, and root's bypass dropped)."""
    Path(folder).chmod(0)
    if not is_root():
        return list(argv)
    if not can_drop_dac():
        return None
    return ["setpriv", f"--bounding-set={_DAC_CAPS}", *argv]
