"""Print petition sheets as vector PDF, designed to be read back.

Each sheet carries four ArUco corner markers (registration, orientation), a QR
code naming form, version fingerprint, campaign and a unique serial (a returned
sheet identifies its form and is never counted twice), rows of at least 12 mm
and guides in a light drop-out blue that the reader removes by thresholding.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import segno
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from scanner.forms import ColumnType, Form
from scanner.layout import ARUCO_DICT, DROPOUT_RGB, Box, SheetLayout, sheet_layout
from scanner.model import SheetId

FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
RULE_GRAY = 0.35  # table rules: dark enough to find on foreign-style scans, thin


@dataclass(frozen=True)
class PrintOptions:
    copies: int = 1
    campaign: str = "default"
    #: fixed serials (tests, reprints); random ones when empty
    serials: tuple[str, ...] = ()


def new_serial() -> str:
    """A short random serial, unambiguous when read by a person (no 0/O, 1/I)."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def marker_bits(marker_id: int) -> np.ndarray:
    """The marker's cells (1 = white) including its black border."""
    dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, ARUCO_DICT))
    img = cv2.aruco.generateImageMarker(dictionary, marker_id, 6)  # 4x4 bits + border
    return (img > 127).astype(np.uint8)


def _y(layout: SheetLayout, y_mm: float) -> float:
    """Layout y (from the top, mm) to PDF y (from the bottom, points)."""
    return (layout.page_h - y_mm) * mm


def _rect(c: Canvas, layout: SheetLayout, b: Box, stroke: int = 1, fill: int = 0) -> None:
    c.rect(b.x0 * mm, _y(layout, b.y1), b.w * mm, b.h * mm, stroke=stroke, fill=fill)


def _draw_matrix(c: Canvas, layout: SheetLayout, box: Box, bits: np.ndarray, dark_is: int) -> None:
    """Draw a binary matrix as filled squares (vector, no raster image)."""
    n = bits.shape[0]
    cell = box.w / n
    c.setFillGray(0)
    for i in range(n):
        for j in range(n):
            if bits[i, j] == dark_is:
                sq = Box(box.x0 + j * cell, box.y0 + i * cell, box.x0 + (j + 1) * cell, box.y0 + (i + 1) * cell)
                # slight overlap avoids hairline gaps between squares in viewers
                c.rect(sq.x0 * mm, _y(layout, sq.y1) - 0.05, sq.w * mm + 0.1, sq.h * mm + 0.1, stroke=0, fill=1)


def _wrap(text: str, font: str, size: float, width_pt: float) -> list[str]:
    lines: list[str] = []
    for para in text.split("\n"):
        words, line = para.split(), ""
        for w in words:
            trial = f"{line} {w}".strip()
            if stringWidth(trial, font, size) <= width_pt or not line:
                line = trial
            else:
                lines.append(line)
                line = w
        lines.append(line)
    return lines


def _fit_paragraph(c: Canvas, layout: SheetLayout, box: Box, text: str, font: str, max_size: float) -> None:
    """Draw text in the box at the largest size (<= max_size) that fits."""
    size = max_size
    while size > 4.5:
        lines = _wrap(text, font, size, box.w * mm)
        if len(lines) * size * 1.18 <= box.h * mm:
            break
        size -= 0.25
    lines = _wrap(text, font, size, box.w * mm)
    c.setFont(font, size)
    y = _y(layout, box.y0) - size
    for line in lines:
        c.drawString(box.x0 * mm, y, line)
        y -= size * 1.18


def _draw_header_cell(c: Canvas, layout: SheetLayout, box: Box, label: str) -> None:
    inner = box.inset(1.2, 1.0)
    size = 8.0
    while size > 4.5:
        lines = _wrap(label, FONT_BOLD, size, inner.w * mm)
        if len(lines) * size * 1.15 <= inner.h * mm:
            break
        size -= 0.25
    lines = _wrap(label, FONT_BOLD, size, inner.w * mm)
    c.setFont(FONT_BOLD, size)
    total = len(lines) * size * 1.15
    y = _y(layout, box.cy) + total / 2 - size
    for line in lines:
        c.drawCentredString(box.cx * mm, y, line)
        y -= size * 1.15


