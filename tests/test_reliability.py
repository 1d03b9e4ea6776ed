"""CI runs the quick probes of issue 18 (tools/reliability.py --fast) and fails on any FAIL.

Each probe drives the real CLI on files it makes; SKIP only where the machine cannot
stage the fault (no mount namespace as root, no setpriv).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The fast probes, each a defect fixed (or a strength kept) from issue 18.
MUST_PASS = ("bad_files", "readonly_output", "full_output", "unreadable_inputs", "huge_form", "bad_content_length",
             "cross_site", "path_traversal", "formula_injection", "control_chars")


def test_fast_reliability_probes_pass() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "reliability.py"), "--fast"],
                          capture_output=True, text=True, timeout=900, check=False)
    verdicts = {}
    for line in done.stdout.splitlines():
        name, verdict, *_ = [*line.split(maxsplit=2), ""]
        verdicts[name] = (verdict, line)
    assert set(MUST_PASS) <= set(verdicts), done.stdout + done.stderr
    failed = [verdicts[n][1] for n in MUST_PASS if verdicts[n][0] not in ("PASS", "SKIP")]
    assert not failed, "\n".join(failed)
    assert done.returncode == 0, done.stdout
