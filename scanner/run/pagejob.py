"""The per-page job: (page, form registry) -> PageResult.

A :class:`PageReader` holds what a worker keeps between pages (OCR engine
objects, reference lists, thresholds); it is built once per worker process and
never shared. Everything it returns is picklable, so the same job runs in the
main process, in a local process pool or on a Dask worker.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from scanner.errors import PageError
from scanner.flags import ROW_UNCERTAIN
from scanner.forms import MARK_TYPES, ColumnType, Form, FormRegistry
from scanner.model import Cell, FieldResult, OcrResult, PageImage, PageRef, PageResult, Registered, RowResult, Table
from scanner.ocr.registry import DEFAULT_ENGINES
from scanner.run.memory import release_freed

if TYPE_CHECKING:
    from scanner.cells import LineCells

log = logging.getLogger(__name__)

#: Flag of a line whose number on paper the table's ruling does not settle.


@dataclass(frozen=True)
class JobSettings:
    """What every worker needs to build its :class:`PageReader` (picklable)."""

    form_spec: str | None = None
    engines: tuple[str, ...] = DEFAULT_ENGINES
    debug_dir: str | None = None
    keep_images: bool = True
    thresholds_path: str | None = None


#: PNG settings for the crops: run-length deflate is faster than level 1 and, on
#: these mostly white crops, smaller too (0.16 ms against 0.20 ms a crop).
_PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE]


def _thumbnail(img: np.ndarray, max_h: int) -> np.ndarray:
    """``img`` scaled down to ``max_h`` px high (unchanged when it is not taller).

    Area averaging by a whole factor (OpenCV's fast path), then bilinear to the
    exact size: looks the same as area averaging by a fractional factor (mean
    difference under one gray level) at a seventh of the cost.
    """
    h, w = img.shape[:2]
    if h <= max_h:
        return img
    size = (max(1, round(w * max_h / h)), max_h)
    f = h // max_h
    if f >= 2 and w >= f:
        img = cv2.resize(img[: h // f * f, : w // f * f], (w // f, h // f), interpolation=cv2.INTER_AREA)
    return cv2.resize(img, size, interpolation=cv2.INTER_LINEAR)


def _png(img: np.ndarray, max_h: int = 80) -> bytes:
    """Small PNG of a crop for the review page (downscaled, gray)."""
    if img.size == 0:
        return b""
    ok, buf = cv2.imencode(".png", _thumbnail(img, max_h), _PNG_PARAMS)
    return buf.tobytes() if ok else b""


@dataclass
class _Seen:
    """What a line's ink says without recognition: tick box and signature, and the review crops."""

    marks: dict[str, FieldResult] = field(default_factory=dict)
    crops: dict[str, bytes] = field(default_factory=dict)
    line_png: bytes = b""


class PageReader:
    """Reads pages for one worker: owns the engines and the reference data."""

    def __init__(self, settings: JobSettings) -> None:
        from scanner.ocr import make_engine
        from scanner.refdata import RefData
        from scanner.rowscore import Thresholds

        self.settings = settings
        self.forms = FormRegistry.load(settings.form_spec)
        self.engines = [make_engine(name) for name in settings.engines]
        self.ref = RefData.load()
        self.thresholds = (
            Thresholds.from_json(Path(settings.thresholds_path).read_text())
            if settings.thresholds_path
            else Thresholds.default()
        )

    def close(self) -> None:
        for e in self.engines:
            e.close()

    def read_ref(self, ref: PageRef) -> PageResult:
        """Load and read one page; any failure becomes PageResult.error."""
        from scanner.ingest import load_page

        t0 = time.perf_counter()
        try:
            page = load_page(ref)
        except PageError as exc:
            return PageResult(ref=ref, sha256="", error=exc.reason)
        result = self.read(page)
        result.timings["load"] = time.perf_counter() - t0 - sum(result.timings.values())
        return result

    def read(self, page: PageImage) -> PageResult:
        """Read one decoded page."""
        from scanner.sheet import read_layout

        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        try:
            reg, table, lines = read_layout(page, self.forms)
        except PageError as exc:
            if self.settings.debug_dir:
                self._debug_refused(page, exc)
            return PageResult(ref=page.ref, sha256=page.sha256, error=exc.reason, timings=timings)
        release_freed()  # the page's layout transients, before OCR adds its own
        timings["layout"] = time.perf_counter() - t0
        form = self.forms.get(reg.form_name)
        assert form is not None, "read_layout returns only registered forms"
        if self.settings.debug_dir:
            self._debug_read(reg, table, lines)

        written = [ln for ln in lines if not ln.empty]
        # what needs no recognition is done first, while the page is still in the CPU's
        # caches (bench pages: 58 -> 54 ms a page for this stage, within run-to-run noise)
        t2 = time.perf_counter()
        seen = [self._look(form, ln.cells, reg.gray, reg.px_per_mm) for ln in written]
        fields_s = time.perf_counter() - t2

        t1 = time.perf_counter()
        candidates = self._recognise(form, [ln.cells for ln in written])
        timings["ocr"] = time.perf_counter() - t1

        t2 = time.perf_counter()
        rows = [
            self._interpret_line(form, ln.row, ln.cells, candidates[k], ln.crossed_out, seen[k])
            for k, ln in enumerate(written)
        ]
        for r in rows:
            if r.row - 1 in table.doubtful and ROW_UNCERTAIN not in r.flags:
                r.flags.append(ROW_UNCERTAIN)  # a line number is a value like any other
        timings["fields"] = fields_s + time.perf_counter() - t2
        return PageResult(
            ref=page.ref,
            sha256=page.sha256,
            form_name=form.name,
            sheet=reg.sheet,
            rows=rows,
            empty_rows=[ln.row for ln in lines if ln.empty],
            method=reg.method,
            timings=timings,
        )

    def _debug_read(self, reg: Registered, table: Table, lines: list[LineCells]) -> None:
        """--debug picture of a page read: its table, lines and cells (never fails the page)."""
        from scanner.debug import render_debug, save_page_picture

        assert self.settings.debug_dir
        try:
            save_page_picture(Path(self.settings.debug_dir), reg.ref, render_debug(reg, table, lines), refused=False)
        except Exception as exc:  # a picture for checking: the page itself is read all the same
            log.warning("%s: debug picture not written (%s)", reg.ref, exc, exc_info=log.isEnabledFor(logging.DEBUG))

    def _debug_refused(self, page: PageImage, exc: PageError) -> None:
        """--debug picture of a page refused: what was found on it and why (never fails the page)."""
        from scanner.debug import render_refused, save_page_picture

        assert self.settings.debug_dir
        try:
            img = render_refused(page, exc.reason, exc.hint, self.forms.default)
            save_page_picture(Path(self.settings.debug_dir), page.ref, img, refused=True)
        except Exception as err:  # the refusal is reported all the same
            log.warning("%s: debug picture not written (%s)", page.ref, err, exc_info=log.isEnabledFor(logging.DEBUG))

    def _recognise(self, form: Form, lines: list[list[Cell]]) -> list[dict[str, list[OcrResult]]]:
        """Run every engine on every written text cell, batched per column."""
        from scanner.ocr.combine import combine

        out: list[dict[str, list[OcrResult]]] = [{} for _ in lines]
        for j, col in enumerate(form.columns):
            if not col.is_text:
                continue
            idx = [k for k, cells in enumerate(lines) if cells[j].ink > 0]
            if not idx:
                continue
            images = [lines[k][j].image for k in idx]
            per_engine = [engine.read(images, col.type) for engine in self.engines]
            for n, k in enumerate(idx):
                out[k][col.name] = combine([res[n] for res in per_engine], col.type)
        return out

    def _look(self, form: Form, cells: list[Cell], gray: np.ndarray, px_per_mm: float) -> _Seen:
        """A line's tick box and signature read from their ink, and the crops for review."""
        from scanner import marks

        seen = _Seen()
        for cell, col in zip(cells, form.columns, strict=True):
            if col.type == ColumnType.CHECKBOX:
                seen.marks[col.name] = marks.checkbox(cell.image, cell.tick_box, column=col.name, px_per_mm=px_per_mm)
            elif col.type == ColumnType.SIGNATURE:
                seen.marks[col.name] = marks.signature(cell.image, column=col.name, px_per_mm=px_per_mm)
            if self.settings.keep_images and col.type != ColumnType.IGNORE:
                seen.crops[col.name] = _png(cell.image)
        if self.settings.keep_images and cells:
            x0 = int(min(c.box.x0 for c in cells))
            x1 = int(max(c.box.x1 for c in cells))
            y0 = int(min(c.box.y0 for c in cells))
            y1 = int(max(c.box.y1 for c in cells))
            seen.line_png = _png(gray[max(0, y0) : y1, max(0, x0) : x1], max_h=60)
        return seen

    def _interpret_line(
        self,
        form: Form,
        row: int,
        cells: list[Cell],
        candidates: dict[str, list[OcrResult]],
        crossed_out: bool,
        seen: _Seen,
    ) -> RowResult:
        from scanner.fields import RowContext, interpret, interpretation_order
        from scanner.fields.common import doubt_border
        from scanner.rowscore import score_row

        ctx = RowContext()
        fields: dict[str, FieldResult] = {}
        index = {c.name: j for j, c in enumerate(form.columns)}
        marks_columns = [c for c in form.columns if c.type in MARK_TYPES]
        for col in interpretation_order(form.columns) + marks_columns:
            cell = cells[index[col.name]]
            if col.type == ColumnType.IGNORE:
                continue
            if col.name in seen.marks:
                fr = seen.marks[col.name]
            else:
                fr = interpret(col, candidates.get(col.name, []), self.ref, ctx, has_ink=cell.ink > 0)
            if col.name in seen.crops:
                fr.crop_png = seen.crops[col.name]
            fields[col.name] = fr
        for col in form.columns:
            if col.is_text and col.name in fields:  # after the cross-checks, which may raise a value
                doubt_border(fields[col.name], cells[index[col.name]].marks.get("border", 0.0))
        confidence, flags = score_row(fields, form, crossed_out, self.thresholds)
        return RowResult(row=row, fields=fields, confidence=confidence, flags=flags, line_png=seen.line_png)
