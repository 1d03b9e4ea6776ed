"""Where a sheet lies in a phone photo: its four corners, from a mask of bright paper.

Paper is told from what it lies on by one global (Otsu) threshold, which goes
wrong two ways: part of the sheet falls below it (a corner in shade), or part
of the background rises above it (a light desk lit more than the paper) and
merges with the sheet into one bright region whose outline runs off along the
picture's border. The sheet is taken as the outline's convex hull (it bridges
bites of shade), unless the outline reaches the border: the hull would then take
in the background, so the sheet's own straight edges are used (the longest lines
of the outline, sides along the border and short bits of background left out),
when the quadrilateral they make agrees with the bright region (mostly bright,
holding most of the region). The edges are also the fallback when the hull is
no quadrilateral (a bright object lying against the sheet).
"""

from __future__ import annotations

import cv2
import numpy as np

from scanner.register.common import halved

#: Share of a quadrilateral from the sheet's edges (its part inside the picture) that must
#: be bright: shade biting into the sheet from an edge took up to 16% in generated photos.
MIN_PAPER_SHARE = 0.8
#: Share of the bright region it must hold (the rest: background merged with the sheet,
#: up to 7.5% in generated photos).
MIN_REGION_SHARE = 0.8
#: Sides within this angle (degrees) and this share of the picture's long side of one
#: line are pieces of one edge (split by a bite of shade or a blob of merged background).
SAME_LINE_DEG = 4.0
SAME_LINE_SHARE = 0.01
#: Gray levels above its neighbourhood's mean that make a pixel below the global
#: threshold paper in shade (a smooth lighting gradient over a desk stays under it).
SHADE_LIFT = 12.0


def find_page_quad(gray: np.ndarray, levels: list[np.ndarray] | None = None) -> np.ndarray | None:
    """Corners (TL, TR, BR, BL, image px) of a sheet photographed on a darker background.

    None when the page fills the picture (a scan) or no quadrilateral agrees with the paper.
    ``levels``: halvings of ``gray`` already made (see ``halved``).
    """
    small, f = halved(levels if levels else [gray], 800, 1.5)
    blur = cv2.GaussianBlur(small, (5, 5), 0)
    _, bright = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = _with_shaded_paper(blur, bright)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    c = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(c)
    total = small.shape[0] * small.shape[1]
    if area < 0.25 * total or area > 0.93 * total:
        return None
    shape = small.shape[:2]
    hull = cv2.convexHull(c)
    peri = cv2.arcLength(hull, True)
    # a bright region reaching the picture's border holds background merged with the sheet
    # (or the sheet is cut by the frame), which the hull would take in: the sheet's own
    # edges come first then; otherwise they are the fallback when the hull is no quadrilateral
    touches = _touches_border(c, shape)
    quad = None if touches else _from_hull(hull, peri)
    if quad is None:
        quad = _from_sides(c, peri, shape)
        if quad is None and touches:
            quad = _from_hull(hull, peri)
    return None if quad is None else _order(quad / f)


def _with_shaded_paper(blur: np.ndarray, bright: np.ndarray) -> np.ndarray:
    """``bright`` plus the paper in shade next to it.

    A sheet lit from one side can fall below the global threshold over a whole
    corner, a cut the hull cannot bridge. Paper there is still brighter than what it
    lies on beside it, so what stands out from its neighbourhood and touches the bright
    region is paper too: the band along the sheet's shaded edges, whose outline then
    encloses the shaded part. Light patches of the desk away from the sheet stay out.
    """
    win = max(31, round(min(blur.shape[:2]) / 6)) | 1
    local = cv2.blur(blur.astype(np.float32), (win, win))
    lifted = (blur.astype(np.float32) > local + SHADE_LIFT).astype(np.uint8) * 255
    either = cv2.bitwise_or(bright, lifted)
    n, labels = cv2.connectedComponents(either, connectivity=8)
    if n <= 2:
        return either
    on_bright = np.zeros(n, bool)  # a lookup table of the components touching it (no sort of the labels)
    on_bright[labels[bright > 0]] = True
    on_bright[0] = False
    return np.where(on_bright[labels], np.uint8(255), np.uint8(0))


def _from_sides(c: np.ndarray, peri: float, shape: tuple[int, int]) -> np.ndarray | None:
    """``_sheet_sides`` of outline ``c`` if that agrees with the region ``c`` encloses."""
    quad = _sheet_sides(cv2.approxPolyDP(c, 0.005 * peri, True).reshape(-1, 2), shape)
    if quad is None:
        return None
    region = np.zeros(shape, np.uint8)
    cv2.drawContours(region, [c], -1, 255, cv2.FILLED)
    return quad if _agrees(quad, region) else None


def _touches_border(c: np.ndarray, shape: tuple[int, int]) -> bool:
    pts = c.reshape(-1, 2)
    h, w = shape
    return bool((pts.min(axis=0) <= 1).any() or pts[:, 0].max() >= w - 2 or pts[:, 1].max() >= h - 2)


