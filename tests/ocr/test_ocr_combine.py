"""combine(): agreement between engines raises confidence, disagreement lowers it."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from scanner.forms import ColumnType
from scanner.model import OcrResult
from scanner.ocr.combine import combine, comparison_key


def r(text: str, confidence: float, engine: str) -> OcrResult:
    return OcrResult(text, confidence, None, engine)


def test_agreement_merges_and_raises_confidence() -> None:
    out = combine([r("MARTIN", 0.8, "rapidocr"), r("MARTIN", 0.7, "tesseract")], ColumnType.NAME)
    assert len(out) == 1
    assert out[0].text == "MARTIN"
    assert out[0].engine == "rapidocr+tesseract"
    assert out[0].confidence == pytest.approx(1 - 0.2 * 0.3, abs=1e-4)


@pytest.mark.parametrize(
    ("kind", "a", "b"),
    [
        (ColumnType.NAME, "Élodie", "ELODIE"),
        (ColumnType.NAME, "JEAN-PIERRE", "jean pierre"),
        (ColumnType.NAME, "N'DIAYE", "NDIAYE"),
        (ColumnType.TEXT, "SAINT-ÉTIENNE", "SAINT ETIENNE"),
        (ColumnType.POSTCODE, "75 011", "75011"),
        (ColumnType.EMAIL, "Jean.Martin@Orange.fr", "jean.martin@orange.fr"),
    ],
)
def test_agreement_ignores_case_accents_and_spacing(kind: ColumnType, a: str, b: str) -> None:
    assert comparison_key(a, kind) == comparison_key(b, kind)
    assert len(combine([r(a, 0.6, "rapidocr"), r(b, 0.6, "tesseract")], kind)) == 1


def test_different_values_do_not_agree() -> None:
    assert comparison_key("jean.martin@orange.fr", ColumnType.EMAIL) != comparison_key(
        "jeanmartin@orange.fr", ColumnType.EMAIL
    )
    assert comparison_key("DUPONT", ColumnType.NAME) != comparison_key("DUPOND", ColumnType.NAME)


def test_disagreement_lowers_the_best() -> None:
    out = combine([r("DUPONT", 0.9, "rapidocr"), r("DUPOND", 0.4, "tesseract")], ColumnType.NAME)
    assert [o.text for o in out] == ["DUPONT", "DUPOND"]
    assert out[0].confidence < 0.9
    assert out[1].confidence < 0.4


def test_two_confident_engines_that_disagree_leave_no_confident_value() -> None:
    out = combine([r("DUPONT", 0.9, "rapidocr"), r("DUPOND", 0.9, "tesseract")], ColumnType.NAME)
    assert all(o.confidence < 0.5 for o in out)


def test_a_weak_rival_barely_matters() -> None:
    out = combine([r("DUPONT", 0.99, "rapidocr"), r("DVPQNT", 0.2, "tesseract")], ColumnType.NAME)
    assert out[0].text == "DUPONT"
    assert 0.97 < out[0].confidence < 0.99


def test_single_reading_passes_through() -> None:
    out = combine([r("75011", 0.83, "rapidocr")], ColumnType.POSTCODE)
    assert out == [replace(r("75011", 0.83, "rapidocr"), readings=(("rapidocr", "75011"),))]


def test_representative_text_is_the_most_confident_reading() -> None:
    out = combine([r("MARECHAL", 0.6, "rapidocr"), r("MARÉCHAL", 0.7, "tesseract")], ColumnType.NAME)
    assert out[0].text == "MARÉCHAL"
    # the outranked reading is kept, so its accents (or their absence) can be weighed later
    assert out[0].readings == (("rapidocr", "MARECHAL"), ("tesseract", "MARÉCHAL"))


def test_empty_readings_support_nothing_and_come_last() -> None:
    out = combine([r("", 0.0, "tesseract"), r("MARTIN", 0.8, "rapidocr")], ColumnType.NAME)
    assert [o.text for o in out] == ["MARTIN", ""]
    assert out[0].confidence == 0.8
    assert out[1].confidence == 0.0
    only_empty = combine([r("", 0.0, "tesseract"), r(" ", 0.0, "rapidocr")], ColumnType.NAME)
    assert only_empty == [OcrResult("", 0.0, None, "rapidocr+tesseract")]
    assert combine([], ColumnType.NAME) == []


def test_deterministic_whatever_the_input_order() -> None:
    readings = [
        r("DUPONT", 0.7, "rapidocr"),
        r("DUPOND", 0.7, "tesseract"),
        r("DUPONT", 0.5, "other"),
        r("", 0.0, "spare"),
    ]
    outputs = {tuple(combine(list(p), ColumnType.NAME)) for p in itertools.permutations(readings)}
    assert len(outputs) == 1
    best = next(iter(outputs))[0]
    assert best.text == "DUPONT" and best.engine == "rapidocr+other"


def test_exact_ties_go_to_the_better_engine() -> None:
    out = combine([r("DUPOND", 0.7, "tesseract"), r("DUPONT", 0.7, "rapidocr")], ColumnType.NAME)
    assert out[0].engine == "rapidocr"


def test_merged_readings_keep_every_engines_near_misses() -> None:
    a = OcrResult("75018", 0.9, engine="rapidocr", near_misses=("75013",))
    b = OcrResult("75018", 0.6, engine="tesseract")
    c = OcrResult("75010", 0.3, engine="other", near_misses=("75016",))
    ranked = combine([a, b, c], ColumnType.POSTCODE)
    assert ranked[0].text == "75018" and ranked[0].near_misses == ("75013",)
    assert ranked[1].near_misses == ("75016",)
