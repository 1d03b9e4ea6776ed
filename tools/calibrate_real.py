"""Confidence thresholds checked and calibrated on real handwriting (issue 20 item 4).

    .venv/bin/python tools/eval_real.py --split both --outcomes gen/eval-real-outcomes.jsonl
    .venv/bin/python tools/calibrate_real.py gen/eval-real-outcomes.jsonl \
        [--target 0.02] [--confidence 0.95] [--png gen/reliability-real.png] [--markdown gen/calibration-real.md]

Per column type, from the real crops of ``tools/eval_real.py`` (name: surnames and
first names; text: towns read beside their own postcode; postcode: written free
and in a comb; email), on the **tune** split: the lowest threshold of the grid at
which the one-sided Clopper-Pearson upper bound (``--confidence``) of the error
rate among the crops that would pass (no flag, confidence at or above the
threshold) stays under ``--target``. Then, on the writer-held-out **test** split,
the share that passes and the errors among them at that threshold and at the
shipped one (``scanner/data/thresholds.json``, calibrated on fonts). A threshold
must hold on fonts and on real hands alike, so the proposal is the larger of the
two. Field level, one crop at a time: the row's cross-checks are not exercised.

The PNG draws each type's reliability curve on test: the share right among the
crops of each confidence bin, against the bin's confidence (a calibrated reader
lies on the diagonal), with the crops per bin.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner.rowscore import Thresholds  # noqa: E402
from tools.calibrate import GRID, upper_bound  # noqa: E402

#: The crop kinds each column type is calibrated on (surname_caps: acronyms; town alone:
#: a town is always read beside its postcode on a sheet).
TYPES = {
    "name": ("surname", "first_name"),
    "text": ("town_code",),
    "postcode": ("postcode", "postcode_comb"),
    "email": ("email",),
}
BINS = 10


@dataclass(frozen=True)
class Crop:
    kind: str
    split: str
    confidence: float
    flagged: bool
    right: bool


def load(path: Path) -> list[Crop]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                o = json.loads(line)
                out.append(Crop(o["kind"], o["split"], float(o["confidence"]), bool(o["flags"]), bool(o["right"])))
    return out


def passing(crops: list[Crop], threshold: float) -> tuple[int, int]:
    """(crops that pass, wrong among them) at ``threshold``."""
    ok = [c for c in crops if not c.flagged and c.confidence >= threshold]
    return len(ok), sum(not c.right for c in ok)


def lowest_holding(crops: list[Crop], target: float, confidence: float) -> float:
    """The lowest grid threshold whose error bound among passing crops is under ``target``."""
    for t in GRID:
        n, wrong = passing(crops, t)
        if n and upper_bound(wrong, n, confidence) <= target:
            return t
    return GRID[-1]


@dataclass(frozen=True)
class TypeFigures:
    column_type: str
    tune_n: int
    test_n: int
    shipped: float
    real: float  #: lowest threshold holding the bound on tune
    proposed: float  #: max(shipped, real)
    test_shipped: tuple[int, int]  #: (passing, wrong) on test at the shipped threshold
    test_proposed: tuple[int, int]


def calibrate(crops: list[Crop], target: float, confidence: float, shipped: Thresholds) -> list[TypeFigures]:
    out = []
    for column_type, kinds in TYPES.items():
        tune = [c for c in crops if c.kind in kinds and c.split == "tune"]
        test = [c for c in crops if c.kind in kinds and c.split == "test"]
        if not tune or not test:
            continue
        have = float(getattr(shipped, column_type))
        real = lowest_holding(tune, target, confidence)
        proposed = max(have, real)
        out.append(TypeFigures(column_type, len(tune), len(test), have, real, proposed,
                               passing(test, have), passing(test, proposed)))
    return out


def _rate(pair: tuple[int, int], n: int) -> str:
    passed, wrong = pair
    return f"{passed}/{n} ({100 * passed / n:.1f}%), {wrong} wrong ({100 * wrong / max(1, passed):.1f}%)"


def markdown(figs: list[TypeFigures], target: float, confidence: float) -> str:
    lines = [
        f"Bound: error rate among passing crops, {100 * confidence:.0f}% upper bound "
        f"under {100 * target:.1f}% on tune.",
        "",
        "| type | crops tune / test | shipped (fonts) | lowest holding on tune | proposed | test at shipped | "
        "test at proposed |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in figs:
        lines.append(
            f"| {f.column_type} | {f.tune_n} / {f.test_n} | {f.shipped:g} | {f.real:g} | {f.proposed:g} | "
            f"{_rate(f.test_shipped, f.test_n)} | {_rate(f.test_proposed, f.test_n)} |"
        )
    return "\n".join(lines)


def reliability_png(crops: list[Crop], path: Path) -> None:
    """One panel per type: share right per confidence bin (dots sized by count), test split."""
    w, h, pad = 300, 300, 40
    img = Image.new("RGB", (len(TYPES) * (w + pad) + pad, h + 2 * pad + 20), "white")
    draw = ImageDraw.Draw(img)
    for i, (column_type, kinds) in enumerate(TYPES.items()):
        x0, y0 = pad + i * (w + pad), pad
        draw.rectangle([x0, y0, x0 + w, y0 + h], outline="black")
        draw.line([x0, y0 + h, x0 + w, y0], fill=(180, 180, 180))  # perfect calibration
        draw.text((x0, y0 - 25), f"{column_type} (test)", fill="black")
        draw.text((x0, y0 + h + 5), "confidence 0 .. 1; up: share right", fill="black")
        bins: dict[int, list[bool]] = defaultdict(list)
        for c in crops:
            if c.kind in kinds and c.split == "test":
                bins[min(BINS - 1, int(c.confidence * BINS))].append(c.right)
        for b, rights in sorted(bins.items()):
            cx = x0 + (b + 0.5) / BINS * w
            cy = y0 + h - sum(rights) / len(rights) * h
            r = 2 + min(10, len(rights) ** 0.5)
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(30, 90, 200))
            draw.text((cx - 8, cy + r + 1), str(len(rights)), fill=(90, 90, 90))
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)


def main(argv: list[str] | None = None) -> list[TypeFigures]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outcomes", type=Path)
    ap.add_argument("--target", type=float, default=0.02, help="field-level error bound among passing crops")
    ap.add_argument("--confidence", type=float, default=0.95)
    ap.add_argument("--png", type=Path, default=None)
    ap.add_argument("--markdown", type=Path, default=None)
    args = ap.parse_args(argv)
    crops = load(args.outcomes)
    figs = calibrate(crops, args.target, args.confidence, Thresholds.default())
    table = markdown(figs, args.target, args.confidence)
    print(table)
    if args.markdown:
        args.markdown.write_text(table + "\n", encoding="utf-8")
    if args.png:
        reliability_png(crops, args.png)
        print(f"reliability curves: {args.png}")
    return figs


if __name__ == "__main__":
    main()
