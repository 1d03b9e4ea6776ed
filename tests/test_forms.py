from __future__ import annotations

from pathlib import Path

import pytest

from scanner.errors import FormError
from scanner.forms import FORMS_DIR, ColumnType, FormRegistry, load_form_file, parse_form, resolve_form


def test_shipped_form_has_the_campaign_columns() -> None:
    form = resolve_form("surveillance-fr")
    assert [c.name for c in form.columns] == ["nom", "prenom", "email", "code_postal", "ville", "signature", "infos"]
    assert form.signature_column is not None and form.signature_column.name == "signature"
    assert "surveillance de masse" in form.title
    assert "6 janvier 1978" in form.notice
    assert "rectification" in form.notice and "opposition" in form.notice


def test_every_shipped_form_validates() -> None:
    paths = sorted(FORMS_DIR.glob("*.yaml"))
    assert paths
    for p in paths:
        load_form_file(p)


def test_every_bad_key_is_reported_with_its_path() -> None:
    data = {
        "name": "ok-name",
        "colour": "red",
        "columns": [
            {"name": "nom", "type": "name"},
            {"name": "x", "type": "handwriting"},
            {"name": "y", "type": "text", "lable": "typo"},
        ],
    }
    with pytest.raises(FormError) as err:
        parse_form(data, "bad.yaml")
    msg = err.value.message
    assert "bad.yaml" in msg
    assert "colour: unknown key" in msg
    assert "columns[1].type: unknown type 'handwriting'" in msg
    assert "columns[2].lable: unknown key" in msg
    assert "3 problem(s)" in msg


def test_duplicate_and_reserved_column_names_are_refused() -> None:
    cols = [{"name": "nom", "type": "name"}, {"name": "nom", "type": "text"}]
    with pytest.raises(FormError, match="used twice"):
        parse_form({"name": "f", "columns": cols}, "f.yaml")
    with pytest.raises(FormError, match="reserved"):
        parse_form({"name": "f", "columns": [{"name": "flags", "type": "text"}]}, "f.yaml")


def test_not_a_mapping_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(FormError, match="mapping"):
        parse_form(["a"], "list.yaml")
    p = tmp_path / "broken.yaml"
    p.write_text("name: [unclosed\n")
    with pytest.raises(FormError, match="not valid YAML"):
        load_form_file(p)


def test_unknown_form_name_lists_shipped_forms() -> None:
    with pytest.raises(FormError, match="surveillance-fr"):
        resolve_form("no-such-form")


def test_fingerprint_changes_with_geometry() -> None:
    form = resolve_form("surveillance-fr")
    changed = form.model_copy(update={"rows_per_page": 9})
    assert form.fingerprint() != changed.fingerprint()
    assert form.fingerprint() == resolve_form("surveillance-fr").fingerprint()


def test_registry_adds_the_default_form(tmp_path: Path) -> None:
    p = tmp_path / "mine.yaml"
    p.write_text("name: mine\ncolumns:\n  - {name: nom, type: name}\n  - {name: sig, type: signature}\n")
    reg = FormRegistry.load(str(p))
    assert reg.default is not None and reg.default.name == "mine"
    assert reg.get("surveillance-fr") is not None
    assert reg.get("mine") is reg.default
    assert reg.default.columns[1].type is ColumnType.SIGNATURE


def test_huge_form_files_are_refused_before_parsing(tmp_path: Path) -> None:
    """Issue 18.7: a 2 MB form with 64,873 columns took 16 s to accept; a 65 MB one ran for minutes."""
    from pipeline import main
    from scanner.forms import MAX_COLUMNS, MAX_FORM_BYTES

    column = "  - {name: c%d, type: text, label: \"COLUMN\"}\n"
    big = tmp_path / "big.yaml"
    big.write_text("name: big\ncolumns:\n" + "".join(column % i for i in range(64_873)), encoding="utf-8")
    assert big.stat().st_size > MAX_FORM_BYTES
    with pytest.raises(FormError, match=r"big\.yaml: form file larger than 256 KB"):
        load_form_file(big)
    wide = tmp_path / "wide.yaml"
    wide.write_text("name: wide\ncolumns:\n" + "".join(column % i for i in range(MAX_COLUMNS + 1)), encoding="utf-8")
    assert wide.stat().st_size < MAX_FORM_BYTES
    with pytest.raises(FormError, match=rf"wide\.yaml: {MAX_COLUMNS + 1} columns, more than the {MAX_COLUMNS}"):
        load_form_file(wide)
    ok = tmp_path / "ok.yaml"
    ok.write_text("name: ok\ncolumns:\n" + "".join(column % i for i in range(MAX_COLUMNS)), encoding="utf-8")
    assert len(load_form_file(ok).columns) == MAX_COLUMNS
    assert main(["form", "check", str(big)]) == 2


def test_yaml_aliases_and_non_utf8_are_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    bomb.write_text("\n".join(lines) + "\nname: bomb\ncolumns: *a8\n", encoding="utf-8")
    with pytest.raises(FormError, match="aliases"):
        load_form_file(bomb)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: f\ncolumns: [{name: nom, type: name, label: \"PR\xc9NOM\"}]\n".encode("latin-1"))
    with pytest.raises(FormError, match="not UTF-8"):
        load_form_file(latin)


def test_one_reading_of_yes_for_the_review_page_and_the_export() -> None:
    from scanner.forms import Column, is_true
    from scanner.output.csvtext import cell
    from scanner.review.desk import clean_value

    tick = Column(name="infos", type=ColumnType.CHECKBOX, label="INFOS")
    for word in ("true", "On", " oui ", "X", "y", "1", "YES"):
        assert is_true(word)
        assert cell(tick, word) == "true"
        assert clean_value(ColumnType.CHECKBOX, word) == ("true", "")
    for word in ("false", "non", "0", "", "no"):
        assert not is_true(word)
        assert cell(tick, word) == "false"
        assert clean_value(ColumnType.SIGNATURE, word) == ("false", "")
