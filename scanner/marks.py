"""Presence decisions from ink: is the tick box marked, is there a signature?

Only *whether* there is pen ink of the right kind is measured. Nothing here
looks at the shape of a signature beyond "a real stroke", and nothing compares
marks between people: no handwriting or signature biometrics.

Ink is contrast against the paper's own brightness (a smooth surface fitted to
the paper), so uneven light and shadows do not read as ink; a minimum contrast
keeps JPEG noise out, and a lower "faint" level is used only to doubt, never to
decide. Sizes are in millimetres, converted with the page's ``px_per_mm``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from scanner.flags import Flag
from scanner.layout import MM_PER_INCH, TEMPLATE_DPI, Box
from scanner.model import FieldResult

#: Contrast (0..255, relative to the local paper) from which a pixel is ink.
MIN_CONTRAST = 55
#: Otsu may raise the ink level for dark crops, never above this (pencil stays ink).
MAX_CONTRAST = 80
#: Faint marks (light pencil, pressed-through ink): reasons to doubt, not to decide.
FAINT_CONTRAST = 28

#: Confidence of a clear decision and of a doubtful one (the latter is flagged).
SURE = 0.95
DOUBTFUL = 0.35

#: A ticked box: its interior this full of ink, or a stroke touching the interior
#: this long (share of the box side) with this much ink (share of the box area).
FILLED = 0.3
TICK_EXTENT = 0.45
TICK_AREA = 0.02

#: Crops smaller than this (px) cannot be judged.
MIN_CROP_PX = 8

#: Scale of registered pages (printed sheets are warped to the template's resolution).
DEFAULT_PX_PER_MM = TEMPLATE_DPI / MM_PER_INCH
#: Side of the printed tick box (layout.checkbox), the size looked for on foreign sheets.
TICK_BOX_MM = 7.0
#: Straight lines are taken for the printed square only outside this inset (share of its side).
PRINTED_LINES_INSET = 0.25
#: A box whose inside is this much ink, before any line is removed, is never a sure "false".
INKED_BOX = 0.1


@dataclass(frozen=True)
class SignatureRules:
    """What counts as a signature, in millimetres of pen stroke."""

    length_mm: float = 12.0  #: total stroke length of a signature (small initials pass)
    extent_mm: float = 3.2  #: one stroke at least this tall or wide (dots and commas do not pass)
    max_thickness_mm: float = 1.5  #: thicker is a smudge or a blot, not a stroke
    min_stroke_mm2: float = 0.45  #: ink area of a stroke
    speck_mm2: float = 0.25  #: smaller specks are ignored altogether
    edge_band_mm: float = 1.9  #: ink entering from a crop edge is ignored within this band
    faint_extent_mm: float = 3.8  #: a faint stroke this long makes a blank cell doubtful


SIGNATURE_RULES = SignatureRules()


@dataclass(frozen=True)
class InkMasks:
    """Ink at the decision level and at the faint level, as 0/1 uint8 images."""

    strong: np.ndarray
    faint: np.ndarray


def _gray(crop: np.ndarray) -> np.ndarray:
    if crop.ndim == 3:
        return cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    return crop


def paper_brightness(gray: np.ndarray) -> np.ndarray:
    """The paper's brightness under each pixel: a smooth quadratic surface fitted to the
    paper only (ink is excluded as dark outliers), so gradients of light and large
    ink areas (a filled box) are both handled.
    """
    h, w = gray.shape
    f = max(1, min(h, w) // 32)
    small = cv2.resize(gray, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA)
    small = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))  # thin strokes out
    sh, sw = small.shape
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    xx, yy = xx / max(sw - 1, 1) - 0.5, yy / max(sh - 1, 1) - 0.5
    design = np.stack([np.ones_like(xx), xx, yy, xx * xx, xx * yy, yy * yy], axis=-1).reshape(-1, 6).astype(np.float64)
    values = small.reshape(-1).astype(np.float64)
    paper = values >= np.percentile(values, 30)
    coef: np.ndarray = np.zeros(6)
    for _ in range(4):
        a = design[paper]
        # normal equations of a 6-term fit: far cheaper than lstsq's SVD
        coef = np.linalg.solve(a.T @ a + 1e-6 * np.eye(6), a.T @ values[paper])
        resid = values - design @ coef
        spread = max(4.0, 2.5 * float(np.std(resid[paper])))
        paper = resid > -spread
    fit = (design @ coef).reshape(sh, sw).astype(np.float32)
    return cv2.resize(fit, (w, h), interpolation=cv2.INTER_LINEAR)


def ink_masks(crop: np.ndarray) -> InkMasks:
    """Ink relative to the local paper, robust to uneven light and JPEG noise."""
    gray = _gray(crop).astype(np.float32)
    paper = np.maximum(paper_brightness(gray), 1.0)
    contrast = np.clip((paper - gray) / np.maximum(paper, 1.0) * 255.0, 0, 255).astype(np.uint8)
    otsu, _ = cv2.threshold(contrast, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    level = min(max(float(otsu), MIN_CONTRAST), MAX_CONTRAST)
    return InkMasks(strong=(contrast >= level).astype(np.uint8), faint=(contrast >= FAINT_CONTRAST).astype(np.uint8))


@dataclass(frozen=True)
class Blob:
    """One connected ink component."""

    label: int  #: its value in the label image
    area: int
    x0: int
    y0: int
    x1: int
    y1: int
    length: float  #: approximate stroke length (half the contour perimeter)

    @property
    def extent(self) -> int:
        return max(self.x1 - self.x0, self.y1 - self.y0)

    @property
    def thickness(self) -> float:
        return self.area / max(self.length, 1.0)


def blobs(mask: np.ndarray, min_area: float) -> tuple[list[Blob], np.ndarray]:
    """Components of at least ``min_area`` pixels, and the label image."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    perimeter = np.zeros(n, dtype=np.float64)
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    for c in contours:
        x, y = c[0][0]
        perimeter[labels[y, x]] += cv2.arcLength(c, closed=True)
    out = []
    for i in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if area >= min_area:
            out.append(Blob(i, area, x, y, x + bw, y + bh, max(perimeter[i] / 2.0, float(max(bw, bh)))))
    return out, labels


