"""The order pages are handed to a pool: the batch's last stretch heaviest first.

A pool gives each worker the next page as soon as it is free, so the run ends
with its last page. When that page is a full sheet (1.5 s here) and the other
workers have nothing left, they wait for it: on a 24-page batch on two cores,
up to 5% of the run. Handing the final stretch out heaviest first (the classic
longest-processing-time-first rule) leaves the light pages for the end, where
they fill the gaps instead of opening them.

A page's cost is guessed from its compressed image bytes, read without decoding
anything: on a form, ink is filled lines and filled lines are cells to read (on
the bench set, 420 kB for a page of one line, 0.3 s, and 640-690 kB for ten, 1.5-1.9 s).
Only the last ``TAIL_PER_WORKER`` pages per worker are guessed and reordered:
the guess costs about a millisecond a page in the process that hands the pages
out, and before the tail the order does not change when the run ends. A wrong
guess costs only some of that saving; results never depend on the order.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from scanner.model import PageRef

#: Pages per worker, at the end of a batch, handed out heaviest first.
TAIL_PER_WORKER = 16
#: The cost of a page that cannot be guessed: handed out first, as a heavy page would be.
UNKNOWN = math.inf


def _pdf_costs(path: str, pages: list[int]) -> dict[int, float]:
    """Compressed bytes of each page's images (unknown for a page without any)."""
    costs: dict[int, float] = {}
    try:
        doc = pdfium.PdfDocument(path)
    except (pdfium.PdfiumError, OSError):
        return costs
    try:
        for number in pages:
            try:
                page = doc[number - 1]
            except (pdfium.PdfiumError, IndexError):
                continue
            try:
                size = 0
                for k in range(pdfium_c.FPDFPage_CountObjects(page)):
                    obj = pdfium_c.FPDFPage_GetObject(page, k)
                    if pdfium_c.FPDFPageObj_GetType(obj) == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                        size += pdfium_c.FPDFImageObj_GetImageDataRaw(obj, None, 0)
                if size:
                    costs[number] = float(size)
            finally:
                page.close()
    finally:
        doc.close()
    return costs


def page_costs(refs: list[PageRef]) -> list[float]:
    """A guess of each page's reading cost, in compressed image bytes."""
    by_pdf: dict[str, list[int]] = defaultdict(list)
    for ref in refs:
        if ref.path.lower().endswith(".pdf"):
            by_pdf[ref.path].append(ref.page)
    pdf_costs = {path: _pdf_costs(path, pages) for path, pages in by_pdf.items()}
    costs: list[float] = []
    for ref in refs:
        if ref.path in pdf_costs:
            costs.append(pdf_costs[ref.path].get(ref.page, UNKNOWN))
            continue
        try:  # an image file: its size (a multi-page TIFF's pages all get the file's)
            costs.append(float(os.path.getsize(ref.path)))
        except OSError:
            costs.append(UNKNOWN)
    return costs


def order_for_pool(refs: list[PageRef], workers: int) -> list[PageRef]:
    """``refs`` in file order, except the last stretch, heaviest first."""
    if workers <= 1 or len(refs) <= workers:
        return refs
    cut = max(0, len(refs) - TAIL_PER_WORKER * workers)
    tail = refs[cut:]
    costs = page_costs(tail)
    order = sorted(range(len(tail)), key=lambda i: -costs[i])  # stable: equal costs keep file order
    return refs[:cut] + [tail[i] for i in order]
