"""Measure the layout stages (ingest, registration, table, cells) on a generated set.

    python tools/eval_layout.py DIR [--json out.json] [--debug DIR]

DIR holds the files and truth.json written by ``python -m samples.generate``.
Reports row recall (written truth rows found as written lines with the right
row number), phantom rows (a line reported written where the truth line is
empty), crossed-out detection, registration failures by distortion kind,
pages that should have been refused, and the cell-boundary error: our cell
corners mapped back to image px through the registration transform, compared
with the truth's ``to_image`` x row/column edges, as a share of the line height.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner.errors import PageError  # noqa: E402
from scanner.forms import FormRegistry  # noqa: E402
from scanner.ingest import InputFile, PageFailure, iter_pages  # noqa: E402
from scanner.model import PageImage  # noqa: E402
from scanner.sheet import read_layout  # noqa: E402


@dataclass
class PageEval:
    file: str
    page: int
    distortions: list[str]
    readable: bool
    read: bool = False
    error: str = ""
    method: str = ""
    truth_rows: list[int] = field(default_factory=list)
    found_rows: list[int] = field(default_factory=list)
    missed: list[int] = field(default_factory=list)
    phantom: list[int] = field(default_factory=list)
    crossed_truth: list[int] = field(default_factory=list)
    crossed_found: list[int] = field(default_factory=list)
    n_lines: int = 0
    n_truth_lines: int = 0
    boundary: list[float] = field(default_factory=list)  #: corner errors / line height
    seconds: float = 0.0


def _apply(h: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return cv2.perspectiveTransform(pts.reshape(-1, 1, 2).astype(np.float64), h).reshape(-1, 2)


def boundary_errors(truth: dict, reg_to_image: np.ndarray, rows: list, scale: tuple[float, float]) -> list[float]:
    """Corner distance between our cells and the truth's, over the truth line height."""
    h_t = np.array(truth["to_image"], dtype=np.float64)
    re, ce = truth["row_edges_mm"], truth["col_edges_mm"]
    s = np.diag([scale[0], scale[1], 1.0])
    ours_to_truth_px = s @ reg_to_image
    out: list[float] = []
    for i, row in enumerate(rows[: len(re) - 1]):
        for j, box in enumerate(row[: len(ce) - 1]):
            corners = np.array([[box.x0, box.y0], [box.x1, box.y0], [box.x1, box.y1], [box.x0, box.y1]])
            ours = _apply(ours_to_truth_px, corners)
            mm = np.array([[ce[j], re[i]], [ce[j + 1], re[i]], [ce[j + 1], re[i + 1]], [ce[j], re[i + 1]]])
            want = _apply(h_t, mm)
            cx = (ce[j] + ce[j + 1]) / 2
            top, bottom = _apply(h_t, np.array([[cx, re[i]], [cx, re[i + 1]]]))
            line_h = float(np.linalg.norm(bottom - top))
            out.extend((np.linalg.norm(ours - want, axis=1) / line_h).tolist())
    return out


def evaluate_page(page: PageImage, truth: dict, forms: FormRegistry, debug: Path | None) -> PageEval:
    ev = PageEval(page.ref.source, page.ref.page, truth["distortions"], bool(truth["readable"]))
    ev.truth_rows = [r["row"] for r in truth["rows"]]
    ev.crossed_truth = [r["row"] for r in truth["rows"] if r.get("crossed_out")]
    ev.n_truth_lines = max(0, len(truth["row_edges_mm"]) - 1)
    t0 = time.process_time()
    try:
        reg, table, lines = read_layout(page, forms)
    except PageError as exc:
        ev.seconds = time.process_time() - t0
        ev.error = exc.reason
        return ev
    ev.seconds = time.process_time() - t0
    ev.read, ev.method, ev.n_lines = True, reg.method, len(lines)
    if debug is not None:
        from scanner.debug import write_debug_png

        write_debug_png(reg, table, lines, debug / f"{page.ref.source.replace('/', '__')}-p{page.ref.page}.png")
    written = {ln.row for ln in lines if not ln.empty}
    ev.found_rows = sorted(written)
    ev.missed = [r for r in ev.truth_rows if r not in written]
    ev.phantom = sorted(written - set(ev.truth_rows))
    ev.crossed_found = [ln.row for ln in lines if ln.crossed_out]
    if ev.readable and reg.to_image is not None and truth["row_edges_mm"]:
        w, h = truth["image_size"]
        scale = (w / page.image.shape[1], h / page.image.shape[0])
        ev.boundary = boundary_errors(truth, reg.to_image, table.rows, scale)
    return ev


def run(folder: Path, debug: Path | None, only: str = "") -> list[PageEval]:
    truth = json.loads((folder / "truth.json").read_text())
    forms = FormRegistry.load(str(default_path(truth)))
    results: list[PageEval] = []
    for f in truth["files"]:
        if only and only not in f["file"]:
            continue
        pages = {p["page"]: p for p in f["pages"]}
        item = InputFile((folder / f["file"]).resolve(), f["file"])
        seen: set[int] = set()
        for page in iter_pages(item):
            if isinstance(page, PageFailure):
                n = page.page or 0
                t = pages.get(n, {"distortions": [], "readable": False, "rows": [], "row_edges_mm": []})
                ev = PageEval(f["file"], n, t["distortions"], bool(t["readable"]), error=page.reason)
                ev.truth_rows = [r["row"] for r in t["rows"]]
                results.append(ev)
                seen.add(n)
                continue
            seen.add(page.ref.page)
            t = pages.get(page.ref.page)
            if t is None:
                continue
            results.append(evaluate_page(page, t, forms, debug))
            print(f"  {f['file']} p{page.ref.page}: {_short(results[-1])}", file=sys.stderr, flush=True)
        for n, t in pages.items():
            if n not in seen:
                results.append(PageEval(f["file"], n, t["distortions"], bool(t["readable"]), error="page not decoded"))
    return results


