"""No process of a run sends a packet, seen at the system level (issue 18.1).

Patching Python's ``socket`` cannot see native libraries (onnxruntime's telemetry
resolves its host from C++). ``strace -f`` sees every process and thread of the
run: not one connect or send to an AF_INET/AF_INET6 address may appear. A
positive control first shows that a native DNS lookup is seen.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("petition-scan"))
#: exit_group too: every process makes it once, so each one traced shows in the log even if it
#: started no thread (a worker that got no page); the pid count below needs them all
TRACE = ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg,clone,clone3,fork,vfork,exit_group"]

pytestmark = pytest.mark.skipif(shutil.which("strace") is None, reason="strace is installed by `make test`")


def _inet_calls(argv: list[str], log: Path, cwd: Path) -> tuple[subprocess.CompletedProcess[str], list[str], int]:
    """``argv`` run under strace: its result, the AF_INET/AF_INET6 calls, and the pids traced."""
    done = subprocess.run([*TRACE, "-o", str(log), *argv], cwd=cwd, capture_output=True, text=True, timeout=600)
    if "Operation not permitted" in done.stderr and not log.exists():
        pytest.skip("ptrace is not permitted here")
    lines = log.read_text(errors="replace").splitlines()
    pids = {ln.split()[0] for ln in lines if ln[:1].isdigit()}
    return done, [ln for ln in lines if re.search(r"AF_INET6?\b", ln)], len(pids)


def test_the_harness_sees_a_dns_lookup_made_in_native_code(tmp_path: Path) -> None:
    code = "import socket\ntry:\n    socket.getaddrinfo('telemetry.example.org', 443)\nexcept OSError:\n    pass\n"
    _, inet, _ = _inet_calls([sys.executable, "-c", code], tmp_path / "control.log", tmp_path)
    assert inet, "strace saw no DNS packet from getaddrinfo: the check below would prove nothing"


def test_a_run_with_every_engine_sends_no_packet_from_any_process(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("scan-001.pdf", "fax-001.png"):
        shutil.copy(ROOT / "samples" / "demo" / name, inputs)
    argv = [CLI, "process", str(inputs), "--form", str(ROOT / "samples" / "foreign.yaml"),
            "--out", str(tmp_path / "out"), "-q", "--workers", "2"]
    done, inet, n_pids = _inet_calls(argv, tmp_path / "run.log", tmp_path)
    assert done.returncode in (0, 1), done.stderr
    assert (tmp_path / "out" / "clean.csv").exists()
    assert n_pids > 3  # the fork server and its workers were traced too, not only the main process
    assert inet == [], "\n".join(inet[:5])
