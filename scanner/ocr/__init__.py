"""Recognition engines behind one interface (:class:`OcrEngine`).

Build engines per worker with :func:`make_engine` (the built-in ones are listed in
:mod:`scanner.ocr.registry`); rank several engines' readings of a cell with
:func:`combine`. The engine modules themselves (tesserocr, onnxruntime) are
imported only when an engine is built, and the interface and the vote (cv2,
numpy) only when first asked for: the worker start imports the registry first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scanner.ocr.registry import DEFAULT_ENGINES, ENGINE_NAMES, check_engine, make_engine

if TYPE_CHECKING:
    from scanner.ocr.base import OcrEngine
    from scanner.ocr.combine import combine, comparison_key

__all__ = ["DEFAULT_ENGINES", "ENGINE_NAMES", "OcrEngine", "check_engine", "combine", "comparison_key", "make_engine"]

_LAZY = {"OcrEngine": "scanner.ocr.base", "combine": "scanner.ocr.combine", "comparison_key": "scanner.ocr.combine"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'scanner.ocr' has no attribute {name!r}")
