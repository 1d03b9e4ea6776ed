"""The one interface every recognition engine offers, and what they share.

Engines are heavy (a Tesseract API object, an ONNX session) and not safe to
share between processes, so the pipeline builds one per worker with
:func:`scanner.ocr.registry.make_engine`; nothing here is a module-level
singleton. The CLI calls :func:`scanner.ocr.registry.check_engine` once at
start so a missing library or language model is reported before any page is
read, not as a failure on every page.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from scanner.errors import MissingDependencyError
from scanner.forms import KINDS, ColumnType
from scanner.layout import Box
from scanner.model import OcrResult

#: Where Debian/Ubuntu packages put the Tesseract models, newest first.
DEBIAN_TESSDATA = (
    Path("/usr/share/tesseract-ocr/5/tessdata"),
    Path("/usr/share/tesseract-ocr/4.00/tessdata"),
    Path("/usr/share/tessdata"),
)
TESSERACT_LANG = "fra"

class OcrEngine(Protocol):
    """Reads single-line cell crops; one instance per worker process."""

    name: str

    def read(self, images: Sequence[np.ndarray], kind: ColumnType) -> list[OcrResult]:
        """One result per image, same order.

        Images are gray uint8 crops, dark ink on white, ruling removed, one
        line of (mostly capital) handwriting about 100 px high. An image with
        nothing legible gives ``OcrResult("", 0.0)``: emptiness is decided
        upstream from the ink, an empty reading carries no evidence.
        """
        ...

    def close(self) -> None:
        """Free the native resources; the engine must not be used afterwards."""
        ...


@dataclass(frozen=True)
class KindRules:
    """What a column type may contain, shared by every engine."""

    alphabet: str  #: characters a value of this type may hold
    spaces: bool  #: whether inner spaces are meaningful (else they are dropped)


#: The alphabet of every type the engines read (scanner.forms.KINDS).
KIND_RULES: dict[ColumnType, KindRules] = {t: KindRules(k.alphabet, k.spaces) for t, k in KINDS.items() if k.read}


def rules_for(kind: ColumnType) -> KindRules:
    """The rules of a readable column type; checkbox/signature/ignore are a caller bug."""
    try:
        return KIND_RULES[kind]
    except KeyError:
        raise ValueError(f"column type {kind.value!r} is not read by OCR") from None


def clean_text(text: str, kind: ColumnType) -> tuple[str, int]:
    """Keep what the type allows; returns the text and how many characters were dropped.

    Runs of spaces shrink to one and the ends are trimmed without counting as
    drops (engines emit them freely); any other removed character counts.
    """
    rules = rules_for(kind)
    text = " ".join(text.split())
    kept: list[str] = []
    dropped = 0
    for char in text:
        if char == " ":
            if rules.spaces:
                kept.append(char)
        elif char in rules.alphabet:
            kept.append(char)
        else:
            dropped += 1
    return " ".join("".join(kept).split()), dropped


def line_confidence(confidences: Sequence[float]) -> float:
    """Line confidence from character confidences: the mean, pulled down by the weakest.

    A single doubtful character makes the whole value doubtful (a name with
    one wrong letter is a wrong name), so the minimum weighs as much as the mean.
    """
    if not confidences:
        return 0.0
    return 0.5 * (sum(confidences) / len(confidences)) + 0.5 * min(confidences)


@dataclass(frozen=True)
class InkCrop:
    """A cell cut to its ink, with white padding, ready for an engine."""

    image: np.ndarray  #: gray uint8
    box: Box  #: the ink's bounding box in the cell's pixels


def crop_to_ink(image: np.ndarray, pad: float = 0.25, dark: int = 150, min_px: int = 2) -> InkCrop | None:
    """Cut a cell to the bounding box of its ink, padded by ``pad`` x ink height.

    Engines read a line best when it fills a known share of their input;
    cells have variable white space around the writing. Rows/columns with
    fewer than ``min_px`` dark pixels are ignored so scanner specks do not
    stretch the box. Returns None when there is no ink at all.
    """
    if image.ndim != 2 or image.dtype != np.uint8:
        raise ValueError(f"expected a gray uint8 image, got {image.dtype} {image.shape}")
    if image.size == 0:
        return None
    ink = (image < dark).view(np.uint8)  # 0/1 per pixel
    # OpenCV's row/column sums: four times faster than numpy's on boolean arrays
    rows = np.flatnonzero(cv2.reduce(ink, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel() >= min_px)
    cols = np.flatnonzero(cv2.reduce(ink, 0, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel() >= min_px)
    if len(rows) == 0 or len(cols) == 0:
        return None
    y0, y1 = int(rows[0]), int(rows[-1]) + 1
    x0, x1 = int(cols[0]), int(cols[-1]) + 1
    margin = max(4, round((y1 - y0) * pad))
    core = image[y0:y1, x0:x1]
    padded = np.full((core.shape[0] + 2 * margin, core.shape[1] + 2 * margin), 255, dtype=np.uint8)
    padded[margin : margin + core.shape[0], margin : margin + core.shape[1]] = core
    return InkCrop(padded, Box(float(x0), float(y0), float(x1), float(y1)))


def find_tessdata(lang: str = TESSERACT_LANG) -> Path:
    """The tessdata folder holding ``<lang>.traineddata``.

    TESSDATA_PREFIX wins when set (pointing at tessdata or at its parent);
    a set but wrong TESSDATA_PREFIX is an error, not a silent fallback, so a
    user who set it learns it is wrong.
    """
    prefix = os.environ.get("TESSDATA_PREFIX")
    if prefix:
        for folder in (Path(prefix), Path(prefix) / "tessdata"):
            if (folder / f"{lang}.traineddata").is_file():
                return folder
        raise MissingDependencyError(
            f"TESSDATA_PREFIX={prefix} has no {lang}.traineddata",
            hint="Unset TESSDATA_PREFIX or point it at the folder holding "
            f"{lang}.traineddata (Debian: apt-get install tesseract-ocr-{lang}).",
        )
    for folder in DEBIAN_TESSDATA:
        if (folder / f"{lang}.traineddata").is_file():
            return folder
    raise MissingDependencyError(
        f"Tesseract's {lang} language model ({lang}.traineddata) was not found",
        hint=f"Install it (Debian/Ubuntu: apt-get install tesseract-ocr-{lang}) or set "
        "TESSDATA_PREFIX to the folder holding it.",
    )
