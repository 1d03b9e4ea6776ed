"""The zoo's sheet design and its drawing: a :class:`ZooLayout` says where everything
is printed, in millimetres, and :func:`draw_sheet` draws the blank sheet at 300 DPI.

The table of layouts is :mod:`samples.gen.zoo`, which re-exports these names.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from samples.gen.handwriting import handwriting_fonts
from samples.gen.pages import PX_PER_MM, CellMarks, Grid, UiFont, _ui_font, _wrap, page_px
from scanner.forms import ColumnType
from scanner.layout import Box

LAYOUTS_DIR = "samples/layouts"  #: relative to the repository root
A4 = (210.0, 297.0)
A5 = (148.0, 210.0)  #: a half-sheet: two printed on one A4 and cut
#: Handwriting fonts with accented capitals, for a sheet lettered by hand (first installed wins).
HAND_FACES = ("dkgBd.ttf", "dkg.ttf")

#: Column name -> type, as every zoo form uses them (one CSV schema for the whole zoo).
COLUMN_TYPES = {
    "nom": ColumnType.NAME,
    "prenom": ColumnType.NAME,
    "email": ColumnType.EMAIL,
    "code_postal": ColumnType.POSTCODE,
    "ville": ColumnType.TEXT,
    "signature": ColumnType.SIGNATURE,
    "infos": ColumnType.CHECKBOX,
    "numero": ColumnType.IGNORE,
    "telephone": ColumnType.IGNORE,
    "date": ColumnType.IGNORE,
}

Rgb = tuple[int, int, int]


@dataclass(frozen=True)
class ZooColumn:
    name: str  #: key of COLUMN_TYPES
    label: str  #: as printed; "\n" breaks the header label over two lines
    width: float  #: printed width in mm


@dataclass(frozen=True)
class ZooLayout:
    """One sheet design, all in millimetres on its paper (A4 unless ``paper`` says otherwise)."""

    id: str
    title: str
    text: tuple[str, ...]  #: paragraphs printed between the title and the table
    columns: tuple[ZooColumn, ...]
    rows: int
    row_h: float  #: line height (the mean one when ``row_hs`` gives them one by one)
    header_h: float
    x0: float  #: the table's left edge
    top: float  #: the header's top edge
    landscape: bool = False
    paper: tuple[float, float] = A4  #: the sheet's size upright (portrait), before ``landscape`` turns it
    paper_rgb: Rgb = (255, 255, 255)  #: coloured paper
    ruling: str = "none"  #: ruled before anything was printed or drawn: none, seyes (a French notebook's)
    ink: Rgb = (12, 12, 12)  #: print colour of rules, labels and boxes
    rule_mm: float = 0.3  #: inner rules
    frame_mm: float = 0.5  #: outer frame and the rule under the header
    horizontal: str = "solid"  #: row rules: solid, dotted, wavy, ruled (by hand along a ruler), none
    vertical: str = "solid"  #: column rules: solid, dotted, wavy, ruled, none
    frame: bool = True  #: an outer frame around header and rows
    corner_mm: float = 0.0  #: radius of the frame's rounded corners (0: square)
    header_ticks: float = 0.0  #: no column rules but short marks this long at the boundaries, in the header
    row_hs: tuple[float, ...] = ()  #: lines of unequal height, top to bottom (ruled by hand without a grid)
    ruled_off_mm: float = 0.35  #: "ruled" rules: how far each end may land off its mark, across the rule
    boxed: bool = False  #: every cell a separate rounded box (no shared rules)
    header_fill: Rgb | None = None
    label_ink: Rgb | None = None  #: label colour when it differs from ``ink`` (on a dark header)
    row_fill: Rgb | None = None  #: fill of every other row
    label_font: str = "DejaVuSans-Bold.ttf"  #: DejaVu file name, or "hand" for a handwriting font
    label_mm: float = 3.0  #: label font size
    label_align: str = "centre"  #: centre or left
    title_font: str = "DejaVuSans-Bold.ttf"
    title_mm: float = 5.0
    text_font: str = "DejaVuSerif.ttf"
    text_mm: float = 3.1
    marks: CellMarks | None = None
    numbers: str = ""  #: "column": 1..N in the ``numero`` column; "corner": small, in the first cell
    watermark: bool = False
    footer: tuple[str, ...] = ()
    scribbled: tuple[str, ...] = ()  #: ignore columns writers sometimes fill in
    tags: tuple[str, ...] = field(default=())  #: what differs in kind (README)

    @property
    def form_name(self) -> str:
        return self.id

    @property
    def form_path(self) -> str:
        return f"{LAYOUTS_DIR}/{self.id}.yaml"

    @property
    def paper_mm(self) -> tuple[float, float]:
        return (self.paper[1], self.paper[0]) if self.landscape else self.paper

    @property
    def x1(self) -> float:
        return self.x0 + sum(c.width for c in self.columns)

    @property
    def bottom(self) -> float:
        return grid(self).row_edges[-1]


def _row_edges(lay: ZooLayout, y0: float) -> tuple[float, ...]:
    if not lay.row_hs:
        return tuple(y0 + i * lay.row_h for i in range(lay.rows + 1))
    if len(lay.row_hs) != lay.rows:
        raise ValueError(f"{lay.id}: {len(lay.row_hs)} line heights for {lay.rows} lines")
    return (y0, *(y0 + float(v) for v in np.cumsum(lay.row_hs)))


def grid(lay: ZooLayout) -> Grid:
    edges = [lay.x0]
    for c in lay.columns:
        edges.append(edges[-1] + c.width)
    y0 = lay.top + lay.header_h
    return Grid(
        page_w=lay.paper_mm[0],
        page_h=lay.paper_mm[1],
        columns=tuple(c.name for c in lay.columns),
        types=tuple(COLUMN_TYPES[c.name] for c in lay.columns),
        col_edges=tuple(edges),
        row_edges=_row_edges(lay, y0),
        marks=lay.marks,
        scribbled=lay.scribbled,
    )


# --- drawing ---------------------------------------------------------------------


def _px(v: float) -> float:
    return v * PX_PER_MM


def _font(name: str, size_mm: float) -> UiFont:
    size = max(8, round(_px(size_mm)))
    if name == "hand":
        return _hand_font(size)
    return _ui_font(name, size)


@lru_cache(maxsize=16)
def _hand_font(size: int) -> UiFont:
    """The marker a volunteer letters a sheet with: a handwriting font that has French accents."""
    fonts = {f.name: f for f in handwriting_fonts()}
    pick = next((fonts[n] for n in HAND_FACES if n in fonts), None)
    return ImageFont.truetype(str(pick), size) if pick else _ui_font("DejaVuSans.ttf", size)


class Pen:
    """Rules as a printer draws them, or as a hand draws them with a ruler."""

    def __init__(self, d: ImageDraw.ImageDraw, ink: Rgb, rng: np.random.Generator, off_mm: float = 0.35) -> None:
        self.d, self.ink, self.rng, self.off_mm = d, ink, rng, off_mm

    def line(self, p0: tuple[float, float], p1: tuple[float, float], w_mm: float, style: str) -> None:
        if style == "none":
            return
        if style == "dotted":
            self._dotted(p0, p1, w_mm)
        elif style == "wavy":
            self._wavy(p0, p1, w_mm)
        elif style == "ruled":
            self._ruled(p0, p1, w_mm)
        else:
            self.d.line((_px(p0[0]), _px(p0[1]), _px(p1[0]), _px(p1[1])), fill=self.ink, width=max(1, round(_px(w_mm))))

    def _dotted(self, p0: tuple[float, float], p1: tuple[float, float], w_mm: float) -> None:
        length = float(np.hypot(p1[0] - p0[0], p1[1] - p0[1]))
        r = _px(max(w_mm, 0.32)) / 2
        for t in np.arange(0.0, length + 1e-6, 1.05) / max(length, 1e-6):
            x, y = _px(p0[0] + t * (p1[0] - p0[0])), _px(p0[1] + t * (p1[1] - p0[1]))
            self.d.ellipse((x - r, y - r, x + r, y + r), fill=self.ink)

    def _wavy(self, p0: tuple[float, float], p1: tuple[float, float], w_mm: float) -> None:
        """A pen stroke along a ruler that slips: a slow wave, ends off by up to a millimetre,
        overshooting a little at the corners, the width changing with the pressure."""
        r = self.rng
        a, b = np.array(p0, dtype=np.float64), np.array(p1, dtype=np.float64)
        length = float(np.hypot(*(b - a)))
        u = (b - a) / max(length, 1e-6)
        n = np.array([-u[1], u[0]])
        a = a - u * r.uniform(-0.3, 1.6) + n * r.uniform(-0.6, 0.6)
        b = b + u * r.uniform(-0.3, 1.6) + n * r.uniform(-0.6, 0.6)
        steps = max(8, int(length / 1.5))
        t = np.linspace(0.0, 1.0, steps)
        amp = r.uniform(0.2, 0.5)
        wave = amp * (0.65 * np.sin(2 * np.pi * (r.uniform(0.4, 1.3) * t + r.random()))
                      + 0.35 * np.sin(2 * np.pi * (r.uniform(2.0, 4.5) * t + r.random())))  # fmt: skip
        wave += np.cumsum(r.normal(0.0, 0.02, steps))
        pts = a[None, :] + t[:, None] * (b - a)[None, :] + wave[:, None] * n[None, :]
        press = 0.8 + 0.45 * np.sin(2 * np.pi * (r.uniform(0.5, 2.0) * t + r.random())) + r.normal(0, 0.05, steps)
        for i in range(steps - 1):
            w = max(1, round(_px(w_mm) * float(np.clip(press[i], 0.45, 1.5))))
            x0, y0 = _px(pts[i, 0]), _px(pts[i, 1])
            x1, y1 = _px(pts[i + 1, 0]), _px(pts[i + 1, 1])
            self.d.line((x0, y0, x1, y1), fill=self.ink, width=w)
            rr = w / 2
            self.d.ellipse((x1 - rr, y1 - rr, x1 + rr, y1 + rr), fill=self.ink)

    def _ruled(self, p0: tuple[float, float], p1: tuple[float, float], w_mm: float) -> None:
        """A felt pen along a ruler: straight, each end a little off the mark (so a line is not
        quite parallel to its neighbours), stopping short of a corner or running past it."""
        r = self.rng
        a, b = np.array(p0, dtype=np.float64), np.array(p1, dtype=np.float64)
        u = (b - a) / max(float(np.hypot(*(b - a))), 1e-6)
        n = np.array([-u[1], u[0]])
        off = self.off_mm
        a = a - u * r.uniform(-1.2, 2.5) + n * r.uniform(-off, off)
        b = b + u * r.uniform(-1.2, 2.5) + n * r.uniform(-off, off)
        w = max(1, round(_px(w_mm) * r.uniform(0.85, 1.15)))
        self.d.line((_px(a[0]), _px(a[1]), _px(b[0]), _px(b[1])), fill=self.ink, width=w)
        for x, y in (a, b):  # the pen rests a moment where it lands and where it lifts
            rr = w * 0.6
            self.d.ellipse((_px(x) - rr, _px(y) - rr, _px(x) + rr, _px(y) + rr), fill=self.ink)

    def rect(self, box: Box, w_mm: float) -> None:
        self.d.rectangle((_px(box.x0), _px(box.y0), _px(box.x1), _px(box.y1)), outline=self.ink,
                         width=max(1, round(_px(w_mm))))  # fmt: skip


def _text_block(d: ImageDraw.ImageDraw, lay: ZooLayout, x0: float, width: float) -> None:
    """Title and petition text above the table (lines that would reach the table are left out)."""
    title = _font(lay.title_font, lay.title_mm)
    y = _px(11.0)
    for line in _wrap(d, lay.title, title, _px(width)):
        d.text((_px(x0), y), line, font=title, fill=lay.ink)
        y += _px(lay.title_mm * 1.3)
    y += _px(2.5)
    body = _font(lay.text_font, lay.text_mm)
    step = _px(lay.text_mm * 1.38)
    limit = _px(lay.top - 3.0)
    for para in lay.text:
        for line in _wrap(d, para, body, _px(width)):
            if y + step > limit:
                return
            d.text((_px(x0), y), line, font=body, fill=lay.ink)
            y += step
        y += step * 0.5


def _labels(d: ImageDraw.ImageDraw, lay: ZooLayout, g: Grid) -> None:
    colour = lay.label_ink or lay.ink
    top = lay.top
    for j, col in enumerate(lay.columns):
        x0, x1 = g.col_edges[j], g.col_edges[j + 1]
        lines = col.label.split("\n")
        size = lay.label_mm
        font = _font(lay.label_font, size)
        room = _px(x1 - x0 - 1.6)
        one_line = len(lines) == 1 and " " in col.label and lay.header_h >= 2.6 * size
        if one_line and d.textlength(col.label, font=font) > room * 1.15:
            head, _, tail = col.label.rpartition(" ")
            lines = [head, tail]
        while size > 1.6 and max(d.textlength(s, font=font) for s in lines) > room:
            size -= 0.1
            font = _font(lay.label_font, size)
        step = size * 1.2
        cy = top + lay.header_h / 2 - step * (len(lines) - 1) / 2
        for k, text in enumerate(lines):
            y = _px(cy + k * step)
            if lay.label_align == "left":
                d.text((_px(x0 + 1.2), y), text, font=font, fill=colour, anchor="lm")
            else:
                d.text((_px((x0 + x1) / 2), y), text, font=font, fill=colour, anchor="mm")


def _table(d: ImageDraw.ImageDraw, lay: ZooLayout, g: Grid, pen: Pen) -> None:
    x0, x1, top, bottom = g.col_edges[0], g.col_edges[-1], lay.top, g.row_edges[-1]
    if lay.header_fill is not None:
        d.rectangle((_px(x0), _px(top), _px(x1), _px(g.row_edges[0])), fill=lay.header_fill)
    if lay.row_fill is not None:
        for i in range(1, g.n_rows, 2):
            d.rectangle((_px(x0), _px(g.row_edges[i]), _px(x1), _px(g.row_edges[i + 1])), fill=lay.row_fill)
    if lay.boxed:
        for i in range(g.n_rows):
            for j in range(len(g.columns)):
                c = g.cell(i, j).inset(0.65)
                d.rounded_rectangle((_px(c.x0), _px(c.y0), _px(c.x1), _px(c.y1)), radius=_px(1.6),
                                    outline=lay.ink, width=max(1, round(_px(lay.rule_mm))))  # fmt: skip
        return
    strong = lay.horizontal if lay.horizontal in ("wavy", "ruled") else "solid"  #: frame and header rule
    pen.line((x0, g.row_edges[0]), (x1, g.row_edges[0]), lay.frame_mm, strong)
    for y in g.row_edges[1:-1]:
        pen.line((x0, y), (x1, y), lay.rule_mm, lay.horizontal)
    if lay.frame and lay.corner_mm > 0:
        d.rounded_rectangle((_px(x0), _px(top), _px(x1), _px(bottom)), radius=_px(lay.corner_mm), outline=lay.ink,
                            width=max(1, round(_px(lay.frame_mm))))  # fmt: skip
    elif lay.frame:
        pen.line((x0, top), (x1, top), lay.frame_mm, strong)
        pen.line((x0, bottom), (x1, bottom), lay.frame_mm, strong)
        side = lay.vertical if lay.vertical in ("wavy", "ruled") else "solid"
        for x in (x0, x1):
            pen.line((x, top), (x, bottom), lay.frame_mm, side)
    else:
        pen.line((x0, bottom), (x1, bottom), lay.rule_mm, lay.horizontal)
    for x in g.col_edges[1:-1]:
        pen.line((x, top), (x, bottom), lay.rule_mm, lay.vertical)
        if lay.header_ticks > 0:
            pen.line((x, g.row_edges[0] - lay.header_ticks), (x, g.row_edges[0]), lay.frame_mm, "solid")


def _cell_marks(d: ImageDraw.ImageDraw, lay: ZooLayout, g: Grid, pen: Pen) -> None:
    for j, typ in enumerate(g.types):
        for i in range(g.n_rows):
            if typ == ColumnType.CHECKBOX and (box := g.checkbox_of(i, j)) is not None:
                pen.rect(box, 0.3)
            if typ == ColumnType.POSTCODE:
                for b in g.comb_of(i, j) or []:
                    if lay.marks is not None and lay.marks.comb_style == "underline":
                        pen.line((b.x0, b.y1), (b.x1, b.y1), 0.3, "solid")
                    else:
                        pen.rect(b, 0.25)
            if (at := g.at_sign_of(i, j)) is not None:
                font = _font("DejaVuSans.ttf", at.h)
                d.text((_px(at.cx), _px(at.cy)), "@", font=font, fill=lay.ink, anchor="mm")
    if lay.numbers == "column":
        j = g.columns.index("numero")
        font = _font(lay.label_font, lay.label_mm)
        for i in range(g.n_rows):
            c = g.cell(i, j)
            d.text((_px(c.cx), _px(c.cy)), str(i + 1), font=font, fill=lay.ink, anchor="mm")
    elif lay.numbers == "corner":
        font = _font("DejaVuSans.ttf", 2.2)
        for i in range(g.n_rows):
            c = g.cell(i, 0)
            d.text((_px(c.x0 + 0.9), _px(c.y0 + 0.8)), str(i + 1), font=font, fill=lay.ink, anchor="lt")


def _watermark(img: Image.Image, lay: ZooLayout, g: Grid) -> None:
    """A light grey logo behind the table and a small dark one by the title."""
    d = ImageDraw.Draw(img)
    cx, cy, r = (g.col_edges[0] + g.col_edges[-1]) / 2, g.row_edges[0] + 20.0, 48.0
    light = (226, 226, 226)
    d.ellipse((_px(cx - r), _px(cy - r), _px(cx + r), _px(cy + r)), outline=light, width=round(_px(7.0)))
    leaf = [(cx - 26, cy + 18), (cx - 8, cy - 30), (cx + 28, cy - 34), (cx + 14, cy + 4), (cx - 18, cy + 22)]
    d.polygon([(_px(x), _px(y)) for x, y in leaf], fill=(234, 234, 234))
    d.text((_px(cx), _px(cy + 30)), "CANAL VERT", font=_font("DejaVuSans-Bold.ttf", 9.0), fill=light, anchor="mm")
    x, y = lay.paper_mm[0] - 34.0, 9.0
    d.ellipse((_px(x), _px(y), _px(x + 20), _px(y + 20)), fill=(40, 90, 60))
    d.text((_px(x + 10), _px(y + 10)), "CV", font=_font("DejaVuSans-Bold.ttf", 7.0), fill=(255, 255, 255),
           anchor="mm")  # fmt: skip


#: Seyès ruling of a French "grands carreaux" notebook: (colour, width mm) of the lines.
SEYES_FINE = ((214, 208, 238), 0.12)  #: every 2 mm
SEYES_MAIN = ((199, 190, 234), 0.2)  #: every 8 mm, across and down
SEYES_MARGIN = ((226, 96, 106), 0.3)  #: the red margin line, down the page
SEYES_ORIGIN = (2.0, 1.0)  #: a main vertical line at x = 2 + 8k mm, a main horizontal one at y = 1 + 8k mm
SEYES_MARGIN_X = 26.0


def _seyes(img: Image.Image, lay: ZooLayout) -> None:
    """The whole page ruled, margins included, as bought: the table is drawn on top of it."""
    d = ImageDraw.Draw(img)
    w, h = lay.paper_mm
    ox, oy = SEYES_ORIGIN

    def rule(colour: Rgb, w_mm: float, xy: tuple[float, float, float, float]) -> None:
        d.line(tuple(_px(v) for v in xy), fill=colour, width=max(1, round(_px(w_mm))))

    for k in range(int(h / 2.0) + 1):
        y = oy % 8.0 + 2.0 * k
        if k % 4 and y < h:  # every fourth is a main line
            rule(*SEYES_FINE, (0.0, y, w, y))
    for y in np.arange(oy % 8.0, h, 8.0):
        rule(*SEYES_MAIN, (0.0, y, w, y))
    for x in np.arange(ox % 8.0, w, 8.0):
        rule(*SEYES_MAIN, (x, 0.0, x, h))
    rule(*SEYES_MARGIN, (SEYES_MARGIN_X, 0.0, SEYES_MARGIN_X, h))


def draw_sheet(lay: ZooLayout) -> np.ndarray:
    """The layout's blank sheet at 300 DPI (RGB, read-only)."""
    g = grid(lay)
    img = Image.new("RGB", page_px(*lay.paper_mm), lay.paper_rgb)
    if lay.ruling == "seyes":
        _seyes(img, lay)
    if lay.watermark:
        _watermark(img, lay, g)
    d = ImageDraw.Draw(img)
    rng = np.random.default_rng(zlib.crc32(lay.id.encode()))
    pen = Pen(d, lay.ink, rng, lay.ruled_off_mm)
    text_w = min(lay.x1 - lay.x0, lay.paper_mm[0] - 2 * lay.x0 - (30.0 if lay.watermark else 0.0))
    _text_block(d, lay, lay.x0, text_w)
    _table(d, lay, g, pen)
    _labels(d, lay, g)
    _cell_marks(d, lay, g, pen)
    hand = lay.text_font == "hand"
    small = _font("hand", 4.2) if hand else _font("DejaVuSans.ttf", 2.6)
    y = g.row_edges[-1] + 4.0
    for para in lay.footer:
        for line in _wrap(d, para, small, _px(lay.x1 - lay.x0)):
            d.text((_px(lay.x0), _px(y)), line, font=small, fill=lay.ink)
            y += 6.0 if hand else 3.6
    out = np.asarray(img).copy()
    out.flags.writeable = False
    return out
