"""Synthetic handwriting-like cells, for tests and the OCR benchmark.

Real petition scans cannot be shipped with the project (they carry personal
data), so engines are measured on text drawn with the Debian handwriting fonts
and per-character jitter: size, baseline and rotation vary like a hand does.
The output looks like what ``scanner.cells`` hands the engines: a gray uint8
crop, dark ink on white, one line of text, about 100 px high at 200 DPI.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

#: Folders of the Debian packages fonts-dkg-handwriting, fonts-femkeklaver,
#: fonts-humor-sans (the dkg package installs under "fifthhorseman").
KNOWN_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dkg-handwriting"),
    Path("/usr/share/fonts/truetype/fifthhorseman"),
    Path("/usr/share/fonts/truetype/femkeklaver"),
    Path("/usr/share/fonts/truetype/humor-sans"),
)
#: Family-name fragments that mark a handwriting font in ``fc-list`` output.
FAMILY_HINTS = ("dkghandwriting", "femkeklaver", "humor sans")

#: Ink colours (RGB): blue and black ballpoint.
INKS = ((25, 45, 150), (30, 30, 35), (20, 30, 110))


def handwriting_fonts() -> list[Path]:
    """The installed handwriting fonts, sorted, so a seed picks the same font everywhere."""
    found: set[Path] = set()
    for folder in KNOWN_FONT_DIRS:
        if folder.is_dir():
            found.update(p for p in folder.iterdir() if p.suffix.lower() in (".ttf", ".otf"))
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            out = subprocess.run(
                [fc_list, ":", "file", "family"], capture_output=True, text=True, timeout=20, check=False
            ).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        for line in out.splitlines():
            path, _, family = line.partition(":")
            if any(hint in family.lower() for hint in FAMILY_HINTS):
                found.add(Path(path.strip()))
    return sorted(p for p in found if p.is_file())


@lru_cache(maxsize=64)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@lru_cache(maxsize=4096)
def _has_glyph(path: str, char: str) -> bool:
    """Whether the font draws ``char`` (PIL silently draws the .notdef box otherwise)."""
    if char.isspace():
        return True
    font = _font(path, 40)
    return _ink_of(font, char) != _ink_of(font, "\uffff")


def _ink_of(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    tile = Image.new("L", (80, 80), 0)
    ImageDraw.Draw(tile).text((10, 10), char, font=font, fill=255)
    return tile.tobytes()


def font_supports(font_path: Path, text: str) -> bool:
    """Whether every character of ``text`` exists in the font."""
    return all(_has_glyph(str(font_path), c) for c in text)


def _glyph(char: str, font: ImageFont.FreeTypeFont, ink: tuple[int, int, int], angle: float) -> Image.Image:
    """One character on a transparent tile, rotated around its centre."""
    left, _, right, _ = font.getbbox(char)
    ascent, descent = font.getmetrics()
    w = max(1, int(right - left)) + 8
    h = ascent + descent + 8
    tile = Image.new("RGBA", (w, int(h)), (255, 255, 255, 0))
    ImageDraw.Draw(tile).text((4 - left, 4), char, font=font, fill=(*ink, 255))
    return tile.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False)


def render_cell(
    text: str,
    font_path: Path,
    height_px: int = 100,
    seed: int = 0,
    width_px: int | None = None,
) -> np.ndarray:
    """Draw ``text`` as one handwritten-looking line; returns a gray uint8 image.

    The seed fixes everything random (size, jitter, ink, margins), so a test or
    a benchmark run is reproducible. ``width_px`` gives a fixed cell width (text
    that does not fit is squeezed), otherwise the cell is as wide as the text
    plus random margins.
    """
    rng = np.random.default_rng(seed)
    ink = INKS[int(rng.integers(len(INKS)))]
    # Capitals about 35-50 % of the cell height, as people write in a 12 mm box.
    size = int(height_px * rng.uniform(0.50, 0.70))
    slant = rng.uniform(-4.0, 4.0)
    scratch_h = 3 * size
    tiles: list[tuple[Image.Image, int, int]] = []
    x = 0
    for char in text:
        font = _font(str(font_path), max(8, int(size * rng.uniform(0.90, 1.10))))
        if char.isspace():
            x += int(size * rng.uniform(0.30, 0.45))
            continue
        tile = _glyph(char, font, ink, slant + rng.normal(0.0, 2.5))
        baseline = size + int(rng.normal(0.0, height_px * 0.025))
        tiles.append((tile, x, baseline - font.getmetrics()[0]))
        x += tile.width - 8 + int(rng.integers(-2, 5))
    scratch = Image.new("RGB", (max(1, x + 16), scratch_h), (255, 255, 255))
    for tile, tx, ty in tiles:
        scratch.paste(tile, (tx, ty), tile)
    line = _crop_ink(scratch)
    # Fit the written line into the cell (a hand squeezes what does not fit).
    room_h = int(height_px * 0.92)
    if line.height > room_h:
        line = line.resize((max(1, line.width * room_h // line.height), room_h), Image.Resampling.LANCZOS)
    margin_l = int(rng.integers(8, 40))
    natural_w = margin_l + line.width + int(rng.integers(10, 60))
    canvas_w = natural_w if width_px is None else max(width_px, natural_w)
    canvas = Image.new("RGB", (canvas_w, height_px), (255, 255, 255))
    top = int((height_px - line.height) * rng.uniform(0.25, 0.75))
    canvas.paste(line, (margin_l, top))
    if width_px is not None and canvas_w > width_px:
        canvas = canvas.resize((width_px, height_px), Image.Resampling.LANCZOS)
    canvas = canvas.filter(ImageFilter.GaussianBlur(radius=float(rng.uniform(0.3, 0.8))))
    gray = np.asarray(canvas.convert("L"), dtype=np.float64)
    # Paper is not pure white and the scanner adds a little noise.
    gray = gray * rng.uniform(0.92, 0.99) + rng.normal(0.0, 3.0, gray.shape) + rng.uniform(2.0, 14.0)
    return np.clip(gray, 0, 255).astype(np.uint8)


def _crop_ink(image: Image.Image) -> Image.Image:
    """The image cut to its non-white pixels (the whole image if it is blank)."""
    ink = np.asarray(image.convert("L")) < 250
    ys, xs = np.nonzero(ink)
    if len(ys) == 0:
        return image.crop((0, 0, min(image.width, 8), min(image.height, 8)))
    return image.crop((int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1))
