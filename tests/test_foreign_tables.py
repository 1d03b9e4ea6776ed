"""Sheets the tool did not print: orientation, line count and printed content are read from the page.

Every page here is drawn by tests/sheets.py (not the sample generator) and read
through the real layout stages with a form file holding only columns (no
orientation, and a rows_per_page hint that the sheets often contradict).
"""

from __future__ import annotations

import csv

import cv2
import numpy as np
import pytest
import yaml

from pipeline import main
from scanner.errors import PageError
from scanner.forms import Column, ColumnType, Form, FormRegistry
from scanner.model import PageImage, PageRef
from scanner.register.lines import Rules, _printed_dark
from scanner.rows import row_pitch, split_rows
from scanner.sheet import read_layout
from tests.sheets import FOREIGN_FORM, foreign_page

DPI = 200.0
K = DPI / 25.4
#: The test form plus a tick-box column; no orientation key, a hint of 16 lines.
FORM = Form(
    name="hint-only",
    rows_per_page=16,
    columns=[*(c.model_dump() for c in FOREIGN_FORM.columns), {"name": "infos", "type": "checkbox", "label": "Infos"}],
)
WRITTEN = {0: "DUPONT", 3: "MARTIN", 4: "LEROY", 9: "PETIT"}
ROWS = [1, 4, 5, 10]


def _read(img: np.ndarray, form: Form = FORM, turn: int | None = None):
    if turn is not None:
        img = cv2.rotate(img, turn)
    page = PageImage(PageRef("sheet.png", "/sheet.png", 1), cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), DPI, "")
    return read_layout(page, FormRegistry([], form))


def _written(lines) -> list[int]:
    return [ln.row for ln in lines if not ln.empty]


def test_the_form_names_no_orientation() -> None:
    assert "orientation" not in FORM.model_fields_set


@pytest.mark.parametrize("landscape", [False, True])
def test_portrait_and_landscape_sheets_read_without_an_orientation(landscape: bool) -> None:
    n = 10 if landscape else 16
    img, _ = foreign_page(WRITTEN, n_rows=n, form=FORM, landscape=landscape, boxes_in="infos")
    _, table, lines = _read(img)
    assert len(lines) == n and _written(lines) == ROWS
    assert not table.doubtful


@pytest.mark.parametrize("turn", [cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_180, cv2.ROTATE_90_COUNTERCLOCKWISE])
def test_turned_scans_are_put_upright(turn: int) -> None:
    img, _ = foreign_page(WRITTEN, form=FORM, boxes_in="infos")
    reg, _, lines = _read(img, turn=turn)
    assert _written(lines) == ROWS
    assert any("turned" in n for n in reg.notes)


def test_a_blank_returned_sheet_with_printed_boxes_and_numbers_has_no_row() -> None:
    img, _ = foreign_page({}, form=FORM, boxes_in="infos")
    _, _, lines = _read(img)
    assert len(lines) == 16 and _written(lines) == []


def test_printed_boxes_do_not_make_lines_written_and_a_tick_still_counts() -> None:
    img, truth = foreign_page(WRITTEN, form=FORM, boxes_in="infos")
    # a tick alone in line 12's box: that line is written (a person ticked it)
    j = [c.name for c in FORM.columns].index("infos")
    cx = (truth.col_edges_mm[j] + truth.col_edges_mm[j + 1]) / 2
    cy = (truth.row_edges_mm[12] + truth.row_edges_mm[13]) / 2
    pts = np.array([[(cx - 2) * K, cy * K], [(cx - 0.5) * K, (cy + 2) * K], [(cx + 3) * K, (cy - 3) * K]], np.int32)
    cv2.polylines(img, [pts], False, (140, 40, 20), max(2, round(0.5 * K)), cv2.LINE_AA)
    _, _, lines = _read(img)
    assert _written(lines) == [*ROWS, 12]