def _straight_lines(mask: np.ndarray, length: int, max_thickness: int) -> np.ndarray:
    """Thin horizontal and vertical runs of at least ``length`` px (printed squares, rule remnants).

    A filled area also has long runs but is thick, so it is not taken for a line.
    """
    lines = np.zeros_like(mask)
    for kx, ky, tx, ty in ((length, 1, 1, max_thickness), (1, length, max_thickness, 1)):
        runs = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (kx, ky)))
        thick = cv2.morphologyEx(runs, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (tx, ty)))
        lines = np.maximum(lines, np.minimum(runs, 1 - thick))
    return lines


def _result(column: str, ticked: bool, confidence: float, doubtful: bool) -> FieldResult:
    flags: list[str] = [Flag.low(column)] if doubtful else []
    value = "true" if ticked else "false"
    return FieldResult(column=column, value=value, raw=value, confidence=round(confidence, 4), flags=flags)


# -- checkbox ------------------------------------------------------------------------


def _find_square(lines: np.ndarray, guess: float) -> Box | None:
    """The printed tick box on a foreign sheet: the square the straight lines near the centre outline."""
    h, w = lines.shape
    _, _, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    near = [s for s in stats[1:] if abs(s[0] + s[2] / 2 - w / 2) < w * 0.35 and abs(s[1] + s[3] / 2 - h / 2) < h * 0.35]
    if not near:
        return None
    x0 = min(int(s[0]) for s in near)
    y0 = min(int(s[1]) for s in near)
    x1 = max(int(s[0] + s[2]) for s in near)
    y1 = max(int(s[1] + s[3]) for s in near)
    bw, bh = x1 - x0, y1 - y0
    if not (0.75 <= bw / max(bh, 1) <= 1.33 and 0.4 * guess <= min(bw, bh) <= 1.8 * guess):
        return None
    return Box(x0, y0, x1, y1)


def _box_mask(shape: tuple[int, ...], box: Box) -> np.ndarray:
    m = np.zeros(shape[:2], dtype=np.uint8)
    h, w = shape[:2]
    x0, y0, x1, y1 = box.ints()
    m[max(0, y0) : min(h, y1), max(0, x0) : min(w, x1)] = 1
    return m


