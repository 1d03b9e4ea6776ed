"""PP-OCR text recognition with the model of the rapidocr wheel (onnxruntime, CPU).

A cell holds one line, so only the recogniser runs: no text detection, no
angle classifier. Cells are cut to their ink and fed at their own width (no
320 px minimum): on CPU the network's cost is proportional to input width,
about 0.1 ms per column at one thread. Batching (a few crops of similar width
per ONNX call) only saves call overhead; measured on this model, batches of 4
to 8 are as fast per cell as any, larger ones slower (more padding).

Instead of reading freely and filtering afterwards, the CTC output is decoded
over the column type's alphabet only (the equivalent of Tesseract's
whitelist): a postcode's "O" becomes the best digit, not a dropped character.
Every character the free reading had outside the alphabet still lowers the
confidence, so a forced reading is never a confident one.

The model is the one bundled in the wheel, opened by path with onnxruntime
(rapidocr's own classes are not used: they cost a second of start-up per
worker and could look for downloads); no network, ever.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from scanner.ctc import Lattice, Symbols, fold_symbol, lattice_of
from scanner.errors import MissingDependencyError
from scanner.forms import KINDS, ColumnType
from scanner.model import OcrResult
from scanner.ocr.base import InkCrop, clean_text, crop_to_ink, line_confidence, rules_for
from scanner.ocr.separators import dash_read_as_dot, find_marks

#: Widest input, as width / height: 32 x 48 px is longer than any cell's writing.
MAX_RATIO = 32.0


def bundled_rec_model() -> Path:
    """The recognition model shipped inside the rapidocr wheel."""
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or spec.origin is None:
        raise MissingDependencyError(
            "the Python package 'rapidocr' is not installed",
            hint="Install it in the project's environment: .venv/bin/pip install rapidocr onnxruntime",
        )
    models = sorted((Path(spec.origin).parent / "models").glob("*_rec_*.onnx"))
    if not models:
        raise MissingDependencyError(
            "rapidocr's bundled recognition model (models/*_rec_*.onnx) is missing",
            hint="Reinstall the wheel: .venv/bin/pip install --force-reinstall rapidocr "
            "(petition-scan never downloads models at run time).",
        )
    return models[-1]


#: Input height of the recogniser and its channels (PP-OCR rec_img_shape 3 x 48).
INPUT_H = 48


def _open_session(model: Path, threads: int, arena: bool = True) -> Any:
    """The ONNX session, opened as rapidocr opens it (same options, same numbers).

    Driving onnxruntime directly, rather than through rapidocr's RapidOCR and
    TextRecognizer objects, saves about 1 s of CPU per worker start: rapidocr
    builds its configuration tree (omegaconf) on import. The session options
    match rapidocr's but for the memory arena, which changes no number.
    """
    import onnxruntime as ort

    # onnxruntime's telemetry is on by default and sent from native code (the README and
    # the contract promise no packet): off in this process before its first session
    ort.disable_telemetry_events()
    options = ort.SessionOptions()
    options.log_severity_level = 4
    # The arena keeps the run buffers from one batch to the next: without it every run
    # allocates and frees tens of MB, which the worker's heap trims (scanner.run.memory)
    # then hand back and the next run faults in again (17% slower on the bench pages).
    # Its size is bounded by the batch cap (RapidSettings.batch_columns); the
    # numbers are the same either way.
    options.enable_cpu_mem_arena = arena
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    providers = [("CPUExecutionProvider", {"arena_extend_strategy": "kSameAsRequested"})]
    return ort.InferenceSession(str(model), sess_options=options, providers=providers)


def _characters(session: Any) -> list[str]:
    """The model's output classes: CTC blank, the characters stored in the model, a space."""
    meta = session.get_modelmeta().custom_metadata_map
    if "character" not in meta:
        raise MissingDependencyError(
            "rapidocr's recognition model carries no character list",
            hint="Reinstall the wheel: .venv/bin/pip install --force-reinstall rapidocr",
        )
    return ["blank", *meta["character"].splitlines(), " "]


