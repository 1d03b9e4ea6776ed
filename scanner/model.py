"""Typed objects passed between the stages (and across process boundaries).

Everything here is a plain dataclass of numbers, strings and numpy arrays, so
it pickles cheaply for worker processes and Dask.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scanner.ctc import Lattice
from scanner.layout import Box, SheetLayout


@dataclass(frozen=True)
class PageRef:
    """Which page of which input file."""

    source: str  #: path relative to the folder given on the command line (or file name)
    path: str  #: absolute path on disk
    page: int  #: 1-based page within the file

    def __str__(self) -> str:
        return f"{self.source}, page {self.page}"


@dataclass(frozen=True)
class PageFailure:
    """A page (or a whole file, ``ref.page == 0``) that could not be read, and why:
    what ingest yields, a run reports and the store keeps."""

    ref: PageRef
    reason: str
    hint: str = ""

    @property
    def source(self) -> str:
        return self.ref.source

    @property
    def page(self) -> int | None:
        """1-based page, or None when the whole file failed."""
        return self.ref.page or None

    def __str__(self) -> str:
        where = self.ref.source if self.page is None else str(self.ref)
        return f"{where}: {self.reason}"


@dataclass
class PageImage:
    """A decoded page, as it came out of the file (any orientation).

    Gray: nothing after decoding uses colour, and a colour page is three times
    the memory of a worker's largest array.
    """

    ref: PageRef
    image: np.ndarray  #: HxW uint8 gray (HxWx3 BGR is accepted too)
    dpi: float  #: best estimate of the scan resolution
    sha256: str  #: hash of the decoded pixels: the same scan read twice has the same hash


@dataclass(frozen=True)
class SheetId:
    """What the QR code of a printed sheet says."""

    form: str
    fingerprint: str
    campaign: str
    serial: str

    PREFIX = "PSCAN1"

    def payload(self) -> str:
        return "|".join((self.PREFIX, self.form, self.fingerprint, self.campaign, self.serial))

    @classmethod
    def parse(cls, text: str) -> SheetId | None:
        parts = text.strip().split("|")
        if len(parts) != 5 or parts[0] != cls.PREFIX:
            return None
        return cls(form=parts[1], fingerprint=parts[2], campaign=parts[3], serial=parts[4])


@dataclass
class Registered:
    """A page put into the form's frame.

    For printed sheets the image is warped onto the template at TEMPLATE_DPI, so
    the layout's cell boxes apply directly; for foreign sheets it is deskewed and
    upright, and the cell boxes come from the detected table.
    """

    ref: PageRef
    form_name: str
    gray: np.ndarray  #: HxW uint8, upright
    px_per_mm: float
    method: str  #: "markers" or "table"
    sheet: SheetId | None = None
    residual_px: float = 0.0  #: mean reprojection error of the fit
    notes: list[str] = field(default_factory=list)
    #: 3x3 homography from ``gray`` pixels to the page image's pixels (None when unknown)
    to_image: np.ndarray | None = None
    #: the printed sheet's layout (method "markers"), computed once where the sheet is
    #: registered and read from here by the grid and the cells
    layout: SheetLayout | None = None


@dataclass
class Table:
    """Rows and cells of the table, in the registered image's pixels."""

    header: Box | None
    #: rows[i][j] is the cell of data row i (0-based, as on paper) and form column j
    rows: list[list[Box]]
    #: 0-based rows whose line number (or extent) the ruling does not settle: a rule was
    #: lost or added where the pitch cannot tell how many lines the gap holds
    doubtful: frozenset[int] = frozenset()
    #: what the table finder inferred (rules filled in from the pitch, count unlike the hint)
    notes: tuple[str, ...] = ()

    @property
    def n_rows(self) -> int:
        return len(self.rows)


@dataclass
class Cell:
    """One cell ready for reading: its crop with the ruling removed."""

    row: int  #: 0-based
    col: int
    column: str
    box: Box
    image: np.ndarray  #: gray uint8 crop, ink dark on white, rules removed
    ink: float  #: share of ink pixels in the cell's core (0..1)
    #: ink analysis for checkboxes/signatures (filled by cells)
    marks: dict[str, float] = field(default_factory=dict)
    #: checkbox cells: the printed tick box, in the pixels of ``image`` (None when not known)
    tick_box: Box | None = None
    #: top-left corner of ``image`` in the registered page's pixels
    origin: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class OcrResult:
    """What every recognition engine returns for one cell."""

    text: str
    confidence: float  #: 0..1
    box: Box | None = None
    engine: str = ""
    #: (engine, text) of every reading merged into this one by the vote (combine);
    #: lets later checks hear an engine the vote outranked (Tesseract's accents)
    readings: tuple[tuple[str, str], ...] = ()
    #: other texts the engine nearly read: one character changed to its runner-up
    #: (postcodes; see RapidEngine). 75013 read 75018 is one of them.
    near_misses: tuple[str, ...] = ()
    #: the recogniser's output for the cell, to score texts a field may hold
    #: (see :mod:`scanner.ctc`); None from engines without one, and once pickled
    lattice: Lattice | None = field(default=None, compare=False, repr=False)


@dataclass
class FieldResult:
    """A column's value for one row, with the evidence behind it."""

    column: str
    value: str  #: normalised value ("true"/"false" for checkbox and signature)
    raw: str = ""  #: what the engine(s) read before normalisation
    confidence: float = 0.0
    flags: list[str] = field(default_factory=list)
    candidates: list[OcrResult] = field(default_factory=list)
    crop_png: bytes = b""  #: small PNG of the cell, for the review page
    #: probability that the accents of ``value`` are right, already in ``confidence``
    accent_probability: float = 1.0


@dataclass
class RowResult:
    row: int  #: 1-based, as on paper
    fields: dict[str, FieldResult]
    confidence: float
    flags: list[str] = field(default_factory=list)
    line_png: bytes = b""  #: the whole line's image, for the review page


@dataclass
class PageResult:
    """Everything one page job produces; the single writer stores it."""

    ref: PageRef
    sha256: str
    form_name: str | None = None
    sheet: SheetId | None = None
    rows: list[RowResult] = field(default_factory=list)
    empty_rows: list[int] = field(default_factory=list)
    error: str | None = None  #: set when the page could not be read
    method: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None
