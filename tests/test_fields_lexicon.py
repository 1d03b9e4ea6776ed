"""Choosing a listed value under the cell's CTC output (scanner/fields/lexicon.py, names)."""

from __future__ import annotations

import numpy as np
import pytest

from scanner.ctc import Lattice
from scanner.fields.lexicon import Listed, choose
from scanner.fields.names import interpret_name
from scanner.model import OcrResult
from scanner.refdata import RefData

SYMBOLS = {ch: i for i, ch in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ", start=1)}


def _lattice(frames: list[dict[str, float]]) -> Lattice:
    """One frame per dict (symbol -> probability, the rest to the blank), a blank frame between."""
    rows = []
    for frame in frames:
        for probs in (frame, {}):
            row = np.full(len(SYMBOLS) + 1, 1e-6)
            for ch, p in probs.items():
                row[SYMBOLS[ch]] = p
            row[0] = max(1e-6, 1.0 - sum(probs.values()))
            rows.append(row / row.sum())
    return Lattice(np.log(np.array(rows)).astype(np.float32), SYMBOLS, fold="upper")


def _written(word: str, last: dict[str, float]) -> Lattice:
    return _lattice([{ch: 0.97} for ch in word[:-1]] + [last])


@pytest.fixture(scope="module")
def ref() -> RefData:
    return RefData.load()


def test_a_listed_name_beats_a_misread_last_letter(ref: RefData) -> None:
    # the network leans to M for the last letter, but N nearly as much: MARTIN, listed, wins
    cell = OcrResult("MARTIM", 0.9, engine="rapidocr", lattice=_written("MARTIN", {"M": 0.5, "N": 0.45}))
    outcome = interpret_name([cell], ref, first=True)
    assert outcome is not None and outcome.best.value == "MARTIN"


def test_an_unlisted_reading_the_network_is_sure_of_stays(ref: RefData) -> None:
    # no listed name near KZYLIO comes close under the lattice: the free reading is kept
    cell = OcrResult("KZYLIO", 0.9, engine="rapidocr", lattice=_written("KZYLIO", {"O": 0.97}))
    outcome = interpret_name([cell], ref, first=True)
    assert outcome is not None and outcome.best.value == "KZYLIO"
    assert outcome.confidence < 0.9  # an unlisted first name is not sure enough for clean.csv


def test_confidence_is_the_share_against_rivals_and_the_readings_own() -> None:
    lat = _written("LEA", {"A": 0.97})
    sure = OcrResult("LEA", 0.99, engine="rapidocr", lattice=lat)
    choice = choose([sure], [Listed("LEA"), Listed("LIA")], ["LEA"], "firstnames")
    assert choice is not None and choice.value == "LEA" and choice.confidence > 0.99
    # the same lattice, but the engines were unsure of the ink: held under the name threshold
    unsure = OcrResult("LEA", 0.6, engine="rapidocr", lattice=lat)
    choice = choose([unsure], [Listed("LEA"), Listed("LIA")], ["LEA"], "firstnames")
    assert choice is not None and choice.confidence < 0.9
    # two listed names the lattice cannot tell apart: neither is sure, the other is offered
    torn = OcrResult(
        "LEA", 0.99, engine="rapidocr", lattice=_lattice([{"L": 0.97}, {"E": 0.48, "I": 0.48}, {"A": 0.97}])
    )
    choice = choose([torn], [Listed("LEA"), Listed("LIA")], ["LEA"], "firstnames")
    assert choice is not None and choice.confidence == 0.0
    assert [r.text for r in choice.runners_up] == ["LIA" if choice.value == "LEA" else "LEA"]


def test_without_a_lattice_nothing_is_chosen() -> None:
    assert choose([OcrResult("LEA", 0.99)], [Listed("LEA")], ["LEA"], "firstnames") is None
