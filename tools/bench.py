"""End-to-end benchmark (issue 7): speed, stages, engine floor, naive baseline, memory.

    .venv/bin/python tools/bench.py [--pages 20] [--big 200] [--seed 5] [--out bench-out]

Measures, on generated printed sheets (seed other than the one tuned on):
- pages per second for ``process`` with 1 worker and with every core, the median
  of ``--repeat`` runs of each, alternated; the speed-up is the median of the
  pairs' ratios (a 1-worker run and the all-core run right after it);
- time per stage (load, layout, ocr, fields) from the page jobs themselves;
- the recognition engines' own time on the very same cells (the floor), and the
  share the rest of the pipeline adds on top of it;
- the naive approach for comparison: one pytesseract call (a process) per cell;
- peak memory of a run on a 10-page PDF against a ``--big``-page PDF.
"""

from __future__ import annotations

import argparse
import compileall
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generate(out: Path, sheets: int, seed: int) -> Path:
    if not (out / "truth.json").exists():
        subprocess.run(
            [sys.executable, "-m", "samples.generate", "--preset", "bench", "--sheets", str(sheets),
             "--seed", str(seed), "--out", str(out)],
            check=True, cwd=ROOT,
        )
    return out


def fresh(out: Path) -> Path:
    """An empty output folder: a store left by an earlier run would make ``process`` skip
    every page it already holds (resumable runs), and time or measure nothing."""
    shutil.rmtree(out, ignore_errors=True)
    return out


def run_process(inputs: Path, out: Path, workers: int, extra: list[str] | None = None) -> tuple[float, int]:
    """Wall time and peak RSS (kB, largest process) of one ``process`` run."""
    fresh(out)
    exe = ROOT / ".venv" / "bin" / "petition-scan"
    cmd = [str(exe), "process", str(inputs), "--out", str(out), "--workers", str(workers), "-q", *(extra or [])]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"process failed ({proc.returncode}): {proc.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before)