def _normalised(gray: np.ndarray, max_ratio: float) -> np.ndarray:
    """A crop as the network's input: 48 px high, scaled to [-1, 1], right-padded with 0.

    The same arithmetic as PP-OCR's resize_norm_img (width ceil(48 x ratio),
    at most the batch's widest), so the readings do not change.
    """
    width = int(INPUT_H * max_ratio)
    ratio = gray.shape[1] / float(gray.shape[0])
    resized_w = min(width, math.ceil(INPUT_H * ratio))
    # The three colour channels of a gray crop are equal: scale one, copy it thrice
    # (OpenCV resizes each channel alike, so the values are the same as scaling BGR).
    resized = cv2.resize(gray, (resized_w, INPUT_H)).astype("float32") / 255
    resized -= 0.5
    resized /= 0.5
    padded = np.zeros((3, INPUT_H, width), dtype=np.float32)
    padded[:, :, :resized_w] = resized
    return padded


#: Output frames per input column: the recogniser downsamples the width by 8.
FRAME_COLUMNS = 8
#: Ceiling on an e-mail whose local-part dot is drawn as a dash (an underscore or
#: hyphen the network read as a dot): the shape contradicts the reading.
DASH_AS_DOT_CAP = 0.5
#: A runner-up character this likely against the winner makes a near miss. On the
#: postcodes of seed 83 whose town has codes one digit apart (467 cells), 0.01
#: named 2 of the 3 such misreads (75015 for 75013, 13009 for 13008) and 3 right codes.
NEAR_MISS_RATIO = 0.01


def _input_columns(image: np.ndarray) -> int:
    """Width of a crop once scaled to the network's input height (capped at MAX_RATIO)."""
    h, w = image.shape[:2]
    return math.ceil(INPUT_H * min(MAX_RATIO, w / h))


def _char_columns(span: list[int], image: np.ndarray) -> tuple[float, float]:
    """The crop columns under a character's frames (one frame of slack each side)."""
    scale = image.shape[1] / _input_columns(image)
    return (min(span) - 1) * FRAME_COLUMNS * scale, (max(span) + 2) * FRAME_COLUMNS * scale


def _dash_read_as_dot(chars: list[str], spans: list[list[int]], image: np.ndarray) -> bool:
    """A dot read before the '@' whose mark on paper is a dash (see :mod:`scanner.ocr.separators`)."""
    if "@" not in chars:
        return False
    at = chars.index("@")
    local = [i for i in range(at) if chars[i] == "."]
    if not local:
        return False
    domain = [i for i in range(at + 1, len(chars)) if chars[i] == "."]
    marks = find_marks(image, [_char_columns(spans[i], image) for i in local + domain])
    return dash_read_as_dot(marks[: len(local)], marks[len(local) :])


@dataclass(frozen=True)
class RapidSettings:
    """Preparation and batching; defaults tuned on synthetic seed 1."""

    pad: float = 0.05  #: white margin around the ink, x ink height (tight is best here)
    batch: int = 8  #: crops per ONNX call (sorted by width, so padding stays small)
    #: Input columns per ONNX call (crops x padded width). The network's output is
    #: one row of ~18,700 class scores per 8 columns, and onnxruntime holds several
    #: copies of it during a call: eight wide e-mail crops took ~290 MB for an
    #: instant, which set the worker's peak memory. Wide crops go in smaller batches.
    #: Not smaller: the right padding a batch adds helps the network (e-mails read
    #: exactly on seed 71: 52.7% uncapped, 52.3% at 2,048, 51.2% at 1,024).
    batch_columns: int = 2048
    threads: int = 1  #: onnxruntime intra-op threads: the process pool gives parallelism
    #: Each character the free reading had outside the type's alphabet costs this factor.
    drop_penalty: float = 0.8
    #: ONNX Runtime's memory arena (see _open_session).
    arena: bool = True


