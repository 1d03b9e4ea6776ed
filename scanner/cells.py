"""Cut the table's lines into cells ready for reading.

Ink is found with hysteresis (light pixels count only when joined to clearly
dark ones), the printed rules and drop-out guides are taken out, and strokes
that cross a rule are bridged again so that each connected stroke can be given
to the cell holding most of it: a name written over the border stays whole, and
the tail of a letter from the line above does not make an empty line look
written. Lines with no ink beyond the noise floor are empty; a long stroke
through several cells marks a crossed-out line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from scanner.crossed import crossed_rows
from scanner.forms import MARK_TYPES, ColumnType, Form
from scanner.layout import Box, sheet_layout
from scanner.model import Cell, Registered, Table
from scanner.template import TemplateOptions, printed_template


@dataclass(frozen=True)
class CellOptions:
    """Thresholds of the ink analysis (gray levels on the flattened page, sizes in mm)."""

    strong: int = 140  #: a stroke must have pixels darker than this
    weak: int = 195  #: ...and extends over pixels darker than this
    guide_dark: int = 110  #: guide pixels darker than this are ink unless the guide itself prints dark
    margin_x_mm: float = 2.5  #: crop margin left/right (ink crossing the border)
    margin_y_share: float = 0.45  #: crop margin above/below, share of the row height
    rule_band_mm: float = 1.3  #: printed rules are removed within this distance of a cell edge
    min_component_px: int = 6  #: smaller specks are noise
    min_ink_mm2: float = 0.5  #: a cell holds ink when it has at least this much...
    min_extent_mm: float = 1.2  #: ...and one stroke at least this long
    cross_min_mm: float = 40.0  #: a crossing-out stroke is at least this long
    cross_cell_mm: float = 8.0  #: ...and runs at least this far in each of two cells
    template: TemplateOptions = field(default_factory=TemplateOptions)  #: what counts as printed
    printed_small_mm: float = 3.0  #: a stroke this small within 1.5 mm of a column's print is print


@dataclass
class LineCells:
    """One line of the table: its cells and what the ink says about it."""

    row: int  #: 1-based, as on paper (header excluded, empty lines counted)
    cells: list[Cell]
    empty: bool  #: no ink beyond noise in any cell: not a row
    crossed_out: bool  #: a long stroke runs through several cells
    box: Box  #: the whole line, registered px


def _guides(reg: Registered, table: Table, form: Form) -> list[list[list[Box]]]:
    """Drop-out guide boxes (postcode combs, tick boxes) per [row][col], registered px."""
    out: list[list[list[Box]]] = [[[] for _ in form.columns] for _ in table.rows]
    if reg.method != "markers":
        return out
    lay = reg.layout or sheet_layout(form)
    k = reg.px_per_mm
    for i, row in enumerate(table.rows[: lay.n_rows]):
        for j, col in enumerate(form.columns):
            cell = row[j]
            ref = lay.cell(i, j)
            dx, dy = cell.cx - ref.cx * k, cell.cy - ref.cy * k
            if col.type == ColumnType.POSTCODE:
                boxes = lay.comb(i, j)
            elif col.type == ColumnType.CHECKBOX:
                boxes = [lay.checkbox(i, j)]
            else:
                continue
            out[i][j] = [Box(b.x0 * k + dx, b.y0 * k + dy, b.x1 * k + dx, b.y1 * k + dy) for b in boxes]
    return out


def _rect(mask: np.ndarray, b: Box, ox: int, oy: int, value: int = 255, thickness: int = -1) -> None:
    x0, y0, x1, y1 = b.ints()
    cv2.rectangle(mask, (x0 - ox, y0 - oy), (x1 - ox, y1 - oy), value, thickness)


@dataclass
class _Region:
    """The table area being analysed: a window of the registered page."""

    gray: np.ndarray  #: the window of reg.gray
    ox: int
    oy: int
    k: float  #: px per mm

    def core(self, b: Box) -> tuple[int, int, int, int]:
        h, w = self.gray.shape
        return (
            min(w, max(0, round(b.x0) - self.ox)),
            min(h, max(0, round(b.y0) - self.oy)),
            min(w, max(0, round(b.x1) - self.ox)),
            min(h, max(0, round(b.y1) - self.oy)),
        )


def _intervals(centres: list[float], half: int, limit: int) -> list[tuple[int, int]]:
    """Merged [a, b) windows of +-half around each centre, clipped to [0, limit)."""
    out: list[tuple[int, int]] = []
    for c in sorted(centres):
        a, b = max(0, round(c) - half), min(limit, round(c) + half + 1)
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _rules_off(
    weak: np.ndarray, reg: _Region, table: Table, opt: CellOptions
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Printed rule pixels (horizontal, vertical) near the cell edges.

    Long straight runs are found by opening, but only in windows around the
    edges: cheaper than the whole table, and a long handwritten stroke in the
    middle of a cell is never taken for a rule.
    """
    k, ox, oy = reg.k, reg.ox, reg.oy
    band = max(2, round(opt.rule_band_mm * k))
    h_len, v_len = round(10 * k), round(7 * k)
    off_h = np.zeros_like(weak)
    off_v = np.zeros_like(weak)
    bands = np.zeros_like(weak)
    hs = [y - oy for row in table.rows for c in row for y in (c.y0, c.y1)]
    vs = [x - ox for row in table.rows for c in row for x in (c.x0, c.x1)]
    for a, b in _intervals(hs, band, weak.shape[0]):
        op = cv2.morphologyEx(weak[a:b], cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (h_len, 1)))
        off_h[a:b] = op
        bands[a:b] = 255
    v_kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (v_len, 1))
    for a, b in _intervals(vs, band, weak.shape[1]):
        # opened transposed: the same pixels, five times faster than a vertical kernel on a column strip
        strip = np.ascontiguousarray(weak[:, a:b].T)
        off_v[:, a:b] = cv2.morphologyEx(strip, cv2.MORPH_OPEN, v_kernel).T
        bands[:, a:b] = 255
    # rules are a few px thick and ragged in faxes and photocopies: take their fringe too
    off_h = cv2.dilate(off_h, np.ones((5, 1), np.uint8))
    off_v = cv2.dilate(off_v, np.ones((1, 5), np.uint8))
    return off_h, off_v, bands