def draw_sheet(c: Canvas, form: Form, layout: SheetLayout, sheet: SheetId) -> None:
    """Draw one sheet on the current page of ``c``."""
    for mid, box in layout.markers.items():
        _draw_matrix(c, layout, box, marker_bits(mid), dark_is=0)
    qr = segno.make(sheet.payload(), error="m", micro=False)
    matrix = np.array([list(row) for row in qr.matrix], dtype=np.uint8)
    _draw_matrix(c, layout, layout.qr, np.pad(matrix, 0), dark_is=1)

    c.setFillGray(0)
    if form.title:
        _fit_paragraph(c, layout, layout.title, form.title, FONT_BOLD, 13)
    if form.text:
        _fit_paragraph(c, layout, layout.text, form.text, FONT, 8)
    instr = "Merci d'écrire en MAJUSCULES, une lettre après l'autre, sans déborder des cases."
    c.setFont(FONT_BOLD, 7)
    c.drawString(layout.table.x0 * mm, _y(layout, layout.table.y0) + 1.2 * mm, instr)

    # Table: header labels, then light rules between the rows.
    for j, col in enumerate(form.columns):
        _draw_header_cell(c, layout, layout.header_cell(j), col.label or col.name.upper())
    c.setStrokeGray(RULE_GRAY)
    c.setLineWidth(0.6)
    _rect(c, layout, layout.table)
    c.line(layout.table.x0 * mm, _y(layout, layout.header.y1), layout.table.x1 * mm, _y(layout, layout.header.y1))
    for y in layout.row_edges[1:-1]:
        c.line(layout.table.x0 * mm, _y(layout, y), layout.table.x1 * mm, _y(layout, y))
    for x in layout.col_edges[1:-1]:
        c.line(x * mm, _y(layout, layout.table.y0), x * mm, _y(layout, layout.table.y1))

    # Drop-out guides: digit boxes for postcodes, tick boxes for checkboxes.
    c.setStrokeColor(Color(*DROPOUT_RGB))
    c.setLineWidth(0.8)
    for j, col in enumerate(form.columns):
        for i in range(layout.n_rows):
            if col.type == ColumnType.POSTCODE:
                for b in layout.comb(i, j):
                    _rect(c, layout, b)
            elif col.type == ColumnType.CHECKBOX:
                _rect(c, layout, layout.checkbox(i, j))

    c.setFillGray(0)
    if form.notice:
        _fit_paragraph(c, layout, layout.notice, form.notice, FONT, 6.5)
    c.setFont(FONT, 6.5)
    x, y = layout.serial_at
    footer = f"Formulaire {form.name} v{form.version} · campagne {sheet.campaign} · feuille n° {sheet.serial}"
    c.drawString(x * mm, _y(layout, y), footer)


def print_sheets(form: Form, out: Path, options: PrintOptions) -> list[SheetId]:
    """Write ``options.copies`` sheets (each with its own serial) to a PDF."""
    layout = sheet_layout(form)
    pagesize = landscape(A4) if form.orientation == "landscape" else A4
    c = Canvas(str(out), pagesize=pagesize, pageCompression=1)
    c.setTitle(form.title or form.name)
    c.setAuthor("petition-scan")
    c.setCreator("petition-scan")
    sheets = []
    for k in range(options.copies):
        serial = options.serials[k] if k < len(options.serials) else new_serial()
        sheet = SheetId(form=form.name, fingerprint=form.fingerprint(), campaign=options.campaign, serial=serial)
        draw_sheet(c, form, layout, sheet)
        c.showPage()
        sheets.append(sheet)
    c.save()
    return sheets
