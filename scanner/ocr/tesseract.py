"""Tesseract through its in-process API (tesserocr), one API object per engine.

Calling the ``tesseract`` program once per cell (what pytesseract does) costs
a process start and a model load each time: ~400 ms a cell measured here,
against ~8 ms CPU for the in-process API, which loads the French model once per
worker. OpenMP is limited to one
thread because the pipeline's process pool already uses every core, and
Tesseract's own threads would only fight over them.
"""

from __future__ import annotations

import os

os.environ["OMP_THREAD_LIMIT"] = "1"  # must precede the first import of tesserocr

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import tesserocr

from scanner.forms import ColumnType
from scanner.model import OcrResult
from scanner.ocr.base import (
    TESSERACT_LANG,
    clean_text,
    crop_to_ink,
    find_tessdata,
    line_confidence,
    rules_for,
)


@dataclass(frozen=True)
class TesseractSettings:
    """How cells are prepared and what Tesseract is told; defaults tuned on synthetic seed 1."""

    lang: str = TESSERACT_LANG
    pad: float = 0.15  #: white margin around the ink, x ink height
    #: Rescale so the ink is this many px high (0: as scanned); smaller is faster,
    #: and 40 px reads as well as the scan's 60-90 px.
    ink_height: int = 40
    dpi: int = 300  #: resolution announced to Tesseract (crops carry none; it would guess and warn)
    #: French word lists bias names towards dictionary words: off by default.
    dictionary: bool = False
    #: Each character the type does not allow, but the engine read, costs this factor.
    drop_penalty: float = 0.8
    #: Raw confidence -> probability of being exactly right, as (raw, calibrated)
    #: knots, linear in between. Tesseract is confident on handwriting it misreads:
    #: measured with tools/bench_ocr.py (seed 1, 80 cells per kind) a raw 0.99 was
    #: right 91 % of the time, 0.98 about 65 %, 0.95 about 40 %, below 0.9 almost never.
    calibration: tuple[tuple[float, float], ...] = (
        (0.0, 0.0),
        (0.85, 0.03),
        (0.925, 0.22),
        (0.965, 0.40),
        (0.985, 0.65),
        (1.0, 0.92),
    )


class TesseractEngine:
    """An :class:`~scanner.ocr.base.OcrEngine` backed by libtesseract (LSTM, single line)."""

    name = "tesseract"

    def __init__(self, settings: TesseractSettings | None = None, tessdata: Path | None = None) -> None:
        self.settings = settings or TesseractSettings()
        folder = tessdata or find_tessdata(self.settings.lang)
        flag = "1" if self.settings.dictionary else "0"
        self._api: tesserocr.PyTessBaseAPI | None = tesserocr.PyTessBaseAPI(
            path=str(folder) + os.sep,
            lang=self.settings.lang,
            psm=tesserocr.PSM.SINGLE_LINE,
            oem=tesserocr.OEM.LSTM_ONLY,
            variables={"load_system_dawg": flag, "load_freq_dawg": flag},
        )

    def read(self, images: Sequence[np.ndarray], kind: ColumnType) -> list[OcrResult]:
        api = self._api
        if api is None:
            raise RuntimeError("TesseractEngine used after close()")
        api.SetVariable("tessedit_char_whitelist", rules_for(kind).alphabet)
        return [self._read_one(api, image, kind) for image in images]

    def _read_one(self, api: tesserocr.PyTessBaseAPI, image: np.ndarray, kind: ColumnType) -> OcrResult:
        crop = crop_to_ink(image, pad=self.settings.pad)
        if crop is None:
            return OcrResult("", 0.0, None, self.name)
        pixels = crop.image
        if self.settings.ink_height > 0:
            scale = self.settings.ink_height / max(1.0, crop.box.h)
            if abs(scale - 1.0) > 0.1:
                interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
                pixels = cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=interp)
        pixels = np.ascontiguousarray(pixels)
        height, width = pixels.shape
        api.SetImageBytes(pixels.tobytes(), width, height, 1, width)
        api.SetSourceResolution(self.settings.dpi)
        raw = api.GetUTF8Text()
        confidences = self._symbol_confidences(api)
        text, dropped = clean_text(raw, kind)
        if not text:
            return OcrResult("", 0.0, crop.box, self.name)
        confidence = self._calibrated(line_confidence(confidences)) * self.settings.drop_penalty**dropped
        return OcrResult(text, round(confidence, 4), crop.box, self.name)

    def _calibrated(self, raw: float) -> float:
        xs, ys = zip(*self.settings.calibration, strict=True)
        return float(np.interp(raw, xs, ys))

    @staticmethod
    def _symbol_confidences(api: tesserocr.PyTessBaseAPI) -> list[float]:
        """Per-character confidences (0..1) of the last recognition."""
        out: list[float] = []
        iterator = api.GetIterator()
        if iterator is None:
            return out
        level = tesserocr.RIL.SYMBOL
        for symbol in tesserocr.iterate_level(iterator, level):
            try:
                char = symbol.GetUTF8Text(level)
            except RuntimeError:  # tesserocr raises on an empty symbol
                continue
            if char.strip():
                out.append(max(0.0, min(1.0, symbol.Confidence(level) / 100.0)))
        return out

    def close(self) -> None:
        if self._api is not None:
            self._api.End()
            self._api = None

    def __enter__(self) -> TesseractEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
