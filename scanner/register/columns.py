"""Column edges of a table ruled only across (no vertical rules).

Such a table shows where its columns are in two ways: the header's labels,
one group of printed words per column, and the handwriting below, which
leaves a clear lane between columns. The widest gaps between the header's
ink are the column boundaries; within each, the edge goes where the
handwriting below crosses least. Where the labels do not split into the
form's column count clearly, the relative widths the form gives (if it gives
any) place the edges; else the table cannot be read safely.
"""

from __future__ import annotations

import numpy as np

from scanner.forms import Form
from scanner.register.common import true_runs

#: Ink darker than this (flattened page) is printed or written.
DARK = 150
#: Label ink closer than this (mm) belongs to one label (letters, words of one label).
WORD_GAP_MM = 1.2
#: The narrowest gap that separates two columns' labels (mm)...
MIN_COLUMN_GAP_MM = 2.0
#: ...and how much wider it must be than the widest gap inside a label.
GAP_RATIO = 1.3


def label_gaps(
    gray: np.ndarray, top: float, bottom: float, left: float, right: float, k: float
) -> list[tuple[int, int]]:
    """The gaps between the header's ink groups, as [a, b) px ranges of the page."""
    y0, y1 = round(top + 0.8 * k), round(bottom - 0.8 * k)
    x0, x1 = round(left + 0.8 * k), round(right - 0.8 * k)
    if y1 - y0 < 3 or x1 - x0 < 10:
        return []
    inked = (gray[y0:y1, x0:x1] < DARK).sum(axis=0) > 0
    runs = true_runs(inked)
    merged: list[tuple[int, int]] = []
    for a, b in runs:
        if merged and a - merged[-1][1] < WORD_GAP_MM * k:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return [(x0 + merged[i][1], x0 + merged[i + 1][0]) for i in range(len(merged) - 1)]


def _quietest(gray: np.ndarray, ys: list[float], a: int, b: int, k: float) -> float:
    """Where in [a, b) the handwriting of the data lines crosses least (the middle when none does)."""
    y0, y1 = round(ys[1]), round(ys[-1])
    strip = gray[y0:y1, a:b] < DARK
    # the rules themselves cross everywhere: leave their rows out
    for y in ys[1:]:
        r = round(y) - y0
        strip[max(0, r - round(0.8 * k)) : r + round(0.8 * k) + 1] = False
    prof = strip.sum(axis=0).astype(np.float64)
    if prof.size == 0:
        return (a + b) / 2
    low = prof.min()
    quiet = true_runs(prof <= low)
    mid = (b - a) / 2
    c0, c1 = min(quiet, key=lambda r: abs((r[0] + r[1]) / 2 - mid))
    return a + (c0 + c1 - 1) / 2


def open_columns(
    gray: np.ndarray, ys: list[float], left: float, right: float, form: Form, k: float
) -> list[float] | None:
    """The form's n + 1 column edges across [left, right], or None when they cannot be placed safely."""
    n = len(form.columns)
    if n == 1:
        return [left, right]
    gaps = label_gaps(gray, ys[0], ys[1], left, right, k)
    widths = sorted((b - a for a, b in gaps), reverse=True)
    if len(gaps) >= n - 1 and widths[n - 2] >= MIN_COLUMN_GAP_MM * k and (
        len(widths) == n - 1 or widths[n - 2] >= GAP_RATIO * widths[n - 1]
    ):
        chosen = sorted(sorted(gaps, key=lambda g: g[1] - g[0], reverse=True)[: n - 1])
        return [left, *(_quietest(gray, ys, a, b, k) for a, b in chosen), right]
    if any("width" in c.model_fields_set for c in form.columns):  # the user gave the printed widths
        total = sum(c.width for c in form.columns)
        acc = np.cumsum([0.0] + [c.width for c in form.columns]) / total
        return [left + (right - left) * float(f) for f in acc]
    return None