def _from_hull(hull: np.ndarray, peri: float) -> np.ndarray | None:
    """The sheet as its outline's convex hull (which bridges bites of shade): a quadrilateral,
    or one with one or two corners cut off, put back."""
    cut = _uncut_corners(cv2.approxPolyDP(hull, 0.01 * peri, True).reshape(-1, 2), cv2.contourArea(hull))
    if cut is not None:
        return cut
    for eps in (0.01, 0.02, 0.03, 0.05):
        approx = cv2.approxPolyDP(hull, eps * peri, True)
        if len(approx) == 4 and cv2.isContourConvex(approx):
            return approx.reshape(4, 2).astype(np.float64)
    return None


def _agrees(quad: np.ndarray, region: np.ndarray) -> bool:
    """Whether ``quad`` is (nearly all) bright paper and holds (nearly all) the bright ``region``.

    Only the part of ``quad`` inside the picture counts: a sheet's corner may lie outside it.
    """
    inside = np.zeros_like(region)
    cv2.fillConvexPoly(inside, np.round(quad).astype(np.int32), 255)
    n_quad = cv2.countNonZero(inside)
    n_both = cv2.countNonZero(cv2.bitwise_and(inside, region))
    return n_quad > 0 and n_both >= MIN_PAPER_SHARE * n_quad and n_both >= MIN_REGION_SHARE * cv2.countNonZero(region)


def _meet(p: np.ndarray, r: np.ndarray, q: np.ndarray, t: np.ndarray) -> np.ndarray | None:
    """Where the line through ``p`` along ``r`` meets the line through ``q`` along ``t``."""
    den = r[0] * t[1] - r[1] * t[0]
    if abs(den) < 1e-6 * float(np.linalg.norm(r) * np.linalg.norm(t)) + 1e-12:
        return None
    u = ((q[0] - p[0]) * t[1] - (q[1] - p[1]) * t[0]) / den
    return np.asarray(p + u * r, dtype=np.float64)


def _corners(pts: np.ndarray, sides: list[int]) -> np.ndarray | None:
    """Where the consecutive sides ``sides`` (indices of ``pts``' edges, in outline order) meet."""
    n = len(pts)
    corners = []
    for a, b in zip(sides, sides[1:] + sides[:1], strict=True):
        x = _meet(pts[a], pts[(a + 1) % n] - pts[a], pts[b], pts[(b + 1) % n] - pts[b])
        if x is None:
            return None
        corners.append(x)
    quad = np.array(corners, dtype=np.float64)
    if not cv2.isContourConvex(quad.astype(np.float32).reshape(-1, 1, 2)):
        return None
    return quad


def _uncut_corners(poly: np.ndarray, hull_area: float) -> np.ndarray | None:
    """The sheet's corners when its outline has one or two corners cut off (by shade or a
    fold): where its four longest sides meet. None unless the outline has 5 or 6 vertices
    and the result is a plausible convex quadrilateral around it."""
    n = len(poly)
    if not 5 <= n <= 6:
        return None
    pts = poly.astype(np.float64)
    length = [float(np.linalg.norm(pts[(i + 1) % n] - pts[i])) for i in range(n)]
    quad = _corners(pts, sorted(sorted(range(n), key=lambda i: -length[i])[:4]))
    if quad is None or not 0.97 * hull_area <= cv2.contourArea(quad.astype(np.float32)) <= 1.15 * hull_area:
        return None
    return quad


def _sheet_sides(poly: np.ndarray, shape: tuple[int, int]) -> np.ndarray | None:
    """Corners from the outline's own straight sides: the four longest lines, sides along
    the picture border left out, collinear pieces of one edge counted together."""
    n = len(poly)
    if n < 4:
        return None
    pts = poly.astype(np.float64)
    h, w = shape
    tol = SAME_LINE_SHARE * max(h, w)

    def along_border(p: np.ndarray, q: np.ndarray) -> bool:
        return bool(
            max(p[0], q[0]) <= 2 or max(p[1], q[1]) <= 2 or min(p[0], q[0]) >= w - 3 or min(p[1], q[1]) >= h - 3
        )

    length = [float(np.linalg.norm(pts[(i + 1) % n] - pts[i])) for i in range(n)]
    lines: list[list[int]] = []  # sides on one line, its longest first
    for i in sorted(range(n), key=lambda i: -length[i]):
        p, q = pts[i], pts[(i + 1) % n]
        if length[i] < 1 or along_border(p, q):
            continue
        for group in lines:
            a = group[0]
            pa, d = pts[a], (pts[(a + 1) % n] - pts[a]) / length[a]
            mid = (p + q) / 2 - pa
            cos = abs(float(np.dot(q - p, d))) / length[i]
            if cos >= np.cos(np.radians(SAME_LINE_DEG)) and abs(mid[0] * d[1] - mid[1] * d[0]) <= tol:
                group.append(i)
                break
        else:
            lines.append([i])
    if len(lines) < 4:
        return None
    main = sorted(lines, key=lambda g: -sum(length[i] for i in g))[:4]
    return _corners(pts, sorted(g[0] for g in main))


def _order(pts: np.ndarray) -> np.ndarray:
    """TL, TR, BR, BL by the sums and differences of the coordinates."""
    s = pts.sum(axis=1)
    d = pts[:, 1] - pts[:, 0]
    return np.array([pts[s.argmin()], pts[d.argmin()], pts[s.argmax()], pts[d.argmax()]])
