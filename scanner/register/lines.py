"""Ruled-table line detection, shared by foreign-sheet registration and the grid.

Long straight strokes are isolated by morphological opening with long kernels on
a locally thresholded image (closing first bridges small breaks); their
projections give the rule positions, clustered into single lines. A rule is
thin (a line of text merged by the closing is a thick band, so it is not one),
covers a good part of the table, and is crossed by the table's other rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from scanner.register.common import percentile_u8, row_percentiles

#: Share of the table's width (height) a horizontal (vertical) rule must cover.
MIN_COVER = 0.4
#: Thickest band of the projection that can be a rule (thicker: merged text), mm.
MAX_RULE_MM = 1.6
#: How far (mm) a rule may drift across its direction within one run of the opening.
WOBBLE_MM = 0.5
#: Share of the vertical rules that must cross a horizontal rule (and vice versa).
MIN_CROSSED = 0.5


@dataclass(frozen=True)
class Rules:
    """The ruling of the largest table on a page, in image px (sorted)."""

    ys: tuple[float, ...]  #: horizontal rules, top to bottom
    xs: tuple[float, ...]  #: vertical rules, left to right
    cover: tuple[float, ...] = ()  #: share of the table's width each horizontal rule covers
    #: top and bottom of the vertical rules (median over them): the table's frame even
    #: where a horizontal rule at its top or bottom was lost
    v_span: tuple[float, float] | None = None
    #: no vertical rules: ``xs`` holds only the table's two sides
    open_sides: bool = False

    @property
    def ok(self) -> bool:
        return len(self.ys) >= 3 and len(self.xs) >= 2


def ink_mask(gray: np.ndarray, block: int = 31, c: int = 12, px_per_mm: float | None = None) -> np.ndarray:
    """Dark-on-light strokes as 255, tolerant of faint lines and uneven light.

    With ``px_per_mm``, a dark filled area (a header printed white on black, a solid
    band) keeps only its outline, 1 mm thick: its edge is a rule of the table, while the
    threshold alone would give a band of ink as thick as the threshold's window there.
    """
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block | 1, c)
    if px_per_mm is not None:
        size = max(3, round(2.0 * px_per_mm)) | 1  # strokes up to 2 mm thick (a marker pen) are not filled areas
        core = cv2.erode((gray < SOLID_DARK).view(np.uint8), cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
        if core.any():
            ink[core > 0] = 0
    return ink


def rule_masks(ink: np.ndarray, px_per_mm: float, min_len_mm: float = 8.0) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical straight strokes at least ``min_len_mm`` long.

    Gaps under 1 mm are bridged first: a thin rule photographed at low
    resolution comes out dashed. Text merged by the closing is told apart later
    by its thickness; longer breaks are tolerated since a rule needs to cover
    only part of the table.
    """
    gap = max(2, round(1.0 * px_per_mm))
    n = max(10, round(min_len_mm * px_per_mm))
    wobble = 2 * max(1, round(WOBBLE_MM * px_per_mm / 2)) + 1
    h = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    # a rule drawn by hand (or a curled page) drifts across pixel rows: the long run is looked
    # for in a copy thickened across it, and only the stroke's own pixels are kept
    long_h = cv2.morphologyEx(cv2.dilate(h, np.ones((wobble, 1), np.uint8)), cv2.MORPH_OPEN,
                              cv2.getStructuringElement(cv2.MORPH_RECT, (n, 1)))
    h = cv2.bitwise_and(h, long_h)
    v = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, gap)))
    long_v = cv2.morphologyEx(cv2.dilate(v, np.ones((1, wobble), np.uint8)), cv2.MORPH_OPEN,
                              cv2.getStructuringElement(cv2.MORPH_RECT, (1, n)))
    v = cv2.bitwise_and(v, long_v)
    return h, v