def _guides_off(sub: np.ndarray, reg: _Region, guides: list[list[list[Box]]], opt: CellOptions) -> np.ndarray:
    """Drop-out guide pixels: light ones always; dark ones only where the guide prints dark (photocopies)."""
    gmask = np.zeros(sub.shape, np.uint8)
    gt = max(3, round(0.7 * reg.k))
    for row_guides in guides:
        for boxes in row_guides:
            if not boxes:
                continue
            x0 = max(0, round(min(b.x0 for b in boxes)) - reg.ox - gt)
            y0 = max(0, round(min(b.y0 for b in boxes)) - reg.oy - gt)
            x1 = round(max(b.x1 for b in boxes)) - reg.ox + gt + 1
            y1 = round(max(b.y1 for b in boxes)) - reg.oy + gt + 1
            local = np.zeros_like(gmask[y0:y1, x0:x1])
            centre = np.zeros_like(local)
            for b in boxes:
                _rect(local, b, reg.ox + x0, reg.oy + y0, 255, gt)
                _rect(centre, b, reg.ox + x0, reg.oy + y0, 255, 1)
            on = local > 0
            patch = sub[y0:y1, x0:x1]
            # darkest pixel near each point of the guide's centre line (registration is +-1 px)
            near = cv2.erode(patch, np.ones((5, 5), np.uint8))[centre > 0]
            if near.size and float((near < opt.guide_dark).mean()) < 0.5:
                on &= patch >= opt.guide_dark
            gmask[y0:y1, x0:x1][on] = 255
    return gmask


def _clean_ink(
    reg: _Region, table: Table, guides: list[list[list[Box]]], opt: CellOptions
) -> tuple[np.ndarray, np.ndarray]:
    """Weak-ink mask with rules and guides removed, and strokes across them bridged again;
    and the bands along the rules (ink lying wholly in them is what is left of a rule)."""
    # 0/255 masks throughout; each whole-table operation costs about a millisecond, so
    # they are few and write in place
    _, weak = cv2.threshold(reg.gray, opt.weak - 1, 255, cv2.THRESH_BINARY_INV)  # gray < weak
    rules_h, rules_v, bands = _rules_off(weak, reg, table, opt)
    gmask = _guides_off(reg.gray, reg, guides, opt)
    off_h = cv2.bitwise_or(rules_h, gmask, dst=rules_h)
    off_v = cv2.bitwise_or(rules_v, gmask, dst=rules_v)
    ink = cv2.subtract(weak, cv2.bitwise_or(off_h, off_v, dst=gmask))  # weak and not off
    # a stroke crossing a rule has ink on both sides of it: close the gap there only
    t = max(3, round(1.2 * reg.k))
    across_h = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, t)))
    across_v = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (t, 1)))
    bridge = cv2.bitwise_and(across_h, off_h, dst=across_h)
    bridge = cv2.bitwise_or(bridge, cv2.bitwise_and(across_v, off_v, dst=across_v), dst=bridge)
    return cv2.bitwise_or(ink, cv2.bitwise_and(bridge, weak, dst=bridge), dst=ink), bands


