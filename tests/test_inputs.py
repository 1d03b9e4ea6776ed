"""Inputs not read are named (issue 18.6): unreadable folders, link loops, broken links, other files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.inputs import find_inputs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import faults  # noqa: E402

DAMAGED = ROOT / "samples" / "demo" / "damaged.pdf"


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "scans"
    (root / "a" / "b").mkdir(parents=True)
    shutil.copy(DAMAGED, root / "a" / "b" / "x.pdf")
    (root / "a" / "b" / "up").symlink_to("..")  # a loop: back to a/
    (root / "self.pdf").symlink_to("self.pdf")  # a link to itself
    (root / "gone.pdf").symlink_to("nowhere.pdf")
    (root / "notes.txt").write_text("not a scan")
    (root / "Thumbs.db").write_bytes(b"x")
    os.mkfifo(root / "pipe.pdf")
    other = tmp_path / "elsewhere"
    other.mkdir()
    shutil.copy(DAMAGED, other / "y.pdf")
    (root / "linked").symlink_to(other)  # a link to a folder is followed
    return root


def test_loops_broken_links_and_other_files_are_named(tmp_path: Path) -> None:
    found = find_inputs([_tree(tmp_path)])
    assert [f.source for f in found.files] == ["a/b/x.pdf", "linked/y.pdf"]
    reasons = {s.source: (s.reason, s.counts) for s in found.skipped}
    assert reasons["a/b/up/"][1] and "symbolic link loop" in reasons["a/b/up/"][0]
    assert reasons["self.pdf"] == ("symbolic link loop", True)
    assert reasons["gone.pdf"][1] and "broken link" in reasons["gone.pdf"][0]
    assert reasons["notes.txt"][1] is False and reasons["pipe.pdf"][1] is False
    assert "Thumbs.db" not in reasons


def test_unreadable_subfolder_and_loop_count_in_the_exit_status(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    locked = root / "locked"
    locked.mkdir()
    shutil.copy(DAMAGED, locked / "z.pdf")
    out = tmp_path / "out"
    cli = str(Path(sys.executable).with_name("petition-scan"))
    cmd = faults.unreadable_cmd(locked, [cli, "process", str(root), "--out", str(out), "-q"])
    if cmd is None:
        pytest.skip("root without setpriv: no folder it cannot read")
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    finally:
        locked.chmod(0o755)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert any(line.startswith("unreadable: locked/: folder cannot be read (permission denied)") for line in lines)
    assert any(line.startswith("unreadable: a/b/up/: symbolic link loop") for line in lines)
    assert any(line.startswith("skipped: notes.txt: not a scan") for line in lines)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| locked/ | (folder) | folder cannot be read (permission denied)" in report
    assert "| a/b/up/ | (folder) | symbolic link loop" in report and "| notes.txt | not a scan" in report
