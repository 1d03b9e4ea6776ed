"""A folder or disk that cannot be written (issue 18.5): the path and the cause, exit status 2,
the pages already stored kept. Real read-only folders and full disks (tools/faults.py);
an injected ENOSPC only where the write call itself is the point."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import main

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import faults  # noqa: E402

DEMO = ROOT / "samples" / "demo"
FOREIGN = ROOT / "samples" / "foreign.yaml"
CLI = str(Path(sys.executable).with_name("petition-scan"))


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)


def _bad_only(tmp_path: Path) -> Path:
    """An input that needs no OCR: the damaged demo file (the run is about the output)."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(DEMO / "damaged.pdf", folder)
    return folder


def _run_read_only(folder: Path, argv: list[str]) -> subprocess.CompletedProcess[str]:
    """``argv`` run with ``folder`` made really read-only (skipped where that cannot be done)."""
    cmd = faults.read_only_cmd(folder, argv)
    if cmd is None:
        pytest.skip("running as root without mount namespaces: no real read-only folder")
    try:
        return _run(cmd)
    finally:
        folder.chmod(0o755)


def test_read_only_output_folder_names_the_folder_and_cause(tmp_path: Path) -> None:
    inputs, out = _bad_only(tmp_path), tmp_path / "out"
    out.mkdir()
    done = _run_read_only(out, [CLI, "process", str(inputs), "--out", str(out), "-q"])
    assert done.returncode == 2, done.stderr
    assert f"{out / 'petition.sqlite'}: cannot write (read-only folder)" in done.stderr or (
        "permission denied" in done.stderr and str(out) in done.stderr
    ), done.stderr
    assert "internal error" not in done.stderr and "not a petition-scan store" not in done.stderr
    assert "hint:" in done.stderr


def test_read_only_store_folder_is_not_called_a_wrong_store(tmp_path: Path) -> None:
    inputs, out = _bad_only(tmp_path), tmp_path / "out"
    assert main(["process", str(inputs), "--out", str(out), "-q"]) == 1
    done = _run_read_only(out, [CLI, "export", "--store", str(out), "--out", str(tmp_path / "final.csv")])
    assert done.returncode == 2
    assert "not a petition-scan store" not in done.stderr
    assert "read-only folder" in done.stderr or "permission denied" in done.stderr, done.stderr


def test_read_only_output_with_the_store_elsewhere_keeps_the_pages(tmp_path: Path) -> None:
    inputs, out, store = _bad_only(tmp_path), tmp_path / "out", tmp_path / "store.sqlite"
    out.mkdir()
    done = _run_read_only(out, [CLI, "process", str(inputs), "--out", str(out), "--store", str(store), "-q"])
    assert done.returncode == 2
    assert f"{out / 'clean.csv'}: cannot write" in done.stderr, done.stderr
    assert "kept in the store" in done.stderr and store.exists()


def test_full_disk_under_the_store_says_disk_full(tmp_path: Path) -> None:
    inputs, out = _bad_only(tmp_path), tmp_path / "out"
    out.mkdir()
    cmd = faults.full_disk_cmd(out, 64, [CLI, "process", str(inputs), "--out", str(out), "-q"])
    if cmd is None:
        pytest.skip("no mount namespace for a tiny tmpfs")
    done = _run(cmd)
    assert done.returncode == 2
    assert f"{out / 'petition.sqlite'}: cannot write (disk full)" in done.stderr, done.stderr
    assert "internal error" not in done.stderr and "not a petition-scan store" not in done.stderr


def test_disk_full_while_writing_the_csv_keeps_every_page_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """ENOSPC injected at the CSV's write: the page read before stays in the store and is not read again."""
    import scanner.output.export

    page, out = tmp_path / "fax-001.png", tmp_path / "out"
    shutil.copy(DEMO / "fax-001.png", page)
    real_replace = os.replace

    def full(src: str | Path, dst: str | Path) -> None:
        if Path(dst).parent == out:  # the output folder is full; the store elsewhere still writes
            raise OSError(errno.ENOSPC, "No space left on device", str(src))
        real_replace(src, dst)

    monkeypatch.setattr(scanner.output.export.os, "replace", full)
    store = tmp_path / "store.sqlite"
    args = ["process", str(page), "--form", str(FOREIGN), "--out", str(out), "--store", str(store), "--workers", "1",
            "-q"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"{out / 'review.csv'}: cannot write (disk full)" in err and "not read again" in err
    monkeypatch.setattr(scanner.output.export.os, "replace", real_replace)
    assert main(args) == 0
    assert "1 page(s) already in the store" in capsys.readouterr().out


def test_any_command_writing_to_a_read_only_folder_says_so(tmp_path: Path) -> None:
    """The CLI's one handler names a write failure in every command (here export and form print)."""
    inputs, out, ro = _bad_only(tmp_path), tmp_path / "out", tmp_path / "ro"
    ro.mkdir()
    assert main(["process", str(inputs), "--out", str(out), "-q"]) == 1
    for argv, target in (([CLI, "export", "--store", str(out), "--out", str(ro / "final.csv")], ro / "final.csv"),
                         ([CLI, "form", "print", "surveillance-fr", "--out", str(ro / "s.pdf")], ro / "s.pdf")):
        done = _run_read_only(ro, argv)
        assert done.returncode == 2, done.stderr
        assert f"{target}: cannot write (" in done.stderr and "internal error" not in done.stderr
