"""Shared helpers of the engines: per-type cleaning and cutting a cell to its ink."""

from __future__ import annotations

import numpy as np
import pytest

from scanner.forms import ColumnType
from scanner.layout import Box
from scanner.ocr.base import clean_text, crop_to_ink, line_confidence


@pytest.mark.parametrize(
    ("kind", "raw", "text", "dropped"),
    [
        (ColumnType.POSTCODE, " 75 0l1 ", "7501", 1),
        (ColumnType.NAME, "  JEAN   PIERRE ", "JEAN PIERRE", 0),
        (ColumnType.NAME, "DUP0NT!", "DUPNT", 2),
        (ColumnType.EMAIL, "jean martin@free.fr", "jeanmartin@free.fr", 0),
        (ColumnType.DATE, "12/03/1985", "12/03/1985", 0),
        (ColumnType.PHONE, "+33 6 12", "+33612", 0),
    ],
)
def test_clean_text_keeps_the_kind_alphabet_and_counts_drops(
    kind: ColumnType, raw: str, text: str, dropped: int
) -> None:
    assert clean_text(raw, kind) == (text, dropped)


def test_crop_to_ink_finds_the_writing_and_pads_it() -> None:
    cell = np.full((100, 400), 245, dtype=np.uint8)
    cell[30:70, 100:300] = 20
    cell[5, 5] = 0  # a lone speck does not stretch the box
    crop = crop_to_ink(cell, pad=0.25)
    assert crop is not None
    assert (crop.box.x0, crop.box.y0, crop.box.x1, crop.box.y1) == (100, 30, 300, 70)
    assert crop.image.shape == (40 + 2 * 10, 200 + 2 * 10)
    assert crop.image[0].min() == 255 and crop.image[:, 0].min() == 255


def test_crop_to_ink_of_a_blank_cell_is_none() -> None:
    assert crop_to_ink(np.full((100, 400), 240, dtype=np.uint8)) is None


def test_crop_to_ink_of_a_view_matches_its_copy() -> None:
    """Cells are views into the page (strided); the crop must not depend on that."""
    page = np.full((300, 900), 250, dtype=np.uint8)
    page[120:170, 300:520] = 20
    page[140:142, 600:700] = 90  # a faint short stroke, still ink
    view = page[50:250:1, 200:800]
    crop, copy = crop_to_ink(view), crop_to_ink(np.ascontiguousarray(view))
    assert crop is not None and copy is not None
    assert crop.box == copy.box == Box(100.0, 70.0, 500.0, 120.0)
    assert np.array_equal(crop.image, copy.image)


def test_crop_to_ink_of_an_empty_image_is_none() -> None:
    assert crop_to_ink(np.zeros((0, 40), dtype=np.uint8)) is None


def test_crop_to_ink_wants_gray_uint8() -> None:
    with pytest.raises(ValueError, match="gray"):
        crop_to_ink(np.zeros((10, 10, 3), dtype=np.uint8))


def test_one_weak_character_pulls_the_line_down() -> None:
    assert line_confidence([]) == 0.0
    assert line_confidence([0.9, 0.9]) == pytest.approx(0.9)
    assert line_confidence([1.0, 1.0, 1.0, 0.2]) < 0.6
