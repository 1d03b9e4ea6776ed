"""Worker processes die with the command that started them (Linux).

A killed ``process`` (SIGKILL, a closed terminal) must not leave its fork server
and workers running, holding hundreds of MB for good. The kernel sends a process
a chosen signal when its parent dies (``PR_SET_PDEATHSIG``): the fork server asks
for it against the command, each worker against the fork server, so the chain
falls at once. Elsewhere it is a no-op (the pool's own pipes then end the workers
when they next wait for work).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask the kernel for SIGKILL when this process's parent dies (and exit if it already has)."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # no prctl: the pipes end the workers later
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)