class RapidEngine:
    """An :class:`~scanner.ocr.base.OcrEngine` backed by the PP-OCR recogniser."""

    name = "rapidocr"

    def __init__(self, settings: RapidSettings | None = None, model: Path | None = None) -> None:
        self.settings = settings or RapidSettings()
        self._session: Any = _open_session(model or bundled_rec_model(), self.settings.threads, self.settings.arena)
        characters = _characters(self._session)
        self._chars = np.array(characters, dtype=object)
        self._index = {c: i for i, c in enumerate(characters) if i > 0}
        self._allowed: dict[ColumnType, np.ndarray] = {}
        self._symbols: dict[ColumnType, Symbols] = {}
        self._input = self._session.get_inputs()[0].name
        self._output = self._session.get_outputs()[0].name

    @property
    def session_options(self) -> Any:
        """The ONNX session's options (threads), for checks."""
        return self._session.get_session_options()

    def _allowed_columns(self, kind: ColumnType) -> np.ndarray:
        """Output columns the type may emit, blank (column 0) first."""
        if kind not in self._allowed:
            rules = rules_for(kind)
            chars = set(rules.alphabet) | ({" "} if rules.spaces else set())
            cols = sorted(self._index[c] for c in chars if c in self._index)
            self._allowed[kind] = np.array([0, *cols], dtype=np.int64)
        return self._allowed[kind]

    def _symbols_of(self, kind: ColumnType) -> Symbols:
        """The symbols a lattice of ``kind`` scores, with their classes, and the fold
        (:class:`scanner.ctc.Lattice`): both cases summed, and accents for names and towns."""
        if kind not in self._symbols:
            rules = rules_for(kind)
            fold = "lower" if kind == ColumnType.EMAIL else "upper" if any(c.isalpha() for c in rules.alphabet) else ""
            chars = list(dict.fromkeys(rules.alphabet + (" " if rules.spaces else "")))
            pooled: dict[str, list[int]] = {}
            for ch in chars:
                key = fold_symbol(ch, fold)
                if len(key) != 1:
                    continue
                if ch in self._index and self._index[ch] not in pooled.setdefault(key, []):
                    pooled[key].append(self._index[ch])
            self._symbols[kind] = Symbols.of([(k, v) for k, v in pooled.items() if v], fold)
        return self._symbols[kind]

    def _lattice(self, probs: np.ndarray, kind: ColumnType, crop: InkCrop) -> Lattice:
        frames = min(probs.shape[0], -(-_input_columns(crop.image) // FRAME_COLUMNS))
        return lattice_of(probs, frames, self._symbols_of(kind))

    def read(self, images: Sequence[np.ndarray], kind: ColumnType) -> list[OcrResult]:
        if self._session is None:
            raise RuntimeError("RapidEngine used after close()")
        allowed = self._allowed_columns(kind)
        results = [OcrResult("", 0.0, None, self.name)] * len(images)
        crops: list[tuple[int, InkCrop]] = []
        for i, image in enumerate(images):
            crop = crop_to_ink(image, pad=self.settings.pad)
            if crop is not None:
                crops.append((i, crop))
        # Similar widths together: each batch is padded to its widest crop.
        crops.sort(key=lambda item: item[1].image.shape[1] / item[1].image.shape[0])
        for chunk in self._batches(crops):
            probs = self._infer([crop.image for _, crop in chunk])
            for (i, crop), row in zip(chunk, probs, strict=True):
                results[i] = self._decode(row, allowed, kind, crop)
        return results

    def _batches(self, crops: list[tuple[int, InkCrop]]) -> Iterator[list[tuple[int, InkCrop]]]:
        """Consecutive runs of the width-sorted crops, within both batch limits.

        Each batch is padded to its last (widest) crop, so its input is
        ``len(batch) x padded width`` columns; a lone crop wider than the
        column budget still goes alone.
        """
        chunk: list[tuple[int, InkCrop]] = []
        for item in crops:
            columns = _input_columns(item[1].image)
            full = len(chunk) == self.settings.batch
            if chunk and (full or (len(chunk) + 1) * columns > self.settings.batch_columns):
                yield chunk
                chunk = []
            chunk.append(item)
        if chunk:
            yield chunk

    def _infer(self, images: list[np.ndarray]) -> np.ndarray:
        """Per-frame class probabilities, shape (n, frames, classes)."""
        # No minimum width (PaddleOCR pads to 320 px): the network's cost is linear
        # in width, and short cells such as postcodes need half of that. A stray
        # flat stroke (a leftover rule) is squeezed rather than widening the batch.
        max_ratio = min(MAX_RATIO, max(img.shape[1] / img.shape[0] for img in images))
        batch = np.concatenate([_normalised(img, max_ratio)[np.newaxis] for img in images]).astype(np.float32)
        return np.asarray(self._session.run([self._output], {self._input: batch})[0])

    def _decode(self, probs: np.ndarray, allowed: np.ndarray, kind: ColumnType, crop: InkCrop) -> OcrResult:
        """Greedy CTC decoding restricted to ``allowed``; confidence from the kept peaks."""
        sub = probs[:, allowed]
        best = sub.argmax(axis=1)
        peak = sub.max(axis=1)
        chars: list[str] = []
        confs: list[float] = []
        spans: list[list[int]] = []  #: frames of each emitted character
        previous = 0
        for t, k in enumerate(best):
            if k != 0 and k != previous:
                chars.append(str(self._chars[allowed[k]]))
                confs.append(float(peak[t]))
                spans.append([t])
            elif k != 0:
                confs[-1] = max(confs[-1], float(peak[t]))
                spans[-1].append(t)
            previous = int(k)
        near: tuple[str, ...] = ()
        if kind == ColumnType.POSTCODE:
            near = self._near_misses(sub, allowed, chars, spans)
        dash = False
        if kind == ColumnType.EMAIL:
            self._force_at_sign(probs, chars, confs, spans)
            dash = _dash_read_as_dot(chars, spans, crop.image)
        text, _ = clean_text("".join(chars), kind)
        if not text:
            return OcrResult("", 0.0, crop.box, self.name)
        confidence = line_confidence(confs) * self.settings.drop_penalty ** self._outside(probs, kind)
        if dash:
            confidence = min(confidence, DASH_AS_DOT_CAP)
        lattice = self._lattice(probs, kind, crop) if KINDS[kind].lattice else None
        return OcrResult(text, round(confidence, 4), crop.box, self.name, near_misses=near, lattice=lattice)

    def _near_misses(
        self, sub: np.ndarray, allowed: np.ndarray, chars: list[str], spans: list[list[int]]
    ) -> tuple[str, ...]:
        """The texts with one character changed to its runner-up, where the network gave
        the runner-up at least NEAR_MISS_RATIO of the winner's probability on one of the
        character's frames. A town with several codes one digit apart (PARIS 75013 and
        75018) cannot tell those apart; this can."""
        out: list[str] = []
        for i, frames in enumerate(spans):
            rows = sub[frames].copy()
            won = rows.argmax(axis=1)
            top = rows[np.arange(len(frames)), won]
            rows[np.arange(len(frames)), won] = 0.0
            rows[:, 0] = 0.0  # the blank is no character
            ratio = rows.max(axis=1) / np.maximum(top, 1e-9)
            f = int(ratio.argmax())
            if ratio[f] >= NEAR_MISS_RATIO:
                runner = str(self._chars[allowed[int(rows[f].argmax())]])
                out.append("".join(chars[:i]) + runner + "".join(chars[i + 1 :]))
        return tuple(out)

    def _force_at_sign(self, probs: np.ndarray, chars: list[str], confs: list[float], spans: list[list[int]]) -> None:
        """An e-mail has one '@': without one, the inner character most like '@' becomes it.

        A handwritten capital '@' is often read 'O' or 'E'. The replaced
        character keeps the network's probability of '@' as its confidence,
        so the line is only as sure as that (usually low: it goes to review
        with the right text pre-filled).
        """
        column = self._index.get("@")
        if column is None or "@" in chars or len(chars) < 3:
            return
        likeness = [float(probs[span, column].max()) for span in spans]
        inner = range(1, len(chars) - 1)
        i = max(inner, key=lambda j: (likeness[j], -j))
        chars[i] = "@"
        confs[i] = likeness[i]

    def _outside(self, probs: np.ndarray, kind: ColumnType) -> int:
        """How many characters the unrestricted reading had outside the type's alphabet."""
        free = probs.argmax(axis=1)
        keep = np.ones(len(free), dtype=bool)
        keep[1:] = free[1:] != free[:-1]
        emitted = "".join(str(self._chars[k]) for k in free[keep & (free != 0)])
        return clean_text(emitted, kind)[1]

    def close(self) -> None:
        self._session = None

    def __enter__(self) -> RapidEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
