"""Image helpers shared by both registration methods."""

from __future__ import annotations

import cv2
import numpy as np

#: Share of dark pixels below which a page counts as blank.
BLANK_INK_SHARE = 0.0015


def true_runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """[a, b) runs of True in a 1-D boolean array."""
    d = np.diff(np.concatenate(([0], flags.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def background(gray: np.ndarray) -> np.ndarray:
    """Paper brightness at 1/8 of the resolution (local maximum, smoothed): what ``flatten`` divides by."""
    small = cv2.pyrDown(cv2.pyrDown(cv2.pyrDown(gray)))
    bg = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9)))
    return cv2.GaussianBlur(bg, (0, 0), 3)


def flatten(gray: np.ndarray, bg: np.ndarray | None = None) -> np.ndarray:
    """Divide out uneven lighting so paper is ~255 everywhere (photos, shade, yellowed paper).

    ``bg``: ``background(gray)`` when already computed.
    """
    h, w = gray.shape
    bg = cv2.resize(background(gray) if bg is None else bg, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(gray, np.maximum(bg, 40), scale=255)


def downscale(gray: np.ndarray, long_side: int, levels: list[np.ndarray] | None = None) -> tuple[np.ndarray, float]:
    """Shrink so the long side is at most ``long_side``; returns the image and the factor used.

    Halving with pyrDown first: INTER_AREA on a full page is several times slower.
    ``levels``: the halvings of ``gray`` already made (see ``halved``), used and added to.
    """
    h, w = gray.shape[:2]
    if max(h, w) <= long_side:
        return gray, 1.0
    chain = levels if levels is not None and levels and levels[0] is gray else [gray]
    i = 0
    while max(chain[i].shape[:2]) >= 2 * long_side:
        if i + 1 == len(chain):
            chain.append(cv2.pyrDown(chain[i]))
        i += 1
    img = chain[i]
    f = long_side / max(h, w)
    out = cv2.resize(img, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    return out, f


def ink_share(gray: np.ndarray) -> float:
    """Share of clearly dark pixels in the central part of a page (the edges may be background)."""
    small, _ = downscale(gray, 900)
    h, w = small.shape
    core = flatten(small)[h // 10 : h - h // 10, w // 10 : w - w // 10]
    if core.size == 0:
        return 0.0
    dark = (core < 150).astype(np.uint8)
    # isolated specks (dust, JPEG noise) are not ink
    solid = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    return float(solid.mean())


def is_blank(gray: np.ndarray) -> bool:
    return ink_share(gray) < BLANK_INK_SHARE


def halved(levels: list[np.ndarray], long_side: float, over: float) -> tuple[np.ndarray, float]:
    """First of the repeated halvings of ``levels[0]`` whose long side is under ``over * long_side``.

    ``levels`` caches the halvings (pyrDown, antialiased) so that several
    analyses of one page share them; no resampling to an exact size, which
    costs more than the halvings. Returns the level and its scale (level px i
    is centred on source px i / scale).
    """
    i = 0
    while max(levels[i].shape[:2]) >= over * long_side and min(levels[i].shape[:2]) >= 64:
        if i + 1 == len(levels):
            levels.append(cv2.pyrDown(levels[i]))
        i += 1
    return levels[i], 0.5**i


def _linear_at(n: int, q: float) -> tuple[int, int, float]:
    """The two order statistics of ``n`` values (0-based) that ``np.percentile(..., q)`` interpolates
    between by default, and the weight of the upper one."""
    v = (n - 1) * (q / 100)
    lo = min(n - 1, max(0, int(np.floor(v))))
    return lo, min(n - 1, lo + 1), v - lo


def _lerp(a: int, b: int, t: float) -> float:
    """numpy's linear interpolation, to the bit: from whichever end is nearer."""
    d = b - a
    if d == 0:
        return float(a)
    return float(b - d * (1 - t)) if t >= 0.5 else float(a + d * t)


def percentile_u8(img: np.ndarray, q: float) -> float:
    """``np.percentile(img, q)`` (its default linear method, to the bit) of an 8-bit image, from a
    histogram: no copy of the pixels and no partial sort (thirty times faster on a table's box)."""
    n = img.size
    if n == 0 or img.dtype != np.uint8:
        return float(np.percentile(img, q))
    lo, hi, t = _linear_at(n, q)
    cum = np.cumsum(cv2.calcHist([img], [0], None, [256], [0, 256]).ravel().astype(np.int64))
    a, b = (int(np.searchsorted(cum, i, side="right")) for i in (lo, hi))
    return _lerp(a, b, t)


def row_percentiles(rows: np.ndarray, q: float) -> list[float]:
    """``np.percentile(row, q)`` of each row of a 2-D integer array (to the bit), with one sort."""
    if rows.shape[1] == 0:
        return [float(np.percentile(r, q)) for r in rows]
    lo, hi, t = _linear_at(rows.shape[1], q)
    ranked = np.sort(rows, axis=1)
    return [_lerp(a, b, t) for a, b in zip(ranked[:, lo].tolist(), ranked[:, hi].tolist(), strict=True)]
