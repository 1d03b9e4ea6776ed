"""``form check FORM --sample SCAN``: read one page of a scan with a form and say what was found."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import cv2
import pytest

from pipeline import main

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "samples" / "demo"
FOREIGN = ROOT / "samples" / "foreign.yaml"

THREE_COLUMNS = """\
name: three-cols
orientation: portrait
columns:
  - {name: nom, type: name, role: last, label: "NOM"}
  - {name: email, type: email, label: "E-MAIL"}
  - {name: signature, type: signature, label: "SIGNATURE"}
"""


def _truth(name: str, page: int) -> dict[str, Any]:
    truth = json.loads((DEMO / "truth.json").read_text(encoding="utf-8"))
    pages = next(f["pages"] for f in truth["files"] if f["file"] == name)
    found: dict[str, Any] = next(p for p in pages if p["page"] == page)
    return found


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["form", "check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_sample_read_with_its_form_says_what_was_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = _check(capsys, str(FOREIGN), "--sample", str(DEMO / "foreign-001.pdf"))
    assert code == 0, out + err
    assert "Sample foreign-001.pdf, page 1: read with form foreign-demo." in out
    assert "method       table:" in out and "orientation  upright as scanned" in out
    assert "columns      6 on the sheet, 6 in the form" in out
    truth = _truth("foreign-001.pdf", 1)
    edges = truth["col_edges_mm"]
    for j, name in enumerate(("nom", "prenom", "code_postal", "ville", "email", "signature")):
        found = re.search(rf"\n +{name} +([\d.]+) - +([\d.]+) mm", out)  # each form column, where it was found
        assert found, name
        assert float(found[1]) == pytest.approx(edges[j], abs=1.0)
        assert float(found[2]) == pytest.approx(edges[j + 1], abs=1.0)
    assert "lines        16 found, as the form's rows_per_page says" in out
    crossed = sum(r["crossed_out"] for r in truth["rows"])
    written, empty = len(truth["rows"]) - crossed, 16 - len(truth["rows"])
    assert f"content      {written} written, {empty} empty, {crossed} crossed out" in out
    picture = tmp_path / "foreign-001-check.png"  # the default: the scan's name, in the current folder
    assert "picture      foreign-001-check.png:" in out
    img = cv2.imread(str(picture))
    assert img is not None and img.shape[0] > 1000


def test_the_page_turned_and_a_line_count_unlike_the_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    form = tmp_path / "hint.yaml"
    form.write_text(FOREIGN.read_text(encoding="utf-8").replace("rows_per_page: 16", "rows_per_page: 12"))
    picture = tmp_path / "pictures" / "p2.png"
    code, out, _ = _check(capsys, str(form), "--sample", str(DEMO / "foreign-001.pdf"), "--page", "2",
                          "--debug-out", str(picture))
    assert code == 0
    assert "orientation  turned 180 degrees clockwise: the form's column widths fit only that way" in out
    assert "16 found, the form's rows_per_page says 12: it is only a hint" in out
    assert picture.is_file()


def test_columns_that_do_not_match_exit_1_with_the_reason_and_the_picture(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    form = tmp_path / "three.yaml"
    form.write_text(THREE_COLUMNS)
    picture = tmp_path / "refused.png"
    code, out, err = _check(capsys, str(form), "--sample", str(DEMO / "foreign-001.pdf"), "--debug-out", str(picture))
    assert code == 1
    assert "Sample foreign-001.pdf, page 1: NOT read with form three-cols." in out
    assert "reason       no table matching the 3 columns of form 'three-cols' found" in out
    assert "hint         Check that --form names the layout of these sheets." in out
    assert "7 vertical (orange), so 6 columns as the page lies" in out
    assert f"picture      {picture}:" in out
    assert "Traceback" not in out + err
    img = cv2.imread(str(picture))
    assert img is not None
    top = img[: img.shape[0] // 10].astype(int)
    assert ((top[..., 2] > 180) & (top[..., 1] < 90) & (top[..., 0] < 90)).sum() > 200  # the headline, in red


def test_a_sheet_printed_for_another_form_does_not_test_this_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _check(capsys, str(FOREIGN), "--sample", str(DEMO / "scan-001.pdf"),
                          "--debug-out", str(tmp_path / "p.png"))
    assert code == 1
    assert "read, but with form surveillance-fr, not foreign-demo" in out
    assert "method       markers:" in out and "columns      7, as printed" in out
    assert (tmp_path / "p.png").is_file()


def test_a_sample_that_cannot_be_opened_has_no_picture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _check(capsys, str(FOREIGN), "--sample", str(DEMO / "damaged.pdf"),
                          "--debug-out", str(tmp_path / "p.png"))
    assert code == 1
    assert "Sample damaged.pdf: the file cannot be opened." in out and "reason       not a readable PDF" in out
    assert not (tmp_path / "p.png").exists()


def test_bad_usage_and_bad_forms_are_exit_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _check(capsys, str(FOREIGN), "--sample", str(DEMO / "scan-001.pdf"), "--page", "9")
    assert code == 2 and "--page 9: scan-001.pdf has only 3 page(s)" in err
    code, _, err = _check(capsys, str(FOREIGN), "--debug-out", str(tmp_path / "p.png"))
    assert code == 2 and "--page and --debug-out go with --sample SCAN" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ncolumns:\n  - {name: nom, type: nam}\n")
    code, _, err = _check(capsys, str(bad), "--sample", str(DEMO / "foreign-001.pdf"))
    assert code == 2 and "columns[0].type" in err
    assert "Traceback" not in err
