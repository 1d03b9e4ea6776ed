"""Crossings-out on a line band (scanner/crossed.py): ruler strokes and freehand ones."""

from __future__ import annotations

import cv2
import numpy as np

from scanner.crossed import crossed_rows

K = 300 / 25.4  #: px per mm at 300 dpi
WIDTHS_MM = (40, 40, 70, 40, 15)  #: nom, prénom, e-mail, signature, tick box
TEXT = (True, True, True, False, False)
LINE_MM = 8.5


def _table(rows: int) -> tuple[np.ndarray, list[list[tuple[int, int, int, int]]]]:
    h = round(LINE_MM * K)
    ink = np.zeros((rows * h + 20, round(sum(WIDTHS_MM) * K) + 20), np.uint8)
    cores = []
    for r in range(rows):
        x, row = 10, []
        for w in WIDTHS_MM:
            row.append((x, 10 + r * h, x + round(w * K), 10 + (r + 1) * h))
            x += round(w * K)
        cores.append(row)
    return ink, cores


def _write(ink: np.ndarray, x: int, y: int, text: str, scale: float, thick: int) -> None:
    cv2.putText(ink, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, 255, thick, cv2.LINE_AA)


def _wave(ink: np.ndarray, y: int, xa: int, xb: int, amp_mm: float, period_mm: float, gaps: tuple[int, ...]) -> None:
    """A pen stroke of 0.5 mm wandering ``amp_mm`` up and down, broken at ``gaps`` for 1.5 mm."""
    xs = np.arange(xa, xb)
    ys = y + amp_mm * K * np.sin(2 * np.pi * xs / (period_mm * K))
    keep = np.ones(xs.size, bool)
    for g in gaps:
        keep[(xs >= g) & (xs < g + round(1.5 * K))] = False
    pts = np.stack([xs, ys], 1).astype(np.int32)
    for run in np.split(np.arange(xs.size), np.flatnonzero(np.diff(keep.astype(int))) + 1):
        if keep[run[0]] and run.size > 1:
            cv2.polylines(ink, [pts[run]], False, 255, round(0.5 * K))


def _filled() -> tuple[np.ndarray, list[list[tuple[int, int, int, int]]]]:
    """Three written lines: block capitals, a small lower-case e-mail, a signature."""
    ink, cores = _table(3)
    for i, (nom, prenom, mail) in enumerate(
        [
            ("DUPONT", "MARIE", "marie.dupont@orange.fr"),
            ("MARTIN", "JEAN", "jmartin75@free.fr"),
            ("LEROY", "MORGANE", "nor.gpaul1957@orange.fr"),
        ]
    ):
        row = cores[i]
        base = row[0][1] + round(0.65 * LINE_MM * K)
        _write(ink, row[0][0] + 15, base, nom, 1.6, 4)
        # the first name ends at its cell's edge and the e-mail starts at the next one's:
        # the writing runs on with no gap a path could not jump
        _write(ink, row[1][2] - 250, base, prenom, 1.6, 4)
        _write(ink, row[2][0] + 5, base, mail, 0.8, 2)
        sig_y = (row[3][1] + row[3][3]) // 2
        _wave(ink, sig_y, row[3][0] + 20, row[3][2] - 20, 2.0, 12.0, ())
    return ink, cores


def test_written_lines_with_signatures_are_not_crossed_out() -> None:
    ink, cores = _filled()
    assert crossed_rows(ink, cores, TEXT, K, 40.0, 8.0) == set()


def test_a_wavy_freehand_crossing_out_broken_by_a_fax_is_found() -> None:
    ink, cores = _filled()
    row = cores[1]
    y = (row[0][1] + row[0][3]) // 2
    # 1.2 mm up and down every 25 mm, over the three written fields, broken in three places
    _wave(ink, y, row[0][0] + 20, row[2][2] - 20, 1.2, 25.0, (row[0][0] + 300, row[1][0] + 200, row[2][0] + 400))
    assert crossed_rows(ink, cores, TEXT, K, 40.0, 8.0) == {1}


def test_a_ruler_crossing_out_is_found() -> None:
    ink, cores = _filled()
    row = cores[2]
    y = (row[0][1] + row[0][3]) // 2 + 5
    cv2.line(ink, (row[0][0] + 30, y), (row[3][2] - 30, y - 12), 255, round(0.4 * K))
    assert crossed_rows(ink, cores, TEXT, K, 40.0, 8.0) == {2}
