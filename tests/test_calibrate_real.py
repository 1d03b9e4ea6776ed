"""tools/calibrate_real.py: the threshold found holds its bound, and is never below the shipped one."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner.rowscore import Thresholds  # noqa: E402
from tools.calibrate import upper_bound  # noqa: E402
from tools.calibrate_real import Crop, calibrate, lowest_holding, passing  # noqa: E402


def _crops(split: str, kind: str = "surname") -> list[Crop]:
    # 300 sure and right, 30 at 0.92 of which 10 wrong, 20 flagged (wrong) at 0.99
    sure = [Crop(kind, split, 0.99, False, True)] * 300
    middling = [Crop(kind, split, 0.92, False, i >= 10) for i in range(30)]
    flagged = [Crop(kind, split, 0.99, True, False)] * 20
    return sure + middling + flagged


def test_flagged_crops_never_pass_and_the_bound_decides() -> None:
    crops = _crops("tune")
    assert passing(crops, 0.9) == (330, 10)
    assert passing(crops, 0.95) == (300, 0)
    t = lowest_holding(crops, 0.02, 0.95)
    n, wrong = passing(crops, t)
    assert upper_bound(wrong, n, 0.95) <= 0.02
    assert 0.92 < t <= 0.99  # the 10 wrong at 0.92 are over the bound: above them


def test_the_proposal_is_never_below_the_shipped_threshold() -> None:
    crops = _crops("tune") + _crops("test")
    loose = Thresholds(name=0.5)
    strict = Thresholds(name=0.999)
    (f,) = [x for x in calibrate(crops, 0.02, 0.95, loose) if x.column_type == "name"]
    assert f.proposed == f.real > 0.92 and f.test_proposed == passing(_crops("test"), f.proposed)
    (g,) = [x for x in calibrate(crops, 0.02, 0.95, strict) if x.column_type == "name"]
    assert g.proposed == 0.999
