"""Speed and memory of the layout stages (registration + table + cells, no OCR).

    python tools/bench_layout.py PDF [--pages 30]          seconds per page, one core
    python tools/bench_layout.py PDF --memory 10 200       peak memory streaming 10 vs 200 pages
    python tools/bench_layout.py PDF --renderers           pypdfium2 vs pdftoppm at 300 DPI

PDF is typically ``bench.pdf`` from ``python -m samples.generate --preset bench``.
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
    ap.add_argument("pdf", type=Path)
    ap.add_argument("--pages", type=int, default=30)
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
