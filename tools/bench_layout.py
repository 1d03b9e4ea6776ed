"""Speed and memory of the layout stages (registration + table + cells, no OCR).

    python tools/bench_layout.py PDF [--pages 30]          seconds per page, one core
    python tools/bench_layout.py PDF --memory 10 200       peak memory streaming 10 vs 200 pages
    python tools/bench_layout.py PDF --renderers           pypdfium2 vs pdftoppm at 300 DPI
    python tools/bench_layout.py DIR [--repeat 3] [--form F] [--profile N]
                                   per registration method (markers, table, refused):
                                   mean, median, p95 and max s/page, one core

PDF is typically ``bench.pdf`` from ``python -m samples.generate --preset bench``;
DIR a set from ``--preset eval`` (printed and foreign sheets: truth.json names the
foreign form, used as --form unless given). Pages of DIR are decoded once, then
each is laid out ``--repeat`` times and its fastest run kept (other jobs on a
shared machine only ever add time).
Timings pin the process to one CPU and OpenCV to one thread, and report CPU
time (the machine may be shared) next to wall time.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner.errors import PageError  # noqa: E402
from scanner.forms import FormRegistry  # noqa: E402
from scanner.ingest import PDF_DPI, InputFile, PageFailure, iter_pages  # noqa: E402
from scanner.model import PageImage  # noqa: E402
from scanner.sheet import read_layout  # noqa: E402


def one_core() -> None:
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[0]})
    cv2.setNumThreads(1)


def speed(pdf: Path, pages: int) -> dict[str, float]:
    forms = FormRegistry.load()
    decode, layout_cpu, layout_wall, failed = [], [], [], 0
    t_dec = time.process_time()
    for item in iter_pages(InputFile(pdf.resolve(), pdf.name)):
        decode.append(time.process_time() - t_dec)
        if isinstance(item, PageFailure):
            failed += 1
        else:
            c0, w0 = time.process_time(), time.perf_counter()
            try:
                read_layout(item, forms)
            except PageError:
                failed += 1
            layout_cpu.append(time.process_time() - c0)
            layout_wall.append(time.perf_counter() - w0)
        if len(decode) >= pages:
            break
        t_dec = time.process_time()
    cpu = np.array(layout_cpu)
    return {
        "pages": len(decode),
        "failed": failed,
        "decode_cpu_mean": float(np.mean(decode)),
        "layout_cpu_mean": float(cpu.mean()),
        "layout_cpu_median": float(np.median(cpu)),
        "layout_cpu_p95": float(np.percentile(cpu, 95)),
        "layout_wall_mean": float(np.mean(layout_wall)),
    }


def _set_pages(folder: Path) -> list[PageImage]:
    truth = json.loads((folder / "truth.json").read_text())
    out: list[PageImage] = []
    for f in truth["files"]:
        out.extend(p for p in iter_pages(InputFile((folder / f["file"]).resolve(), f["file"]))
                   if not isinstance(p, PageFailure))
    return out


def _foreign_form(folder: Path) -> str | None:
    truth = json.loads((folder / "truth.json").read_text())
    for name, path in truth.get("forms", {}).items():
        if not (ROOT / "forms" / f"{name}.yaml").exists():
            return str(ROOT / path)
    return None


def by_method(folder: Path, repeat: int, form: str | None, profile: int) -> dict[str, dict[str, float]]:
    """Fastest-of-``repeat`` CPU seconds per page, summarised per registration method."""
    forms = FormRegistry.load(form or _foreign_form(folder))
    pages = _set_pages(folder)
    best: list[float] = [float("inf")] * len(pages)
    method: list[str] = ["refused"] * len(pages)
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
    for _ in range(max(1, repeat)):
        for n, page in enumerate(pages):
            c0 = time.process_time()
            if prof is not None:
                prof.enable()
            try:
                method[n] = read_layout(page, forms)[0].method
            except PageError:
                method[n] = "refused"
            if prof is not None:
                prof.disable()
            best[n] = min(best[n], time.process_time() - c0)
    if prof is not None:
        import pstats

        pstats.Stats(prof).sort_stats("cumulative").print_stats(profile)
    out: dict[str, dict[str, float]] = {}
    for m in sorted(set(method)):
        t = np.array([b for b, k in zip(best, method, strict=True) if k == m])
        out[m] = {"pages": float(t.size), "mean": float(t.mean()), "median": float(np.median(t)),
                  "p95": float(np.percentile(t, 95)), "max": float(t.max())}
    return out


def stream(pdf: Path, pages: int) -> dict[str, float]:
    """Decode and lay out ``pages`` pages, keeping nothing: what the pipeline's reader does."""
    forms = FormRegistry.load()
    tracemalloc.start()
    n = 0
    for item in iter_pages(InputFile(pdf.resolve(), pdf.name)):
        if not isinstance(item, PageFailure):
            with contextlib.suppress(PageError):
                read_layout(item, forms)
        n += 1
        if n >= pages:
            break
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "pages": n,
        "tracemalloc_peak_mb": peak / 2**20,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def renderers(pdf: Path, pages: int) -> dict[str, float]:
    import pypdfium2 as pdfium
    from PIL import Image

    doc = pdfium.PdfDocument(pdf)
    n = min(pages, len(doc))
    t = time.perf_counter()
    for i in range(n):
        page = doc[i]
        page.render(scale=PDF_DPI / 72).to_numpy()
        page.close()
    out = {"pages": float(n), "pypdfium2_s_per_page": (time.perf_counter() - t) / n}
    doc.close()
    exe = shutil.which("pdftoppm")
    if exe:
        t = time.perf_counter()
        for i in range(1, n + 1):
            ppm = subprocess.run([exe, "-r", str(int(PDF_DPI)), "-f", str(i), "-l", str(i), str(pdf)],
                                 capture_output=True, check=True).stdout
            np.asarray(Image.open(io.BytesIO(ppm)))
        out["pdftoppm_s_per_page"] = (time.perf_counter() - t) / n
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pdf", type=Path, help="a PDF, or a folder written by samples.generate")
    ap.add_argument("--pages", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3, help="folder: runs per page, the fastest kept")
    ap.add_argument("--form", help="folder: form of sheets without markers (default: from truth.json)")
    ap.add_argument("--profile", type=int, default=0, help="folder: print the N top functions (cProfile)")
    ap.add_argument("--memory", type=int, nargs="*", help="page counts to stream, each in a fresh process")
    ap.add_argument("--stream", type=int, help=argparse.SUPPRESS)  # child process of --memory
    ap.add_argument("--renderers", action="store_true")
    args = ap.parse_args()
    one_core()
    if args.stream:
        print(json.dumps(stream(args.pdf, args.stream)))
        return
    if args.renderers:
        print(json.dumps(renderers(args.pdf, args.pages), indent=1))
        return
    if args.pdf.is_dir():
        print(f"{args.pdf}: fastest of {args.repeat} runs per page, one core, OpenCV 1 thread; CPU s/page")
        for m, r in by_method(args.pdf, args.repeat, args.form, args.profile).items():
            print(f"  {m:8s} {int(r['pages']):3d} pages: mean {r['mean']:.3f}, median {r['median']:.3f}, "
                  f"p95 {r['p95']:.3f}, max {r['max']:.3f}")
        return
    if args.memory:
        for n in args.memory:
            res = subprocess.run([sys.executable, __file__, str(args.pdf), "--stream", str(n)],
                                 capture_output=True, text=True, check=True)
            r = json.loads(res.stdout.strip().splitlines()[-1])
            print(f"{r['pages']:4d} pages streamed: peak RSS {r['max_rss_mb']:.0f} MB, "
                  f"tracemalloc peak {r['tracemalloc_peak_mb']:.0f} MB")
        return
    r = speed(args.pdf, args.pages)
    print(f"{r['pages']} pages ({r['failed']} failed); one core, OpenCV 1 thread")
    print(f"  decode (300 DPI render) CPU s/page: {r['decode_cpu_mean']:.3f}")
    print(f"  layout (register+table+cells) CPU s/page: mean {r['layout_cpu_mean']:.3f}, "
          f"median {r['layout_cpu_median']:.3f}, p95 {r['layout_cpu_p95']:.3f}; wall mean {r['layout_wall_mean']:.3f}")


if __name__ == "__main__":
    main()
