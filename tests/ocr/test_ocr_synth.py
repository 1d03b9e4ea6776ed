"""The synthetic handwriting renderer used by the tests and the benchmark."""

from __future__ import annotations

import numpy as np

from scanner.ocr.synth import font_supports, handwriting_fonts, render_cell


def test_handwriting_fonts_are_installed() -> None:
    fonts = handwriting_fonts()
    assert fonts, "install fonts-dkg-handwriting, fonts-femkeklaver, fonts-humor-sans"
    assert fonts == sorted(fonts)
    assert all(f.suffix.lower() in (".ttf", ".otf") for f in fonts)


def test_render_is_reproducible_for_a_seed_and_varies_between_seeds() -> None:
    font = handwriting_fonts()[0]
    a = render_cell("MARTIN", font, seed=4)
    assert np.array_equal(a, render_cell("MARTIN", font, seed=4))
    assert not np.array_equal(a, render_cell("MARTIN", font, seed=5))


def test_render_looks_like_a_cell() -> None:
    font = handwriting_fonts()[0]
    img = render_cell("JEAN-PIERRE", font, height_px=96, seed=1, width_px=500)
    assert img.dtype == np.uint8 and img.shape == (96, 500)
    assert np.median(img) > 220  # mostly paper
    assert img.min() < 100  # with dark ink
    ink_rows = np.flatnonzero((img < 128).any(axis=1))
    assert ink_rows[0] > 0 and ink_rows[-1] < 95  # the writing fits in the cell


def test_font_supports_detects_missing_glyphs() -> None:
    font = handwriting_fonts()[0]
    assert font_supports(font, "MARTIN")
    assert not font_supports(font, "中文")
