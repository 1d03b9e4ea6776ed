"""The print inside a foreign table's cells (scanner/template.py): what every line shows."""

from __future__ import annotations

import cv2
import numpy as np

from scanner.template import TemplateOptions, printed_template

K = 300 / 25.4


def test_print_is_what_nearly_every_line_shows_and_repeated_writing_is_not() -> None:
    rows, h, w = 8, round(8.5 * K), round(30 * K)
    ink = np.zeros((rows * h, w), np.uint8)
    cores = [[(0, r * h, w, (r + 1) * h)] for r in range(rows)]
    for r in range(rows):
        y0 = r * h
        # a tick box printed in every line (one line's box lost to a fax)
        if r != 3:
            cv2.rectangle(ink, (20, y0 + 30), (60, y0 + 70), 255, 3)
        # the same postcode written at the same place in five lines of eight: people write
        # where the cell leaves room, and thick digits overlap from line to line
        if r < 5:
            cv2.putText(ink, "75011", (120, y0 + 75), cv2.FONT_HERSHEY_SIMPLEX, 1.8, 255, 6)
    tpl = printed_template(ink, cores, TemplateOptions(), K)
    row = slice(0, h)
    box = np.zeros_like(ink[row])
    cv2.rectangle(box, (20, 30), (60, 70), 255, 3)
    digits = np.zeros_like(ink[row])
    cv2.putText(digits, "75011", (120, 75), cv2.FONT_HERSHEY_SIMPLEX, 1.8, 255, 6)
    on_box = (tpl[row] > 0)[box > 0].mean()
    on_digits = (tpl[row] > 0)[digits > 0].mean()
    assert on_box > 0.9  # the printed box is print, though a fax lost it on one line
    assert on_digits < 0.05  # five lines of eight writing alike is still writing
