"""Test pages for the layout stages: printed sheets rendered from the real printer,
handwriting-like ink in chosen cells, and scanner/phone distortions.

Everything is seeded, so a test sees the same page on every run.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont

from scanner.forms import Column, ColumnType, Form, FormRegistry
from scanner.layout import sheet_layout
from scanner.ocr.synth import handwriting_fonts
from scanner.printing import PrintOptions, print_sheets

SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SANS_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
INKS_BGR = ((150, 45, 25), (35, 30, 30), (110, 30, 20))


def shipped_form() -> Form:
    form = FormRegistry.load().get("surveillance-fr")
    assert form is not None
    return form


@lru_cache(maxsize=8)
def _rendered(form_json: str, serial: str, dpi: float) -> np.ndarray:
    form = Form.model_validate_json(form_json)
    with tempfile.TemporaryDirectory() as tmp:
        pdf_path = Path(tmp) / "sheet.pdf"
        print_sheets(form, pdf_path, PrintOptions(copies=1, campaign="test", serials=(serial,)))
        doc = pdfium.PdfDocument(pdf_path)
        rgb = doc[0].render(scale=dpi / 72.0).to_numpy()[:, :, :3]
        doc.close()
    return np.ascontiguousarray(rgb)


def printed_page(form: Form, serial: str = "TESTSERIAL", dpi: float = 300.0) -> np.ndarray:
    """A blank printed sheet as a scanner at ``dpi`` would see it (BGR)."""
    return _rendered(form.model_dump_json(), serial, dpi).copy()


@dataclass
class Ink:
    """Writes on a page image whose pixel size is ``dpi``; coordinates in sheet mm."""

    image: np.ndarray
    dpi: float
    seed: int = 0
    rng: np.random.Generator = field(init=False)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)

    @property
    def k(self) -> float:
        return self.dpi / 25.4

    def _colour(self) -> tuple[int, int, int]:
        return INKS_BGR[int(self.rng.integers(len(INKS_BGR)))]

    def text(self, x_mm: float, y_mm: float, text: str, height_mm: float = 6.0) -> None:
        """Handwriting-like text whose ink starts at (x, y) mm, about ``height_mm`` tall."""
        fonts = handwriting_fonts() or [Path(SANS)]
        font = ImageFont.truetype(str(fonts[int(self.rng.integers(len(fonts)))]), max(8, round(height_mm * self.k)))
        pad = round(height_mm * self.k)
        bbox = font.getbbox(text)  # the ink's box: place the ink's top-left corner at (x, y)
        w, h = round(bbox[2] - bbox[0]) + 2 * pad, round(bbox[3] - bbox[1]) + 2 * pad
        tile = Image.new("L", (w, h), 0)
        ImageDraw.Draw(tile).text((pad - bbox[0], pad - bbox[1]), text, font=font, fill=255)
        tile = tile.rotate(float(self.rng.uniform(-3, 3)), resample=Image.Resampling.BICUBIC)
        self._stamp(np.asarray(tile), round(x_mm * self.k) - pad, round(y_mm * self.k) - pad)

    def _stamp(self, alpha: np.ndarray, x: int, y: int) -> None:
        img = self.image
        h, w = alpha.shape
        x0, y0, x1, y1 = max(0, x), max(0, y), min(img.shape[1], x + w), min(img.shape[0], y + h)
        if x1 <= x0 or y1 <= y0:
            return
        a = alpha[y0 - y : y1 - y, x0 - x : x1 - x].astype(np.float32)[:, :, None] / 255.0
        colour = np.array(self._colour(), dtype=np.float32)
        region = img[y0:y1, x0:x1].astype(np.float32)
        img[y0:y1, x0:x1] = (region * (1 - a) + colour * a).astype(np.uint8)

    def stroke(self, pts_mm: list[tuple[float, float]], width_mm: float = 0.5) -> None:
        pts = np.array([[p[0] * self.k, p[1] * self.k] for p in pts_mm], dtype=np.int32)
        cv2.polylines(self.image, [pts], False, self._colour(), max(1, round(width_mm * self.k)), cv2.LINE_AA)

    def scribble(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """A signature-like loop within the box (mm)."""
        t = np.linspace(0, 1, 60)
        xs = x0 + (x1 - x0) * (0.1 + 0.8 * t)
        ys = (y0 + y1) / 2 + (y1 - y0) * 0.3 * np.sin(t * float(self.rng.uniform(9, 16))) * np.cos(t * 3)
        self.stroke(list(zip(xs.tolist(), ys.tolist(), strict=True)), 0.45)

    def tick(self, cx: float, cy: float, size: float = 5.0) -> None:
        s = size / 2
        self.stroke([(cx - s, cy), (cx - s / 3, cy + s), (cx + s, cy - s)], 0.6)


def fill_printed(image: np.ndarray, form: Form, rows: dict[int, str], dpi: float = 300.0, seed: int = 0,
                 crossed: tuple[int, ...] = ()) -> None:
    """Write on 0-based ``rows`` of a printed sheet: text in text cells, a scribble, a tick.

    ``rows[i]`` is the text written in every text column of row i; ``crossed``
    rows get a long stroke through them after writing.
    """
    lay = sheet_layout(form)
    ink = Ink(image, dpi, seed)
    for i, text in rows.items():
        for j, col in enumerate(form.columns):
            c = lay.cell(i, j)
            if col.type == ColumnType.SIGNATURE:
                ink.scribble(c.x0 + 2, c.y0 + 2, c.x1 - 2, c.y1 - 2)
            elif col.type == ColumnType.CHECKBOX:
                if i % 2 == 0:
                    b = lay.checkbox(i, j)
                    ink.tick(b.cx, b.cy, 5.0)
            elif col.type == ColumnType.POSTCODE:
                for n, b in enumerate(lay.comb(i, j)):
                    ink.text(b.x0 + 0.6, b.y0 + 1.5, "75013"[n], height_mm=c.h * 0.45)
            else:
                ink.text(c.x0 + 2, c.y0 + c.h * 0.2, text[: max(3, int(c.w / 5))], height_mm=c.h * 0.45)
    for i in crossed:
        y = lay.row_edges[i] + (lay.row_edges[i + 1] - lay.row_edges[i]) * 0.5
        ink.stroke([(lay.table.x0 + 5, y + 1), (lay.table.x0 + lay.table.w * 0.75, y - 1)], 0.7)


def rotate(image: np.ndarray, angle: float) -> np.ndarray:
    """Rotate by ``angle`` degrees (counter-clockwise), growing the canvas; white fill."""
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(image, m, (nw, nh), borderValue=(255, 255, 255))


def photograph(image: np.ndarray, seed: int = 0, tilt: float = 0.08, out_long: int = 3000,
               jpeg: int = 80) -> np.ndarray:
    """The page photographed by a phone: on a desk, in perspective, uneven light, noise, JPEG."""
    rng = np.random.default_rng(seed)
    h, w = image.shape[:2]
    out_h = round(out_long * min(h, w) / max(h, w) * 1.1) if w > h else out_long
    out_w = out_long if w > h else round(out_long * min(h, w) / max(h, w) * 1.1)
    # page corners: inset, each corner jittered by ``tilt`` of the size
    base = np.array([[0.08, 0.08], [0.92, 0.08], [0.92, 0.92], [0.08, 0.92]])
    jitter = rng.uniform(-tilt, tilt, size=(4, 2)) * 0.5
    dst = ((base + jitter) * [out_w, out_h]).astype(np.float32)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    desk = np.full((out_h, out_w, 3), (60, 75, 95), np.uint8)
    photo = cv2.warpPerspective(image, m, (out_w, out_h), dst=desk, borderMode=cv2.BORDER_TRANSPARENT)
    yy, xx = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    light = 0.75 + 0.25 * (xx / out_w) * float(rng.uniform(0.5, 1.0)) + 0.1 * (yy / out_h)
    photo = np.clip(photo.astype(np.float32) * light[:, :, None] * 0.95 + rng.normal(0, 4, photo.shape), 0, 255)
    photo = cv2.GaussianBlur(photo.astype(np.uint8), (0, 0), 0.8)
    ok, buf = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, jpeg])
    out = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    assert ok and out is not None
    return out


# --- a sheet the tool did not print -----------------------------------------------------

FOREIGN_FORM = Form(
    name="foreign-test",
    orientation="portrait",
    columns=[
        Column(name="num", type=ColumnType.IGNORE, label="N°", width=0.5),
        Column(name="nom", type=ColumnType.NAME, label="Nom et prénom", width=3.0),
        Column(name="email", type=ColumnType.EMAIL, label="Adresse e-mail", width=3.5),
        Column(name="code_postal", type=ColumnType.POSTCODE, label="Code postal", width=1.3),
        Column(name="ville", type=ColumnType.TEXT, label="Ville", width=2.0),
        Column(name="signature", type=ColumnType.SIGNATURE, label="Signature", width=2.0),
    ],
)


@dataclass(frozen=True)
class ForeignTruth:
    row_edges_mm: tuple[float, ...]  #: header top, header bottom = first data row top, ...
    col_edges_mm: tuple[float, ...]


def foreign_page(rows: dict[int, str], n_rows: int = 16, dpi: float = 200.0, seed: int = 0,
                 form: Form = FOREIGN_FORM, *, vertical_rules: bool = True, lost_rules: tuple[int, ...] = (),
                 boxes_in: str | None = None, row_h: float = 13.0,
                 rule_style: str = "solid", landscape: bool = False,
                 two_line_labels: bool = False) -> tuple[np.ndarray, ForeignTruth]:
    """A word-processor petition (portrait A4, black rules, no markers) with ``rows`` written in.

    ``vertical_rules=False``: ruled only across; ``lost_rules``: 0-based data rows whose
    bottom rule is not drawn (a fax lost it); ``boxes_in``: a column with a printed
    square in every cell; ``rule_style``: ``dotted`` row rules (dots 0.4 mm every
    1.5 mm) or ``wavy`` rules (drawn by hand: up to 0.7 mm off straight); ``landscape``:
    the paper turned, the table as wide as it; ``two_line_labels``: each label's words on
    two lines (a header half as tall again), a rule between them under the middle columns
    (as under a group title).
    """
    k = dpi / 25.4
    paper_w = 297.0 if landscape else 210.0
    w, h = round(paper_w * k), round((507.0 - paper_w) * k)
    img = Image.new("RGB", (w, h), (255, 255, 255))
    d = ImageDraw.Draw(img)
    title = ImageFont.truetype(SANS_BOLD, round(5 * k))
    d.text((20 * k, 15 * k), "PÉTITION : Sauvons la bibliothèque du quartier", font=title,
           fill=(0, 0, 0))
    para = ImageFont.truetype(SANS, round(2.8 * k))
    for n, line in enumerate((
        "Nous, habitantes et habitants du quartier, demandons à la mairie de renoncer",
        "à la fermeture de la bibliothèque municipale et de maintenir ses horaires d'ouverture.",
        "Signez et faites signer autour de vous. Merci de remplir une ligne par personne.",
    )):
        d.text((20 * k, (27 + 5 * n) * k), line, font=para, fill=(0, 0, 0))
    x0, x1, top, header_h = 15.0, paper_w - 15.0, 50.0, 17.0 if two_line_labels else 11.0
    total = sum(c.width for c in form.columns)
    cols = [x0]
    for c in form.columns:
        cols.append(cols[-1] + (x1 - x0) * c.width / total)
    rows_y = [top, top + header_h] + [top + header_h + (i + 1) * row_h for i in range(n_rows)]
    lw = max(1, round(0.3 * k))
    wave = np.random.default_rng(seed + 1)

    def rule(a: tuple[float, float], b: tuple[float, float], dotted: bool = False) -> None:
        length = float(np.hypot(b[0] - a[0], b[1] - a[1]))
        if dotted:
            for t in np.arange(0.0, length, 1.5) / length:
                x, y = a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])
                d.ellipse([((x - 0.2) * k, (y - 0.2) * k), ((x + 0.2) * k, (y + 0.2) * k)], fill=(20, 20, 20))
        elif rule_style == "wavy":
            t = np.linspace(0.0, 1.0, 40)
            phase, period = wave.uniform(0, 6.3), wave.uniform(60, 140)
            off = 0.7 * np.sin(phase + 2 * np.pi * t * length / period)
            nx, ny = -(b[1] - a[1]) / length, (b[0] - a[0]) / length
            pts = [((a[0] + u * (b[0] - a[0]) + o * nx) * k, (a[1] + u * (b[1] - a[1]) + o * ny) * k)
                   for u, o in zip(t, off, strict=True)]
            d.line(pts, fill=(20, 20, 20), width=lw)
        else:
            d.line([(a[0] * k, a[1] * k), (b[0] * k, b[1] * k)], fill=(20, 20, 20), width=lw)

    for i, y in enumerate(rows_y):
        if i - 2 not in lost_rules:
            rule((x0, y), (x1, y), dotted=rule_style == "dotted" and i >= 2 and i < len(rows_y) - 1)
    for x in cols if vertical_rules else ():
        rule((x, top), (x, rows_y[-1]))
    if two_line_labels:
        rule((cols[2], top + 8.5), (cols[5], top + 8.5))
    if boxes_in is not None:
        j = next(j for j, c in enumerate(form.columns) if c.name == boxes_in)
        cx, s = (cols[j] + cols[j + 1]) / 2, 2.5
        for i in range(n_rows):
            cy = (rows_y[i + 1] + rows_y[i + 2]) / 2
            d.rectangle([((cx - s) * k, (cy - s) * k), ((cx + s) * k, (cy + s) * k)], outline=(20, 20, 20), width=lw)
    hfont = ImageFont.truetype(SANS_BOLD, round(2.6 * k))
    for j, c in enumerate(form.columns):
        words = c.label.split()
        parts = [" ".join(words[: (len(words) + 1) // 2]), " ".join(words[(len(words) + 1) // 2 :])]
        for n, part in enumerate(parts if two_line_labels else [c.label]):
            d.text((cols[j] * k + 1.5 * k, (top + 3.5 + 5.5 * n) * k), part, font=hfont, fill=(0, 0, 0))
    for i in range(n_rows):
        d.text((cols[0] * k + 1.5 * k, (rows_y[i + 1] + 4) * k), str(i + 1), font=para, fill=(0, 0, 0))
    arr = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR).copy()
    ink = Ink(arr, dpi, seed)
    for i, text in rows.items():
        y0, y1 = rows_y[i + 1], rows_y[i + 2]
        for j, c in enumerate(form.columns):
            if c.type == ColumnType.SIGNATURE:
                ink.scribble(cols[j] + 2, y0 + 2, cols[j + 1] - 2, y1 - 2)
            elif c.type != ColumnType.IGNORE:
                ink.text(cols[j] + 2, y0 + 3, text[: max(3, int((cols[j + 1] - cols[j]) / 5))], height_mm=5.5)
    return arr, ForeignTruth(tuple(rows_y), tuple(cols))