@dataclass(frozen=True)
class _Boxes:
    """Bounding boxes of the components (connectedComponentsWithStats is 4x slower)."""

    x0: np.ndarray
    y0: np.ndarray
    x1: np.ndarray  #: inclusive
    y1: np.ndarray

    @classmethod
    def of(cls, lab: np.ndarray, px: np.ndarray, py: np.ndarray, n: int) -> _Boxes:
        lo_x = np.full(n, np.iinfo(np.int64).max)
        lo_y = lo_x.copy()
        hi_x = np.full(n, -1)
        hi_y = hi_x.copy()
        np.minimum.at(lo_x, lab, px)
        np.minimum.at(lo_y, lab, py)
        np.maximum.at(hi_x, lab, px)
        np.maximum.at(hi_y, lab, py)
        return cls(lo_x, lo_y, hi_x, hi_y)

    @property
    def extent(self) -> np.ndarray:
        return np.maximum(self.x1 - self.x0, self.y1 - self.y0) + 1


def _along_rules(boxes: _Boxes, cores: list[list[tuple[int, int, int, int]]], k: float) -> np.ndarray:
    """Flat components hugging a row rule: the part of a stroke drawn along the rule that the
    rule removal cut off. They never make a line written on their own."""
    edges = sorted({c[1] for row in cores for c in row} | {c[3] for row in cores for c in row})
    flat = (boxes.y1 - boxes.y0) <= 1.5 * k
    near = np.zeros(flat.shape, bool)
    reach = 2.8 * k
    for e in edges:
        near |= (boxes.y0 >= e - reach) & (boxes.y1 <= e + reach)
    return flat & near


def _even_paper(region: _Region, cores: list[list[tuple[int, int, int, int]]]) -> None:
    """Bring each line's paper to white (in place): shaded or tinted bands are not ink.

    The paper level of a line is a high percentile of its band (handwriting is
    a small share of it); a band darker than white is scaled up to it.
    """
    g = region.gray
    for row in cores:
        y0, y1 = min(c[1] for c in row), max(c[3] for c in row)
        x0, x1 = row[0][0], row[-1][2]
        band = g[y0:y1, x0:x1]
        if band.size == 0:
            continue
        level = float(np.percentile(band[::3, ::3], 90))
        if 120.0 <= level < 245.0:
            cv2.convertScaleAbs(band, dst=band, alpha=255.0 / level)