def peaks(profile: np.ndarray, threshold: float, merge_px: float, max_width: float = np.inf) -> list[float]:
    """Weighted centres of the runs of ``profile`` (integer counts) above ``threshold`` (runs closer
    than ``merge_px`` joined), leaving out runs wider than ``max_width``.

    Every run at once: a cumulative sum gives each run's weight and moment exactly (integers),
    as the sums over each run did.
    """
    prof = np.asarray(profile)
    if not np.issubdtype(prof.dtype, np.integer):
        raise TypeError("peaks() takes integer counts (its sums are exact only in integers)")
    idx = np.flatnonzero(prof >= threshold)
    if idx.size == 0:
        return []
    cut = np.flatnonzero(np.diff(idx) > merge_px)
    start = idx[np.concatenate(([0], cut + 1))]
    last = idx[np.concatenate((cut, [idx.size - 1]))]
    n = len(prof)
    # each run's top: the max over [start, last], gaps below the threshold included
    bounds = np.stack([start, last + 1], axis=1).ravel()
    top = np.maximum.reduceat(np.append(prof, 0), bounds)[::2]
    side = round(max_width) + 2 if np.isfinite(max_width) else 0
    beside = np.maximum(prof[np.maximum(0, start - side)], prof[np.minimum(n - 1, last + side)])
    # a rule stands alone; a line of text merged by the closing is a broad hump
    keep = last - start + 1 <= max_width
    if side:
        keep &= beside <= 0.7 * top
    p64 = prof.astype(np.int64)
    mass = np.concatenate(([0], np.cumsum(p64)))
    moment = np.concatenate(([0], np.cumsum(p64 * np.arange(n, dtype=np.int64))))
    w = (mass[last + 1] - mass[start])[keep].tolist()
    m = (moment[last + 1] - moment[start])[keep].tolist()
    return [float(mi) / max(float(wi), 1e-9) for mi, wi in zip(m, w, strict=True)]


def _around(x: float, limit: int, r: int) -> slice:
    return slice(max(0, round(x) - r), min(limit, round(x) + r + 1))


def _crossings(summed: np.ndarray, ys: list[float], xs: list[float], ry: int, rx: int) -> np.ndarray:
    """[i, j]: whether a mask has pixels within ``ry`` rows of ys[i] and ``rx`` columns of xs[j].

    ``summed``: the mask's summed-area table (``cv2.integral``), made once for every call on
    it; it answers every window at once (a window per pair of rules, each tested with
    ``any``, cost more than the rest of the detection).
    """
    H, W = summed.shape[0] - 1, summed.shape[1] - 1
    y = np.array([round(v) for v in ys])
    x = np.array([round(v) for v in xs])
    y0, y1 = np.clip(y - ry, 0, H), np.clip(y + ry + 1, 0, H)
    x0, x1 = np.clip(x - rx, 0, W), np.clip(x + rx + 1, 0, W)
    y1, x1 = np.maximum(y1, y0), np.maximum(x1, x0)
    total = summed[y1][:, x1] - summed[y0][:, x1] - summed[y1][:, x0] + summed[y0][:, x0]
    return np.asarray(total > 0)


