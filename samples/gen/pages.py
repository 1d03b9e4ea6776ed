"""Blank pages before anyone writes on them, at 300 DPI, as RGB arrays.

Printed sheets come from the tool's own printer (rendered with pdfium); the
foreign sheet is another group's petition drawn here (portrait, ruled table
with dark lines, no markers, no QR); the letter is a page that is no petition.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont

from scanner.forms import ColumnType, Form
from scanner.layout import MM_PER_INCH, Box, SheetLayout
from scanner.printing import PrintOptions, print_sheets

DRAW_DPI = 300.0
PX_PER_MM = DRAW_DPI / MM_PER_INCH
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
CAMPAIGN = "samples"

FOREIGN_NAME = "foreign-demo"
FOREIGN_TITLE = "PÉTITION — Pour la réouverture de la piscine municipale"
FOREIGN_TEXT = (
    "Fermée depuis deux ans « pour travaux », la piscine n'a toujours pas de date de réouverture. "
    "Les écoles du quartier n'ont plus de lieu pour apprendre à nager aux enfants. Nous, habitantes "
    "et habitants, demandons au conseil municipal un calendrier public des travaux et la réouverture "
    "de la piscine avant la prochaine rentrée scolaire."
)
#: (column name, printed label, width in mm), left to right as printed.
FOREIGN_COLUMNS = (
    ("nom", "NOM", 34.0),
    ("prenom", "PRÉNOM", 30.0),
    ("code_postal", "CODE POSTAL", 20.0),
    ("ville", "VILLE", 32.0),
    ("email", "E-MAIL", 46.0),
    ("signature", "SIGNATURE", 24.0),
)
FOREIGN_ROWS = 16


@dataclass(frozen=True)
class CellMarks:
    """Boxes printed inside the cells of a sheet the tool did not print (mm)."""

    checkbox: float | None = None  #: side of the square printed in checkbox cells (centred); None: no square
    comb: int = 0  #: digit boxes printed in postcode cells (0: none)
    comb_box: tuple[float, float] = (5.0, 7.0)  #: width and height of one digit box
    comb_gap: float = 0.8  #: between two digit boxes
    comb_left: float = 1.5  #: from the cell's left edge to the first box
    comb_style: str = "box"  #: "box": a printed box per digit; "underline": a short line under each digit
    at_sign: float | None = None  #: an "@" printed in e-mail cells, its centre at this fraction of the width
    at_mm: float = 3.6  #: that "@"'s size


@dataclass(frozen=True)
class Grid:
    """Where the table of a page is, in millimetres on the paper."""

    page_w: float
    page_h: float
    columns: tuple[str, ...]
    types: tuple[ColumnType, ...]
    col_edges: tuple[float, ...]
    row_edges: tuple[float, ...]  #: data rows only
    layout: SheetLayout | None = None  #: printed sheets: digit and tick boxes
    marks: CellMarks | None = None  #: other sheets: boxes printed in the cells
    scribbled: tuple[str, ...] = ()  #: ``ignore`` columns writers sometimes fill in anyway

    def cell(self, row: int, col: int) -> Box:
        return Box(self.col_edges[col], self.row_edges[row], self.col_edges[col + 1], self.row_edges[row + 1])

    @property
    def n_rows(self) -> int:
        return len(self.row_edges) - 1

    def checkbox_of(self, row: int, col: int) -> Box | None:
        """The tick box printed in a checkbox cell, or None when the cell has none."""
        if self.layout is not None:
            return self.layout.checkbox(row, col)
        if self.marks is None or self.marks.checkbox is None:
            return None
        c, s = self.cell(row, col), self.marks.checkbox
        return Box(c.cx - s / 2, c.cy - s / 2, c.cx + s / 2, c.cy + s / 2)

    def comb_of(self, row: int, col: int) -> list[Box] | None:
        """The digit boxes of a postcode cell, left to right, or None when the cell has none."""
        if self.layout is not None:
            return self.layout.comb(row, col)
        if self.marks is None or not self.marks.comb:
            return None
        m, c = self.marks, self.cell(row, col)
        (w, h), y0 = m.comb_box, c.cy - m.comb_box[1] / 2 + 0.3
        return [Box(x, y0, x + w, y0 + h) for x in (c.x0 + m.comb_left + i * (w + m.comb_gap) for i in range(m.comb))]

    def at_sign_of(self, row: int, col: int) -> Box | None:
        """Where the "@" is printed in an e-mail cell (the glyph's square), or None."""
        if self.marks is None or self.marks.at_sign is None or self.types[col] != ColumnType.EMAIL:
            return None
        c, s = self.cell(row, col), self.marks.at_mm
        x = c.x0 + self.marks.at_sign * c.w
        return Box(x - s / 2, c.cy - s / 2 + 0.3, x + s / 2, c.cy + s / 2 + 0.3)


def foreign_grid() -> Grid:
    x0, top, header_h, row_h = 12.0, 52.0, 11.0, 12.5
    edges = [x0]
    for _, _, w in FOREIGN_COLUMNS:
        edges.append(edges[-1] + w)
    rows = tuple(top + header_h + i * row_h for i in range(FOREIGN_ROWS + 1))
    types = {"nom": ColumnType.NAME, "prenom": ColumnType.NAME, "code_postal": ColumnType.POSTCODE,
             "ville": ColumnType.TEXT, "email": ColumnType.EMAIL, "signature": ColumnType.SIGNATURE}  # fmt: skip
    return Grid(
        page_w=210.0,
        page_h=297.0,
        columns=tuple(c for c, _, _ in FOREIGN_COLUMNS),
        types=tuple(types[c] for c, _, _ in FOREIGN_COLUMNS),
        col_edges=tuple(edges),
        row_edges=rows,
    )


def page_px(w_mm: float, h_mm: float) -> tuple[int, int]:
    return round(w_mm * PX_PER_MM), round(h_mm * PX_PER_MM)


UiFont = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=32)
def _ui_font(name: str, size: int) -> UiFont:
    path = DEJAVU / name
    return ImageFont.truetype(str(path), size) if path.exists() else ImageFont.load_default(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: UiFont, width: float) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    return [*lines, line]


