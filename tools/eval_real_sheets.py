"""Whole sheets filled with real handwriting, read by the tool: auto rate and silent errors
(issue 20 item 1, sheet level), writer-held-out.

    .venv/bin/python tools/eval_real_sheets.py [--split test|tune|both] [--sheets 20] [--out /tmp/petition-real-sheets]
    make eval-real-sheets

Per split, the tool's own sheet and the foreign sheet (samples/foreign.yaml) are drawn
by the sample generator with every text field a real handwriting crop of that split
(tools/realhw/sheets.py); each set is read with ``petition-scan process DIR --form F``
and judged with ``petition-scan eval``. Printed per split and layout: auto rate
(signed rows in clean.csv / signed rows), silent error rate (wrong rows among clean
rows), exact match per column, and the share clean of the rows a perfect reader would
pass (signed, not crossed out, not a repeat, names present). The test split's
figures are the ones that count.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from samples.generate import write_set  # noqa: E402
from scanner.evaluate import evaluate, same  # noqa: E402
from tools.realhw import sheets  # noqa: E402
from tools.realhw.data import SPLITS, data_dir  # noqa: E402

BIN = Path(sys.executable).parent
COLUMNS = ("nom", "prenom", "code_postal", "ville", "email", "signature", "infos")


def _csv_rows(path: Path) -> dict[tuple[str, int, int], dict[str, str]]:
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {(r["source"], int(r["page"]), int(r["row"])): r for r in csv.DictReader(fh)}


def perfect_reader(run: Path, truth_path: Path) -> dict[str, int]:
    """Rows a perfect reader would put in clean.csv (signed, not crossed out, not a repeat of
    an earlier signed line, surname and first name given: as ``scanner.evaluate`` orders
    repeats), how many of them are in clean.csv, and how many of those are right."""
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    clean = _csv_rows(run / "clean.csv")
    lines = []
    for f in truth["files"]:
        for p in f["pages"]:
            if p.get("form") and p.get("readable", True):
                lines += [((f["file"], p["page"], t["row"]), t) for t in p["rows"]]
    seen: set[int] = set()
    out = {"passable": 0, "clean": 0, "clean_right": 0}
    for key, t in sorted(lines, key=lambda kt: kt[0]):
        v, person = t["values"], t.get("person")
        signed = v.get("signature") is True and not t.get("crossed_out")
        repeat = person is not None and not t.get("crossed_out") and person in seen
        if signed and person is not None:
            seen.add(person)
        if not signed or repeat or not v.get("nom") or not v.get("prenom"):
            continue
        out["passable"] += 1
        row = clean.get(key)
        if row is None:
            continue
        out["clean"] += 1
        ok = all(same(c, row.get(c, ""), "true" if x is True else "false" if x is False else str(x))
                 for c, x in v.items() if c in row)  # fmt: skip
        out["clean_right"] += int(ok)
    return out


def _kind(distortions: list[str]) -> str:
    return "photo" if "photo" in distortions else "fax" if "fax" in distortions else "scan"


def by_return(run: Path, truth_path: Path) -> dict[str, dict[str, Any]]:
    """Exact match per column of the rows found, by how the sheet came back (scan, photo, fax)."""
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    found = {**_csv_rows(run / "review.csv"), **_csv_rows(run / "clean.csv")}
    tally: dict[str, dict[str, list[int]]] = {}
    for f in truth["files"]:
        for p in f["pages"]:
            kind = _kind(p.get("distortions", []))
            for t in p["rows"]:
                row = found.get((f["file"], p["page"], t["row"]))
                if row is None or t.get("crossed_out"):
                    continue
                for c in ("nom", "prenom", "code_postal", "ville", "email"):
                    if t["values"].get(c):
                        n = tally.setdefault(kind, {}).setdefault(c, [0, 0])
                        n[0] += 1
                        n[1] += int(same(c, row.get(c, ""), t["values"][c]))
    return {k: {c: {"n": n, "exact": round(r / n, 4)} for c, (n, r) in cols.items()} for k, cols in tally.items()}


def run_set(split: str, layout: str, n: int, maker: sheets.PersonMaker, seed: int, out: Path,
            workers: int, tool: str) -> dict[str, Any]:  # fmt: skip
    """Draw, read and judge one set; returns its figures."""
    base = out / f"{split}-{layout}"
    set_dir, run = base / "sheets", base / "run"
    t0 = time.perf_counter()
    plan = sheets.plan_sheets(layout, n, maker, seed)
    write_set(plan, set_dir)
    t1 = time.perf_counter()
    cmd = [tool, "process", str(set_dir), "--form", sheets.FORMS[layout], "--out", str(run),
           "--workers", str(workers), "-q"]  # fmt: skip
    if (run / "petition.sqlite").exists():  # a fresh store: no duplicates against an earlier run
        for f in run.iterdir():
            if f.is_file():
                f.unlink()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    t2 = time.perf_counter()
    shown = subprocess.run([tool, "eval", str(run), "--truth", str(set_dir / "truth.json")],
                           cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    (base / "eval.txt").write_text(shown.stdout + shown.stderr, encoding="utf-8")
    m = evaluate(run, set_dir / "truth.json")
    pr = perfect_reader(run, set_dir / "truth.json")
    pages = sum(len(f.pages) for f in plan.files)
    return {
        "split": split,
        "layout": layout,
        "sheets": pages,
        "rows": m.truth_rows,
        "found": m.found_rows,
        "phantom": m.phantom_rows,
        "signed": m.signed_rows,
        "signed_clean": m.signed_clean,
        "auto_rate": round(m.auto_rate, 4),
        "clean": m.clean_rows,
        "clean_wrong": m.clean_wrong,
        "silent_error_rate": round(m.silent_error_rate, 4),
        "columns": {c: {"n": s.n, "exact": round(s.accuracy, 4)} for c, s in m.columns.items()},
        "perfect": pr,
        "by_return": by_return(run, set_dir / "truth.json"),
        "perfect_share_clean": round(pr["clean"] / pr["passable"], 4) if pr["passable"] else None,
        "wrong_examples": m.wrong_examples,
        "seconds": {"draw": round(t1 - t0, 1), "process": round(t2 - t1, 1)},
    }


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.1f}%"


def markdown(results: list[dict[str, Any]]) -> str:
    head = ("| split | layout | sheets | signed rows | auto rate | clean rows | silent errors | perfect-reader rows "
            "clean | " + " | ".join(COLUMNS) + " |")  # fmt: skip
    lines = [head, "|" + "---|" * (8 + len(COLUMNS))]
    for r in results:
        cols = " | ".join(_pct(r["columns"].get(c, {}).get("exact")) for c in COLUMNS)
        pr = r["perfect"]
        lines.append(
            f"| {r['split']} | {r['layout']} | {r['sheets']} | {r['signed']} | {_pct(r['auto_rate'])} "
            f"({r['signed_clean']}) | {r['clean']} | {_pct(r['silent_error_rate'])} ({r['clean_wrong']}) | "
            f"{_pct(r['perfect_share_clean'])} ({pr['clean']}/{pr['passable']}) | {cols} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=None, help="handwriting folder (default ../shared/handwriting)")
    ap.add_argument("--split", choices=("test", "tune", "both"), default="test")
    ap.add_argument("--layouts", default=",".join(sheets.LAYOUTS), help="own,foreign")
    ap.add_argument("--sheets", type=int, default=20, help="sheets per split and layout")
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "petition-real-sheets",
                    help="where the sheets and runs go (outside the repository: they hold the real data)")
    ap.add_argument("--cache", type=Path, default=None,
                    help="keep the aligned pieces here between runs (outside the repository)")  # fmt: skip
    ap.add_argument("--petition-scan", dest="tool", default=str(BIN / "petition-scan"),
                    help="the command that reads the sheets (default: this environment's petition-scan)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--markdown", type=Path, default=None)
    args = ap.parse_args(argv)
    root = data_dir(args.data)
    if not (root / "copiste-lines" / "lines.jsonl").exists():
        raise SystemExit(f"no handwriting data in {root} (set --data or PETITION_HANDWRITING)")
    splits = SPLITS if args.split == "both" else (args.split,)
    layouts = [s.strip() for s in args.layouts.split(",") if s.strip()]
    t0 = time.perf_counter()
    results = []
    for split in splits:
        pieces = sheets.load_pieces(root, split, args.workers, args.cache)
        maker = sheets.maker_for(root, split, pieces, args.seed)
        pool = {k: len(v) for k, v in maker.pool.all.items()}
        print(f"split {split}: pieces {pool}", file=sys.stderr)
        for k, layout in enumerate(layouts):
            r = run_set(split, layout, args.sheets, maker, args.seed * 1000 + k, args.out, args.workers,
                        args.tool)
            r["pool"] = pool
            results.append(r)
            print(f"  {split}/{layout}: auto {_pct(r['auto_rate'])}, silent {_pct(r['silent_error_rate'])} "
                  f"({r['clean_wrong']}/{r['clean']}), perfect-reader clean {_pct(r['perfect_share_clean'])} "
                  f"[{r['seconds']}]", file=sys.stderr)  # fmt: skip
    table = markdown(results)
    print(table)
    for r in results:
        for w in r["wrong_examples"]:
            print(f"wrong in clean.csv ({r['split']}/{r['layout']}): {w}")
    print(f"\n{time.perf_counter() - t0:.0f} s ({args.workers} workers)")
    doc = {"command": " ".join(["tools/eval_real_sheets.py", *(argv if argv is not None else sys.argv[1:])]),
           "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "results": results}  # fmt: skip
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(table + "\n", encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