def default_path(truth: dict) -> Path:
    """The form in truth.json that is not shipped in forms/ (the foreign layout): --form."""
    for name, path in truth.get("forms", {}).items():
        if not (ROOT / "forms" / f"{name}.yaml").exists():
            return ROOT / path
    raise SystemExit("truth.json names no foreign form")


def _short(ev: PageEval) -> str:
    if not ev.read:
        return f"not read ({ev.error})"
    extra = ""
    if ev.missed:
        extra += f" missed {ev.missed}"
    if ev.phantom:
        extra += f" phantom {ev.phantom}"
    worst = max(ev.boundary) if ev.boundary else 0.0
    rows = f"{len(ev.found_rows)}/{len(ev.truth_rows)}"
    return f"{ev.method} rows {rows}{extra} boundary max {worst:.3f} {ev.seconds:.2f}s"


def summarise(results: list[PageEval]) -> dict:
    readable = [r for r in results if r.readable]
    read_ok = [r for r in readable if r.read]
    truth_rows = sum(len(r.truth_rows) for r in readable)
    found = sum(len(r.truth_rows) - len(r.missed) for r in read_ok)
    phantom = [(r.file, r.page, p) for r in read_ok for p in r.phantom]
    missed = [(r.file, r.page, m) for r in read_ok for m in r.missed]
    c_truth = sum(len(r.crossed_truth) for r in read_ok)
    c_tp = sum(len(set(r.crossed_truth) & set(r.crossed_found)) for r in read_ok)
    c_fp = [(r.file, r.page, x) for r in read_ok for x in sorted(set(r.crossed_found) - set(r.crossed_truth))]
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for r in readable:
        kinds = {d.split(":")[0] for d in r.distortions} or {"clean"}
        for k in kinds:
            by_kind[k]["pages"] += 1
            by_kind[k]["failed"] += 0 if r.read else 1
    b = np.array([e for r in read_ok for e in r.boundary]) if any(r.boundary for r in read_ok) else np.zeros(1)
    line_mismatch = [(r.file, r.page, r.n_lines, r.n_truth_lines) for r in read_ok if r.n_lines != r.n_truth_lines]
    secs = np.array([r.seconds for r in results if r.read]) if read_ok else np.zeros(1)
    return {
        "pages": len(results),
        "readable_pages": len(readable),
        "read": len(read_ok),
        "failed_readable": [(r.file, r.page, r.distortions, r.error) for r in readable if not r.read],
        "wrongly_accepted": [(r.file, r.page, r.method) for r in results if not r.readable and r.read],
        "refused_unreadable": [(r.file, r.page, r.error) for r in results if not r.readable and not r.read],
        "row_recall": found / truth_rows if truth_rows else 1.0,
        "rows_truth": truth_rows,
        "rows_found": found,
        "rows_missed_on_read_pages": missed,
        "phantom_rows": phantom,
        "line_count_mismatch": line_mismatch,
        "crossed_truth": c_truth,
        "crossed_found": c_tp,
        "crossed_false": c_fp,
        "failures_by_distortion": {k: dict(v) for k, v in sorted(by_kind.items())},
        "boundary_max": float(b.max()),
        "boundary_p99": float(np.percentile(b, 99)),
        "boundary_mean": float(b.mean()),
        "seconds_per_page_mean": float(secs.mean()),
        "seconds_per_page_median": float(np.median(secs)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--json", type=Path, help="write the per-page results and the summary here")
    ap.add_argument("--debug", type=Path, help="write a debug PNG per page into this folder")
    ap.add_argument("--only", default="", help="only files whose name contains this")
    args = ap.parse_args()
    cv2.setNumThreads(1)
    results = run(args.folder, args.debug, args.only)
    s = summarise(results)
    print(f"pages {s['pages']} (readable {s['readable_pages']}), read {s['read']}")
    print(f"row recall {s['row_recall']:.4f} ({s['rows_found']}/{s['rows_truth']} written rows; "
          "rows of unread pages count as missed)")
    print(f"phantom rows {len(s['phantom_rows'])} {s['phantom_rows'][:10]}")
    print(f"missed rows on read pages {len(s['rows_missed_on_read_pages'])} {s['rows_missed_on_read_pages'][:10]}")
    print(f"crossed-out lines: {s['crossed_found']}/{s['crossed_truth']} found, "
          f"{len(s['crossed_false'])} false {s['crossed_false'][:5]}")
    print(f"line count mismatches {s['line_count_mismatch'][:10]}")
    print(f"cell boundary error / line height: max {s['boundary_max']:.3f}, p99 {s['boundary_p99']:.3f}, "
          f"mean {s['boundary_mean']:.3f} (target < 0.25)")
    print("registration failures by distortion (readable pages):")
    for k, v in s["failures_by_distortion"].items():
        print(f"  {k:8s} {v.get('failed', 0)}/{v['pages']}")
    for f in s["failed_readable"]:
        print(f"  FAILED {f}")
    print(f"unreadable pages refused: {len(s['refused_unreadable'])}; wrongly accepted: {s['wrongly_accepted']}")
    for f in s["refused_unreadable"]:
        print(f"  refused {f}")
    print(f"layout CPU seconds per page: mean {s['seconds_per_page_mean']:.3f}, "
          f"median {s['seconds_per_page_median']:.3f}")
    if args.json:
        args.json.write_text(json.dumps({"summary": s, "pages": [asdict(r) for r in results]}, indent=1))


if __name__ == "__main__":
    main()