def _mm(v: float) -> float:
    return v * PX_PER_MM


def draw_foreign() -> np.ndarray:
    """The foreign petition sheet, blank (as photocopied by the group that made it)."""
    g = foreign_grid()
    img = Image.new("RGB", page_px(g.page_w, g.page_h), (255, 255, 255))
    d = ImageDraw.Draw(img)
    title = _ui_font("DejaVuSans-Bold.ttf", 58)
    d.text((_mm(12), _mm(14)), FOREIGN_TITLE, font=title, fill=(10, 10, 10))
    body = _ui_font("DejaVuSerif.ttf", 36)
    y = _mm(26)
    for line in _wrap(d, FOREIGN_TEXT, body, _mm(186)):
        d.text((_mm(12), y), line, font=body, fill=(20, 20, 20))
        y += 46
    x0, x1 = g.col_edges[0], g.col_edges[-1]
    top, bottom = g.row_edges[0] - 11.0, g.row_edges[-1]
    d.rectangle((_mm(x0), _mm(top), _mm(x1), _mm(g.row_edges[0])), fill=(225, 225, 225))
    label = _ui_font("DejaVuSans-Bold.ttf", 30)
    for j, (_, text, _) in enumerate(FOREIGN_COLUMNS):
        cx = _mm((g.col_edges[j] + g.col_edges[j + 1]) / 2)
        d.text((cx, _mm(top + 5.5)), text, font=label, fill=(0, 0, 0), anchor="mm")
    for yy in (top, *g.row_edges):
        w = 6 if yy in (top, bottom, g.row_edges[0]) else 4
        d.line((_mm(x0), _mm(yy), _mm(x1), _mm(yy)), fill=(15, 15, 15), width=w)
    for xx in g.col_edges:
        w = 6 if xx in (x0, x1) else 4
        d.line((_mm(xx), _mm(top), _mm(xx), _mm(bottom)), fill=(15, 15, 15), width=w)
    small = _ui_font("DejaVuSans.ttf", 26)
    d.text((_mm(12), _mm(268)), "Feuille à rapporter au stand du collectif ou à déposer dans la boîte aux lettres de "
           "la maison de quartier.", font=small, fill=(30, 30, 30))  # fmt: skip
    d.text((_mm(12), _mm(274)), "Vos coordonnées ne servent qu'à cette pétition.  Feuille n° ........",
           font=small, fill=(30, 30, 30))  # fmt: skip
    return np.asarray(img).copy()


LETTER = (
    "Association des amis du quartier Saint-Roch",
    "",
    "Madame, Monsieur,",
    "",
    "Vous trouverez ci-joint les feuilles de pétition remplies lors de notre marché de dimanche dernier. "
    "Plusieurs personnes nous ont demandé si elles pouvaient signer en ligne : pourriez-vous nous envoyer "
    "l'adresse du site pour que nous la diffusions ?",
    "",
    "Nous avons gardé deux feuilles vierges pour la fête de l'école. Merci pour votre travail et à bientôt,",
    "",
    "Pour le bureau de l'association, la secrétaire.",
)


def draw_letter() -> np.ndarray:
    """A cover letter scanned with the sheets: a page that is no petition."""
    img = Image.new("RGB", page_px(210.0, 297.0), (255, 255, 255))
    d = ImageDraw.Draw(img)
    font = _ui_font("DejaVuSerif.ttf", 40)
    y = _mm(30)
    for para in LETTER:
        for line in _wrap(d, para, font, _mm(160)) if para else [""]:
            d.text((_mm(25), y), line, font=font, fill=(15, 15, 15))
            y += 56
    return np.asarray(img).copy()


def draw_blank() -> np.ndarray:
    """The blank back of a sheet, scanned by a feeder set to both sides."""
    return np.full((*page_px(210.0, 297.0)[::-1], 3), 255, dtype=np.uint8)


def render_printed(form: Form, serials: list[str]) -> list[np.ndarray]:
    """The tool's own sheets with the given serials, rendered at 300 DPI."""
    if not serials:
        return []
    with tempfile.TemporaryDirectory() as tmp:
        pdf_path = Path(tmp) / "sheets.pdf"
        print_sheets(form, pdf_path, PrintOptions(copies=len(serials), campaign=CAMPAIGN, serials=tuple(serials)))
        doc = pdfium.PdfDocument(str(pdf_path))
        try:
            pages = []
            for i in range(len(doc)):
                page = doc[i]
                w_pt, h_pt = page.get_size()
                want = page_px(w_pt / 72 * MM_PER_INCH, h_pt / 72 * MM_PER_INCH)
                bitmap = page.render(scale=DRAW_DPI / 72.0)
                arr = np.asarray(bitmap.to_pil().convert("RGB"))
                pages.append(_exact_size(arr, want))
                page.close()
        finally:
            doc.close()
    return pages


def _exact_size(arr: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Pad or trim the render to the planned pixel size (pdfium may round up)."""
    w, h = size
    out = np.full((h, w, 3), 255, dtype=np.uint8)
    hh, ww = min(h, arr.shape[0]), min(w, arr.shape[1])
    out[:hh, :ww] = arr[:hh, :ww]
    return out
