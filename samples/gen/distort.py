"""What happens to a filled sheet between the pen and the file: folds, a skewed
or sideways scan, a lower resolution, a phone photo, a fax.

Each step is a small frozen dataclass. :func:`geometry` gives its exact pixel
mapping without touching an image (so truth.json is computed from the plan
alone) and :func:`apply` performs it on the image with that same matrix. Pixel
coordinates follow OpenCV: the centre of the top-left pixel is (0, 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: Colour of the scanner lid that shows where a skewed page does not cover the glass.
LID_RGB = (236, 236, 232)


@dataclass(frozen=True)
class Fold:
    """Creases from folding the sheet into an envelope (fractions of the width)."""

    at: tuple[float, ...]


@dataclass(frozen=True)
class Skew:
    """The page lies askew on the glass; the scan keeps the same size."""

    degrees: float  #: positive = counter-clockwise as displayed


@dataclass(frozen=True)
class Rotate:
    """The page went through the feeder sideways or upside down."""

    quarter_turns: int  #: clockwise, 1..3


@dataclass(frozen=True)
class Rescale:
    """A scan at a lower resolution than the 300 DPI the page is drawn at."""

    factor: float


@dataclass(frozen=True)
class Photo:
    """A phone photo: the page's corners land on ``quad`` in a ``canvas`` picture."""

    canvas: tuple[int, int]  #: width, height
    quad: tuple[tuple[float, float], ...]  #: top-left, top-right, bottom-right, bottom-left


@dataclass(frozen=True)
class Fax:
    """Binarised, speckled: a fax or a black-and-white office scan."""


@dataclass(frozen=True)
class Gray:
    """Stored in grey levels."""


Op = Fold | Skew | Rotate | Rescale | Photo | Fax | Gray


def tag(op: Op, dpi: float) -> str | None:
    """The op's entry in truth.json's ``distortions`` (None: not reported)."""
    if isinstance(op, Skew):
        return f"skew:{op.degrees:.1f}"
    if isinstance(op, Rotate):
        return f"rot:{90 * op.quarter_turns}"
    if isinstance(op, Rescale):
        return f"dpi:{round(dpi * op.factor)}"
    if isinstance(op, Photo):
        return "photo"
    if isinstance(op, Fax):
        return "fax"
    if isinstance(op, Gray):
        return "gray"
    return "fold"


def rescaled_size(size: tuple[int, int], factor: float) -> tuple[int, int]:
    return max(1, round(size[0] * factor)), max(1, round(size[1] * factor))


def geometry(op: Op, size: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]]:
    """The 3x3 matrix from pixels before ``op`` to pixels after it, and the new size."""
    w, h = size
    if isinstance(op, Skew):
        m = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), op.degrees, 1.0)
        return np.vstack([m, [0.0, 0.0, 1.0]]), size
    if isinstance(op, Rotate):
        k = op.quarter_turns % 4
        mats = {
            0: ([1, 0, 0], [0, 1, 0], size),
            1: ([0, -1, h - 1], [1, 0, 0], (h, w)),
            2: ([-1, 0, w - 1], [0, -1, h - 1], size),
            3: ([0, 1, 0], [-1, 0, w - 1], (h, w)),
        }
        r0, r1, new = mats[k]
        return np.array([r0, r1, [0, 0, 1]], dtype=np.float64), new
    if isinstance(op, Rescale):
        nw, nh = rescaled_size(size, op.factor)
        sx, sy = nw / w, nh / h
        return np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5], [0, 0, 1]], dtype=np.float64), (nw, nh)
    if isinstance(op, Photo):
        src = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
        dst = np.array(op.quad, dtype=np.float32)
        return cv2.getPerspectiveTransform(src, dst).astype(np.float64), op.canvas
    return np.eye(3), size