def checkbox(crop: np.ndarray, box: Box | None, *, column: str, px_per_mm: float = DEFAULT_PX_PER_MM) -> FieldResult:
    """Tick box: "true" for a tick, cross or filled box, "false" for an empty one.

    ``box`` is the printed tick box within the crop (px); ``None`` on foreign
    sheets, where the square is looked for (else the centre is used). Printed
    straight lines are removed before measuring, so the box outline is not a
    mark. A dot, a short stray stroke, a mark beside the box or a faint one is
    doubtful: low confidence and ``low_confidence:<column>``.
    """
    if min(crop.shape[:2]) < MIN_CROP_PX:
        return _result(column, False, 0.0, True)  # no usable image: never a silent "false"
    masks = ink_masks(crop)
    h, w = masks.strong.shape
    guess = min(box.w, box.h) if box is not None else min(TICK_BOX_MM * px_per_mm, 0.7 * min(h, w))
    run, thick = max(6, int(0.45 * guess)), max(5, int(0.2 * guess))
    lines = _straight_lines(masks.strong, run, thick)
    if box is None:
        found = _find_square(lines, guess)
        box = found or Box(w / 2 - guess / 2, h / 2 - guess / 2, w / 2 + guess / 2, h / 2 + guess / 2)
    s = max(4.0, min(box.w, box.h))
    # the printed square's lines are at its edges: straight strokes well inside it are the
    # writer's (a box filled by a zigzag of horizontal strokes)
    core = _box_mask((h, w), box.inset(PRINTED_LINES_INSET * s))
    lines = np.minimum(lines, 1 - core)
    margin = max(2, int(0.04 * min(h, w)))
    keep = np.zeros((h, w), dtype=np.uint8)
    keep[margin : h - margin, margin : w - margin] = 1
    keep = np.minimum(keep, _box_mask((h, w), box.inset(-0.5 * s)))  # the box and a tick's overshoot
    dil = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
    ink = np.minimum(np.minimum(masks.strong, keep), 1 - cv2.dilate(lines, dil))
    interior = _box_mask((h, w), box.inset(0.15 * s))

    fill = float(ink[interior > 0].mean()) if interior.any() else 0.0
    found_blobs, labels = blobs(ink, max(4.0, (0.06 * s) ** 2))
    in_box = set(np.unique(labels[interior > 0]).tolist())
    inside = [b for b in found_blobs if b.label in in_box]
    stroke_in = max((b.extent for b in inside), default=0) / s
    area_in = sum(b.area for b in inside) / s**2
    outside = max((b.extent for b in found_blobs if b.label not in in_box), default=0) / s

    if fill >= FILLED or (stroke_in >= TICK_EXTENT and area_in >= TICK_AREA):
        return _result(column, True, SURE, False)
    # the faint ink, printed lines taken out the same way, only matters for a box not surely ticked
    faint_lines = np.minimum(_straight_lines(masks.faint, run, thick), 1 - core)
    faint = np.minimum(np.minimum(masks.faint, keep), 1 - cv2.dilate(faint_lines, dil))
    faint_blobs, _ = blobs(faint, max(4.0, (0.06 * s) ** 2))
    faint_extent = max((b.extent for b in faint_blobs), default=0) / s
    raw_fill = float(masks.strong[interior > 0].mean()) if interior.any() else 0.0
    if not found_blobs and faint_extent < 0.3 and raw_fill < INKED_BOX:
        return _result(column, False, SURE, False)
    likely = stroke_in >= 0.3 or fill >= 0.1 or outside >= 0.6 or faint_extent >= 0.45
    return _result(column, likely, DOUBTFUL, True)


# -- signature -------------------------------------------------------------------------


def signature(
    crop: np.ndarray, *, column: str, px_per_mm: float = DEFAULT_PX_PER_MM, rules: SignatureRules = SIGNATURE_RULES
) -> FieldResult:
    """Signature: "true" when the cell holds real pen strokes, "false" when it is blank.

    A stroke must be long and thin (not a dot or a smudge); ink that touches the
    crop's edge counts only for what reaches into the cell (a neighbour's
    signature overflowing by a few pixels is not this row's). Scraps in between
    are doubtful: low confidence and ``low_confidence:<column>``.
    """
    if min(crop.shape[:2]) < MIN_CROP_PX:
        return _result(column, False, 0.0, True)
    k, k2 = px_per_mm, px_per_mm**2
    masks = ink_masks(crop)
    band = max(2, round(rules.edge_band_mm * k))
    strong = _inner_part(masks.strong, band)

    found, _ = blobs(strong, max(4.0, rules.speck_mm2 * k2))
    strokes = [b for b in found if b.thickness <= rules.max_thickness_mm * k and b.area >= rules.min_stroke_mm2 * k2]
    total_length = sum(b.length for b in strokes) / k
    longest = max((b.extent for b in strokes), default=0) / k

    if total_length >= rules.length_mm and longest >= rules.extent_mm:
        return _result(column, True, SURE, False)
    if not found:  # the faint ink only matters for a cell with no strong ink
        faint_found, _ = blobs(_inner_part(masks.faint, band), max(4.0, rules.speck_mm2 * k2))
        if max((b.extent for b in faint_found), default=0) / k < rules.faint_extent_mm:
            return _result(column, False, SURE, False)
    likely = total_length >= rules.length_mm / 2 and longest >= rules.extent_mm / 2
    return _result(column, likely, DOUBTFUL, True)


def _inner_part(mask: np.ndarray, band: int) -> np.ndarray:
    """The mask with, for components touching the crop's edge, their part in the edge band removed.

    A stroke that only enters from a neighbouring cell disappears; one that
    overflows the cell keeps what lies inside.
    """
    h, w = mask.shape
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return mask
    x, y, bw, bh = stats[:, 0], stats[:, 1], stats[:, 2], stats[:, 3]
    touching = (x <= 1) | (y <= 1) | (x + bw >= w - 1) | (y + bh >= h - 1)
    touching[0] = False
    in_band = np.ones((h, w), dtype=bool)
    in_band[band : h - band, band : w - band] = False
    out = mask.copy()
    out[touching[labels] & in_band] = 0
    return out