@pytest.mark.parametrize("n_rows,row_h", [(12, 13.0), (19, 11.5)])
def test_more_or_fewer_lines_than_the_hint_are_read(n_rows: int, row_h: float) -> None:
    img, _ = foreign_page(WRITTEN, n_rows=n_rows, form=FORM, row_h=row_h)
    _, table, lines = _read(img)
    assert len(lines) == n_rows and _written(lines) == ROWS
    assert not table.doubtful
    assert any("hint" in n for n in table.notes)


def test_rules_lost_to_a_fax_are_put_back_at_the_pitch() -> None:
    # the bottom rules of lines 3, 7, 8 and of the last line are missing
    img, _ = foreign_page(WRITTEN, form=FORM, lost_rules=(2, 6, 7, 15))
    _, table, lines = _read(img)
    assert len(lines) == 16 and _written(lines) == ROWS
    assert not table.doubtful
    assert any("lost rule" in n for n in table.notes)


def test_a_gap_that_is_no_whole_number_of_lines_makes_the_numbers_below_doubtful() -> None:
    img, truth = foreign_page(WRITTEN, form=FORM)
    # erase the rule under line 5 and draw one at mid-height of line 6 (a ruler slipped)
    y_bad, y_new = truth.row_edges_mm[6], (truth.row_edges_mm[6] + truth.row_edges_mm[7]) / 2
    band = img[round(y_bad * K) - 3 : round(y_bad * K) + 4]
    band[(band < 60).all(axis=2)] = 255
    x0, x1 = truth.col_edges_mm[0], truth.col_edges_mm[-1]
    cv2.line(img, (round(x0 * K), round(y_new * K)), (round(x1 * K), round(y_new * K)), (20, 20, 20), 2)
    _, table, lines = _read(img)
    assert table.doubtful == frozenset(range(len(lines)))  # the contract: no line of the page is sure


def test_a_table_ruled_only_across_gets_its_columns_from_the_header() -> None:
    img, truth = foreign_page(WRITTEN, form=FORM, vertical_rules=False)
    _, table, lines = _read(img)
    assert _written(lines) == ROWS
    edges = [b.x0 / K for b in table.rows[0]] + [table.rows[0][-1].x1 / K]
    assert np.abs(np.array(edges) - np.array(truth.col_edges_mm)).max() < 2.0


def test_a_table_ruled_only_across_is_put_upright() -> None:
    img, _ = foreign_page(WRITTEN, form=FORM, vertical_rules=False)
    _, _, lines = _read(img, turn=cv2.ROTATE_180)
    assert _written(lines) == ROWS


def test_a_lost_vertical_rule_is_placed_by_the_header() -> None:
    img, truth = foreign_page(WRITTEN, form=FORM)
    x = truth.col_edges_mm[3] * K
    strip = img[:, round(x) - 3 : round(x) + 4]
    strip[(strip < 60).all(axis=2)] = 255
    _, table, lines = _read(img)
    assert _written(lines) == ROWS
    assert abs(table.rows[0][3].x0 / K - truth.col_edges_mm[3]) < 2.0


@pytest.mark.parametrize("style", ["dotted", "wavy"])
def test_dotted_and_hand_drawn_rules(style: str) -> None:
    img, _ = foreign_page(WRITTEN, form=FORM, rule_style=style)
    _, _, lines = _read(img)
    assert len(lines) == 16 and _written(lines) == ROWS


def test_a_table_of_other_columns_is_still_refused() -> None:
    three = Form(name="three", columns=[Column(name=n, type=ColumnType.TEXT) for n in ("a", "b", "c")])
    img, _ = foreign_page(WRITTEN, form=FORM)
    with pytest.raises(PageError, match="3 columns"):
        _read(img, form=three)


def test_row_pitch_survives_lost_rules_and_is_not_halved() -> None:
    p = 100.0
    assert row_pitch([p] * 10, 40.0) == pytest.approx(p)
    assert row_pitch([p, 2 * p, p, 3 * p, p, p], 40.0) == pytest.approx(p)
    assert row_pitch([2 * p, 2 * p, p, 2 * p, p], 40.0) == pytest.approx(p)


