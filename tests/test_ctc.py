"""Scoring texts under a CTC output (scanner/ctc.py), against a brute-force sum, and on a real cell."""

from __future__ import annotations

import itertools
import pickle

import cv2
import numpy as np
import pytest

from scanner.ctc import IMPOSSIBLE, Lattice, Symbols, lattice_of, posteriors
from scanner.forms import ColumnType
from scanner.model import OcrResult


def _collapse(path: tuple[int, ...]) -> tuple[int, ...]:
    out: list[int] = []
    prev = 0
    for s in path:
        if s != 0 and s != prev:
            out.append(s)
        prev = s
    return tuple(out)


def _brute(logp: np.ndarray, labels: tuple[int, ...]) -> float:
    """log of the sum over every frame path that collapses to ``labels``."""
    p = np.exp(logp.astype(np.float64))
    total = 0.0
    for path in itertools.product(range(p.shape[1]), repeat=p.shape[0]):
        if _collapse(path) == labels:
            total += float(np.prod(p[np.arange(p.shape[0]), path]))
    return float(np.log(total)) if total > 0 else IMPOSSIBLE


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_forward_pass_sums_every_alignment(seed: int) -> None:
    rng = np.random.default_rng(seed)
    raw = rng.random((6, 4)) + 0.05
    logp = np.log(raw / raw.sum(axis=1, keepdims=True)).astype(np.float32)
    lat = Lattice(logp, {"A": 1, "B": 2, "C": 3})
    texts = ["A", "AB", "ABA", "AAB", "BB", "CAB", "ABCA"]
    got = lat.score(texts)
    for text, value in zip(texts, got, strict=True):
        want = _brute(logp, tuple(lat.index[c] for c in text))
        assert value == pytest.approx(want, abs=1e-4), text


def test_impossible_texts_and_folding() -> None:
    logp = np.log(np.full((3, 3), 1 / 3)).astype(np.float32)
    lat = Lattice(logp, {"A": 1, "B": 2}, fold="upper")
    a, b, c, d = lat.score(["ab", "AB", "AZ", "ABAB"])
    assert a == b > IMPOSSIBLE  # case folded
    assert c == IMPOSSIBLE  # Z is not a symbol of the field
    assert d == IMPOSSIBLE  # four labels do not fit in three frames
    assert posteriors(np.array([a, c])).tolist() == pytest.approx([1.0, 0.0])


def test_classes_pool_into_symbols_and_a_lattice_pickles_to_none() -> None:
    probs = np.array([[0.5, 0.2, 0.3, 0.0], [0.1, 0.1, 0.1, 0.7]], np.float32)
    sym = Symbols.of([("A", [1, 2]), ("B", [3])], "upper")  # 'A' and 'a' are one symbol
    lat = lattice_of(probs, 2, sym)
    np.testing.assert_allclose(np.exp(lat.logp), [[0.5, 0.5, 0.0], [0.1, 0.2, 0.7]], atol=1e-5)
    result = OcrResult("AB", 0.9, lattice=lat)
    assert pickle.loads(pickle.dumps(result)).lattice is None
    assert pickle.loads(pickle.dumps(result)) == result  # the lattice is no part of the value


def test_the_recogniser_prefers_the_written_name_over_its_neighbours() -> None:
    from scanner.ocr.rapid import RapidEngine

    with RapidEngine() as engine:
        cell = np.full((100, 420), 255, np.uint8)
        cv2.putText(cell, "MARTIN", (20, 75), cv2.FONT_HERSHEY_SIMPLEX, 2.2, 0, 5, cv2.LINE_AA)
        (res,) = engine.read([cell], ColumnType.NAME)
    assert res.lattice is not None
    scores = res.lattice.score(["MARTIN", "martin", "MARTINE", "MORTIN", "NARTIN"])
    assert scores[0] == scores[1]
    assert scores[0] > max(scores[2:])
