"""Calibrate the per-type confidence thresholds on a generated set.

    .venv/bin/python tools/calibrate.py OUT_DIR --truth SET/truth.json \
        --form samples/foreign.yaml [--target 0.005] [--write scanner/data/thresholds.json]

OUT_DIR is the output of ``petition-scan process`` on the set (its store holds
every field's confidence). For thresholds T, a row goes to clean.csv when it has
no flag other than low confidence and every field reaches T[its type]; it is
*wrong* if any value differs from the truth (or it is crossed out, or a
duplicate). Greedy search lowers, step by step, the threshold whose step buys
the most auto-accepted rows per wrong row, while the silent error rate stays
under the target. Prints the trade-off curve (auto rate against silent error
rate). Calibrate on one seed, then check with ``petition-scan eval`` on another.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner.forms import FormRegistry  # noqa: E402
from scanner.rowscore import Thresholds  # noqa: E402

GRID = [0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999, 1.01]


@dataclass
class Row:
    fixed_flags: bool  #: flags that thresholds cannot remove
    conf: dict[str, float]  #: field type -> lowest confidence of that type in the row
    wrong: bool
    signed: bool


def _truth_index(truth: dict[str, object]) -> dict[tuple[str, int, int], tuple[dict[str, str], bool, bool]]:
    out = {}
    seen: set[int] = set()
    for f in truth["files"]:  # type: ignore[index,attr-defined]
        for p in f["pages"]:
            if not p.get("form"):
                continue
            for t in p["rows"]:
                vals = {k: ("true" if v is True else "false" if v is False else str(v)) for k, v in t["values"].items()}
                person, crossed = t.get("person"), bool(t.get("crossed_out"))
                dup = person is not None and person in seen and not crossed
                if person is not None and not crossed:
                    seen.add(person)
                out[(f["file"], int(p["page"]), int(t["row"]))] = (vals, crossed, dup)
    return out


def load_rows(out_dir: Path, truth_path: Path, forms: FormRegistry) -> list[Row]:
    truth = _truth_index(json.loads(truth_path.read_text(encoding="utf-8")))
    con = sqlite3.connect(out_dir / "petition.sqlite")
    q = """SELECT p.source, p.page, r.row_no, r.flags, p.form, f.col, f.value, f.confidence, f.flags
           FROM rows r JOIN pages p ON p.id = r.page_id JOIN fields f ON f.row_id = r.id"""
    grouped: dict[tuple[str, int, int], list[tuple[object, ...]]] = {}
    for rec in con.execute(q):
        grouped.setdefault((rec[0], rec[1], rec[2]), []).append(rec)
    rows = []
    for key, recs in grouped.items():
        if key not in truth:
            continue
        values, crossed, dup = truth[key]
        form = forms.get(str(recs[0][4]))
        assert form is not None
        types = {c.name: c.type.value for c in form.columns}
        field_flags = {fl for r in recs for fl in str(r[8]).split(";") if fl}
        row_flags = {fl for fl in str(recs[0][3]).split(";") if fl}
        fixed = {fl for fl in row_flags if not fl.startswith("low_confidence:")} | field_flags
        conf: dict[str, float] = {}
        wrong = crossed or dup
        for r in recs:
            col, value, c = str(r[5]), str(r[6]), float(r[7])  # type: ignore[arg-type]
            t = types.get(col, "text")
            conf[t] = min(conf.get(t, 1.0), c)
            if col in values and values[col] != value:
                wrong = True
        rows.append(Row(bool(fixed), conf, wrong, values.get("signature") == "true" and not crossed))
    return rows


def evaluate(rows: list[Row], th: dict[str, float]) -> tuple[int, int, int, int]:
    """(clean rows, wrong clean rows, signed rows, signed clean rows)."""
    clean = wrong = signed = signed_clean = 0
    for r in rows:
        ok = not r.fixed_flags and all(c >= th.get(t, 0.0) for t, c in r.conf.items())
        signed += r.signed
        if ok:
            clean += 1
            wrong += r.wrong
            signed_clean += r.signed
    return clean, wrong, signed, signed_clean


def calibrate(rows: list[Row], types: list[str], target: float) -> dict[str, float]:
    """Raise thresholds from the lowest, cheapest first, until the target is met.

    Each step raises the one threshold that removes the most wrong rows from
    clean.csv per right row it sends to review.
    """
    th = dict.fromkeys(types, GRID[0])
    while True:
        clean0, wrong0, _, _ = evaluate(rows, th)
        if not clean0 or wrong0 / clean0 <= target:
            return th
        best: tuple[float, str, float] | None = None
        for t in types:
            i = GRID.index(th[t])
            if i == len(GRID) - 1:
                continue
            trial = {**th, t: GRID[i + 1]}
            clean, wrong, _, _ = evaluate(rows, trial)
            removed_wrong, lost_right = wrong0 - wrong, (clean0 - clean) - (wrong0 - wrong)
            score = removed_wrong / (lost_right + 0.5)
            if best is None or score > best[0]:
                best = (score, t, GRID[i + 1])
        if best is None:
            return th
        th[best[1]] = best[2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--truth", type=Path, required=True)
    ap.add_argument("--form", default=None, help="form YAML for sheets without QR code")
    ap.add_argument("--target", type=float, default=0.005, help="silent error rate to stay under")
    ap.add_argument("--write", type=Path, help="write the thresholds JSON here")
    args = ap.parse_args()
    forms = FormRegistry.load(args.form)
    rows = load_rows(args.out_dir, args.truth, forms)
    types = sorted({t for r in rows for t in r.conf})
    print(f"{len(rows)} rows, types {types}")
    print(f"{'target':>8} {'silent':>8} {'auto':>8}  thresholds")
    chosen: dict[str, float] = {}
    for target in (0.0, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1):
        th = calibrate(rows, types, target)
        clean, wrong, signed, signed_clean = evaluate(rows, th)
        silent = wrong / clean if clean else 0.0
        auto = signed_clean / signed if signed else 0.0
        print(f"{target:8.2%} {silent:8.2%} {auto:8.2%}  " + " ".join(f"{t}={v:g}" for t, v in th.items()))
        if abs(target - args.target) < 1e-9:
            chosen = th
    if not chosen:
        chosen = calibrate(rows, types, args.target)
    if args.write:
        base = json.loads(Thresholds.default().to_json())
        base.update({t: min(v, 1.0) for t, v in chosen.items()})
        args.write.write_text(json.dumps(base, indent=2) + "\n")
        print(f"wrote {args.write}")


if __name__ == "__main__":
    main()
