"""Is the dot an engine read in an e-mail really a dot? Its shape on the paper says.

Handwritten ``_`` and ``-`` between two names are short dashes, and PP-OCR
often reads them as ``.`` with full confidence (``manel.petit`` for
manel_petit): the network's confidence carries no trace of the doubt, but the
pixels do. A dot is a small round mark; a dash is flat and wider than it is
tall. The same cell usually holds real dots too (``.fr``, ``.com`` after the
``@``), which show how this writer's dots look, so the measure adapts to the
hand and the pen.

Only shapes of punctuation marks are measured, within one cell: nothing about
the writer's handwriting is kept or compared across people.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from scanner.layout import Box

#: Ink darker than this (gray) is ink, as in :func:`scanner.ocr.base.crop_to_ink`.
DARK = 150
#: A mark this many times wider than tall is a dash, not a dot...
DASH_RATIO = 1.8
#: ... and, when the cell has a real dot to compare with, this many times wider than it.
DASH_VS_DOT = 1.4
#: A punctuation mark is smaller than this share of the ink height (letters are taller).
MARK_MAX_HEIGHT = 0.4


def find_marks(image: np.ndarray, ranges: Sequence[tuple[float, float]]) -> list[Box | None]:
    """For each column range ``[x0, x1)``, the box of the small mark centred in it, or None.

    ``image`` is a gray crop of one line of writing (its components are found
    once for all the ranges). Components at least :data:`MARK_MAX_HEIGHT` of
    the ink's height are letters and are skipped; of the rest, the one nearest
    the middle of the range wins.
    """
    ink = (image < DARK).astype(np.uint8)
    rows = np.flatnonzero(ink.any(axis=1))
    if len(rows) == 0:
        return [None] * len(ranges)
    ink_height = int(rows[-1] - rows[0] + 1)
    n, _, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = [
        (float(centroids[k][0]), Box(x, y, x + w, y + h))
        for k in range(1, n)
        for x, y, w, h, area in [(int(v) for v in stats[k])]
        if h < MARK_MAX_HEIGHT * ink_height and area >= 3
    ]
    out: list[Box | None] = []
    for x0, x1 in ranges:
        inside = [(abs(cx - (x0 + x1) / 2), box) for cx, box in small if x0 <= cx < x1]
        out.append(min(inside, key=lambda item: item[0])[1] if inside else None)
    return out


def dash_read_as_dot(local_dots: Sequence[Box | None], reference_dots: Sequence[Box | None]) -> bool:
    """Whether any of the local part's dots is drawn as a dash.

    ``reference_dots`` are the same cell's dots after the ``@`` (real dots of
    the domain); a mark that is not clearly wider than them is not doubted.
    """
    widths = [m.w for m in reference_dots if m is not None]
    reference = float(np.median(widths)) if widths else None
    for mark in local_dots:
        if mark is None or mark.w < DASH_RATIO * max(mark.h, 1):
            continue
        if reference is None or mark.w >= DASH_VS_DOT * reference:
            return True
    return False