def _row_counts(b: np.ndarray) -> np.ndarray:
    """Set pixels in each row of a boolean mask (OpenCV: several times faster than ``sum``)."""
    return cv2.reduce(b.view(np.uint8), 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel()


def _col_counts(b: np.ndarray) -> np.ndarray:
    """Set pixels in each column of a boolean mask."""
    return cv2.reduce(b.view(np.uint8), 0, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel()


def find_rules(gray: np.ndarray, px_per_mm: float) -> Rules:
    """Rules of the main ruled table: long thin lines spanning much of it, crossing each other.

    A rough table box from lines crossing a good part of the page, then the
    lines covering enough of that box; finally every rule must be crossed by
    most of the rules of the other direction, which drops text lines, folds and
    underlines outside the table.
    """
    hmask, vmask = rule_masks(ink_mask(gray, px_per_mm=px_per_mm), px_per_mm)
    return rules_from_masks(hmask, vmask, px_per_mm, gray)


def find_rules_coarse(gray: np.ndarray, px_per_mm: float) -> Rules:
    """``find_rules`` on a half-resolution copy, positions mapped back to ``gray``'s px.

    Four times fewer pixels for the morphology; the rules stay several px wide
    at 150 DPI, and callers that need sub-mm positions refine them on ``gray``.
    """
    half = cv2.pyrDown(gray)  # half px i is centred on full px 2i
    r = find_rules(half, px_per_mm / 2)
    span = (2 * r.v_span[0], 2 * r.v_span[1]) if r.v_span else None
    return Rules(tuple(2 * y for y in r.ys), tuple(2 * x for x in r.xs), r.cover, span, r.open_sides)


def rules_from_masks(
    hmask: np.ndarray, vmask: np.ndarray, px_per_mm: float, gray: np.ndarray | None = None
) -> Rules:
    """``find_rules`` from the horizontal and vertical stroke masks of ``rule_masks``.

    The masks of a quarter-turned page are those of the page turned (opening and
    closing do not depend on the kernel's anchor), so orientation search makes them once.
    ``gray``, the page the masks come from (turned likewise), lets faint lines be told
    from printed rules.
    """
    hb, vb = hmask > 0, vmask > 0
    H, W = hb.shape
    edge = round(2 * px_per_mm)
    hb[:edge], hb[H - edge :], vb[:, :edge], vb[:, W - edge :] = False, False, False, False  # picture borders
    merge, thick = 0.8 * px_per_mm, MAX_RULE_MM * px_per_mm
    ys = peaks(_row_counts(hb), 0.25 * W, merge, thick)
    xs = peaks(_col_counts(vb), 0.12 * H, merge, thick)
    if len(ys) < 2:
        return Rules((), ())
    if len(xs) < 2:
        return _open_table(hb, ys, px_per_mm)
    found = _crossed_table(hb, vb, ys, xs, px_per_mm, gray)
    # long vertical lines that make no table with the rules (a fold, a page's shadow)
    # leave a table ruled only across
    return found if found.ok else _open_table(hb, ys, px_per_mm)


def _crossed_table(
    hb: np.ndarray, vb: np.ndarray, ys: list[float], xs: list[float], px_per_mm: float, gray: np.ndarray | None
) -> Rules:
    """The table whose rules cross each other (empty Rules when none)."""
    H = hb.shape[0]
    merge, thick = 0.8 * px_per_mm, MAX_RULE_MM * px_per_mm
    for _ in range(2):
        x0, x1 = round(min(xs)), round(max(xs)) + 1
        y0, y1 = round(min(ys)), round(max(ys)) + 1
        ys_new = peaks(_row_counts(hb[:, x0:x1]), MIN_COVER * (x1 - x0), merge, thick)
        xs_new = peaks(_col_counts(vb[y0:y1, :]), MIN_COVER * (y1 - y0), merge, thick)
        if len(ys_new) < 2 or len(xs_new) < 2:
            break
        ys, xs = ys_new, xs_new
    r = round(2.0 * px_per_mm)  # a blurred rule's ends fade: look a little beyond them
    hsum, vsum = cv2.integral(hb.view(np.uint8)), cv2.integral(vb.view(np.uint8))
    for _ in range(2):
        need_x = max(2, int(np.ceil(MIN_CROSSED * len(xs))))
        crossed_x = _crossings(vsum, ys, xs, r, 2).sum(axis=1)  # vertical rules reaching each y
        ys = [y for y, c in zip(ys, crossed_x, strict=True) if c >= need_x]
        if len(ys) < 2:
            return Rules((), ())
        need_y = max(2, int(np.ceil(MIN_CROSSED * len(ys))))
        crossed_y = _crossings(hsum, ys, xs, 2, r).sum(axis=0)  # horizontal rules reaching each x
        xs = [x for x, c in zip(xs, crossed_y, strict=True) if c >= need_y]
        if len(ys) < 2 or len(xs) < 2:
            return Rules((), ())
    ys = _drop_close(ys, 3.0 * px_per_mm)
    xs = _drop_close(xs, 3.0 * px_per_mm)
    xs = _through_rules(vsum, ys, xs, px_per_mm)
    if gray is not None:
        xs = _printed_dark(gray, ys, xs, px_per_mm)
    x0, x1 = round(xs[0]), round(xs[-1]) + 1
    cover = [float(hb[_around(y, H, 2), x0:x1].any(axis=0).mean()) for y in ys]
    return Rules(tuple(ys), tuple(xs), tuple(cover), _vertical_span(vb, xs))


#: Gray level below which a large area counts as filled with ink (paper is ~255 once flattened).
SOLID_DARK = 110
#: A table ruled only across: at least this many long rules...
MIN_OPEN_RULES = 4
#: ...whose ends agree within this (mm) on both sides.
OPEN_END_MM = 4.0


def _open_table(hb: np.ndarray, ys: list[float], px_per_mm: float) -> Rules:
    """A table ruled only across (no vertical rules): the long rules sharing both ends.

    Its sides are where those rules start and end; the columns are left to the
    caller (the header's labels and the writing place them). ``xs`` holds the two
    sides only, and ``open_sides`` says so.
    """
    H = hb.shape[0]
    ends: list[tuple[float, float, float]] = []
    for y in ys:
        idx = np.flatnonzero(hb[_around(y, H, 2)].any(axis=0))
        if idx.size:
            ends.append((y, float(idx[0]), float(idx[-1])))
    if len(ends) < MIN_OPEN_RULES:
        return Rules((), ())
    left = float(np.median([e[1] for e in ends]))
    right = float(np.median([e[2] for e in ends]))
    tol = OPEN_END_MM * px_per_mm
    keep = [e for e in ends if abs(e[1] - left) <= tol and abs(e[2] - right) <= tol]
    if len(keep) < MIN_OPEN_RULES or right - left < 60 * px_per_mm:
        return Rules((), ())
    kept = _drop_close([e[0] for e in keep], 3.0 * px_per_mm)
    x0, x1 = round(left), round(right) + 1
    cover = [float(hb[_around(y, H, 2), x0:x1].any(axis=0).mean()) for y in kept]
    return Rules(tuple(kept), (left, right), tuple(cover), None, open_sides=True)


def _through_rules(vsum: np.ndarray, ys: list[float], xs: list[float], px_per_mm: float) -> list[float]:
    """The vertical rules that run through the horizontal ones (``vsum``: the summed-area table
    of the vertical strokes).

    A column rule crosses every rule of the table; the sides of boxes printed in
    the cells (comb boxes for a postcode, tick boxes) stop short of each rule, yet
    repeated on every line they add up to a long vertical line in the projection.
    """
    if len(xs) <= 2 or len(ys) < 3:
        return xs
    tight = _crossings(vsum, ys, xs, max(1, round(0.3 * px_per_mm)), max(1, round(0.8 * px_per_mm)))
    share = tight.mean(axis=0)
    kept = [x for x, s in zip(xs, share, strict=True) if s >= 0.5]
    return kept if len(kept) >= 2 else xs


#: A vertical rule darker than the paper by under this share of both its neighbours' darkness is no printed rule.
FAINT_RULE_SHARE = 0.3


def _printed_dark(gray: np.ndarray, ys: list[float], xs: list[float], px_per_mm: float) -> list[float]:
    """The vertical rules printed as dark as the table's others.

    The edge of a fold's shadow or of a crease passes the ink threshold as a long
    straight line, yet on a flattened page it is barely darker than the paper; every
    printed rule of one table is drawn with one pen (a fax fades them all alike), so a
    rule far fainter than both its neighbours is no printed rule.
    """
    if len(xs) <= 2:
        return xs
    y0, y1 = round(ys[0]), round(ys[-1]) + 1
    W = gray.shape[1]
    paper = percentile_u8(gray[y0:y1, round(xs[0]) : round(xs[-1]) + 1], 90)
    reach = max(1, round(0.8 * px_per_mm))  # a rule left slightly slanted stays in its strip
    strips = np.stack([gray[y0:y1, _around(x, W, reach)].min(axis=1) for x in xs])
    # where the rule is darkest: a fax breaks a printed rule into dashes (over half its
    # length may be gone), a crease's edge is faint all along
    dips = [max(0.0, paper - p) for p in row_percentiles(strips, 25)]
    # against its neighbours: a photo's light and focus change across the page, slowly
    kept = [
        x for i, x in enumerate(xs)
        if dips[i] >= FAINT_RULE_SHARE * min(dips[j] for j in (i - 1, i + 1) if 0 <= j < len(xs))
    ]
    return kept if len(kept) >= 2 else xs


def _vertical_span(vb: np.ndarray, xs: list[float]) -> tuple[float, float] | None:
    """Median top and bottom of the vertical rules at ``xs`` (a stray stroke moves one, not the median)."""
    tops, bottoms = [], []
    for x in xs:
        idx = np.flatnonzero(vb[:, _around(x, vb.shape[1], 2)].any(axis=1))
        if idx.size:
            tops.append(float(idx[0]))
            bottoms.append(float(idx[-1]))
    if not tops:
        return None
    return float(np.median(tops)), float(np.median(bottoms))


def _drop_close(pos: list[float], min_gap: float) -> list[float]:
    """Double rules (two lines a few px apart) count once."""
    out: list[float] = []
    for p in sorted(pos):
        if out and p - out[-1] < min_gap:
            out[-1] = (out[-1] + p) / 2
        else:
            out.append(p)
    return out
