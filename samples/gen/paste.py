"""Real handwriting pasted on a sheet instead of font writing (tools/realhw/sheets.py).

A :class:`Pasted` image in ``RowPlan.pasted`` replaces what :mod:`samples.gen.render`
would write with a font in that cell; with none (the default) nothing here runs and
the generator draws as before, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from samples.gen.handwriting import InkLayer, _resized
from scanner.layout import Box


@dataclass(frozen=True)
class Pasted:
    """A cell written with a given image instead of a font (real handwriting crops).

    ``image`` is gray uint8, dark ink on white, a whole field cell (any height: it is
    scaled to the cell's). ``digits``, when given, are single-digit images (same
    convention) pasted one per printed box where the writer follows the boxes."""

    image: np.ndarray
    digits: tuple[np.ndarray, ...] = ()


def crop_alpha(gray: np.ndarray) -> Image.Image:
    """Ink alpha of a gray crop: paper (240 and lighter) 0, the crop's typical ink (the
    median of its pixels under 200) and darker 255, linear between. Crops cut from
    downscaled lines have light, blurred strokes; a pen stroke scanned at 300 dpi is
    dark at its core, which this gives back."""
    g = gray.astype(np.float32)
    ink = g[g < 200]
    core = float(np.median(ink)) if ink.size else 120.0
    a = np.clip((240.0 - g) / max(40.0, 240.0 - core), 0.0, 1.0)
    return Image.fromarray((a * 255).astype(np.uint8), "L")


def paste_crop(layer: InkLayer, gray: np.ndarray, cell: Box, px_per_mm: float, rng: np.random.Generator) -> None:
    """Paste a crop into a cell: scaled so the crop's height is the cell's (85-100%, and
    slanted a little at random, so that no two pastes are alike), cut to its ink,
    then kept off the rules (ink at most 80% of the cell high; too long for the cell, it is
    squeezed as :func:`fit_into` squeezes font writing, narrower more than lower) and set
    about mid-height, a little off-centre."""
    alpha = crop_alpha(gray)
    f = cell.h / max(1, alpha.height) * rng.uniform(0.85, 1.0)
    full = _resized(alpha, f, f)
    # a crop pasted twice (a town's word, a line written again) is never the same ink twice
    shear = rng.uniform(-0.12, 0.12)
    full = full.transform((full.width + round(abs(shear) * full.height), full.height), Image.Transform.AFFINE,
                          (1.0, shear, -max(0.0, shear) * full.height, 0.0, 1.0, 0.0), Image.Resampling.BILINEAR)
    box = full.getbbox()
    if box is None:
        return
    strip = full.crop(box)
    k = px_per_mm
    pad_l = k * rng.uniform(0.6, 2.6)
    room_w, room_h = cell.w - pad_l - k * 0.8, cell.h * 0.8
    # squeezed when too long as fit_into squeezes font writing: narrower more than lower
    fx = min(1.0, room_w / strip.width)
    fy = min(1.0, room_h / strip.height, max(fx, fx**0.5))
    fx = min(fx, fy) if fx > fy else fx
    if fx < 1.0 or fy < 1.0:
        strip = _resized(strip, fx, fy)
    top = cell.cy - strip.height / 2 + rng.normal(0.0, 0.04) * cell.h
    top = min(max(top, cell.y0 + 0.08 * cell.h), cell.y1 - 0.08 * cell.h - strip.height)
    layer.stamp(strip, cell.x0 + pad_l, top)


def paste_digits(
    layer: InkLayer, digits: tuple[np.ndarray, ...], boxes: list[Box], px_per_mm: float, rng: np.random.Generator
) -> None:
    """Digit images one per printed box, one size for all (as :func:`write_digits`)."""
    strips = []
    for d in digits:
        a = crop_alpha(d)
        box = a.getbbox()
        strips.append(a.crop(box) if box else a)
    if not strips or not boxes:
        return
    b0 = boxes[0]
    f = min(*(b0.h * 0.8 / s.height for s in strips), *(b0.w * 1.0 / s.width for s in strips))
    f *= rng.uniform(0.85, 1.0)
    bottom = b0.y1 - b0.h * rng.uniform(0.08, 0.2)
    for strip, b in zip(strips, boxes, strict=False):
        strip = _resized(strip, f, f)
        x = b.cx - strip.width / 2 + rng.normal(0.0, 0.07) * b.w
        layer.stamp(strip, x, bottom - strip.height + rng.normal(0.0, 0.04) * b.h)
