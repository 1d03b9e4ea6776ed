"""A stopped or killed run leaves no process behind and keeps what it read (issue 18.3).

SIGTERM and SIGHUP (a closed terminal) stop ``process`` like Ctrl-C: the pages
already read stay in the store, the exit status is 128 + the signal, and the
fork server and workers end with it. After SIGKILL of the command alone, the
kernel's death signal takes them down too.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import probekit  # noqa: E402  (the reliability probes' /proc helpers)

CLI = str(Path(sys.executable).with_name("petition-scan"))

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and the death signal: Linux")


def _start(tmp_path: Path) -> tuple[subprocess.Popen[str], Path, list[str]]:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for n in range(4):  # 16 pages: the run is still going when the signal comes
        for name in ("scan-001.pdf", "fax-001.png", "photo-001.jpg"):
            shutil.copy(ROOT / "samples" / "demo" / name, inputs / f"{n}-{name}")
    argv = [CLI, "process", str(inputs), "--form", str(ROOT / "samples" / "foreign.yaml"),
            "--out", str(tmp_path / "out"), "-q", "--workers", "2"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    store = tmp_path / "out" / "petition.sqlite"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and probekit.stored_pages(store) < 1:
        time.sleep(0.1)
    assert proc.poll() is None, "the run ended before the signal could be sent"
    return proc, store, argv


def _gone_within(pids: set[int], seconds: float) -> set[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and probekit.alive(pids):
        time.sleep(0.1)
    left = probekit.alive(pids)
    for p in left:  # leave nothing running whatever the result
        os.kill(p, signal.SIGKILL)
    return left


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_ends_the_run_like_ctrl_c(tmp_path: Path, sig: signal.Signals) -> None:
    proc, store, argv = _start(tmp_path)
    tree = probekit.descendants(proc.pid)
    assert tree, "no worker processes seen"
    proc.send_signal(sig)  # the command alone, as `kill` does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, err
    assert "pages already read are kept" in err
    assert _gone_within(tree, 10.0) == set()
    kept = probekit.stored_pages(store)
    assert kept >= 1
    again = subprocess.run([a for a in argv if a != "-q"], capture_output=True, text=True, timeout=600)
    assert again.returncode in (0, 1), again.stderr
    assert f"{kept} page(s) already in the store" in again.stdout + again.stderr  # not read again


def test_workers_die_with_a_killed_command(tmp_path: Path) -> None:
    proc, _, _ = _start(tmp_path)
    tree = probekit.descendants(proc.pid)
    assert tree
    os.kill(proc.pid, signal.SIGKILL)  # the command only, not its group
    proc.wait(timeout=30)
    assert _gone_within(tree, 10.0) == set()
