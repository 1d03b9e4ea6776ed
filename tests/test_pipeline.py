"""End-to-end: the main job on the committed demo set, through the real CLI.

Runs the real engines (RapidOCR and Tesseract) once on samples/demo and checks
the contract: columns, one file per row, row numbers, exit status, report, and
that running again adds nothing.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from pipeline import main
from scanner.evaluate import evaluate

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "samples" / "demo"
FOREIGN = ROOT / "samples" / "foreign.yaml"
HEADER = [
    "source", "page", "row", "nom", "prenom", "email", "code_postal", "ville", "signature", "infos",
    "confidence", "flags", "duplicate_of",
]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    out = tmp_path_factory.mktemp("demo-out")
    code = main(["process", str(DEMO), "--form", str(FOREIGN), "--out", str(out), "--workers", "2", "-q"])
    return out, code


def test_exit_status_and_unreadable_pages_reported(demo_run: tuple[Path, int]) -> None:
    out, code = demo_run
    assert code == 1  # the demo holds a damaged file and a cover letter on purpose
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "damaged.pdf" in report
    truth = json.loads((DEMO / "truth.json").read_text())
    not_petition = [(f["file"], p["page"]) for f in truth["files"] for p in f["pages"] if not p["form"]]
    assert not_petition
    for source, page in not_petition:
        assert source in report and str(page) in report
    assert (out / "report.html").exists()


def test_csv_columns_follow_the_contract(demo_run: tuple[Path, int]) -> None:
    out, _ = demo_run
    for name in ("clean.csv", "review.csv"):
        with (out / name).open(encoding="utf-8", newline="") as fh:
            assert next(csv.reader(fh)) == HEADER
    for r in _rows(out / "clean.csv"):
        assert r["flags"] == ""
    for r in _rows(out / "clean.csv") + _rows(out / "review.csv"):
        assert r["signature"] in ("true", "false") and r["infos"] in ("true", "false", "")
        assert 0.0 <= float(r["confidence"]) <= 1.0
        assert not Path(r["source"]).is_absolute()
    for r in _rows(out / "review.csv"):
        assert r["flags"], "a row under review says why"


def test_every_written_line_is_in_exactly_one_file(demo_run: tuple[Path, int]) -> None:
    out, _ = demo_run
    keys = [(r["source"], r["page"], r["row"]) for r in _rows(out / "clean.csv") + _rows(out / "review.csv")]
    assert len(keys) == len(set(keys))
    m = evaluate(out, DEMO / "truth.json")
    assert m.found_rows == m.truth_rows, "every written line of every readable page is a row"
    assert m.phantom_rows == 0, "empty lines are not rows"
    assert m.columns["signature"].accuracy >= 0.95


def test_crossed_out_and_unsigned_lines_go_to_review(demo_run: tuple[Path, int]) -> None:
    out, _ = demo_run
    truth = json.loads((DEMO / "truth.json").read_text())
    review = {(r["source"], int(r["page"]), int(r["row"])): r for r in _rows(out / "review.csv")}
    crossed = [
        (f["file"], p["page"], t["row"])
        for f in truth["files"] for p in f["pages"] for t in p["rows"] if t["crossed_out"]
    ]
    assert crossed
    found = sum(1 for k in crossed if k in review and "crossed_out" in review[k]["flags"])
    assert found >= len(crossed) - 1
    unsigned = [
        (f["file"], p["page"], t["row"])
        for f in truth["files"] for p in f["pages"] for t in p["rows"]
        if not t["values"]["signature"] and not t["crossed_out"]
    ]
    for k in unsigned:
        assert k in review and "unsigned" in review[k]["flags"]


def test_running_again_adds_nothing(demo_run: tuple[Path, int], tmp_path: Path) -> None:
    out, _ = demo_run
    again = tmp_path / "again"
    again.mkdir()
    shutil.copy(out / "petition.sqlite", again / "petition.sqlite")
    code = main(["process", str(DEMO), "--form", str(FOREIGN), "--out", str(again), "-q"])
    assert code == 1
    for name in ("clean.csv", "review.csv"):
        assert (again / name).read_text() == (out / name).read_text()


def test_bad_form_file_is_exit_2_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ncolumns:\n  - {name: nom, type: nam}\nfoo: 1\n")
    code = main(["process", str(DEMO / "fax-001.png"), "--form", str(bad), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert "columns[0].type" in err and "foo: unknown key" in err
    assert "Traceback" not in err


def test_missing_input_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["process", str(tmp_path / "nope.pdf"), "--out", str(tmp_path / "o")])
    assert code == 2
    assert "nope.pdf" in capsys.readouterr().err


def test_every_command_is_listed_and_loaded_only_when_used(capsys: pytest.CaptureFixture[str]) -> None:
    """`process` workers import this module again (as their main module): it must stay light."""
    import subprocess
    import sys

    probe = "import sys, pipeline; print(sorted(m for m in sys.modules if m.startswith('scanner.')))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == "['scanner.errors']"
    assert main(["--help"]) == 0
    listing = capsys.readouterr().out.split("Commands:")[1]
    assert [line.split()[0] for line in listing.strip().splitlines()] == [
        "eval", "export", "forget", "form", "process", "purge", "review"
    ]
    for name in ("process", "form", "review", "export", "forget", "purge", "eval"):
        assert main([name, "--help"]) == 0, name


def test_ctrl_c_during_process_says_the_read_pages_are_kept(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """click turns Ctrl-C into Abort: the user must still learn that a re-run resumes."""
    import scanner.run.process

    def interrupted(_opts: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(scanner.run.process, "run_process", interrupted)
    assert main(["-v", "process", str(DEMO), "--out", str(tmp_path), "-q"]) == 130
    err = capsys.readouterr().err
    assert "pages already read are kept in the store" in err and "run the same command again" in err
    assert "Aborted" not in err
