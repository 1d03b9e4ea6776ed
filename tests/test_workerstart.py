"""Workers forked from a fork server that imported them: only safe while it has one thread."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.run.workerstart import PRELOAD, THREAD_LIMITS, start_method

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="thread count read from Linux /proc")
def test_importing_the_preload_starts_no_thread() -> None:
    """What the fork server does before it forks a worker: a thread here could deadlock the workers."""
    probe = (
        "import importlib, os, sys\n"
        f"for name in {list(PRELOAD)!r}: importlib.import_module(name)\n"
        "print(len(os.listdir('/proc/self/task')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in THREAD_LIMITS} | dict.fromkeys(THREAD_LIMITS, "1")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT, env=env)
    assert out.stdout.strip() == "1"


def test_onnxruntime_is_left_to_the_workers() -> None:
    """ONNX Runtime starts a thread on import: the preload must not pull it in."""
    probe = (
        "import importlib, sys\n"
        f"for name in {list(PRELOAD)!r}: importlib.import_module(name)\n"
        "print('onnxruntime' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux has a fork server; Windows spawns")
def test_workers_are_forked_from_the_server_on_linux() -> None:
    assert start_method() == "forkserver"
