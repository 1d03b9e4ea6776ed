"""The built-in recognition engines: the one place their names live.

Add an engine here: an entry with its name, a check that fails fast (a missing
library or model, before any page is read) and a builder. The order is the
priority: the vote (:mod:`scanner.ocr.combine`) breaks ties in it, and the
default engines run in it. CLI choices, defaults and worker preloading all read
this table. This module imports no engine at load time: their native libraries
(Tesseract, ONNX Runtime) cost start-up time that ``--help`` should not pay.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scanner.errors import MissingDependencyError

if TYPE_CHECKING:
    from scanner.ocr.base import OcrEngine


def _need_module(module: str, package: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise MissingDependencyError(
            f"the Python package {package!r} is not installed",
            hint=f"Install it in the project's environment: .venv/bin/pip install {package}",
        )


def _check_tesseract() -> None:
    from scanner.ocr.base import find_tessdata  # cv2 and numpy: not for --help

    _need_module("tesserocr", "tesserocr")
    find_tessdata()


def _build_tesseract() -> OcrEngine:
    from scanner.ocr.tesseract import TesseractEngine  # loads the native Tesseract library

    return TesseractEngine()


def _check_rapid() -> None:
    _need_module("rapidocr", "rapidocr")
    _need_module("onnxruntime", "onnxruntime")
    from scanner.ocr.rapid import bundled_rec_model  # cv2 and numpy: not for --help

    bundled_rec_model()


def _build_rapid() -> OcrEngine:
    from scanner.ocr.rapid import RapidEngine  # opens an ONNX Runtime session

    return RapidEngine()


@dataclass(frozen=True)
class EngineEntry:
    name: str
    module: str  #: imported ahead in the worker start (scanner.run.workerstart), never here
    check: Callable[[], None]  #: raises MissingDependencyError (with a fix-it hint) when it cannot run
    build: Callable[[], OcrEngine]
    default: bool = True  #: run when the user names no engines


#: Highest priority first.
ENGINES: tuple[EngineEntry, ...] = (
    EngineEntry("rapidocr", "scanner.ocr.rapid", _check_rapid, _build_rapid),
    EngineEntry("tesseract", "scanner.ocr.tesseract", _check_tesseract, _build_tesseract),
)
ENGINE_NAMES: tuple[str, ...] = tuple(e.name for e in ENGINES)
DEFAULT_ENGINES: tuple[str, ...] = tuple(e.name for e in ENGINES if e.default)


def entry(name: str) -> EngineEntry:
    for e in ENGINES:
        if e.name == name:
            return e
    raise ValueError(f"unknown OCR engine {name!r}; known: {', '.join(ENGINE_NAMES)}")


def priority(name: str) -> int:
    """Rank of an engine in the table (unknown engines, e.g. a ready object's, come last)."""
    return ENGINE_NAMES.index(name) if name in ENGINE_NAMES else len(ENGINE_NAMES)


def check_engine(name: str) -> None:
    """Fail fast, without loading any model, when an engine cannot run here."""
    entry(name).check()


def make_engine(engine: str | OcrEngine) -> OcrEngine:
    """An engine by name, its dependencies checked first; a ready engine object is used as it is."""
    if not isinstance(engine, str):
        return engine
    e = entry(engine)
    e.check()
    return e.build()
