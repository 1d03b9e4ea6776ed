"""The sheet's own print inside the cells of a table it did not print.

Another group's sheet may carry check boxes, comb boxes, line numbers or dotted
guides in every line. None of that is writing: a line holding only print is an
empty line, and print is left out of the crops. Handwriting is never at the
same place on most lines, so what is is print.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class TemplateOptions:
    """When ink at the same place in a column's cells is taken for print."""

    #: ink at the same place in this share of a column's cells is printed. 0.6 took real
    #: handwriting for print on foreign sheets (postcodes written at the same place line
    #: after line, the writers' own ruled line under their words): on the tune split of the
    #: real-handwriting sheets (tools/eval_real_sheets.py, foreign sheet) postcodes read 50%
    #: right at 0.6 and 78% at 0.75; 0.8 added a phantom row on a held-out zoo layout, 0.75
    #: left every zoo page record (seeds 9500, 9400, 9300 and the held-out five) as it was.
    share: float = 0.75
    min_rows: int = 4  #: ...judged only on tables with at least this many lines
    slack_px: int = 2  #: registration wobble between the lines of one column
    shift_mm: float = 1.0  #: each cell's print is looked for this far from the column's place


def _window(img: np.ndarray, ox: int, oy: int, w: int, h: int) -> np.ndarray:
    """The h x w window of ``img`` at (ox, oy), zeros where it leaves the image."""
    out = np.zeros((h, w), img.dtype)
    H, W = img.shape
    a, b, c, d = max(ox, 0), min(ox + w, W), max(oy, 0), min(oy + h, H)
    if a < b and c < d:
        out[c - oy : d - oy, a - ox : b - ox] = img[c:d, a:b]
    return out


def printed_template(
    ink: np.ndarray, cores: list[list[tuple[int, int, int, int]]], opt: TemplateOptions, k: float
) -> np.ndarray:
    """Ink printed in the cells: what lies at the same place in most cells of a column.

    A sheet the tool did not print may carry check boxes, comb boxes, line
    numbers or dotted guides in every line; a handwritten stroke is never at the
    same place on most lines, so the pixels inked in most of a column's cells
    (aligned on the cells' centres, with a little slack) are the printed part.
    Empty mask when the table has too few lines to tell.
    """
    out = np.zeros(ink.shape, np.uint8)
    nrows = len(cores)
    if nrows < opt.min_rows:
        return out
    need = max(3, int(np.ceil(opt.share * nrows)))
    slack = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * opt.slack_px + 1,) * 2)
    shift = max(1, round(opt.shift_mm * k))
    H, W = ink.shape
    for j in range(len(cores[0])):
        boxes = [row[j] for row in cores]
        # one window as large as the largest cell, centred on each: lines split a pixel or two
        # apart in height still compare their whole cells
        w = max(b[2] - b[0] for b in boxes)
        h = max(b[3] - b[1] for b in boxes)
        if w < 4 or h < 4:
            continue
        count = np.zeros((h, w), np.uint16)
        origins = []
        for x0, y0, x1, y1 in boxes:
            ox, oy = (x0 + x1 - w) // 2, (y0 + y1 - h) // 2
            origins.append((ox, oy))
            count += cv2.dilate(_window(ink, ox, oy, w, h), slack) > 0
        seen = (count >= need).astype(np.uint8) * 255
        if not seen.any():
            continue
        common = np.asarray(cv2.dilate(seen, slack), np.uint8)
        model = (seen > 0).astype(np.float32)
        for (ox, oy), (x0, y0, x1, y1) in zip(origins, boxes, strict=True):
            # each cell's print found where it lies: a line split a little high or low moves
            # the cell's centre against its boxes by more than the slack
            around = (_window(ink, ox - shift, oy - shift, w + 2 * shift, h + 2 * shift) > 0).astype(np.float32)
            fit = cv2.matchTemplate(around, model, cv2.TM_CCORR)
            dy, dx = (int(v) for v in np.unravel_index(int(np.argmax(fit)), fit.shape))
            if fit[dy, dx] <= 1.05 * fit[shift, shift]:  # no clearly better place: the centre
                dy, dx = shift, shift
            ox, oy = int(ox + dx - shift), int(oy + dy - shift)
            # back into the cell itself only (the window may reach into the neighbours)
            a, b = max(x0, 0), min(x1, W)
            c, d = max(y0, 0), min(y1, H)
            part = _window(common, a - ox, c - oy, b - a, d - c)
            cv2.bitwise_or(out[c:d, a:b], part, dst=out[c:d, a:b])
    return out
