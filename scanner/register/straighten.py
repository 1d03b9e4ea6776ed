"""Straightening a photographed table on its own rules (what the page outline leaves over).

The sheet's corners in a photo are found from a bright region whose edge is
blurred and shaded, so they may be a few mm off. The perspective correction
then leaves the table slightly keystoned or sheared: its rules lean by up to a
degree, differently on each side, and a leaning rule projects onto a band too
broad to pass for a rule. Both families of printed rules are parallel on paper,
so in the picture each meets in one vanishing point: a rule's lean is then a
linear function of where it crosses the picture's middle. That function is
fitted to the long strokes of each direction, and the map sending the table's
outermost fitted rules to a rectangle straightens every rule between them.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: Bands the page is cut into across each family of rules; a rule crosses at least MIN_BANDS.
BANDS = 8
MIN_BANDS = 3
#: Largest step (mm) of one rule from a band to the next.
LINK_MM = 1.5
#: Strokes nearer the picture's border than this (mm) may be the edge of the paper.
BORDER_MM = 4.0
#: Largest lean (degrees) left over after deskewing that is corrected; more is not perspective.
MAX_LEAN_DEG = 3.0
#: A fitted lean further than this (degrees) from the family's line is a stray stroke.
OUTLIER_DEG = 0.4
#: Below this corner shift (analysis px, 0.4 mm at 100 DPI) the rules are found as they are:
#: the correction is not worth a new warp.
MIN_SHIFT_PX = 1.5


@dataclass(frozen=True)
class Family:
    """The rules of one direction: lean = slope + change * crossing (crossing: position on the middle line)."""

    slope: float
    change: float
    low: float  #: crossing of the outermost rule on one side
    high: float  #: and on the other

    def lean(self, crossing: float) -> float:
        return self.slope + self.change * crossing


def _family(mask: np.ndarray, px_per_mm: float, vertical: bool) -> Family | None:
    """The long strokes of ``mask`` across ``BANDS`` bands, fitted together.

    Vertical: x = crossing + lean * (y - middle); horizontal: the same with x and y swapped.
    Each band's projection places the strokes crossing it (within a band a lean
    of a degree spreads a rule by a pixel or two); a rule is the chain of such
    places, band after band, and its lean the slope of that chain. Far cheaper
    than labelling the strokes, and the projections ignore the letters.
    """
    length = mask.shape[0] if vertical else mask.shape[1]
    across = mask.shape[1] if vertical else mask.shape[0]
    step = length / BANDS
    border = BORDER_MM * px_per_mm
    link = LINK_MM * px_per_mm
    tracks: list[list[tuple[float, float]]] = []  # (position along, position across) per band
    for j in range(BANDS):
        a, b = round(j * step), round((j + 1) * step)
        band = mask[a:b] if vertical else mask[:, a:b]
        prof = cv2.reduce(band, 0 if vertical else 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel() / 255.0
        centre = (a + b - 1) / 2.0
        ends = np.array([t[-1][1] for t in tracks])
        for x in _centres(prof, 0.6 * (b - a), 0.8 * px_per_mm):
            if not border <= x <= across - border:
                continue
            gap = np.abs(ends - x) if ends.size else ends
            if gap.size and gap.min() <= link and tracks[int(gap.argmin())][-1][0] < centre:
                tracks[int(gap.argmin())].append((centre, x))
            else:
                tracks.append([(centre, x)])
    mid = length / 2.0
    crossing, lean, weight = [], [], []
    for t in tracks:
        if len(t) < MIN_BANDS:
            continue
        u = np.array([p[0] for p in t]) - mid
        v = np.array([p[1] for p in t])
        du = u - u.mean()
        slope = float((du * (v - v.mean())).sum() / (du * du).sum())
        crossing.append(float(v.mean() - slope * u.mean()))
        lean.append(slope)
        weight.append(float(len(t)))
    if not crossing:
        return None
    c, t_, wt = np.array(crossing), np.array(lean), np.array(weight)
    keep = np.abs(t_) <= np.tan(np.radians(MAX_LEAN_DEG))
    slope, change = 0.0, 0.0
    for _ in range(2):
        if keep.sum() == 0:
            return None
        if keep.sum() == 1 or np.ptp(c[keep]) < 10 * px_per_mm:
            slope, change = float(np.average(t_[keep], weights=wt[keep])), 0.0
        else:
            change, slope = (float(v) for v in np.polyfit(c[keep], t_[keep], 1, w=np.sqrt(wt[keep])))
        keep &= np.abs(t_ - (slope + change * c)) <= np.tan(np.radians(OUTLIER_DEG))
    if keep.sum() == 0:
        return None
    return Family(slope, change, float(c[keep].min()), float(c[keep].max()))


def _centres(profile: np.ndarray, threshold: float, merge_px: float) -> list[float]:
    """Weighted centres of the runs of ``profile`` at or above ``threshold`` (closer than
    ``merge_px``: one run)."""
    idx = np.flatnonzero(profile >= threshold)
    if idx.size == 0:
        return []
    starts = np.concatenate([[0], np.flatnonzero(np.diff(idx) > merge_px) + 1])
    w = profile[idx]
    return (np.add.reduceat(idx * w, starts) / np.add.reduceat(w, starts)).tolist()


def _meet(v: tuple[float, float], hz: tuple[float, float], mid_y: float, mid_x: float) -> tuple[float, float]:
    """Where x = b + a (y - mid_y) meets y = d + e (x - mid_x); ``v`` = (b, a), ``hz`` = (d, e)."""
    b, a = v
    d, e = hz
    x = (b + a * (d - mid_y - e * mid_x)) / (1.0 - a * e)
    return x, d + e * (x - mid_x)


def table_correction(hmask: np.ndarray, vmask: np.ndarray, px_per_mm: float) -> np.ndarray | None:
    """3x3 map (same px) that makes the table's rules straight and square; None when there is
    nothing to correct (no rules in one direction, or less than ``MIN_SHIFT_PX`` anywhere).

    ``hmask``, ``vmask``: horizontal and vertical stroke masks (``rule_masks``) of a deskewed page.
    """
    vert = _family(vmask, px_per_mm, vertical=True)
    horiz = _family(hmask, px_per_mm, vertical=False)
    if vert is None or horiz is None:
        return None
    if vert.high - vert.low < 10 * px_per_mm or horiz.high - horiz.low < 10 * px_per_mm:
        return None  # one rule, or a bundle of close ones: too short a base for a keystone
    h, w = vmask.shape
    mid_y, mid_x = h / 2.0, w / 2.0
    src, dst = [], []
    for d in (horiz.low, horiz.high):
        for b in (vert.low, vert.high):
            src.append(_meet((b, vert.lean(b)), (d, horiz.lean(d)), mid_y, mid_x))
            dst.append((b, d))
    s, t = np.array(src, np.float32), np.array(dst, np.float32)
    if float(np.abs(s - t).max()) < MIN_SHIFT_PX:
        return None
    return np.asarray(cv2.getPerspectiveTransform(s, t), dtype=np.float64)