def _tree_hwm_kb(root: int) -> dict[int, int]:
    """VmHWM (peak resident set, kB) of ``root`` and every descendant alive now."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    out: dict[int, int] = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    out[pid] = int(line.split()[1])
        except OSError:
            continue
    return out


def peak_rss_of(cmd: list[str], every: float = 0.1) -> int:
    """Peak RSS (kB) of the largest process of ``cmd``'s tree (the main process or a worker).

    Two readings, the larger kept: ``getrusage(RUSAGE_CHILDREN)`` in a fresh
    wrapper process (exact, but only for processes reaped before the wrapper
    ends: the pool's workers are not waited for), and the kernel's peak (VmHWM)
    of every process of the tree sampled from /proc while it runs (growth in a
    process's last ``every`` seconds is missed).
    """
    code = (
        "import resource,subprocess,sys;"
        "subprocess.run(sys.argv[1:],capture_output=True);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    peaks: dict[int, int] = {}
    proc = subprocess.Popen([sys.executable, "-c", code, *cmd], stdout=subprocess.PIPE, text=True)
    while proc.poll() is None:
        for pid, kb in _tree_hwm_kb(proc.pid).items():
            if pid != proc.pid:  # the wrapper itself is small and not the tool
                peaks[pid] = max(peaks.get(pid, 0), kb)
        time.sleep(every)
    reaped = int((proc.stdout.read() if proc.stdout else "0").strip() or 0)
    return max(reaped, *peaks.values())


def stage_times(inputs: Path, limit: int) -> dict[str, object]:
    """Read pages in this process to time each stage and the engines alone.

    The pipeline is timed through the very job function the workers run
    (``read_page_job``: page loading, layout, OCR, fields and the memory
    housekeeping between pages). The floor is the engines' ``read`` on the
    same cells *in the same batches* the pipeline gives them (one call per
    text column per page): RapidOCR pads a batch to its widest crop and its
    readings depend on the batch, so batching all the cells of ten pages by
    type would time different work (about 20 % cheaper) than the pipeline can
    do without changing its results. Both wall and CPU time are reported; the
    machine is shared, so CPU time is the steadier of the two.
    """
    import numpy as np

    from scanner.forms import ColumnType
    from scanner.run.executors import _reader, limit_threads, read_page_job

    limit_threads()
    from scanner.ingest import iter_inputs, load_page, page_refs
    from scanner.model import PageRef
    from scanner.run.pagejob import JobSettings
    from scanner.sheet import read_layout

    settings = JobSettings()
    reader = _reader(settings)
    refs = [r for f in iter_inputs([inputs]) for r in page_refs(f) if isinstance(r, PageRef)][:limit]
    totals: dict[str, float] = {}
    engine_s = {engine.name: 0.0 for engine in reader.engines}
    engine_cpu = dict(engine_s)
    pipeline_s = pipeline_cpu = 0.0
    n_cells = 0
    sample: list[np.ndarray] = []  # cells for the naive approach
    read_page_job(settings, refs[0])  # warm-up: first calls load models and allocate buffers
    for ref in refs:
        # the cells this page gives the engines, batched as the pipeline batches them:
        # one (column type, images) batch per text column (not timed)
        page = load_page(ref)
        reg, _table, lines = read_layout(page, reader.forms)
        form = reader.forms.get(reg.form_name)
        assert form is not None
        written = [ln for ln in lines if not ln.empty]
        batches: list[tuple[ColumnType, list[np.ndarray]]] = []
        for j, col in enumerate(form.columns):
            column = [ln.cells[j].image for ln in written if col.is_text and ln.cells[j].ink > 0]
            if column:
                batches.append((col.type, column))
        n_cells += sum(len(images) for _, images in batches)
        sample += [img for _, images in batches for img in images][: 40 - len(sample)]
        del page, reg, lines, written
        # page by page, pipeline then engines, so a change of load on a shared machine
        # weighs on both alike
        t0, c0 = time.perf_counter(), time.process_time()
        res = read_page_job(settings, ref)
        pipeline_s += time.perf_counter() - t0
        pipeline_cpu += time.process_time() - c0
        for k, v in res.timings.items():
            totals[k] = totals.get(k, 0.0) + v
        for engine in reader.engines:
            t1, c1 = time.perf_counter(), time.process_time()
            for kind, images in batches:
                engine.read(images, kind)
            engine_s[engine.name] += time.perf_counter() - t1
            engine_cpu[engine.name] += time.process_time() - c1
    floor, floor_cpu = sum(engine_s.values()), sum(engine_cpu.values())
    naive_ms = naive_pytesseract(sample)
    n = max(1, len(refs))
    return {
        "pages": len(refs),
        "cells": n_cells,
        "pipeline_s_per_page": pipeline_s / n,
        "pipeline_cpu_s_per_page": pipeline_cpu / n,
        "stage_s_per_page": {k: v / n for k, v in totals.items()},
        "engine_s_per_page": {k: v / n for k, v in engine_s.items()},
        "engine_cpu_s_per_page": {k: v / n for k, v in engine_cpu.items()},
        "overhead_vs_engines": (pipeline_s - floor) / floor if floor else None,
        "overhead_vs_engines_cpu": (pipeline_cpu - floor_cpu) / floor_cpu if floor_cpu else None,
        "engine_ms_per_cell": {k: 1000 * v / max(1, n_cells) for k, v in engine_s.items()},
        "naive_pytesseract_ms_per_cell": naive_ms,
    }


def naive_pytesseract(images: list[Any]) -> float | None:
    """One tesseract process per cell, the approach the tool avoids."""
    try:
        import pytesseract
    except ImportError:
        return None
    from PIL import Image

    t0 = time.perf_counter()
    for img in images:
        pytesseract.image_to_string(Image.fromarray(img), lang="fra", config="--psm 7")
    return 1000 * (time.perf_counter() - t0) / max(1, len(images))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=20, help="pages for the speed runs")
    ap.add_argument("--big", type=int, default=200, help="pages of the large PDF for the memory run (0: skip)")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--out", type=Path, default=ROOT / "bench-out")
    ap.add_argument("--no-speed", action="store_true", help="only the memory runs")
    ap.add_argument("--repeat", type=int, default=5, help="speed runs per worker count (medians are kept)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from scanner.run.machine import cores as machine_cores

    cores = machine_cores()
    report: dict[str, object] = {"cores": cores, "pages": args.pages}
    # Bytecode for the checkout's own modules, as an installed wheel carries it:
    # under PYTHONDONTWRITEBYTECODE (set on this machine) every start, and every
    # worker's, would otherwise compile them again (about 0.1 s each).
    compileall.compile_dir(ROOT / "scanner", quiet=1)
    compileall.compile_file(ROOT / "pipeline.py", quiet=1)
    if not args.no_speed:
        small = generate(args.out / f"set-{args.pages}", args.pages, args.seed)
        report["stages"] = stage_times(small, limit=min(args.pages, 10))
        # alternated and repeated: a run's wall time varies by 5-10% on this shared machine
        ones: list[float] = []
        alls: list[float] = []
        for _ in range(args.repeat):
            ones.append(run_process(small, args.out / "run-w1", workers=1)[0])
            alls.append(run_process(small, args.out / f"run-w{cores}", workers=cores)[0])
        t1, tn = statistics.median(ones), statistics.median(alls)
        report["wall_s_1_worker_runs"] = [round(t, 2) for t in ones]
        report[f"wall_s_{cores}_workers_runs"] = [round(t, 2) for t in alls]
        report["pages_per_s_1_worker"] = args.pages / t1
        report[f"pages_per_s_{cores}_workers"] = args.pages / tn
        # Each 1-worker run is paired with the all-core run right after it: the
        # machine's speed drifts by more than 10% over minutes here, and a pair
        # shares its moment. The ratio of the medians is kept beside it.
        pairs = [a / b for a, b in zip(ones, alls, strict=True)]
        report["speedup_pairs"] = [round(r, 3) for r in pairs]
        report["speedup"] = statistics.median(pairs)
        report["speedup_of_medians"] = t1 / tn

    if args.big:
        ten = generate(args.out / "set-10", 10, args.seed + 1)
        big = generate(args.out / f"set-{args.big}", args.big, args.seed + 2)
        exe = str(ROOT / ".venv" / "bin" / "petition-scan")
        m10 = peak_rss_of([exe, "process", str(ten), "--out", str(fresh(args.out / "mem-10")), "-q"])
        mbig = peak_rss_of([exe, "process", str(big), "--out", str(fresh(args.out / "mem-big")), "-q"])
        report["peak_rss_mb_10_pages"] = m10 / 1024
        report[f"peak_rss_mb_{args.big}_pages"] = mbig / 1024
        report["memory_ratio"] = mbig / m10
    print(json.dumps(report, indent=2))
    (args.out / ("bench-memory.json" if args.no_speed else "bench.json")).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
