"""A scanner's PDF page read straight from its JPEG, without rendering.

A scanner (or a phone's scan app) writes each page as one JPEG filling the
page. Rendering that page with pdfium decodes the JPEG in colour, resamples it
onto a new bitmap (a sub-pixel shift and a slight blur), and only then do we
turn it to gray: 70-80 ms for an A4 page at 300 DPI, the largest cost outside
recognition. Decoding the JPEG's own data to gray takes about 10 ms and gives
the scan's pixels as they were taken, which is what a JPEG file of the same
scan already gives.

Taken only when the page is exactly that and nothing else could change what a
viewer shows: one image object, a plain JPEG (DCTDecode, perhaps inside ASCII85 or
Flate) in gray or RGB,
axis-aligned and covering the visible page, no annotations, a resolution the
readers are tuned for (the 300 DPI every PDF page is rendered at, so no
resampling is skipped but a 1:1 one). Anything else (vector pages, several
images, CMYK, masks drawn by other objects, a 200 or 600 DPI scan, which
pdfium resamples, a JPEG that does not decode) returns None and the
page is rendered as before.
"""

from __future__ import annotations

import cv2
import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

#: Relative gap allowed between a JPEG's own resolution and the one pages are read at (300 DPI).
DPI_TOLERANCE = 0.05
#: How far (points) the image may stand from the visible page's edges.
EDGE_TOLERANCE_PT = 1.5
#: A page this dark on average is not a plain scan (an inverting /Decode array, say): rendered instead.
MIN_MEAN_GRAY = 60.0
_COLOUR_SPACES = frozenset(
    {pdfium_c.FPDF_COLORSPACE_DEVICEGRAY, pdfium_c.FPDF_COLORSPACE_DEVICERGB, pdfium_c.FPDF_COLORSPACE_ICCBASED}
)


def _single_jpeg(page: pdfium.PdfPage) -> pdfium.PdfImage | None:
    """The page's only object, if it is a JPEG image in gray or RGB; else None."""
    if pdfium_c.FPDFPage_CountObjects(page) != 1 or pdfium_c.FPDFPage_GetAnnotCount(page) != 0:
        return None
    obj = next(iter(page.get_objects(max_depth=1)), None)
    if not isinstance(obj, pdfium.PdfImage):
        return None
    # DCTDecode last; before it only encodings pdfium undoes losslessly (ASCII85, Flate...)
    *wrappers, last = obj.get_filters() or [""]
    if last != "DCTDecode" or not set(wrappers) <= set(pdfium.PdfImage.SIMPLE_FILTERS):
        return None
    meta = obj.get_metadata()
    if meta.colorspace not in _COLOUR_SPACES or meta.bits_per_pixel not in (8, 24):
        return None
    return obj


def _covers_page(box: tuple[float, float, float, float], image: pdfium.PdfImage) -> bool:
    """The image is upright (no flip, shear or rotation of its own) and fills ``box``, the visible page."""
    m = image.get_matrix()
    if abs(m.b) > 1e-6 or abs(m.c) > 1e-6 or m.a <= 0 or m.d <= 0:
        return False
    left, bottom, right, top = box
    x0, y0 = m.e, m.f
    x1, y1 = m.e + m.a, m.f + m.d
    tol = EDGE_TOLERANCE_PT
    return abs(x0 - left) <= tol and abs(y0 - bottom) <= tol and abs(x1 - right) <= tol and abs(y1 - top) <= tol


def embedded_scan(page: pdfium.PdfPage, dpi: float, max_pixels: int) -> tuple[np.ndarray, float] | None:
    """(gray HxW uint8, DPI) of a single-JPEG page scanned at about ``dpi``, upright as displayed.

    None when the page must be rendered instead.
    """
    image = _single_jpeg(page)
    box = page.get_cropbox()
    if image is None or not _covers_page(box, image):
        return None
    px_w, px_h = image.get_px_size()
    left, bottom, right, top = box
    w_pt, h_pt = right - left, top - bottom
    if px_w * px_h > max_pixels or w_pt <= 0 or h_pt <= 0:
        return None
    dpi_x, dpi_y = px_w * 72.0 / w_pt, px_h * 72.0 / h_pt
    if max(abs(dpi_x / dpi - 1.0), abs(dpi_y / dpi - 1.0)) > DPI_TOLERANCE:
        return None  # another resolution (or stretched pixels): pdfium resamples it to 300 DPI
    data = np.frombuffer(bytes(image.get_data(decode_simple=True)), dtype=np.uint8)
    # EXIF orientation inside a PDF's JPEG is ignored by every viewer, so here too
    gray = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE | cv2.IMREAD_IGNORE_ORIENTATION) if data.size else None
    if gray is None or gray.shape != (px_h, px_w) or float(gray[::16, ::16].mean()) < MIN_MEAN_GRAY:
        return None
    turns = (page.get_rotation() // 90) % 4  # /Rotate is clockwise; rot90 turns counter-clockwise
    if turns:
        gray = np.ascontiguousarray(np.rot90(gray, k=-turns))
    return gray, (dpi_x + dpi_y) / 2.0
