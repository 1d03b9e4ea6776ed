"""Geometry of the sheets the tool prints, in millimetres.

One function computes where everything sits on the page; the printer draws it,
the registration maps scans onto it and the sample generator writes into it, so
the three can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.forms import ColumnType, Form

#: ArUco dictionary of the corner markers (cv2.aruco.DICT_4X4_50).
ARUCO_DICT = "DICT_4X4_50"
#: Marker ids, clockwise from top-left. Distinct ids make orientation unambiguous.
MARKER_IDS = (0, 1, 2, 3)
#: Resolution of the registered page image the later stages work on.
TEMPLATE_DPI = 200.0
MM_PER_INCH = 25.4

#: Drop-out colour (light blue) for guides that must not read as ink.
DROPOUT_RGB = (0.72, 0.82, 0.93)
MIN_ROW_MM = 12.0


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle ``[x0, x1) x [y0, y1)`` (mm or px)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def w(self) -> float:
        return self.x1 - self.x0

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    def scale(self, k: float) -> Box:
        return Box(self.x0 * k, self.y0 * k, self.x1 * k, self.y1 * k)

    def inset(self, dx: float, dy: float | None = None) -> Box:
        dy = dx if dy is None else dy
        return Box(self.x0 + dx, self.y0 + dy, self.x1 - dx, self.y1 - dy)

    def ints(self) -> tuple[int, int, int, int]:
        return round(self.x0), round(self.y0), round(self.x1), round(self.y1)


@dataclass(frozen=True)
class SheetLayout:
    """Where everything is on a printed sheet of ``form`` (all in mm)."""

    page_w: float
    page_h: float
    markers: dict[int, Box]
    qr: Box
    title: Box
    text: Box
    notice: Box
    serial_at: tuple[float, float]
    table: Box
    header: Box
    col_edges: tuple[float, ...]
    row_edges: tuple[float, ...]
    column_types: tuple[ColumnType, ...] = field(default=())

    @property
    def n_rows(self) -> int:
        return len(self.row_edges) - 1

    def cell(self, row: int, col: int) -> Box:
        """Cell of 0-based data ``row`` and column ``col``."""
        return Box(self.col_edges[col], self.row_edges[row], self.col_edges[col + 1], self.row_edges[row + 1])

    def header_cell(self, col: int) -> Box:
        return Box(self.col_edges[col], self.header.y0, self.col_edges[col + 1], self.header.y1)

    def checkbox(self, row: int, col: int) -> Box:
        """The printed tick box inside a checkbox cell."""
        c = self.cell(row, col)
        s = min(7.0, c.h * 0.55, c.w * 0.7)
        return Box(c.cx - s / 2, c.cy - s / 2, c.cx + s / 2, c.cy + s / 2)

    def comb(self, row: int, col: int, n: int = 5) -> list[Box]:
        """The light drop-out digit boxes of a postcode cell."""
        c = self.cell(row, col).inset(1.2, 1.8)
        w = c.w / n
        return [Box(c.x0 + i * w + 0.4, c.y0, c.x0 + (i + 1) * w - 0.4, c.y1) for i in range(n)]

    def px_per_mm(self, dpi: float = TEMPLATE_DPI) -> float:
        return dpi / MM_PER_INCH

    def size_px(self, dpi: float = TEMPLATE_DPI) -> tuple[int, int]:
        k = self.px_per_mm(dpi)
        return round(self.page_w * k), round(self.page_h * k)


def sheet_layout(form: Form) -> SheetLayout:
    """Compute the layout of the sheet printed for ``form`` (A4)."""
    if form.orientation == "landscape":
        page_w, page_h = 297.0, 210.0
    else:
        page_w, page_h = 210.0, 297.0
    margin, msize = 8.0, 14.0
    markers = {
        MARKER_IDS[0]: Box(margin, margin, margin + msize, margin + msize),
        MARKER_IDS[1]: Box(page_w - margin - msize, margin, page_w - margin, margin + msize),
        MARKER_IDS[2]: Box(page_w - margin - msize, page_h - margin - msize, page_w - margin, page_h - margin),
        MARKER_IDS[3]: Box(margin, page_h - margin - msize, margin + msize, page_h - margin),
    }
    qr_size = 24.0
    qr = Box(page_w - margin - msize - 4 - qr_size, margin, page_w - margin - msize - 4, margin + qr_size)
    inner_x0 = margin + msize + 4
    title = Box(inner_x0, margin, qr.x0 - 4, margin + 7)
    text = Box(inner_x0, title.y1 + 1, qr.x0 - 4, margin + qr_size + 6)
    table_top = text.y1 + 2
    footer_h = msize + 2
    table_bottom = page_h - margin - footer_h - 1
    header_h = 13.0
    n_rows = form.rows_per_page or int((table_bottom - table_top - header_h) // 13.0)
    row_h = (table_bottom - table_top - header_h) / n_rows
    if row_h < MIN_ROW_MM:
        n_rows = int((table_bottom - table_top - header_h) // MIN_ROW_MM)
        row_h = (table_bottom - table_top - header_h) / n_rows
    table = Box(margin, table_top, page_w - margin, table_bottom)
    header = Box(table.x0, table.y0, table.x1, table.y0 + header_h)
    total_w = sum(c.width for c in form.columns)
    edges = [table.x0]
    for c in form.columns:
        edges.append(edges[-1] + table.w * c.width / total_w)
    rows = tuple(header.y1 + i * row_h for i in range(n_rows + 1))
    notice = Box(inner_x0, table.y1 + 1.5, page_w - margin - msize - 4, page_h - margin - 3.5)
    return SheetLayout(
        page_w=page_w,
        page_h=page_h,
        markers=markers,
        qr=qr,
        title=title,
        text=text,
        notice=notice,
        serial_at=(inner_x0, page_h - margin - 0.5),
        table=table,
        header=header,
        col_edges=tuple(edges),
        row_edges=rows,
        column_types=tuple(c.type for c in form.columns),
    )
