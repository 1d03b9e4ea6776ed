"""release_freed gives a fragmented heap's free pages back to the system."""

from __future__ import annotations

import sys

import pytest

from scanner.run.memory import _libc, release_freed


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not sys.platform.startswith("linux") or _libc() is None, reason="glibc only")
def test_freed_holes_go_back_to_the_system() -> None:
    # 10 kB blocks (malloc'd by CPython, below the mmap threshold): keeping one
    # in ten pins the heap, so glibc cannot shrink it by itself
    blocks = [bytes(10_000) + bytes([i % 251]) for i in range(20_000)]
    kept = blocks[::10]
    del blocks
    before = _rss_mb()
    release_freed()
    after = _rss_mb()
    assert len(kept) == 2_000
    assert before - after > 100, (before, after)
