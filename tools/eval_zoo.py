"""Layout stages measured per layout on a generated layout zoo (``--preset zoo``).

    python tools/eval_zoo.py DIR [--held-out id,id] [--json out.json] [--markdown out.md]

Each page is read with its own layout's form file (``samples/layouts/<id>.yaml``,
as a user writes it: no orientation, widths only where the user gave them).
Per layout: pages, pages refused although they hold a table, row recall,
written lines found at their own place (each found line's centre mapped back onto
the sheet through the reader's homography and the truth's: a page read upside
down keeps its set of line numbers, so recall alone misses it), lines found under
another line's number without a row_uncertain flag (silent misnumbering), phantom
rows (an empty line reported written), crossed-out lines found, pages
whose line count differs from the truth, rows sent to review because their
line number is not sure, and layout CPU seconds per page. Layouts named by
``--held-out`` are those never looked at while the reader was developed: their
figures are the ones that count, and the table marks them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner.errors import PageError  # noqa: E402
from scanner.forms import FormRegistry, load_form_file  # noqa: E402
from scanner.ingest import InputFile, PageFailure, iter_pages  # noqa: E402
from scanner.model import PageImage, Registered, Table  # noqa: E402
from scanner.sheet import read_layout  # noqa: E402


@dataclass
class ZooPage:
    layout: str
    file: str
    page: int
    distortions: list[str]
    readable: bool
    read: bool = False
    error: str = ""
    truth_rows: list[int] = field(default_factory=list)
    missed: list[int] = field(default_factory=list)
    phantom: list[int] = field(default_factory=list)
    crossed_truth: list[int] = field(default_factory=list)
    crossed_found: list[int] = field(default_factory=list)
    n_lines: int = 0
    n_truth_lines: int = 0
    doubtful: list[int] = field(default_factory=list)  #: written lines flagged row_uncertain
    wrong_number: bool = False  #: a line count or position that shifts line numbers, not flagged
    at_place: int = 0  #: written lines found written under the number of the place they are at
    misplaced: list[int] = field(default_factory=list)  #: found lines that lie on another line, unflagged
    seconds: float = 0.0


def read_page(page: PageImage, truth: dict, layout: str, forms: FormRegistry, debug: Path | None) -> ZooPage:
    ev = ZooPage(layout, page.ref.source, page.ref.page, truth["distortions"], bool(truth["readable"]))
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
    ev.read, ev.n_lines = True, len(lines)
    if debug is not None:
        from scanner.debug import write_debug_png

        write_debug_png(reg, table, lines, debug / f"{page.ref.source.replace('/', '__')}-p{page.ref.page}.png")
    written = {ln.row for ln in lines if not ln.empty}
    ev.missed = [r for r in ev.truth_rows if r not in written]
    ev.phantom = sorted(written - set(ev.truth_rows))
    ev.crossed_found = [ln.row for ln in lines if ln.crossed_out]
    ev.doubtful = sorted(r for r in written if r - 1 in table.doubtful)
    # a silent numbering error: lines found where the truth has none, or missed, on lines not flagged
    unflagged = {r for r in written if r - 1 not in table.doubtful}
    ev.wrong_number = bool(unflagged - set(ev.truth_rows)) and ev.n_lines != ev.n_truth_lines
    places = _sheet_lines(page, truth, reg, table)
    ev.at_place = sum(1 for r in ev.truth_rows if r in written and places.get(r) == r)
    ev.misplaced = sorted(r for r in unflagged if places.get(r) != r)
    return ev


def _sheet_lines(page: PageImage, truth: dict, reg: Registered, table: Table) -> dict[int, int | None]:
    """For each line the reader found (1-based), the truth line its centre lies on (None:
    outside the table). A page read upside down keeps the set of line numbers but puts
    each number on another line: set recall cannot see that, this can."""
    to_sheet = np.linalg.inv(np.array(truth["to_image"], dtype=np.float64))
    ys, xs = truth["row_edges_mm"], truth["col_edges_mm"]
    sx = truth["image_size"][0] / page.image.shape[1]
    sy = truth["image_size"][1] / page.image.shape[0]
    out: dict[int, int | None] = {}
    for i, row in enumerate(table.rows):
        c = row[len(row) // 2]
        p = reg.to_image @ np.array([(c.x0 + c.x1) / 2, (c.y0 + c.y1) / 2, 1.0])
        p = np.array([(p[0] / p[2] + 0.5) * sx - 0.5, (p[1] / p[2] + 0.5) * sy - 0.5, 1.0])
        q = to_sheet @ p
        x, y = q[0] / q[2], q[1] / q[2]
        inside = xs[0] <= x <= xs[-1]
        out[i + 1] = next((k + 1 for k in range(len(ys) - 1) if ys[k] <= y < ys[k + 1]), None) if inside else None
    return out


def run(folder: Path, debug: Path | None, only: set[str]) -> list[ZooPage]:
    truth = json.loads((folder / "truth.json").read_text())
    forms = {name: FormRegistry([], load_form_file(ROOT / path)) for name, path in truth["forms"].items()}
    out: list[ZooPage] = []
    for f in truth["files"]:
        pages = {p["page"]: p for p in f["pages"]}
        layouts = {p.get("layout", "") for p in f["pages"]}
        layout = next(iter(layouts), "") if len(layouts) == 1 else "mixed"
        if only and layout not in only:
            continue
        if f["kind"] == "corrupt":
            continue
        for item in iter_pages(InputFile((folder / f["file"]).resolve(), f["file"])):
            if isinstance(item, PageFailure):
                t = pages.get(item.page or 0)
                if t is not None:
                    out.append(ZooPage(layout, f["file"], item.page or 0, t["distortions"], bool(t["readable"]),
                                       error=item.reason, truth_rows=[r["row"] for r in t["rows"]]))
                continue
            t = pages.get(item.ref.page)
            if t is None or not t.get("form"):
                continue
            ev = read_page(item, t, t.get("layout", layout), forms[t["form"]], debug)
            out.append(ev)
            state = "read" if ev.read else f"REFUSED ({ev.error})"
            extra = "".join(f" {k} {v}" for k, v in
                            (("missed", ev.missed), ("phantom", ev.phantom), ("doubtful", ev.doubtful),
                             ("MISNUMBERED", ev.misplaced)) if v)
            print(f"  {ev.layout:20s} {f['file']} p{ev.page} {','.join(ev.distortions)}: {state}{extra}",
                  file=sys.stderr, flush=True)
    return out


def summarise(pages: list[ZooPage]) -> dict[str, dict[str, float]]:
    by: dict[str, list[ZooPage]] = defaultdict(list)
    for p in pages:
        by[p.layout].append(p)
    by["ALL"] = list(pages)
    out: dict[str, dict[str, float]] = {}
    for layout, ps in sorted(by.items()):
        readable = [p for p in ps if p.readable]
        read = [p for p in readable if p.read]
        truth = sum(len(p.truth_rows) for p in readable)
        found = sum(len(p.truth_rows) - len(p.missed) for p in read)
        ct = sum(len(p.crossed_truth) for p in read)
        cf = sum(len(set(p.crossed_truth) & set(p.crossed_found)) for p in read)
        secs = sorted(p.seconds for p in read) or [0.0]
        out[layout] = {
            "pages": len(readable),
            "refused": len(readable) - len(read),
            "rows": truth,
            "recall": found / truth if truth else 1.0,
            "phantom": sum(len(p.phantom) for p in read),
            "crossed_truth": ct,
            "crossed_found": cf,
            "crossed_false": sum(len(set(p.crossed_found) - set(p.crossed_truth)) for p in read),
            "line_count_off": sum(1 for p in read if p.n_lines != p.n_truth_lines),
            "doubtful_rows": sum(len(p.doubtful) for p in read),
            "wrong_numbering_pages": sum(1 for p in read if p.wrong_number),
            "at_place": sum(p.at_place for p in read),
            "misplaced_unflagged": sum(len(p.misplaced) for p in read),
            "s_per_page_median": secs[len(secs) // 2],
        }
    return out


def markdown(summary: dict[str, dict[str, float]], held_out: set[str]) -> str:
    head = ("| layout | pages | refused | written rows | row recall | at own place | misnumbered, unflagged | "
            "phantom rows | crossed out found | line count off | rows flagged row_uncertain | layout s/page |")
    lines = [head, "|" + "---|" * 12]
    for layout, s in summary.items():
        name = f"**{layout}** (held out)" if layout in held_out else layout
        crossed = f"{int(s['crossed_found'])}/{int(s['crossed_truth'])}"
        if s["crossed_false"]:
            crossed += f" (+{int(s['crossed_false'])} false)"
        lines.append(f"| {name} | {int(s['pages'])} | {int(s['refused'])} | {int(s['rows'])} | "
                     f"{100 * s['recall']:.1f}% | {int(s['at_place'])}/{int(s['rows'])} | "
                     f"{int(s['misplaced_unflagged'])} | {int(s['phantom'])} | {crossed} | "
                     f"{int(s['line_count_off'])} | {int(s['doubtful_rows'])} | {s['s_per_page_median']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--held-out", default="", help="comma-separated layout ids never used in development")
    ap.add_argument("--only", default="", help="comma-separated layout ids to read (default: all)")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--markdown", type=Path)
    ap.add_argument("--debug", type=Path, help="a debug PNG per read page")
    args = ap.parse_args()
    cv2.setNumThreads(1)
    only = {x for x in args.only.split(",") if x}
    held = {x for x in args.held_out.split(",") if x}
    pages = run(args.folder, args.debug, only)
    summary = summarise(pages)
    table = markdown(summary, held)
    print(table)
    for p in pages:
        if p.readable and not p.read:
            print(f"REFUSED {p.layout} {p.file} p{p.page} {p.distortions}: {p.error}")
    if args.markdown:
        args.markdown.write_text(table + "\n")
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "pages": [asdict(p) for p in pages]}, indent=1))


if __name__ == "__main__":
    main()
