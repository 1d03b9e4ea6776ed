"""Recognition engines behind one interface (:class:`OcrEngine`).

Build engines per worker with :func:`make_engine`; rank several engines'
readings of a cell with :func:`combine`. The engine modules themselves
(tesserocr, onnxruntime) are imported only when an engine is built.
"""

from scanner.ocr.base import ENGINE_NAMES, OcrEngine, check_engine, make_engine
from scanner.ocr.combine import combine, comparison_key

__all__ = ["ENGINE_NAMES", "OcrEngine", "check_engine", "combine", "comparison_key", "make_engine"]
