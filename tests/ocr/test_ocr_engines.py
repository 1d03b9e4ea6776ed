"""The real engines (Tesseract through tesserocr, PP-OCR through rapidocr) on synthetic handwriting.

CER bounds were measured on these exact cells (seed 100; see tools/bench_ocr.py
for the larger benchmark) with a margin: rapidocr read names and postcodes
without error and e-mails at 1 %, Tesseract names at 23 %, postcodes at 17 %,
e-mails at 40 %. A broken engine (empty or garbled output) is far above them.
"""

from __future__ import annotations

import math
import os
import socket
from collections.abc import Iterator

import numpy as np
import pytest
from ocr_cells import KIND_SETS, cases, cer

from scanner.forms import ColumnType
from scanner.ocr import OcrEngine, make_engine
from scanner.ocr.base import KIND_RULES, crop_to_ink
from scanner.ocr.rapid import RapidEngine, RapidSettings

#: engine -> kind -> maximum CER on the seed-100 cells
CER_BOUNDS = {
    "rapidocr": {ColumnType.NAME: 0.10, ColumnType.POSTCODE: 0.10, ColumnType.EMAIL: 0.15},
    "tesseract": {ColumnType.NAME: 0.40, ColumnType.POSTCODE: 0.35, ColumnType.EMAIL: 0.60},
}


@pytest.fixture(scope="module", params=["tesseract", "rapidocr"])
def engine(request: pytest.FixtureRequest) -> Iterator[OcrEngine]:
    built = make_engine(request.param)
    yield built
    built.close()


@pytest.mark.parametrize("kind", list(KIND_SETS))
def test_reads_synthetic_handwriting_within_measured_cer(engine: OcrEngine, kind: ColumnType) -> None:
    cells = cases(KIND_SETS[kind], seed=100)
    results = engine.read([c.image for c in cells], kind)
    reads = [r.text for r in results]
    assert cer([c.truth for c in cells], reads) <= CER_BOUNDS[engine.name][kind], reads


def test_results_have_the_shared_shape_in_input_order(engine: OcrEngine) -> None:
    cells = cases(KIND_SETS[ColumnType.POSTCODE], seed=100)
    blank = np.full((100, 300), 250, dtype=np.uint8)
    images = [cells[0].image, blank, cells[1].image]
    results = engine.read(images, ColumnType.POSTCODE)
    assert len(results) == 3
    assert results[1].text == "" and results[1].confidence == 0.0
    for result, image in zip(results, images, strict=True):
        assert result.engine == engine.name
        assert 0.0 <= result.confidence <= 1.0
        if result.text:
            assert result.box is not None
            assert 0 <= result.box.x0 < result.box.x1 <= image.shape[1]
            assert 0 <= result.box.y0 < result.box.y1 <= image.shape[0]
    # Reading the same cell alone or in a batch gives the same text: no mix-up by position.
    alone = engine.read([cells[1].image], ColumnType.POSTCODE)[0]
    assert alone.text == results[2].text
    assert engine.read([], ColumnType.NAME) == []


@pytest.mark.parametrize("kind", [ColumnType.POSTCODE, ColumnType.EMAIL, ColumnType.NAME])
def test_output_stays_in_the_kind_alphabet(engine: OcrEngine, kind: ColumnType) -> None:
    # Draw e-mails where a postcode is expected and vice versa: the alphabet still holds.
    texts = KIND_SETS[ColumnType.EMAIL] if kind != ColumnType.EMAIL else KIND_SETS[ColumnType.POSTCODE]
    results = engine.read([c.image for c in cases(texts, seed=7)], kind)
    allowed = set(KIND_RULES[kind].alphabet)
    for result in results:
        assert set(result.text) <= allowed, result.text


def test_forced_reading_is_never_confident(engine: OcrEngine) -> None:
    # Letters read as a postcode: whatever comes out cannot be trusted.
    results = engine.read([c.image for c in cases(("MARTIN", "DUBOIS", "ROUX"), seed=3)], ColumnType.POSTCODE)
    assert all(r.confidence < 0.5 for r in results), results


def test_non_text_columns_are_refused(engine: OcrEngine) -> None:
    with pytest.raises(ValueError, match="checkbox"):
        engine.read([np.full((100, 100), 255, np.uint8)], ColumnType.CHECKBOX)


def test_rapid_emails_get_one_at_sign() -> None:
    """A capital '@' often reads as 'O'; the e-mail decoder puts the '@' back (and doubts it)."""
    engine = make_engine("rapidocr")
    capitals = tuple(e.upper() for e in KIND_SETS[ColumnType.EMAIL])
    results = engine.read([c.image for c in cases(capitals, seed=11)], ColumnType.EMAIL)
    engine.close()
    for result in results:
        assert result.text.count("@") == 1, result.text


def test_rapid_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    engine = RapidEngine()
    cell = cases(("MARTIN",), seed=1)[0]
    assert engine.read([cell.image], ColumnType.NAME)[0].text
    # One intra-op thread: the process pool gives the parallelism.
    assert engine.session_options.intra_op_num_threads == 1
    assert engine.session_options.inter_op_num_threads == 1
    engine.close()


def test_wide_crops_go_in_smaller_batches() -> None:
    """The column budget splits a batch of wide crops; the readings stay whole and in order."""
    engine = RapidEngine(RapidSettings(batch=8, batch_columns=1200))
    cells = cases(KIND_SETS[ColumnType.EMAIL] + KIND_SETS[ColumnType.NAME], seed=100)
    crops = [(i, c) for i, c in enumerate(crop_to_ink(cell.image, pad=0.05) for cell in cells) if c is not None]
    crops.sort(key=lambda item: item[1].image.shape[1] / item[1].image.shape[0])
    batches = list(engine._batches(crops))
    assert [i for batch in batches for i, _ in batch] == [i for i, _ in crops]  # every crop once, in order
    assert len(batches) > math.ceil(len(crops) / 8)  # the budget split some batches
    for batch in batches:
        last = batch[-1][1].image
        columns = math.ceil(48 * last.shape[1] / last.shape[0])
        assert len(batch) == 1 or len(batch) * columns <= 1200
    reads = [r.text for r in engine.read([c.image for c in cells], ColumnType.NAME)]
    assert all(reads) and cer([c.truth for c in cells], reads) < 0.2
    engine.close()


def test_rapid_memory_arena_changes_no_reading() -> None:
    """The arena only keeps buffers between runs: texts and confidences are identical."""
    cells = cases(KIND_SETS[ColumnType.EMAIL] + KIND_SETS[ColumnType.POSTCODE], seed=101)
    images = [c.image for c in cells]
    results = []
    for arena in (True, False):
        engine = RapidEngine(RapidSettings(arena=arena))
        assert engine.session_options.enable_cpu_mem_arena is arena
        results.append([engine.read(images, kind) for kind in (ColumnType.EMAIL, ColumnType.POSTCODE)])
        results[-1].append(engine.read(images, ColumnType.EMAIL))  # a second run reuses the buffers
        engine.close()
    assert results[0] == results[1]


def test_tesseract_runs_single_threaded() -> None:
    engine = make_engine("tesseract")
    engine.close()
    assert os.environ["OMP_THREAD_LIMIT"] == "1"


def test_closed_engine_refuses_work() -> None:
    engine = make_engine("tesseract")
    engine.close()
    engine.close()  # closing twice is harmless
    with pytest.raises(RuntimeError, match="close"):
        engine.read([np.full((100, 100), 255, np.uint8)], ColumnType.NAME)
