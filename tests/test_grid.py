"""The table on a registered page: layout cells refined onto the printed rules, foreign tables found."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from sheets import FOREIGN_FORM, foreign_page, printed_page, shipped_form

from scanner.errors import RegistrationError
from scanner.forms import Column, ColumnType, Form, FormRegistry
from scanner.grid import find_table, match_columns
from scanner.layout import sheet_layout
from scanner.model import PageImage, PageRef, Registered
from scanner.register import register

DPI = 150.0


def _register(img: np.ndarray, forms: FormRegistry) -> Registered:
    return register(PageImage(PageRef("p.pdf", "/p.pdf", 1), img, DPI, ""), forms)


@pytest.fixture(scope="module")
def form() -> Form:
    return shipped_form()


def test_printed_table_has_every_row_and_column_of_the_layout(form: Form) -> None:
    reg = _register(printed_page(form, dpi=DPI), FormRegistry.load())
    table = find_table(reg, form)
    lay = sheet_layout(form)
    assert table.n_rows == lay.n_rows
    assert all(len(row) == len(form.columns) for row in table.rows)
    k = reg.px_per_mm
    for i, row in enumerate(table.rows):
        for j, box in enumerate(row):
            want = lay.cell(i, j).scale(k)
            off = (box.x0 - want.x0, box.y0 - want.y0, box.x1 - want.x1, box.y1 - want.y1)
            assert max(abs(v) for v in off) < 0.4 * k
    assert table.header is not None and abs(table.header.y1 - lay.header.y1 * k) < 0.4 * k


def test_cell_edges_follow_rules_printed_off_the_layout(form: Form) -> None:
    """Paper curl: the lower half of the table sits 1.2 mm lower than the markers predict."""
    reg = _register(printed_page(form, dpi=DPI), FormRegistry.load())
    k = reg.px_per_mm
    lay = sheet_layout(form)
    split = round(lay.row_edges[5] * k) - round(4 * k)
    shift = round(1.2 * k)
    bent = reg.gray.copy()
    bent[split + shift :] = reg.gray[split : reg.gray.shape[0] - shift]
    reg.gray = bent
    table = find_table(reg, form)
    for i in (6, 8):
        y_found = table.rows[i][2].y0
        assert abs(y_found - (lay.row_edges[i] * k + shift)) < 0.35 * k
    assert abs(table.rows[1][2].y0 - lay.row_edges[1] * k) < 0.35 * k


def test_foreign_table_is_found_and_matched_to_the_form() -> None:
    img, truth = foreign_page({0: "DUPONT", 3: "MARTIN"}, n_rows=14, dpi=DPI)
    reg = _register(img, FormRegistry([], FOREIGN_FORM))
    table = find_table(reg, FOREIGN_FORM)
    assert table.n_rows == 14  # every line of the table below its header, written or not
    k = reg.px_per_mm
    assert table.header is not None
    assert abs(table.header.y0 - truth.row_edges_mm[0] * k) < 1.0 * k
    edges = [table.rows[5][0].x0] + [b.x1 for b in table.rows[5]]
    assert np.allclose(edges, np.array(truth.col_edges_mm) * k, atol=1.0 * k)
    assert abs(table.rows[13][0].y1 - truth.row_edges_mm[-1] * k) < 1.0 * k


def test_foreign_table_with_a_split_cell_and_faint_broken_rules() -> None:
    img, truth = foreign_page({1: "DUPONT"}, n_rows=12, dpi=DPI)
    k = DPI / 25.4
    # a short extra vertical rule inside the e-mail column (split "@" box), full height
    x = round((truth.col_edges_mm[2] + 20) * k)
    cv2.line(img, (x, round(truth.row_edges_mm[0] * k)), (x, round(truth.row_edges_mm[-1] * k)), (30, 30, 30), 1)
    # fade and break one row rule
    y = round(truth.row_edges_mm[5] * k)
    band = img[y - 2 : y + 3]
    band[band < 128] = 190
    for x0 in range(0, img.shape[1], round(12 * k)):
        img[y - 2 : y + 3, x0 : x0 + round(2 * k)] = 255
    reg = _register(img, FormRegistry([], FOREIGN_FORM))
    table = find_table(reg, FOREIGN_FORM)
    assert table.n_rows == 12
    assert len(table.rows[0]) == len(FOREIGN_FORM.columns)
    assert abs(table.rows[0][2].x1 - truth.col_edges_mm[3] * reg.px_per_mm) < 1.0 * reg.px_per_mm


def test_foreign_rows_survive_crossings_out_and_full_lines_of_writing() -> None:
    rows = {i: "BEAUCOUP DE TEXTE ECRIT" for i in range(10)}
    img, truth = foreign_page(rows, n_rows=10, dpi=DPI, seed=4)
    k = DPI / 25.4
    for i, frac in ((2, 0.55), (5, 0.7)):  # strokes through rows, one near the next rule
        y = round((truth.row_edges_mm[i + 1] + frac * 13.0) * k)
        cv2.line(img, (round(25 * k), y), (round(170 * k), y - 3), (120, 40, 20), max(1, round(0.5 * k)))
    reg = _register(img, FormRegistry([], FOREIGN_FORM))
    table = find_table(reg, FOREIGN_FORM)
    assert table.n_rows == 10
    tops = [row[1].y0 for row in table.rows]
    assert np.allclose(tops, np.array(truth.row_edges_mm[1:-1]) * reg.px_per_mm, atol=1.0 * reg.px_per_mm)


def test_match_columns_by_count_then_by_relative_width() -> None:
    widths = (("a", 1), ("b", 3), ("c", 1))
    f = Form(name="f", columns=[Column(name=n, type=ColumnType.TEXT, width=w) for n, w in widths])
    assert match_columns([0, 100, 400, 500], f) == [0, 100, 400, 500]
    assert match_columns([0, 100, 250, 400, 500], f) == [0, 100, 400, 500]  # a split middle column
    assert match_columns([0, 100, 500], f) is None  # a column missing: not guessed
    assert match_columns([0, 240, 260, 400, 500], f) is None  # no rule near 100
    assert match_columns([0, 50, 100, 150, 200, 300, 400, 500], f) is None  # too many rules to trust


def test_mismatched_foreign_form_is_a_clear_error() -> None:
    img, _ = foreign_page({}, dpi=DPI)
    four = Form(name="four", orientation="portrait",
                columns=[Column(name=f"c{i}", type=ColumnType.TEXT) for i in range(4)])
    with pytest.raises(RegistrationError, match="columns"):
        reg = _register(img, FormRegistry([], four))
        find_table(reg, four)