#: The form as a user writes it: columns without widths.
PLAIN = Form(
    name="plain",
    rows_per_page=16,
    columns=[{k: v for k, v in c.model_dump().items() if k != "width"} for c in FORM.columns],
)


def test_the_shadow_edge_of_a_fold_through_the_table_is_no_column_rule() -> None:
    # printed with columns of unlike widths, read with a form that gives none (as users write it)
    img, truth = foreign_page(WRITTEN, form=FORM, boxes_in="infos")
    # a fold down the page inside the e-mail column: a soft shade on its left and a crease
    # 10 % darker than the paper, the page's whole height
    xf = (truth.col_edges_mm[2] + 0.45 * (truth.col_edges_mm[3] - truth.col_edges_mm[2])) * K
    xs = np.arange(img.shape[1], dtype=np.float64)
    shade = 1 - 0.05 * np.exp(-(xf - xs) / (0.02 * xs.size)) * (xs < xf) - 0.1 * np.exp(-(((xs - xf) / 2.5) ** 2))
    img = np.clip(img * shade[None, :, None], 0, 255).astype(np.uint8)
    _, table, lines = _read(img, form=PLAIN)
    assert _written(lines) == ROWS and len(lines) == 16
    # the cells are the printed columns (their shares of the table's width), not split at the fold
    edges = [c.x0 for c in table.rows[0]] + [table.rows[0][-1].x1]
    got = np.diff(edges) / (edges[-1] - edges[0])
    want = np.diff(truth.col_edges_mm) / (truth.col_edges_mm[-1] - truth.col_edges_mm[0])
    assert np.abs(got - want).max() < 0.01


def test_a_dotted_column_rule_a_fax_broke_up_is_a_printed_rule_and_a_crease_is_not() -> None:
    """The faint-rule test looks at where a rule is darkest: a fax leaves dotted rules as
    sparse dots (most of their length paper), a crease is faint all along."""
    k = 4.0  # px per mm, the analysis resolution
    gray = np.full((800, 600), 250, np.uint8)
    ys = [40.0, 760.0]
    for x in (50, 550):  # the frame
        gray[40:761, x - 2 : x + 2] = 0
    gray[40:761, 200] = 140  # an inner rule printed solid
    gray[40:761:3, 300] = 30  # a dotted rule the fax left as one dark px in three
    gray[40:761:3, 301] = 30
    gray[40:761, 420] = 232  # a crease's edge: barely darker than the paper, all along
    kept = _printed_dark(gray, ys, [50.0, 200.0, 300.0, 420.0, 550.0], k)
    assert kept == [50.0, 200.0, 300.0, 550.0]


def test_a_table_that_lost_every_inner_rule_is_read_at_the_hint_and_sent_to_review() -> None:
    img, _ = foreign_page(WRITTEN, form=FORM, lost_rules=tuple(range(15)))
    _, table, lines = _read(img)
    assert len(lines) == 16 and _written(lines) == ROWS
    assert table.doubtful == frozenset(range(16))  # the numbers rest on the hint alone


def test_the_header_stays_when_a_fax_kept_only_two_partial_inner_rules() -> None:
    """The rules a shaded fax left (seed 9300): the header, two partial rules, the bottom.

    Each gap left is many lines long, so the header is short beside them: it is not a
    stray rule above the table (which made the header 11 lines tall and the rest 18
    slivers), and the hint's 18 lines of 12 mm fit every rule found."""
    k = 4.0
    mm = (46.0, 57.0, 189.0, 248.9, 273.0)
    rules = Rules(tuple(y * k for y in mm), (8.0 * k, 202.0 * k), (1.0, 1.0, 0.43, 0.42, 1.0),
                  (46.0 * k, 273.6 * k))
    split = split_rows(rules, k, hint=18)
    assert split.ys[:2] == [46.0 * k, 57.0 * k]
    assert np.allclose(np.diff(split.ys[1:]), 12.0 * k, atol=0.1 * k)
    assert split.doubtful == frozenset(range(18))  # on the hint alone: every line to review