def cut_cells(reg: Registered, table: Table, form: Form, opt: CellOptions | None = None) -> list[LineCells]:
    """Every data line of ``table`` with its cells (ruling removed) and empty/crossed-out flags."""
    opt = opt or CellOptions()
    if not table.rows:
        return []
    k = reg.px_per_mm
    H, W = reg.gray.shape
    mx = round(opt.margin_x_mm * k)
    my = round(max(c.h for row in table.rows for c in row) * opt.margin_y_share)
    boxes = [c for row in table.rows for c in row]
    ox = max(0, int(min(c.x0 for c in boxes)) - mx)
    oy = max(0, int(min(c.y0 for c in boxes)) - my)
    ex = min(W, int(max(c.x1 for c in boxes)) + mx + 1)
    ey = min(H, int(max(c.y1 for c in boxes)) + my + 1)
    foreign = reg.method != "markers"  # the tool's own sheets print no ink in the cells
    region = _Region(reg.gray[oy:ey, ox:ex].copy() if foreign else reg.gray[oy:ey, ox:ex], ox, oy, k)
    ncol = len(form.columns)
    cores = [[region.core(c) for c in row] for row in table.rows]
    if foreign:
        _even_paper(region, cores)
    guides = _guides(reg, table, form)
    ink, bands = _clean_ink(region, table, guides, opt)

    # One labelling for the whole table: every stroke is seen whole, then given to the
    # cell that holds most of it (or shared out when it runs through several cells).
    n, labels = cv2.connectedComponents(ink, connectivity=8)
    # int16 when it can: half the memory to fill for a table-sized map
    cellmap = np.full(ink.shape, -1, np.int16 if len(cores) * ncol < 2**15 else np.int32)
    for i, core_row in enumerate(cores):
        for j, (x0, y0, x1, y1) in enumerate(core_row):
            cellmap[y0:y1, x0:x1] = i * ncol + j
    pts = cv2.findNonZero(ink)  # 2x faster than np.nonzero
    pts = np.zeros((0, 2), np.intp) if pts is None else pts.reshape(-1, 2).astype(np.intp)
    px, py = pts[:, 0], pts[:, 1]
    lab = labels[py, px]
    cid = cellmap[py, px]
    area = np.bincount(lab, minlength=n).astype(np.float64)
    comp_box = _Boxes.of(lab, px, py, n)
    extent = comp_box.extent
    n_strong = np.bincount(lab[region.gray[py, px] < opt.strong], minlength=n)
    inside = cid >= 0
    ncell = len(table.rows) * ncol
    counts = np.bincount(lab[inside] * ncell + cid[inside], minlength=n * ncell).reshape(n, ncell)
    shares = counts / np.maximum(area, 1)[:, None]
    in_band = np.bincount(lab[bands[py, px] > 0], minlength=n)
    valid = (n_strong > 0) & (area >= opt.min_component_px) & (in_band < area)
    valid[0] = False
    # a cell is written only if it holds at least one real stroke, not just specks
    stroke = valid & (extent >= opt.min_extent_mm * k) & (area >= 0.25 * opt.min_ink_mm2 * k * k)
    stroke &= ~_along_rules(comp_box, cores, k)
    # Each stroke belongs to one line: the line holding most of it (a letter dipping into the
    # next line does not make that line written). Within its line it goes to the cell holding
    # at least half of it, or is shared out when it runs through several cells (crossing-out).
    nrows = len(table.rows)
    by_cell = shares.reshape(n, nrows, ncol)
    row_share = by_cell.sum(axis=2)
    line_of = row_share.argmax(axis=1)
    valid &= row_share.sum(axis=1) >= 0.5  # mostly outside the table: header text, notice...
    mine = by_cell[np.arange(n), line_of]  # (n, ncol): shares within the stroke's own line
    best = mine.max(axis=1)
    owner_col = np.where(best >= 0.5, mine.argmax(axis=1), -1)
    printed = np.zeros(n, bool)
    if foreign:
        # printed in the cells (boxes, numbers, guides): never writing; left out of the crops
        # too, except in tick-box cells, whose reader finds the printed square itself
        tpl = printed_template(ink, cores, opt.template, k)
        beyond = np.bincount(lab[tpl[py, px] == 0], minlength=n)
        printed = (beyond < opt.min_ink_mm2 * k * k) & (beyond < area)
        # printed text that changes from line to line (line numbers "1" ... "10") is not at
        # the same pixels, but in the same small place: a small stroke wholly there is print
        zone = cv2.dilate(tpl, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * round(1.5 * k) + 1,) * 2))
        outside = np.bincount(lab[zone[py, px] == 0], minlength=n)
        printed |= (outside == 0) & (extent < opt.printed_small_mm * k) & (area > 0)
        stroke &= ~printed
        boxes_col = np.array([c.type == ColumnType.CHECKBOX for c in form.columns] + [False])
        valid &= ~(printed & ~boxes_col[owner_col])

    # per component: the cell owning it (-2: a stroke shared out within its line)
    owner = np.full(n, -1, np.int32)
    own = valid & (owner_col >= 0)
    owner[own] = line_of[own] * ncol + owner_col[own]
    shared = valid & (owner_col < 0)
    owner[shared] = -2
    strokes_in = np.bincount(owner[own & stroke], minlength=ncell)
    count_in = np.bincount(owner[own], minlength=ncell)
    # what makes a line written: ink not printed on the sheet (a tick box's square stays in
    # its crop for the box reader, but an empty square is no writing)
    unprinted_in = np.bincount(owner[own & ~printed], minlength=ncell)
    shared_ids = np.flatnonzero(shared)

    text_cells = [col.type not in MARK_TYPES for col in form.columns]
    crossed = crossed_rows(ink, cores, text_cells, k, opt.cross_min_mm, opt.cross_cell_mm)
    border = _border_strokes(mine, line_of, valid & stroke & (owner_col >= 0), nrows, ncol)
    cut = _Cutter(region, labels, owner, ncol, mx, my, opt)
    lines: list[LineCells] = []
    for i, row in enumerate(table.rows):
        cells = []
        here = shared_ids[line_of[shared_ids] == i]
        for j, box in enumerate(row):
            c = i * ncol + j
            mine_ids = here[mine[here, j] >= 0.1]
            written = bool(strokes_in[c]) or bool(stroke[mine_ids].any())
            tick = guides[i][j][0] if form.columns[j].type == ColumnType.CHECKBOX and guides[i][j] else None
            n_strokes = int(count_in[c]) + len(mine_ids)
            cell = cut.cell(i, j, form.columns[j].name, box, cores[i][j], mine_ids, written, n_strokes, tick)
            cell.marks["border"] = float(border[i, j])
            cells.append(cell)
        line_box = Box(row[0].x0, min(c.y0 for c in row), row[-1].x1, max(c.y1 for c in row))
        # printed content of ignored columns (line numbers...) does not make a line written
        empty = i not in crossed and not any(
            (unprinted_in[i * ncol + j] or (here.size and (mine[here, j] >= 0.1).any()))
            if foreign and col.type == ColumnType.CHECKBOX
            else c.ink > 0.0
            for j, (c, col) in enumerate(zip(cells, form.columns, strict=True))
            if col.type != ColumnType.IGNORE
        )
        lines.append(LineCells(row=i + 1, cells=cells, empty=empty, crossed_out=i in crossed, box=line_box))
    return lines


