"""File names with newlines, ESC and bytes that are not UTF-8 (issue 18.9): escaped where printed,
kept in the CSV's source column without breaking it."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest

from pipeline import main
from scanner.safetext import fs_text, shown

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "samples" / "demo"
FOREIGN = ROOT / "samples" / "foreign.yaml"
FORGED = "bad\nunreadable: forged.pdf: x\x1b[31mred.pdf"
GOOD = "fax\r\n\x1b]0;title\x07\u202egnp.png"


def test_shown_makes_controls_visible_and_keeps_other_text() -> None:
    assert shown(FORGED) == "bad\\nunreadable: forged.pdf: x\\x1b[31mred.pdf"
    assert shown("Pétition été | 2024.pdf") == "Pétition été | 2024.pdf"
    assert shown("a\u202eb\u2028c\x7f") == "a\\u202eb\\u2028c\\x7f"
    latin = os.fsdecode(b"p\xe9tition.pdf")
    assert fs_text(latin) == "p\\xe9tition.pdf" and fs_text(latin).encode("utf-8")
    assert shown(latin) == "p\\xe9tition.pdf"


def test_names_cannot_forge_lines_or_break_the_report_and_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scans, out = tmp_path / "scans", tmp_path / "out"
    scans.mkdir()
    shutil.copy(DEMO / "damaged.pdf", scans / FORGED)
    shutil.copy(DEMO / "damaged.pdf", os.path.join(os.fsencode(scans), b"lat\xe9.pdf"))  # not UTF-8
    shutil.copy(DEMO / "fax-001.png", scans / GOOD)
    code = main(["process", str(scans), "--form", str(FOREIGN), "--out", str(out), "--workers", "1", "-q"])
    assert code == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\u202e" not in err
    unreadable = [line for line in err.splitlines() if line.startswith("unreadable:")]
    assert sorted(unreadable) == [
        "unreadable: bad\\nunreadable: forged.pdf: x\\x1b[31mred.pdf: not a readable PDF (damaged or truncated)",
        "unreadable: lat\\xe9.pdf: not a readable PDF (damaged or truncated)",
    ]
    for name in ("report.md", "report.html"):
        text = (out / name).read_text(encoding="utf-8")
        assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    table = [line for line in (out / "report.md").read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    assert all(line.endswith("|") for line in table)
    assert any(line.startswith("| bad\\nunreadable: forged.pdf: x\\x1b[31mred.pdf | (file) |") for line in table)
    rows = []
    for name in ("clean.csv", "review.csv"):
        with (out / name).open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            rows += [dict(zip(header, r, strict=True)) for r in reader]
    assert rows and {r["source"] for r in rows} == {GOOD}  # the real name, quoted by the CSV
