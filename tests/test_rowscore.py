from __future__ import annotations

from pathlib import Path

import pytest

from scanner.errors import UsageError
from scanner.forms import ColumnType, Form
from scanner.model import FieldResult
from scanner.rowscore import Thresholds, score_row


def good_row(**overrides: FieldResult) -> dict[str, FieldResult]:
    row = {
        "nom": FieldResult("nom", "DUPONT", confidence=0.95),
        "prenom": FieldResult("prenom", "MARIE", confidence=0.9),
        "email": FieldResult("email", "marie@gmail.com", confidence=0.92),
        "code_postal": FieldResult("code_postal", "75011", confidence=0.97),
        "ville": FieldResult("ville", "PARIS", confidence=0.96),
        "signature": FieldResult("signature", "true", confidence=0.95),
        "infos": FieldResult("infos", "false", confidence=0.95),
    }
    row.update(overrides)
    return row


def test_clean_row_has_no_flags_and_min_confidence(surveillance_form: Form) -> None:
    confidence, flags = score_row(good_row(), surveillance_form, False, Thresholds())
    assert flags == []
    assert confidence == pytest.approx(0.9)


def test_field_flags_are_passed_on_once(surveillance_form: Form) -> None:
    row = good_row(email=FieldResult("email", "x@", confidence=0.3, flags=["invalid:email"]))
    confidence, flags = score_row(row, surveillance_form, False, Thresholds())
    assert flags == ["invalid:email"]  # no extra low_confidence for an already invalid field
    assert confidence == pytest.approx(0.3)


def test_field_under_its_type_threshold_is_flagged(surveillance_form: Form) -> None:
    row = good_row(prenom=FieldResult("prenom", "MARIE", confidence=0.65))
    assert score_row(row, surveillance_form, False, Thresholds(name=0.7))[1] == ["low_confidence:prenom"]
    assert score_row(row, surveillance_form, False, Thresholds(name=0.6))[1] == []


def test_empty_optional_field_does_not_lower_the_row(surveillance_form: Form) -> None:
    row = good_row(email=FieldResult("email", "", confidence=1.0))
    confidence, flags = score_row(row, surveillance_form, False, Thresholds())
    assert flags == [] and confidence == pytest.approx(0.9)


def test_row_without_any_name_is_flagged_missing(surveillance_form: Form) -> None:
    row = good_row(nom=FieldResult("nom", "", confidence=1.0), prenom=FieldResult("prenom", "", confidence=1.0))
    assert score_row(row, surveillance_form, False, Thresholds())[1] == ["missing:nom", "missing:prenom"]
    only_last = good_row(prenom=FieldResult("prenom", "", confidence=1.0))
    assert score_row(only_last, surveillance_form, False, Thresholds())[1] == []


def test_unsigned_and_crossed_out(surveillance_form: Form) -> None:
    row = good_row(signature=FieldResult("signature", "false", confidence=0.95))
    assert score_row(row, surveillance_form, True, Thresholds())[1] == ["unsigned", "crossed_out"]
    del row["signature"]
    assert "unsigned" in score_row(row, surveillance_form, False, Thresholds())[1]


def test_form_without_signature_column_is_never_unsigned() -> None:
    form = Form.model_validate({"name": "nosig", "columns": [{"name": "nom", "type": "name"}]})
    confidence, flags = score_row({"nom": FieldResult("nom", "DUPONT", confidence=0.9)}, form, False, Thresholds())
    assert flags == [] and confidence == pytest.approx(0.9)


def test_missing_field_result_is_never_clean(surveillance_form: Form) -> None:
    row = good_row()
    del row["email"]
    confidence, flags = score_row(row, surveillance_form, False, Thresholds())
    assert "missing:email" in flags and confidence == 0.0


def test_thresholds_json_round_trip_and_partial_files() -> None:
    t = Thresholds(email=0.81, checkbox=0.55)
    assert Thresholds.from_json(t.to_json()) == t
    partial = Thresholds.from_json('{"postcode": 0.9}')
    assert partial.postcode == 0.9 and partial.name == Thresholds().name
    assert partial.for_type(ColumnType.POSTCODE) == 0.9
    assert partial.for_type(ColumnType.IGNORE) == 0.0


@pytest.mark.parametrize(
    ("text", "needle"),
    [('{"emial": 0.8}', "emial"), ('{"email": 1.5}', "email"), ('{"email": "high"}', "email"), ("[0.5]", "object"),
     ("{not json", "JSON")],
)  # fmt: skip
def test_bad_thresholds_file_is_a_usage_error(text: str, needle: str) -> None:
    with pytest.raises(UsageError, match=needle):
        Thresholds.from_json(text)


def test_default_reads_the_shipped_file_when_present(tmp_path: Path) -> None:
    assert Thresholds.default(tmp_path / "absent.json") == Thresholds()
    path = tmp_path / "thresholds.json"
    path.write_text(Thresholds(text=0.42).to_json())
    assert Thresholds.default(path).text == 0.42


def test_flags_are_made_and_read_back_one_way() -> None:
    from scanner.flags import CROSSED_OUT, Flag, FlagKind, has

    low = Flag.low("nom")
    assert low == "low_confidence:nom" and (low.kind, low.column) == ("low_confidence", "nom")
    assert Flag.invalid("email") == "invalid:email" and Flag.missing("prenom") == "missing:prenom"
    assert CROSSED_OUT == "crossed_out" and (CROSSED_OUT.kind, CROSSED_OUT.column) == ("crossed_out", "")
    flags = ["unsigned", "invalid:code_postal"]
    assert has(flags, FlagKind.INVALID) and has(flags, FlagKind.INVALID, "code_postal")
    assert not has(flags, FlagKind.INVALID, "ville") and not has(flags, FlagKind.LOW_CONFIDENCE)
