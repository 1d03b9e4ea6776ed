"""Handing freed heap memory back to the system between the stages of a page.

glibc keeps freed memory in its heap for reuse. A page's short-lived arrays
(the decoded page, the layout's masks and crops) leave holes that later allocations of
other sizes cannot fill, so without trimming a worker's resident memory at
its busiest instant grew with the history of pages it had read: the peak of
a 200-page run was well above that of a 10-page one. ``malloc_trim`` gives
the free pages back; elsewhere than glibc it is a no-op.

A trim costs 1-4 ms, and the pages it returns must be faulted in again by
the next large allocation: trimming after every ONNX run made the recogniser
17% slower. So ONNX Runtime keeps its own arena (its buffers are reused from
run to run, bounded by the batch cap) and the heap is trimmed twice a page:
after the layout and after the page.
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
