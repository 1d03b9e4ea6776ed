"""One run at a time on a store (issue 18.4): a second run stops at once, naming the first."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from scanner.store.lock import lock_path

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("petition-scan"))


def _inputs(folder: Path) -> Path:
    folder.mkdir()
    for name in ("scan-001.pdf", "scan-002.pdf", "fax-001.png", "photo-001.jpg"):
        shutil.copy(ROOT / "samples" / "demo" / name, folder)
    return folder


def _process(inputs: Path, out: Path) -> list[str]:
    return [CLI, "process", str(inputs), "--form", str(ROOT / "samples" / "foreign.yaml"), "--out", str(out), "-q"]


def _holder(out: Path, first: subprocess.Popen[bytes]) -> str:
    """The pid written in the lock file once the first run holds it."""
    lock = lock_path(out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and first.poll() is None:
        if lock.exists() and lock.read_text().strip():
            return lock.read_text().strip()
        time.sleep(0.05)
    raise AssertionError("the first run never took the store's lock")


def test_a_second_run_on_a_store_in_use_stops_at_once_naming_the_first(tmp_path: Path) -> None:
    inputs, out = _inputs(tmp_path / "in"), tmp_path / "out"
    first = subprocess.Popen(_process(inputs, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        holder = _holder(out, first)
        assert holder == str(first.pid)
        second = subprocess.run(_process(inputs, out), capture_output=True, text=True, timeout=120)
        assert second.returncode == 2, second.stderr
        assert f"store in use by process {first.pid}" in second.stderr
        assert str(out / "petition.sqlite") in second.stderr and "hint:" in second.stderr
        assert first.poll() is None or first.returncode in (0, 1)  # the first run went on
    finally:
        assert first.wait(timeout=300) in (0, 1)
    # once the first has ended the store is free again, and nothing is read twice
    again = subprocess.run(_process(inputs, out), capture_output=True, text=True, timeout=300)
    assert again.returncode in (0, 1), again.stderr


def test_a_killed_run_leaves_the_store_free(tmp_path: Path) -> None:
    inputs, out = _inputs(tmp_path / "in"), tmp_path / "out"
    first = subprocess.Popen(_process(inputs, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    _holder(out, first)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    time.sleep(0.5)  # the workers die with the kill of their group
    after = subprocess.run(_process(inputs, out), capture_output=True, text=True, timeout=300)
    assert after.returncode in (0, 1), after.stderr
    assert "in use" not in after.stderr
