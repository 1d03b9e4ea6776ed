"""Pen on paper: handwriting-like text, scribbled signatures, ticks, strike-outs.

Text is set glyph by glyph with a handwriting font and per-character jitter
(size, baseline, rotation, spacing), so no two lines are alike. Where a font
has no accented capital, the accent is drawn as a pen stroke over the base
letter, the way people write it. Everything is drawn as ink *alpha* into a
:class:`InkLayer` over the line's band of the page, then laid on the paper with
the writer's ink colour (multiplied, so printed rules show through the ink).
Signatures are random synthetic scribbles, never real signatures.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from scanner.layout import Box

#: Handwriting fonts of the Debian packages fonts-dkg-handwriting and fonts-humor-sans,
#: plus fonts-bwht when installed. femkeklaver is left out: its capitals are outlined,
#: which no pen draws.
FONT_GLOBS = (
    ("/usr/share/fonts/truetype/fifthhorseman", "dkg*.ttf"),
    ("/usr/share/fonts/truetype/dkg-handwriting", "*.ttf"),
    ("/usr/share/fonts/truetype/humor-sans", "*.ttf"),
    ("/usr/share/fonts/opentype/bwht", "*.otf"),
)
#: Ballpoint and gel inks (RGB): mostly blue, often black.
INKS = ((22, 42, 150), (28, 52, 170), (18, 30, 105), (35, 35, 40), (25, 25, 30), (40, 45, 85))
#: Pen marks for accents a font may lack (NFD combining characters).
_MARKS = {"\u0301": "acute", "\u0300": "grave", "\u0302": "circ", "\u0308": "diaer", "\u0327": "cedilla"}


def handwriting_fonts() -> tuple[Path, ...]:
    """Installed handwriting fonts, sorted so that a seed picks the same one everywhere."""
    found: set[Path] = set()
    for folder, pattern in FONT_GLOBS:
        found.update(Path(folder).glob(pattern))
    if not found:
        raise RuntimeError(
            "no handwriting font found: install the Debian packages fonts-dkg-handwriting and fonts-humor-sans"
        )
    return tuple(sorted(found))


@lru_cache(maxsize=256)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@lru_cache(maxsize=8192)
def has_glyph(path: str, char: str) -> bool:
    """Whether the font draws ``char`` (PIL silently draws .notdef otherwise)."""
    if char.isspace():
        return True
    font = _font(path, 40)

    def ink(c: str) -> bytes:
        tile = Image.new("L", (80, 80), 0)
        ImageDraw.Draw(tile).text((10, 10), c, font=font, fill=255)
        return tile.tobytes()

    return ink(char) != ink("\uffff")


@lru_cache(maxsize=64)
def cap_ratio(path: str) -> float:
    """Height of a capital H over the font size, to size text by its capitals."""
    font = _font(path, 200)
    _, top, _, bottom = font.getbbox("H")
    return max(0.3, (bottom - top) / 200)


@dataclass(frozen=True)
class Hand:
    """One writer's habits, fixed for the whole line."""

    font: str
    cap_mm: float  #: height of a capital letter
    slant: float  #: degrees, positive leans right
    rot_jitter: float  #: per-character rotation spread (degrees)
    size_jitter: float  #: per-character relative size spread
    base_jitter: float  #: baseline wobble, fraction of the capital height
    spacing: float  #: extra advance, fraction of the capital height
    drift: float  #: the line climbs or sinks (degrees)
    ink: tuple[int, int, int]
    pressure: float  #: 0.55 (light) .. 1 (heavy)
    weight: int  #: extra stroke width in pixels at 300 DPI
    sprawl: float  #: how far past the cell's end the writer lets text run (mm)


def random_hand(rng: np.random.Generator, fonts: tuple[Path, ...]) -> Hand:
    return Hand(
        font=str(fonts[int(rng.integers(len(fonts)))]),
        cap_mm=float(rng.uniform(3.6, 5.8)),
        slant=float(rng.normal(0.0, 3.0)),
        rot_jitter=float(rng.uniform(1.0, 4.0)),
        size_jitter=float(rng.uniform(0.03, 0.09)),
        base_jitter=float(rng.uniform(0.02, 0.07)),
        spacing=float(rng.uniform(-0.04, 0.12)),
        drift=float(rng.normal(0.0, 0.8)),
        ink=INKS[int(rng.integers(len(INKS)))],
        pressure=float(rng.uniform(0.55, 1.0)),
        weight=int(rng.choice([0, 0, 1, 1, 2])),
        sprawl=float(rng.choice([0.0, 0.0, 0.0, 0.8, 1.8])),
    )