def test_a_line_crossed_out_through_the_column_rules_is_crossed_out() -> None:
    img, truth = foreign_page(WRITTEN, form=FORM)
    for x in truth.col_edges_mm:  # column rules printed 1 mm thick (the cut they leave in a stroke is wide)
        top, bottom = round(truth.row_edges_mm[0] * K), round(truth.row_edges_mm[-1] * K)
        cv2.line(img, (round(x * K), top), (round(x * K), bottom), (0, 0, 0), round(1.0 * K))
    # line 5 (LEROY) struck through with a ruler from the name to the postcode
    y = round((truth.row_edges_mm[5] + 0.55 * (truth.row_edges_mm[6] - truth.row_edges_mm[5])) * K)
    xa, xb = round((truth.col_edges_mm[1] + 2) * K), round((truth.col_edges_mm[4] - 2) * K)
    cv2.line(img, (xa, y), (xb, y + round(0.6 * K)), (60, 60, 60), max(2, round(0.35 * K)), cv2.LINE_AA)
    _, _, lines = _read(img)
    assert [ln.row for ln in lines if ln.crossed_out] == [5]
    assert _written(lines) == ROWS


def test_a_crossed_out_first_line_under_labels_printed_above_the_table() -> None:
    # no rule above the labels; line 1 (DUPONT) struck through with a ruler across the table, a
    # third of the way down: that stroke passed for the header's bottom (a line too many, all shifted)
    img, truth = foreign_page(WRITTEN, form=FORM)
    top = round(truth.row_edges_mm[0] * K)
    x0, x1 = round((truth.col_edges_mm[0] - 1) * K), round((truth.col_edges_mm[-1] + 1) * K)
    img[top - round(0.8 * K) : top + round(0.8 * K), x0:x1] = 255
    for x in truth.col_edges_mm:  # the column rules start at the first rule now
        xp = round(x * K)
        img[top - round(0.8 * K) : round(truth.row_edges_mm[1] * K) - round(0.3 * K), xp - 3 : xp + 4] = 255
    y = round((truth.row_edges_mm[1] + 0.38 * (truth.row_edges_mm[2] - truth.row_edges_mm[1])) * K)
    cv2.line(img, (x0 + round(3 * K), y), (x1 - round(3 * K), y + round(0.5 * K)), (40, 40, 40), round(0.4 * K))
    _, table, lines = _read(img)
    assert len(lines) == 16 and _written(lines) == ROWS
    assert [ln.row for ln in lines if ln.crossed_out] == [1]
    assert not table.doubtful


def test_labels_printed_on_two_lines_are_all_header() -> None:
    # the upper line of labels leaves a partial rule (their baseline) across the header
    img, _ = foreign_page(WRITTEN, form=FORM, two_line_labels=True)
    _, table, lines = _read(img)
    assert len(lines) == 16 and _written(lines) == ROWS
    assert not table.doubtful


def test_lines_whose_number_rests_on_the_hint_reach_review_csv_flagged(tmp_path) -> None:
    """End to end through ``process``: a doubtful line number is never a clean row."""
    img, _ = foreign_page(WRITTEN, form=FORM, lost_rules=tuple(range(15)))
    cv2.imwrite(str(tmp_path / "fax.png"), img)
    (tmp_path / "form.yaml").write_text(yaml.safe_dump(FORM.model_dump(mode="json", exclude_unset=True)),
                                        encoding="utf-8")
    code = main(["process", str(tmp_path / "fax.png"), "--form", str(tmp_path / "form.yaml"),
                 "--out", str(tmp_path / "out"), "--workers", "1", "-q"])
    assert code == 0

    def rows(name: str) -> list[dict[str, str]]:
        with (tmp_path / "out" / name).open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    assert rows("clean.csv") == []
    review = rows("review.csv")
    assert sorted(int(r["row"]) for r in review) == ROWS
    assert all("row_uncertain" in r["flags"].split(";") for r in review)
