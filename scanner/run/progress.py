"""Progress of a run: a one-line bar on a terminal, plain log lines otherwise."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO


def _fmt_secs(s: float) -> str:
    s = max(0, int(s))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


@dataclass
class Progress:
    """Pages done, rows read and time left.

    On a terminal the line is redrawn in place; elsewhere (CI, a log file) a
    plain line is written at most every ``log_every`` seconds. ``quiet`` writes
    nothing.
    """

    total: int
    quiet: bool = False
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    log_every: float = 10.0
    done: int = 0
    rows: int = 0
    failed: int = 0
    _start: float = field(default_factory=time.monotonic)
    _last: float = 0.0

    @property
    def tty(self) -> bool:
        return bool(getattr(self.stream, "isatty", lambda: False)())

    def line(self) -> str:
        elapsed = time.monotonic() - self._start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        width = 24
        filled = int(width * self.done / self.total) if self.total else width
        bar = "#" * filled + "-" * (width - filled)
        fail = f" · {self.failed} unreadable" if self.failed else ""
        return (
            f"[{bar}] {self.done}/{self.total} pages · {self.rows} rows{fail} · "
            f"{rate:.2f} pages/s · {_fmt_secs(left)} left"
        )

    def update(self, rows: int, failed: bool = False) -> None:
        self.done += 1
        self.rows += rows
        self.failed += int(failed)
        if self.quiet:
            return
        now = time.monotonic()
        if self.tty:
            self.stream.write("\r" + self.line() + "\x1b[K")
            self.stream.flush()
        elif now - self._last >= self.log_every or self.done == self.total:
            self._last = now
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def finish(self) -> None:
        if not self.quiet and self.tty:
            self.stream.write("\n")
            self.stream.flush()
