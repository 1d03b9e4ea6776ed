"""Crossed-out lines: a long stroke through at least two cells of a line.

People cancel a line with a ruler or freehand. A straight stroke at least
``min_mm`` long that runs at least ``cell_mm`` through each of two cells is a
crossing-out: letters are short, and words stop at the space before the next
cell. A wavy freehand stroke, which a fax also breaks, is not recognised: each
way tried to follow one (short straight pieces chained; a path flatter than 45
degrees) also followed small capitals touching at their baseline.
"""

from __future__ import annotations

import cv2
import numpy as np

from scanner.register.common import true_runs

#: Gaps (mm) a stroke may have along its length and stay one (the cut that removing a
#: column rule leaves in it).
STROKE_GAP_MM = 2.0


def joined(runs: list[tuple[int, int]], gap: int) -> list[tuple[int, int]]:
    """``runs`` with the ones at most ``gap`` apart made one."""
    out: list[tuple[int, int]] = []
    for a, b in runs:
        if out and a - out[-1][1] <= gap:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _straight_runs(band: np.ndarray, k: float) -> list[tuple[int, int]]:
    """x spans of straight strokes: the ink thickened to forgive a hand's wobble, opened
    with a 15 mm horizontal kernel; the cut a removed rule leaves is bridged."""
    vk = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(3, round(1.0 * k))))
    hk = cv2.getStructuringElement(cv2.MORPH_RECT, (round(15 * k), 1))
    runs = cv2.morphologyEx(cv2.dilate(band, vk), cv2.MORPH_OPEN, hk)
    return joined(true_runs(np.asarray(runs.any(axis=0))), round(STROKE_GAP_MM * k))


def crossed_rows(
    ink: np.ndarray, cores: list[list[tuple[int, int, int, int]]], k: float, min_mm: float, cell_mm: float
) -> set[int]:
    """Rows of ``cores`` (cell boxes x0, y0, x1, y1 per line) with a crossing-out in ``ink`` (0/255).

    Only the middle of each line is looked at (away from its rules, where a stroke
    along a rule would pass for one).
    """
    out: set[int] = set()
    for i, row in enumerate(cores):
        y0, y1 = min(c[1] for c in row), max(c[3] for c in row)
        inset = round((y1 - y0) * 0.18)
        x0, x1 = row[0][0], row[-1][2]
        band = ink[y0 + inset : y1 - inset, x0:x1]
        if band.size == 0:
            continue
        # a crossing-out lies within the columns holding ink: no long enough span, none here
        inked = cv2.reduce(band, 0, cv2.REDUCE_MAX).ravel() > 0
        if not any(b - a >= min_mm * k for a, b in joined(true_runs(inked), round(STROKE_GAP_MM * k))):
            continue
        need = [min(cell_mm * k, 0.5 * (c[2] - c[0])) for c in row]
        if any(_through_two(a + x0, b + x0, row, need, min_mm * k) for a, b in _straight_runs(band, k)):
            out.add(i)
    return out


def _through_two(a: int, b: int, row: list[tuple[int, int, int, int]], need: list[float], min_px: float) -> bool:
    """Whether the stroke over x in [a, b) is long enough and runs far enough through two cells."""
    if b - a < min_px:
        return False
    return sum(1 for c, q in zip(row, need, strict=True) if min(b, c[2]) - max(a, c[0]) >= q) >= 2
