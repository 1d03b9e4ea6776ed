"""Handing freed heap memory back to the system between the stages of a page.

glibc keeps freed memory in its heap for reuse. A page's short-lived arrays
(the decoded page, the layout's masks, ONNX Runtime's per-run buffers, which
are not pooled since its arena is off) leave holes that later allocations of
other sizes cannot fill, so without trimming a worker's resident memory at
its busiest instant grew with the history of pages it had read: the peak of
a 200-page run was well above that of a 10-page one. ``malloc_trim`` gives
the free pages back (a few ms on a worker's heap); elsewhere than glibc it is
a no-op.
"""

from __future__ import annotations

import ctypes
import functools


@functools.cache
def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        return libc
    except (OSError, AttributeError):  # not glibc: nothing to do
        return None


def release_freed() -> None:
    """Return the heap's free pages to the system (glibc's ``malloc_trim``)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