def apply(op: Op, img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Perform ``op`` on an RGB uint8 image (the matrix is :func:`geometry`'s)."""
    size = (img.shape[1], img.shape[0])
    m, new = geometry(op, size)
    if isinstance(op, Skew):
        return cv2.warpAffine(img, m[:2], new, flags=cv2.INTER_LINEAR, borderValue=LID_RGB)
    if isinstance(op, Rotate):
        return np.ascontiguousarray(np.rot90(img, k=-(op.quarter_turns % 4)))
    if isinstance(op, Rescale):
        return cv2.resize(img, new, interpolation=cv2.INTER_AREA)
    if isinstance(op, Photo):
        return _photo(img, m, op.canvas, rng)
    if isinstance(op, Fax):
        return _fax(img, rng)
    if isinstance(op, Gray):
        g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        return cv2.cvtColor(g, cv2.COLOR_GRAY2RGB)
    return _folds(img, op.at, rng)


def _smooth_field(rng: np.random.Generator, size: tuple[int, int], cells: int, amp: float) -> np.ndarray:
    """Low-frequency noise in ``1 ± amp`` at ``size`` (w, h): paper, light, toner."""
    w, h = size
    small = rng.normal(0.0, 1.0, (cells, max(2, cells * w // max(h, 1)))).astype(np.float32)
    field = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    return 1.0 + amp * np.clip(field, -2.5, 2.5) / 2.5


def _lut(scale: float, offset: float = 0.0) -> np.ndarray:
    return np.clip(np.arange(256, dtype=np.float32) * scale + offset, 0, 255).astype(np.uint8)


def paper(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Paper is never pure white: a slight tint (per-channel lookup, cheap at 300 DPI)."""
    red = rng.uniform(0.975, 1.0)
    green = red - rng.uniform(0.0, 0.015)
    tint = (red, green, green - rng.uniform(0.005, 0.035))  # white to warm, never pink or green
    lut = np.stack([_lut(t) for t in tint], axis=1)[:, None, :]  # 256x1x3
    return cv2.LUT(img, lut)


def _noise(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """Sensor noise as int16, the same on the three channels (keeps grey pages grey).

    A 509 x 509 tile repeated over the page: as good as fresh noise to the eye and
    to a reader, and far cheaper at 300 DPI."""
    tile = np.rint(rng.standard_normal((509, 509), dtype=np.float32) * sigma).astype(np.int16)
    reps = (-(-shape[0] // 509), -(-shape[1] // 509))
    return np.tile(tile, reps)[: shape[0], : shape[1], None]


def scanner_finish(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Optics and sensor of a flatbed or a feeder: slight blur, level shift, noise."""
    out = cv2.GaussianBlur(img, (0, 0), float(rng.uniform(0.45, 0.8)))
    out = cv2.LUT(out, _lut(rng.uniform(0.97, 1.03), rng.uniform(-6, 4)))
    noisy = out.astype(np.int16) + _noise(rng, out.shape[:2], 1.6)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def _folds(img: np.ndarray, at: tuple[float, ...], rng: np.random.Generator) -> np.ndarray:
    """Each crease: a soft shade on one side and a thin darker line (only the
    columns near a crease are touched)."""
    w = img.shape[1]
    xs = np.arange(w, dtype=np.float32)
    shade = np.ones(w, dtype=np.float32)
    for frac in at:
        x0 = frac * w
        width = w * rng.uniform(0.01, 0.025)
        side = 1 if rng.random() < 0.5 else -1
        d = (xs - x0) * side
        shade *= np.where(d > 0, 1.0 - rng.uniform(0.03, 0.07) * np.exp(-d / width), 1.0)
        shade *= 1.0 - rng.uniform(0.05, 0.12) * np.exp(-(((xs - x0) / 1.6) ** 2))
    cols = np.nonzero(shade < 0.998)[0]
    out = img.copy()
    if len(cols):
        c0, c1 = int(cols.min()), int(cols.max()) + 1
        part = out[:, c0:c1].astype(np.float32) * shade[None, c0:c1, None]
        out[:, c0:c1] = np.clip(part, 0, 255).astype(np.uint8)
    return out


def _background(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """A table, a dark cloth or a grey desk: whatever is under the sheet (uint8,
    drawn at a quarter of the resolution: it is out of focus anyway)."""
    w, h = size
    sw, sh = max(2, w // 4), max(2, h // 4)
    kind = int(rng.integers(3))
    base = (
        np.array([rng.uniform(120, 160), rng.uniform(80, 105), rng.uniform(45, 65)]),  # wood
        np.array([rng.uniform(35, 60)] * 3) + rng.uniform(-8, 8, 3),  # dark cloth
        np.array([rng.uniform(150, 185), rng.uniform(150, 180), rng.uniform(140, 170)]),  # grey desk
    )[kind].astype(np.float32)
    bg = base[None, None, :] * _smooth_field(rng, (sw, sh), 8, 0.12)[:, :, None]
    if kind == 0:  # wood grain
        ys = np.arange(sh, dtype=np.float32)[:, None]
        xs = np.arange(sw, dtype=np.float32)[None, :]
        grain = 1.0 + 0.06 * np.sin(ys / rng.uniform(2.5, 6) + 3 * np.sin(xs / rng.uniform(75, 175)))
        bg = bg * grain[:, :, None]
    small = np.clip(bg, 0, 255).astype(np.uint8)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _photo(page: np.ndarray, m: np.ndarray, canvas: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Page on a background in perspective, uneven light, a colour cast, slight
    blur and sensor noise (uint8 throughout; smooth fields at low resolution)."""
    w, h = canvas
    warped = cv2.warpPerspective(page, m, canvas, flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    ones = np.full(page.shape[:2], 255, dtype=np.uint8)
    mask = cv2.warpPerspective(ones, m, canvas, flags=cv2.INTER_LINEAR).astype(np.float32) / 255.0
    bg = _background(rng, canvas)
    # The sheet casts a soft shadow on what it lies on (computed at 1/8 scale).
    sw, sh = max(2, w // 8), max(2, h // 8)
    small = cv2.resize(mask, (sw, sh), interpolation=cv2.INTER_AREA)
    off = np.array([[1, 0, rng.uniform(-2, 2)], [0, 1, rng.uniform(0.5, 3)]], dtype=np.float32)
    drop = cv2.GaussianBlur(cv2.warpAffine(small, off, (sw, sh)), (0, 0), 2.2)
    shade = np.clip((1.0 - 0.45 * drop) * 200.0, 0, 255).astype(np.uint8)
    shade3 = cv2.cvtColor(cv2.resize(shade, canvas, interpolation=cv2.INTER_LINEAR), cv2.COLOR_GRAY2RGB)
    bg = cv2.multiply(bg, shade3, scale=1.0 / 200.0)
    out = cv2.blendLinear(warped, bg, mask, 1.0 - mask)
    # Uneven light: a gradient across the picture and the shadow of the phone or a hand.
    yy, xx = np.mgrid[0:h:16, 0:w:16].astype(np.float32)
    gx, gy = rng.uniform(-0.25, 0.25, 2)
    light = 1.0 + gx * (xx / w - 0.5) + gy * (yy / h - 0.5)
    cx, cy = rng.uniform(0.1, 0.9) * w, rng.uniform(0.1, 0.9) * h
    rx, ry = rng.uniform(0.25, 0.6) * w, rng.uniform(0.2, 0.5) * h
    blob = np.exp(-(((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2) * 2.0)
    light *= 1.0 - rng.uniform(0.12, 0.35) * blob
    r2 = ((xx / w - 0.5) ** 2 + (yy / h - 0.5) ** 2) * 2.0
    light *= (1.0 - rng.uniform(0.05, 0.18) * r2) * rng.uniform(0.9, 1.08)  # vignetting, exposure
    cast = np.array([1.0, rng.uniform(0.96, 1.0), rng.uniform(0.86, 0.97)], dtype=np.float32)
    gain = np.clip(light[:, :, None] * cast * 200.0, 0, 255).astype(np.uint8)
    out = cv2.multiply(out, cv2.resize(gain, canvas, interpolation=cv2.INTER_LINEAR), scale=1.0 / 200.0)
    out = cv2.GaussianBlur(out, (0, 0), float(rng.uniform(0.6, 1.3)))
    return np.clip(out.astype(np.int16) + _noise(rng, (h, w), 2.0), 0, 255).astype(np.uint8)


def _fax(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Hard threshold after noise: broken thin strokes, speckles, toner drop-outs."""
    g = cv2.GaussianBlur(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), (0, 0), 0.7).astype(np.float32)
    g += rng.standard_normal(g.shape, dtype=np.float32) * 9.0
    g *= _smooth_field(rng, (g.shape[1], g.shape[0]), 10, 0.06)
    bw = np.where(g < rng.uniform(135, 165), 0, 255).astype(np.uint8)
    n = int(bw.size * rng.uniform(0.00005, 0.0002))
    ys, xs = rng.integers(0, bw.shape[0], n), rng.integers(0, bw.shape[1], n)
    bw[ys, xs] = 0
    return cv2.cvtColor(bw, cv2.COLOR_GRAY2RGB)


def plan_photo(rng: np.random.Generator, size: tuple[int, int], long_side: int) -> Photo:
    """Where the page lands in a phone picture: most of the frame, in perspective."""
    w, h = size
    landscape = w >= h
    cw, ch = (long_side, long_side * 3 // 4) if landscape else (long_side * 3 // 4, long_side)
    fill = rng.uniform(0.72, 0.88)
    k = fill * min(cw / w, ch / h)
    pw, ph = w * k, h * k
    cx = cw / 2 + rng.uniform(-0.5, 0.5) * (cw - pw) * 0.6
    cy = ch / 2 + rng.uniform(-0.5, 0.5) * (ch - ph) * 0.6
    ang = np.deg2rad(rng.uniform(-6, 6))
    corners = np.array([[-pw / 2, -ph / 2], [pw / 2, -ph / 2], [pw / 2, ph / 2], [-pw / 2, ph / 2]])
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    pts = corners @ rot.T + [cx, cy]
    # Perspective: the phone is not held parallel to the table.
    tilt = rng.normal(0.0, 0.035, (4, 2)) * [pw, ph]
    pts = pts + tilt
    margin = 0.015 * min(cw, ch)
    pts[:, 0] = np.clip(pts[:, 0], margin, cw - 1 - margin)
    pts[:, 1] = np.clip(pts[:, 1], margin, ch - 1 - margin)
    quad = tuple((round(float(x), 1), round(float(y), 1)) for x, y in pts)
    return Photo(canvas=(cw, ch), quad=quad)