class InkLayer:
    """Ink alpha (0..255) over a horizontal band of the page, in page pixels."""

    def __init__(self, width: int, y0: int, y1: int) -> None:
        self.y0 = y0
        self.image = Image.new("L", (width, max(1, y1 - y0)), 0)
        self.draw = ImageDraw.Draw(self.image)

    def stamp(self, tile: Image.Image, x: float, y: float) -> None:
        """Add a tile of ink alpha with its top-left at page pixel (x, y)."""
        self.image.paste(255, (round(x), round(y) - self.y0), tile)

    def line(self, pts: np.ndarray, width: float) -> None:
        flat = [(float(px), float(py) - self.y0) for px, py in pts]
        self.draw.line(flat, fill=255, width=max(1, round(width)), joint="curve")
        r = width / 2
        for px, py in (flat[0], flat[-1]):  # round pen ends
            self.draw.ellipse((px - r, py - r, px + r, py + r), fill=255)

    def lay_on(self, page: np.ndarray, hand: Hand, rng: np.random.Generator) -> None:
        """Lay the ink on the page: multiply by the ink colour, with uneven pressure."""
        box = self.image.getbbox()
        if box is None:
            return
        x0, x1 = box[0], min(box[2], page.shape[1])
        y0, y1 = max(0, self.y0 + box[1]), min(page.shape[0], self.y0 + box[3])
        if y1 <= y0 or x1 <= x0:
            return
        a = np.asarray(self.image, dtype=np.float32)[y0 - self.y0 : y1 - self.y0, x0:x1] / 255.0
        small = rng.uniform(0.72, 1.0, (max(2, a.shape[0] // 24), max(2, a.shape[1] // 24))).astype(np.float32)
        texture = np.asarray(Image.fromarray(small).resize((a.shape[1], a.shape[0]), Image.Resampling.BILINEAR))
        a = a * texture * (0.45 + 0.55 * hand.pressure)
        ink = np.asarray(hand.ink, dtype=np.float32) / 255.0
        region = page[y0:y1, x0:x1].astype(np.float32)
        region *= 1.0 - a[:, :, None] * (1.0 - ink)[None, None, :]
        page[y0:y1, x0:x1] = np.clip(region, 0, 255).astype(np.uint8)


@lru_cache(maxsize=4096)
def _glyph(char: str, font_path: str, size: int, weight: int) -> tuple[Image.Image, int]:
    """One character as ink alpha on a tile with a margin for rotation; returns
    the tile and its baseline row. Cached: the same letter recurs all the time."""
    path = font_path
    base, marks = char, ""
    if not has_glyph(path, char):
        nfd = unicodedata.normalize("NFD", char)
        base, marks = nfd[0], "".join(m for m in nfd[1:])
        if not has_glyph(path, base) or any(m not in _MARKS for m in marks):
            path, base, marks = str(handwriting_fonts()[0]), char, ""
    font = _font(path, size)
    ascent, descent = font.getmetrics()
    pad = (size * 3) // 5
    width = round(font.getlength(base)) + 2 * pad
    tile = Image.new("L", (max(1, width), ascent + descent + 2 * pad), 0)
    draw = ImageDraw.Draw(tile)
    draw.text((pad, pad), base, font=font, fill=255, stroke_width=weight, stroke_fill=255)
    if marks:
        _pen_marks(draw, tile, marks, size, weight)
    box = tile.getbbox()
    if box is None:
        return tile.crop((0, 0, 1, 1)), 0
    m = max(4, size // 6)  # room to rotate a few degrees without clipping
    x0, y0 = max(0, box[0] - m), max(0, box[1] - m)
    x1, y1 = min(tile.width, box[2] + m), min(tile.height, box[3] + m)
    return tile.crop((x0, y0, x1, y1)), pad + ascent - y0


@lru_cache(maxsize=4096)
def _turned_glyph(
    char: str, font_path: str, size: int, weight: int, angle: float
) -> tuple[Image.Image, int, tuple[int, int, int, int] | None]:
    """A glyph turned by ``angle`` (half-degree steps, so turned tiles are reused)."""
    tile, baseline = _glyph(char, font_path, size, weight)
    if angle:
        tile = tile.rotate(angle, resample=Image.Resampling.BILINEAR, center=(tile.width / 2, baseline))
    return tile, baseline, tile.getbbox()


def _pen_marks(draw: ImageDraw.ImageDraw, tile: Image.Image, marks: str, size: int, weight: int) -> None:
    """Accents drawn as short pen strokes above (or a hook below) the base letter."""
    ink = np.asarray(tile) > 96
    ys, xs = np.nonzero(ink)
    if len(ys) == 0:
        return
    top, bottom, cx = int(ys.min()), int(ys.max()), float(xs.mean())
    s = size * 0.16
    wd = max(2, round(size * 0.055) + weight)
    for m in marks:
        kind = _MARKS[m]
        y = top - s * 0.45
        if kind == "acute":
            draw.line([(cx - s * 0.5, y), (cx + s * 0.6, y - s * 0.9)], fill=255, width=wd)
        elif kind == "grave":
            draw.line([(cx - s * 0.6, y - s * 0.9), (cx + s * 0.5, y)], fill=255, width=wd)
        elif kind == "circ":
            draw.line([(cx - s * 0.8, y), (cx, y - s * 0.8), (cx + s * 0.8, y)], fill=255, width=wd, joint="curve")
        elif kind == "diaer":
            r = wd * 0.8
            for dx in (-s * 0.6, s * 0.6):
                draw.ellipse((cx + dx - r, y - s * 0.4 - r, cx + dx + r, y - s * 0.4 + r), fill=255)
        else:  # cedilla
            yb = bottom + s * 0.2
            draw.line([(cx, yb), (cx + s * 0.5, yb + s * 0.5), (cx - s * 0.3, yb + s * 0.9)], fill=255, width=wd)


def text_strip(text: str, hand: Hand, px_per_mm: float, rng: np.random.Generator) -> tuple[Image.Image, float]:
    """``text`` written on one line; returns ink alpha cropped to the ink and the baseline row.

    Glyphs are spaced by their ink, not by the font's advances (some fonts draw
    ink left of the origin), with a gap that varies like a hand's.
    """
    size = max(10, round(hand.cap_mm * px_per_mm / cap_ratio(hand.font)))
    cap_px = hand.cap_mm * px_per_mm
    canvas = Image.new("L", (int(size * 1.3 * len(text)) + size * 3, size * 4), 0)
    x, base_y = float(size), float(size * 2)
    for ch in text:
        if ch == " ":
            x += cap_px * rng.uniform(0.5, 0.8)
            continue
        s = max(8, 2 * round(size * (1.0 + rng.normal(0.0, hand.size_jitter)) / 2))
        angle = round(2 * (-hand.slant + rng.normal(0.0, hand.rot_jitter))) / 2
        tile, glyph_base, box = _turned_glyph(ch, hand.font, s, hand.weight, angle)
        if box is None:
            continue
        by = base_y + rng.normal(0.0, hand.base_jitter) * cap_px
        canvas.paste(255, (round(x - box[0]), round(by - glyph_base)), tile)
        # Small letters sit closer together than capitals.
        base_gap = (0.03 + 0.5 * hand.spacing) if ch.islower() else (0.1 + hand.spacing)
        gap = cap_px * (base_gap + rng.normal(0.0, 0.03))
        x += (box[2] - box[0]) + max(gap, -0.05 * cap_px)
    strip, baseline = crop_ink(canvas, base_y)
    if abs(hand.drift) > 0.05 and strip.width > 1:
        # The line climbs or sinks; turn the tight strip, keeping the baseline's middle in place.
        turned = strip.rotate(hand.drift, resample=Image.Resampling.BILINEAR, expand=True)
        baseline += (turned.height - strip.height) / 2
        strip, baseline = crop_ink(turned, baseline)
    return strip, baseline


def _resized(img: Image.Image, fx: float, fy: float) -> Image.Image:
    return img.resize((max(1, round(img.width * fx)), max(1, round(img.height * fy))), Image.Resampling.LANCZOS)


def crop_ink(img: Image.Image, baseline: float = 0.0) -> tuple[Image.Image, float]:
    bbox = img.getbbox()
    if bbox is None:
        return img.crop((0, 0, 1, 1)), 0.0
    return img.crop(bbox), baseline - bbox[1]


def fit_into(
    layer: InkLayer,
    strip: Image.Image,
    baseline: float,
    cell: Box,
    px_per_mm: float,
    rng: np.random.Generator,
    over_mm: float = 0.0,
) -> None:
    """Write a strip into a cell the way people do: squeezed when long, rarely
    starting over the left rule, running ``over_mm`` past the right one, never
    more than about 1 mm above or below the line."""
    k = px_per_mm
    pad_l = k * rng.uniform(0.6, 2.6) if rng.random() > 0.04 else -k * rng.uniform(0.2, 0.7)
    room_w = cell.w - pad_l - k * 0.8 + over_mm * k
    room_h = cell.h + 1.6 * k
    fx = min(1.0, room_w / strip.width)
    fy = min(1.0, max(fx, fx**0.5), room_h / strip.height)
    fx = min(fx, max(fy, fx))
    if fx < 1.0 or fy < 1.0:
        strip = _resized(strip, fx, fy)
        baseline *= fy
    # Baseline in the lower part of the line, then kept within 0.8 mm of the rules.
    base_y = cell.y1 - cell.h * rng.uniform(0.22, 0.36)
    top = base_y - baseline
    top = min(max(top, cell.y0 - 0.8 * k), cell.y1 + 0.8 * k - strip.height)
    layer.stamp(strip, cell.x0 + pad_l, top)


def write_text(layer: InkLayer, text: str, cell: Box, hand: Hand, px_per_mm: float, rng: np.random.Generator) -> None:
    if not text:
        return
    strip, baseline = text_strip(text, hand, px_per_mm, rng)
    fit_into(layer, strip, baseline, cell, px_per_mm, rng, over_mm=hand.sprawl)


def write_digits(
    layer: InkLayer, digits: str, boxes: list[Box], hand: Hand, px_per_mm: float, rng: np.random.Generator
) -> None:
    """One digit per printed box, as the sheet asks: one size for all, on a common
    baseline near the boxes' bottom, each a little off-centre."""
    strips = [text_strip(ch, hand, px_per_mm, rng)[0] for ch in digits]
    if not strips or not boxes:
        return
    b0 = boxes[0]
    f = min(1.0, *(b0.h * 0.8 / s.height for s in strips), *(b0.w * 1.0 / s.width for s in strips))
    f *= rng.uniform(0.8, 1.0)
    bottom = b0.y1 - b0.h * rng.uniform(0.08, 0.2)
    for strip, b in zip(strips, boxes, strict=False):
        if f < 1.0:
            strip = _resized(strip, f, f)
        x = b.cx - strip.width / 2 + rng.normal(0.0, 0.07) * b.w
        layer.stamp(strip, x, bottom - strip.height + rng.normal(0.0, 0.04) * b.h)


def _densify(pts: np.ndarray, step: float) -> np.ndarray:
    """Points every ``step`` along the polyline, so smoothing only rounds corners."""
    seg = np.hypot(*np.diff(pts, axis=0).T)
    dist = np.concatenate([[0.0], np.cumsum(seg)])
    if dist[-1] <= step:
        return pts
    at = np.arange(0.0, dist[-1], step)
    return np.stack([np.interp(at, dist, pts[:, 0]), np.interp(at, dist, pts[:, 1])], axis=1)


def _smooth(pts: np.ndarray, passes: int = 2) -> np.ndarray:
    for _ in range(passes):
        pts = np.vstack([pts[:1], (pts[:-2] + 2 * pts[1:-1] + pts[2:]) / 4, pts[-1:]])
    return pts


def _letter(kind: str, x0: float, w: float, xh: float, n: int = 24) -> np.ndarray:
    """One cursive-like stroke piece on a baseline at y = 0 (y grows downwards)."""
    t = np.linspace(0.0, 1.0, n)
    if kind == "arch":  # n, m
        return np.stack([x0 + w * t, -xh * np.sin(np.pi * t)], axis=1)
    if kind == "dip":  # u, v
        return np.stack([x0 + w * t, -xh * (1 - np.sin(np.pi * t))], axis=1)
    h = {"loop": xh, "tall": 2.4 * xh, "down": -1.8 * xh}[kind]  # e, l, g
    r = w * 0.35
    return np.stack([x0 + w * t - r * np.sin(2 * np.pi * t), -h * (1 - np.cos(2 * np.pi * t)) / 2], axis=1)


def signature_strokes(rng: np.random.Generator, w: float, h: float) -> list[np.ndarray]:
    """A random scribble in a w x h box (y down). Several styles: cursive-like
    letters, initials and a long wave, a zig-zag, a flourish around a capital.
    Synthetic strokes only: never a real signature."""
    style = int(rng.integers(4))
    xh = 1.0
    strokes: list[np.ndarray] = []
    if style in (0, 1):
        # A capital: a tall loop or a big oval, then letters joined on one line.
        t = np.linspace(0, 2 * np.pi * rng.uniform(0.85, 1.25), 50)
        cap_w, cap_h = rng.uniform(0.8, 1.6), rng.uniform(2.2, 3.2)
        strokes.append(np.stack([cap_w * (1 + np.sin(t)), -cap_h * (1 - np.cos(t)) / 2], axis=1))
        x = cap_w * rng.uniform(1.4, 2.2)
        kinds = ["arch", "dip", "loop", "tall", "down"]
        weights = [0.3, 0.2, 0.25, 0.15, 0.1] if style == 0 else [0.45, 0.3, 0.15, 0.05, 0.05]
        pieces = []
        for _ in range(int(rng.integers(4, 10))):
            lw = rng.uniform(0.5, 1.1)
            pieces.append(_letter(str(rng.choice(kinds, p=weights)), x, lw, xh * rng.uniform(0.8, 1.2)))
            x += lw
        body = np.vstack(pieces)
        if style == 1:  # letters fade into a wave
            tail = np.linspace(0, 1, 40)
            wave = np.stack([x + tail * rng.uniform(2, 5), -0.4 * np.sin(tail * rng.uniform(6, 14))], axis=1)
            body = np.vstack([body, wave])
        strokes.append(body)
    elif style == 2:  # fast zig-zag, shrinking
        n = int(rng.integers(4, 9))
        xs = np.linspace(0, n * rng.uniform(0.5, 0.9), 2 * n) + rng.normal(0, 0.06, 2 * n)
        ys = np.where(np.arange(2 * n) % 2 == 0, 0.0, -rng.uniform(0.9, 2.0, 2 * n)) * np.linspace(1, 0.45, 2 * n)
        strokes.append(_smooth(_densify(np.stack([xs, ys], axis=1), 0.08), 6))
    else:  # an oval capital run through by a stroke
        t = np.linspace(0, 2 * np.pi * rng.uniform(1.0, 2.6), 90)
        ow, oh = rng.uniform(0.8, 2.2), rng.uniform(1.8, 3.2)
        grow = rng.uniform(-0.05, 0.12)
        strokes.append(np.stack([ow * (1 + np.cos(t)) * (1 + grow * t), -oh * (1 + np.sin(t)) / 2], axis=1))
        n = int(rng.integers(3, 7))
        xs = np.sort(rng.uniform(0.0, ow * rng.uniform(2.2, 4.0), n))
        cross = np.stack([xs, -oh * rng.uniform(0.05, 0.95, n)], axis=1)
        strokes.append(_smooth(_densify(cross, 0.1), 8))
    if rng.random() < 0.55:  # underline flourish
        right = max(float(s[:, 0].max()) for s in strokes)
        xs = np.linspace(right * rng.uniform(0.8, 1.05), right * rng.uniform(-0.05, 0.3), 30)
        ys = 0.5 + np.linspace(0, 1, 30) ** 2 * rng.uniform(-0.3, 0.4)
        strokes.append(np.stack([xs, ys], axis=1))
    # Slant, then scale into the box.
    shear = np.tan(np.deg2rad(rng.uniform(-5, 30)))
    strokes = [np.stack([s[:, 0] - shear * s[:, 1], s[:, 1]], axis=1) for s in strokes]
    allp = np.vstack(strokes)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    span = np.maximum(hi - lo, 1e-6)
    k = min(w / span[0], h / span[1])
    return [_smooth(_densify((s - lo) * k, 2.0)) for s in strokes]


def write_signature(
    layer: InkLayer, cell: Box, hand: Hand, px_per_mm: float, seed: int, rng: np.random.Generator
) -> None:
    """A scribble in the signature cell, a little bigger than the cell now and then."""
    shape = np.random.default_rng(seed)  # the person's usual scribble ...
    w, h = cell.w * shape.uniform(0.6, 1.05), cell.h * shape.uniform(0.55, 0.85)
    strokes = signature_strokes(shape, w, h)
    width = px_per_mm * rng.uniform(0.3, 0.5) + hand.weight
    pad = int(width * 2)
    canvas = Image.new("L", (int(w) + 2 * pad + 4, int(h * 1.6) + 2 * pad), 0)
    draw = ImageDraw.Draw(canvas)
    for s in strokes:
        s = s + rng.normal(0.0, 0.012 * h, s.shape)  # ... never drawn twice the same way
        pts = [(float(px) + pad, float(py) + pad + h * 0.2) for px, py in _smooth(s, 1)]
        draw.line(pts, fill=255, width=max(1, round(width)), joint="curve")
    strip, _ = crop_ink(canvas)
    fit_into(layer, strip, strip.height * 0.8, cell, px_per_mm, rng, over_mm=rng.choice([0.0, 0.0, 3.0]))


def write_tick(layer: InkLayer, box: Box, style: str, hand: Hand, px_per_mm: float, rng: np.random.Generator) -> None:
    """A tick, a cross or a filled box; a bit off-centre and often bigger than the box."""
    s = box.w * rng.uniform(0.8, 1.35)
    cx, cy = box.cx + rng.normal(0.0, 0.08) * box.w, box.cy + rng.normal(0.0, 0.08) * box.h
    width = px_per_mm * rng.uniform(0.3, 0.5) + hand.weight

    def p(u: float, v: float) -> tuple[float, float]:
        return cx + (u - 0.5) * s + rng.normal(0.0, 0.03) * s, cy + (v - 0.5) * s + rng.normal(0.0, 0.03) * s

    if style == "tick":
        layer.line(_smooth(np.array([p(0.1, 0.55), p(0.38, 0.88), p(0.95, 0.02)]), 0), width)
    elif style == "cross":
        layer.line(np.array([p(0.1, 0.1), p(0.9, 0.9)]), width)
        layer.line(np.array([p(0.9, 0.1), p(0.1, 0.9)]), width)
    else:  # filled: zig-zag hatching until the box is dark
        n = int(rng.integers(6, 10))
        pts = [p(0.08 + 0.84 * (i % 2), 0.08 + 0.84 * i / (n - 1)) for i in range(n)]
        layer.line(np.array(pts), width * 1.6)


def strike(layer: InkLayer, x0: float, x1: float, cell_y: Box, px_per_mm: float, rng: np.random.Generator) -> None:
    """A stroke (or two, or a wave) through a written line, to cross it out."""
    style = rng.choice(["single", "single", "single", "double", "wave"])
    width = px_per_mm * rng.uniform(0.35, 0.6)
    n = 40
    xs = np.linspace(x0, x1, n)
    mid = cell_y.cy + rng.normal(0.0, 0.06) * cell_y.h
    slope = rng.normal(0.0, 0.004)
    ys = mid + slope * (xs - x0) + rng.normal(0.0, 0.25, n).cumsum() * 0.3
    ys = np.clip(ys, cell_y.cy - 0.3 * cell_y.h, cell_y.cy + 0.3 * cell_y.h)  # the pen follows the line
    if style == "wave":
        ys = ys + np.sin(np.linspace(0, rng.uniform(10, 18), n)) * cell_y.h * 0.12
    layer.line(_smooth(np.stack([xs, ys], axis=1)), width)
    if style == "double":
        toward = -1.0 if ys.mean() > cell_y.cy else 1.0
        back = ys[::-1] + toward * cell_y.h * rng.uniform(0.12, 0.2)
        layer.line(_smooth(np.stack([xs[::-1], back], axis=1)), width)