def _border_strokes(mine: np.ndarray, line_of: np.ndarray, keep: np.ndarray, nrows: int, ncol: int) -> np.ndarray:
    """(nrows, ncol): per cell, the largest share of a stroke lying across its left or
    right rule, in the neighbour's side (0 when no stroke crosses it).

    A letter written on the rule goes whole to the cell holding most of it: the
    other cell's word then lacks a letter ('ELOAN' for 'ELOANE') while still
    reading cleanly, so the crossing is evidence the reading alone cannot give.
    """
    out = np.zeros((nrows, ncol))
    ids = np.flatnonzero(keep)
    if ids.size == 0 or ncol < 2:
        return out
    sub = mine[ids]
    order = np.argsort(sub, axis=1)
    first, second = order[:, -1], order[:, -2]
    share = sub[np.arange(ids.size), second]
    sel = (np.abs(first - second) == 1) & (share > 0)
    for comp, a, b, v in zip(ids[sel], first[sel], second[sel], share[sel], strict=True):
        i = int(line_of[comp])
        out[i, a] = max(out[i, a], v)
        out[i, b] = max(out[i, b], v)
    return out


@dataclass
class _Cutter:
    """Builds each Cell from the table-wide labelling."""

    region: _Region
    labels: np.ndarray
    owner: np.ndarray  #: per component: owning cell id, -2 for shared strokes, -1 for none
    ncol: int
    mx: int
    my: int
    opt: CellOptions

    def cell(
        self,
        i: int,
        j: int,
        column: str,
        box: Box,
        core: tuple[int, int, int, int],
        shared: np.ndarray,
        written: bool,
        n_strokes: int,
        tick: Box | None,
    ) -> Cell:
        """Kept strokes on white, with the ink share of the core and the marks."""
        cx0, cy0, cx1, cy1 = core
        h, w = self.labels.shape
        x0, x1 = max(0, cx0 - self.mx), min(w, cx1 + self.mx)
        y0, y1 = max(0, cy0 - self.my), min(h, cy1 + self.my)
        k, opt = self.region.k, self.opt
        image = np.full((y1 - y0, x1 - x0), 255, np.uint8)
        n_core = 0
        if written:
            # components kept here: owned by this cell, or shared out through it
            keep = self.owner == i * self.ncol + j
            keep[shared] = True
            sel = np.take(keep, self.labels[y0:y1, x0:x1])
            n_core = int(np.count_nonzero(sel[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0]))
            if n_core >= opt.min_ink_mm2 * k * k:
                np.copyto(image, self.region.gray[y0:y1, x0:x1], where=sel)
            else:
                n_core = 0
        ink = n_core / max(1, (cx1 - cx0) * (cy1 - cy0))
        marks: dict[str, float] = {"ink_px": float(n_core), "strokes": float(n_strokes if n_core else 0)}
        tick_box: Box | None = None
        if tick is not None:
            ox, oy = self.region.ox + x0, self.region.oy + y0
            tick_box = Box(tick.x0 - ox, tick.y0 - oy, tick.x1 - ox, tick.y1 - oy)
            bx0, by0, bx1, by1 = (max(0, v) for v in tick_box.inset(0.6 * k).ints())
            patch = image[by0:by1, bx0:bx1]
            marks["box_ink"] = float((patch < opt.weak).mean()) if patch.size else 0.0
        origin = (self.region.ox + x0, self.region.oy + y0)
        return Cell(
            row=i, col=j, column=column, box=box, image=image, ink=ink, marks=marks, tick_box=tick_box, origin=origin
        )
