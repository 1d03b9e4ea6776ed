"""Crossed-out lines: a long stroke through at least two cells of a line.

People cancel a line with a ruler or freehand. A straight stroke at least
``min_mm`` long that runs at least ``cell_mm`` through each of two cells is a
crossing-out: letters are short, and words stop at the space before the next
cell. A freehand stroke (wavy, drifting, broken by a fax) is followed as a path
of ink that climbs at most one 0.25 mm row per 1 mm column (flatter than 14
degrees); a path alone can chain the tops or baselines of block capitals, so it
must also run alone, a single thin stroke, for 5 mm somewhere: over the space
between two words, where writing has none.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from scanner.register.common import true_runs

#: Gaps (mm) a stroke may have along its length and stay one (the cut that removing a
#: column rule leaves in it).
STROKE_GAP_MM = 2.0
#: The grid a freehand stroke is followed on (mm per column, mm per row).
PATH_STEP_MM = (1.0, 0.25)
#: Half the height a lone stroke may have around its path (a pen's width and its wobble).
LONE_HALF_MM = 0.5
#: A freehand crossing-out runs alone (no other ink in its columns) for this long somewhere.
LONE_MM = 5.0


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
    ink: np.ndarray,
    cores: list[list[tuple[int, int, int, int]]],
    text_cells: Sequence[bool],
    k: float,
    min_mm: float,
    cell_mm: float,
) -> set[int]:
    """Rows of ``cores`` (cell boxes x0, y0, x1, y1 per line) with a crossing-out in ``ink`` (0/255);
    ``text_cells`` says per column whether it holds writing (not a signature or a tick).

    Only the middle of each line is looked at (away from its rules, where a stroke
    along a rule would pass for one).
    """
    out: set[int] = set()
    for i, row in enumerate(cores):
        y0, y1 = min(c[1] for c in row), max(c[3] for c in row)
        inset = round((y1 - y0) * 0.18)
        x0, x1 = row[0][0], row[-1][2]
        band = ink[y0 + inset : y1 - inset, x0:x1].copy()
        if band.size == 0:
            continue
        # a crossing-out lies within the columns holding ink: no long enough span, none here
        inked = cv2.reduce(band, 0, cv2.REDUCE_MAX).ravel() > 0
        if not any(b - a >= min_mm * k for a, b in joined(true_runs(inked), round(STROKE_GAP_MM * k))):
            continue
        need = [min(cell_mm * k, 0.5 * (c[2] - c[0])) for c in row]
        if any(_through_two(a + x0, b + x0, row, need, min_mm * k) for a, b in _straight_runs(band, k)):
            out.add(i)
            continue
        # a signature's flourish or a tick runs alone too: only the written fields are followed
        for c, text in zip(row, text_cells, strict=True):
            if not text:
                band[:, max(0, c[0] - x0) : max(0, c[2] - x0)] = 0
        if any(_through_two(a + x0, b + x0, row, need, min_mm * k) for a, b in _freehand_runs(band, k, min_mm)):
            out.add(i)
    return out


def _pooled(band: np.ndarray, k: float) -> tuple[np.ndarray, int]:
    """``band`` as a boolean grid of PATH_STEP_MM cells (any ink in the cell), and the
    pixels per grid column."""
    sx, sy = (max(1, round(mm * k)) for mm in PATH_STEP_MM)
    hh, ww = band.shape[0] // sy, band.shape[1] // sx
    grid = band[: hh * sy, : ww * sx].reshape(hh, sy, ww, sx).max(axis=(1, 3)) > 0
    return grid, sx


def _freehand_runs(band: np.ndarray, k: float, min_mm: float) -> list[tuple[int, int]]:
    """x spans (band pixels) of freehand strokes at least ``min_mm`` long that run alone
    for LONE_MM somewhere."""
    grid, sx = _pooled(band, k)
    hh, ww = grid.shape
    rows = np.arange(hh)[:, None]
    inked = grid.any(axis=0)
    top = np.where(inked, grid.argmax(axis=0), 0)
    bottom = np.where(inked, hh - 1 - grid[::-1].argmax(axis=0), 0)
    half = max(1, round(LONE_HALF_MM / PATH_STEP_MM[1]))
    gap = max(1, round(STROKE_GAP_MM / PATH_STEP_MM[0]))
    lone_steps = max(1, round(LONE_MM / PATH_STEP_MM[0]))
    # cheap test first: no thin single stroke 5 mm long anywhere, no freehand crossing-out
    thin = inked & (bottom - top <= 2 * half)
    if not any(b - a >= lone_steps for a, b in joined(true_runs(thin), gap)):
        return []
    starts, gaps_back = _paths(grid, gap)
    out: list[tuple[int, int]] = []
    for x in range(ww):
        y = int(starts[x].argmin())
        first = int(starts[x, y])
        if first > x or (x - first + 1) * PATH_STEP_MM[0] < min_mm:
            continue
        if x + 1 < ww and starts[x + 1].min() == first:
            continue  # the same path goes on
        ys = _trace(gaps_back, x, y, first)
        cols = grid[:, first : x + 1]
        near = np.abs(rows - ys[None, :]) <= half
        alone = ~(cols & ~near).any(axis=0)  # nothing but the path's stroke in the column
        on = cols[ys, np.arange(ys.size)]  # ...and the stroke there, not a break in it
        # alone for LONE_MM of ink, between two places where it goes through writing (the
        # tail of a word or a flourish that ends a line is not)
        through = np.flatnonzero(~alone)
        if through.size and any(
            int(on[a:b].sum()) >= lone_steps and through[0] < a and through[-1] >= b for a, b in true_runs(alone)
        ):
            out.append((first * sx, (x + 1) * sx))
    return out


def _paths(grid: np.ndarray, gap: int) -> tuple[np.ndarray, np.ndarray]:
    """Dynamic programme over the columns of ``grid``: for each column and row ending on ink,
    the first column of the longest path reaching it (one row up or down per column, at most
    ``gap`` columns without ink in a row), and the way back (previous row per column and
    gap state: -1 where the path starts)."""
    hh, ww = grid.shape
    none = ww + 1
    cur = np.full((gap + 1, hh), none)  # first column of the path, per trailing-gap count and row
    starts = np.full((ww, hh), none)
    back = np.full((ww, gap + 1, hh, 2), -1, np.int16)  # previous (gap count, row)
    idx = np.arange(hh)
    for x in range(ww):
        pad = np.pad(cur, ((0, 0), (1, 1)), constant_values=none)
        around = np.stack([pad[:, :-2], pad[:, 1:-1], pad[:, 2:]])  # from row y-1, y, y+1
        step = around.argmin(axis=0)
        best = np.take_along_axis(around, step[None], 0)[0]
        prev_row = idx[None, :] - 1 + step
        ink = grid[:, x]
        g = best.argmin(axis=0)
        first = best[g, idx]
        new = np.full_like(cur, none)
        new[0] = np.where(ink, np.minimum(first, x), none)
        linked = ink & (first < x)
        back[x, 0, :, 0] = np.where(linked, g, -1)
        back[x, 0, :, 1] = prev_row[g, idx]
        new[1:] = np.where(ink[None, :], none, best[:-1])
        back[x, 1:, :, 0] = np.arange(gap)[:, None]
        back[x, 1:, :, 1] = prev_row[:-1]
        cur = new
        starts[x] = new[0]
    return starts, back


def _trace(back: np.ndarray, x: int, y: int, first: int) -> np.ndarray:
    """Row of the path per column, from ``first`` to ``x``, following ``back``."""
    ys = np.zeros(x - first + 1, np.intp)
    g = 0
    while x >= first:
        ys[x - first] = y
        g, y = (int(v) for v in back[x, g, y])
        if g < 0:
            break
        x -= 1
    return ys


def _through_two(a: int, b: int, row: list[tuple[int, int, int, int]], need: list[float], min_px: float) -> bool:
    """Whether the stroke over x in [a, b) is long enough and runs far enough through two cells."""
    if b - a < min_px:
        return False
    return sum(1 for c, q in zip(row, need, strict=True) if min(b, c[2]) - max(a, c[0]) >= q) >= 2
