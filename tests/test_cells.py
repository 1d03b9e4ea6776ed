"""Cells: written, empty and crossed-out lines; ruling removed; ink kept whole across borders."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from sheets import FOREIGN_FORM, Ink, fill_printed, foreign_page, photograph, printed_page, shipped_form

from scanner.cells import LineCells
from scanner.debug import write_debug_png
from scanner.forms import ColumnType, Form, FormRegistry
from scanner.layout import sheet_layout
from scanner.model import PageImage, PageRef
from scanner.sheet import read_layout

DPI = 150.0
WRITTEN = {0: "DUPONT", 2: "MARTIN", 5: "LEFEBVRE", 9: "ZOE"}


@pytest.fixture(scope="module")
def form() -> Form:
    return shipped_form()


@pytest.fixture(scope="module")
def filled(form: Form) -> np.ndarray:
    img = printed_page(form, dpi=DPI)
    fill_printed(img, form, WRITTEN, dpi=DPI, seed=3, crossed=(5,))
    return img


def _lines(img: np.ndarray, forms: FormRegistry | None = None) -> list[LineCells]:
    page = PageImage(PageRef("p.jpg", "/p.jpg", 1), img, DPI, "")
    return read_layout(page, forms or FormRegistry.load())[2]


def _summary(lines: list[LineCells]) -> tuple[list[int], list[int]]:
    return [ln.row for ln in lines if not ln.empty], [ln.row for ln in lines if ln.crossed_out]


@pytest.mark.parametrize("kind", ["scan", "photo"])
def test_written_empty_and_crossed_lines(kind: str, filled: np.ndarray, form: Form) -> None:
    img = filled if kind == "scan" else photograph(filled, seed=7, tilt=0.1)
    lines = _lines(img)
    assert [ln.row for ln in lines] == list(range(1, sheet_layout(form).n_rows + 1))
    assert _summary(lines) == ([1, 3, 6, 10], [6])
    for ln in lines:
        assert len(ln.cells) == len(form.columns)
        if ln.empty:
            assert all(c.ink == 0.0 and c.image.min() == 255 for c in ln.cells)  # rules and guides gone
    written = lines[0]
    assert all(c.ink > 0 for c, col in zip(written.cells, form.columns, strict=True) if col.type != ColumnType.CHECKBOX)


def test_cell_images_hold_only_their_own_ink(filled: np.ndarray, form: Form) -> None:
    lines = _lines(filled)
    cell = lines[2].cells[0]  # "MARTIN" in NOM
    img = cell.image
    assert img.ndim == 2 and img.dtype == np.uint8
    assert img.min() < 120
    # no rule remnant: the crop's border rows and columns are paper
    assert img[:3].min() == 255 and img[-3:].min() == 255 and img[:, :3].min() == 255 and img[:, -3:].min() == 255
    ox, oy = cell.origin
    assert ox <= cell.box.x0 and oy <= cell.box.y0
    assert img.shape[0] > cell.box.h and img.shape[1] > cell.box.w


def test_ticks_and_tick_boxes(filled: np.ndarray, form: Form) -> None:
    j = next(j for j, c in enumerate(form.columns) if c.type == ColumnType.CHECKBOX)
    lines = _lines(filled)
    ticked = lines[0].cells[j]  # fill_printed ticks even rows
    unticked = lines[9].cells[j]
    empty = lines[1].cells[j]
    for cell in (ticked, unticked, empty):
        assert cell.tick_box is not None
        t = cell.tick_box
        assert 0 <= t.x0 < t.x1 <= cell.image.shape[1] and 0 <= t.y0 < t.y1 <= cell.image.shape[0]
    assert ticked.marks["box_ink"] > 0.02 and ticked.ink > 0
    assert unticked.marks["box_ink"] == 0.0 and unticked.ink == 0.0
    assert empty.image.min() == 255  # the drop-out tick box itself is not ink


def test_writing_over_the_border_stays_with_its_line(form: Form) -> None:
    img = printed_page(form, dpi=DPI)
    lay = sheet_layout(form)
    c = lay.cell(3, 0)
    ink = Ink(img, DPI, seed=5)
    ink.text(c.x0 + 2, c.y0 + c.h * 0.3, "GRAND", height_mm=c.h * 0.9)  # descends well into row 5
    c2 = lay.cell(6, 1)
    ink.text(c2.x0 + 2, c2.y0 - c2.h * 0.25, "HAUT", height_mm=c2.h * 0.9)  # starts in row 6, mostly in row 7
    lines = _lines(img)
    assert _summary(lines)[0] == [4, 7]
    cell = lines[3].cells[0]
    ys = np.nonzero(cell.image < 128)[0] + cell.origin[1]
    assert ys.max() > cell.box.y1 + 0.1 * cell.box.h  # the overflowing part is kept in its cell


def test_fax_noise_and_photocopied_guides_make_no_phantom_rows(filled: np.ndarray) -> None:
    rng = np.random.default_rng(9)
    gray = cv2.cvtColor(filled, cv2.COLOR_BGR2GRAY)
    fax = np.where(gray < 170, 0, 255).astype(np.uint8)
    specks = rng.random(fax.shape) < 0.004
    fax[specks] = 0
    assert _summary(_lines(cv2.cvtColor(fax, cv2.COLOR_GRAY2BGR)))[0] == [1, 3, 6, 10]

    copy = filled.copy()
    b, r = copy[:, :, 0].astype(int), copy[:, :, 2].astype(int)
    copy[(b - r > 20) & (r > 100)] = (95, 95, 95)  # drop-out guides came out dark grey
    assert _summary(_lines(copy))[0] == [1, 3, 6, 10]


def test_foreign_lines_ignore_printed_line_numbers() -> None:
    img, _ = foreign_page({1: "DUPONT", 6: "MARTIN"}, n_rows=12, dpi=DPI)
    lines = _lines(img, FormRegistry([], FOREIGN_FORM))
    assert len(lines) == 12
    assert _summary(lines) == ([2, 7], [])
    num = lines[0].cells[0]
    assert num.ink == 0  # the printed numbers, at the same place on every line, are taken as printed


def test_debug_png_shows_the_page(filled: np.ndarray, tmp_path: Path) -> None:
    page = PageImage(PageRef("p.jpg", "/p.jpg", 1), filled, DPI, "")
    reg, table, lines = read_layout(page, FormRegistry.load())
    out = tmp_path / "sub" / "p.png"
    write_debug_png(reg, table, lines, out)
    img = cv2.imread(str(out))
    assert img is not None and img.shape[:2] == reg.gray.shape
    # the crossed-out line is outlined in red, written lines in green
    box = lines[5].box
    strip = img[int(box.y0) : int(box.y1), int(box.x0) : int(box.x1)]
    assert ((strip[:, :, 2] > 180) & (strip[:, :, 1] < 80)).any()


def test_a_letter_written_across_a_side_rule_marks_both_cells(form: Form) -> None:
    img = printed_page(form, dpi=DPI)
    lay = sheet_layout(form)
    ink = Ink(img, DPI, seed=4)
    c = lay.cell(2, 0)
    ink.text(c.x0 + 3, c.y0 + c.h * 0.25, "DUPON", height_mm=c.h * 0.5)
    ink.text(c.x1 - 2.0, c.y0 + c.h * 0.25, "E", height_mm=c.h * 0.5)  # astride the rule
    inside = lay.cell(5, 0)
    ink.text(inside.x0 + 3, inside.y0 + inside.h * 0.25, "MARTIN", height_mm=inside.h * 0.5)
    lines = _lines(img)
    across, clear = lines[2], lines[5]
    assert across.cells[0].marks["border"] >= 0.3 and across.cells[1].marks["border"] >= 0.3
    assert clear.cells[0].marks["border"] == 0.0 and clear.cells[1].marks["border"] == 0.0
