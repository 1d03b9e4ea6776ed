"""Input files to decoded pages, one page at a time.

Pages stream: a 500-page PDF is rendered page by page and never held whole in
memory. Bad input (corrupt, empty, password-protected, undecodable pages)
becomes a :class:`PageFailure` naming the file and page, never an exception out
of the iterators, so one bad file cannot stop a batch.

PDFs are rendered in-process with pypdfium2, 3 to 9 times faster than poppler's
pdftoppm in a subprocess (what pdf2image runs): A4 at 300 DPI took 0.018 s
(vector) / 0.116 s (scanned JPEG page) against 0.163 s / 0.376 s; on the
200-page bench scan 0.18 s against 0.62 s (``tools/bench_layout.py PDF
--renderers``). A scanner's page (one JPEG filling the page) is not rendered at
all: its JPEG is decoded straight to gray (:mod:`scanner.pdfscan`).
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from scanner.errors import PageError
from scanner.inputs import SUPPORTED_SUFFIXES, InputFile, find_inputs, iter_inputs  # noqa: F401 (re-exported)
from scanner.model import PageFailure, PageImage, PageRef
from scanner.pdfscan import embedded_scan

log = logging.getLogger(__name__)

#: Resolution PDF pages are rendered at.
PDF_DPI = 300.0
#: A PDF is reopened after this many pages to drop pdfium's per-document image cache.
REOPEN_EVERY = 20
#: Largest decoded page (pixels); bigger pages are rendered/decoded smaller.
MAX_PAGE_PIXELS = 40_000_000
_A4_LONG_IN = 297.0 / 25.4


class _Bad(Exception):
    """Internal: a decoding failure with a user-facing reason and hint."""

    def __init__(self, reason: str, hint: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


# --- decoding ---------------------------------------------------------------------------


def _sniff(path: Path) -> str:
    """The file's real kind from its first bytes (extensions lie)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except FileNotFoundError:
        raise _Bad("file not found", "Check the path; the file may have been moved.") from None
    except OSError as exc:
        raise _Bad(f"cannot open the file ({exc.strerror})") from None
    if not head:
        raise _Bad("empty file (0 bytes)", "The file is empty: scan or copy it again.")
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    return "image"


def _open_pdf(path: Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium.raw.FPDF_ERR_PASSWORD:
            raise _Bad(
                "password-protected PDF", "Remove the password (e.g. 'qpdf --decrypt in.pdf out.pdf') and run again."
            ) from None
        if code == pdfium.raw.FPDF_ERR_SECURITY:
            raise _Bad("PDF uses an unsupported security handler", "Save an unprotected copy and run again.") from None
        raise _Bad("not a readable PDF (damaged or truncated)", "Export or scan the file again.") from None
    except OSError as exc:
        raise _Bad(f"cannot open the file ({exc.strerror})") from None


def _render_pdf_page(doc: pdfium.PdfDocument, index: int) -> tuple[np.ndarray, float]:
    try:
        page = doc[index]
    except (pdfium.PdfiumError, IndexError) as exc:
        raise _Bad(f"page cannot be decoded ({exc})", "The PDF is damaged: export or scan it again.") from None
    try:
        w_pt, h_pt = page.get_size()
        scale = PDF_DPI / 72.0
        if w_pt * h_pt * scale * scale > MAX_PAGE_PIXELS:
            scale = float(np.sqrt(MAX_PAGE_PIXELS / max(w_pt * h_pt, 1.0)))
        if w_pt <= 0 or h_pt <= 0:
            raise _Bad("page has no area", "The PDF is damaged: export or scan it again.")
        direct = embedded_scan(page, PDF_DPI, MAX_PAGE_PIXELS)
        if direct is not None:
            return direct
        # BGRX: pdfium's native layout, 10% faster to render than BGR; same gray
        bitmap = page.render(scale=scale, may_draw_forms=False, prefer_bgrx=True)
        # straight from pdfium's buffer to gray: no page-sized colour copy
        gray = _bitmap_gray(bitmap.to_numpy(), bitmap.mode)
        bitmap.close()
    except pdfium.PdfiumError as exc:
        raise _Bad(f"page cannot be rendered ({exc})", "The PDF is damaged: export or scan it again.") from None
    finally:
        page.close()
    return gray, scale * 72.0


def _bitmap_gray(arr: np.ndarray, mode: str) -> np.ndarray:
    """pdfium bitmap to contiguous HxW gray (OpenCV's weights, as for any page)."""
    if arr.ndim == 2:
        return np.ascontiguousarray(arr)
    codes = {
        "RGB": cv2.COLOR_RGB2GRAY,
        "RGBA": cv2.COLOR_RGBA2GRAY,
        "RGBX": cv2.COLOR_RGBA2GRAY,
        "BGR": cv2.COLOR_BGR2GRAY,
        "BGRA": cv2.COLOR_BGRA2GRAY,
        "BGRX": cv2.COLOR_BGRA2GRAY,
    }
    return cv2.cvtColor(arr, codes.get(mode, cv2.COLOR_BGR2GRAY if arr.shape[2] == 3 else cv2.COLOR_BGRA2GRAY))


def _pil_to_gray(im: Image.Image) -> np.ndarray:
    """Any PIL frame (1, L, I;16, P, RGBA, CMYK...) to HxW gray uint8.

    Colour is converted with OpenCV's weights (not PIL's), so a page gives the
    same gray whether it came as a PDF or as an image.
    """
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        a = np.asarray(im, dtype=np.float32)
        hi = float(a.max()) or 1.0
        return np.clip(a * (255.0 / hi), 0, 255).astype(np.uint8)
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, rgba)
    if im.mode in ("1", "L"):
        return np.ascontiguousarray(np.asarray(im.convert("L")))
    return cv2.cvtColor(np.asarray(im.convert("RGB")), cv2.COLOR_RGB2GRAY)


def _stated_dpi(im: Image.Image) -> tuple[float, float]:
    """The (x, y) resolution the file states, 0 when absent or unreadable."""
    dpi = im.info.get("dpi")
    try:
        x, y = (float(dpi[0]), float(dpi[1])) if dpi else (0.0, 0.0)
    except (TypeError, ValueError, IndexError):
        return 0.0, 0.0
    return x, y


def _image_dpi(im: Image.Image, shape: tuple[int, ...]) -> float:
    """The scan resolution if the file states a plausible one, else a guess from A4."""
    value = max(_stated_dpi(im))
    guess = max(shape[0], shape[1]) / _A4_LONG_IN
    # Phones write 72 DPI whatever the picture; trust only values that match the size.
    if 100 <= value <= 1200 and 0.5 < guess / value < 2.0:
        return value
    return guess


def _square_pixels(gray: np.ndarray, im: Image.Image) -> np.ndarray:
    """Faxes are 204 x 98 DPI: stretch the coarse axis so pixels are square."""
    x, y = _stated_dpi(im)
    if not (50 <= x <= 1200 and 50 <= y <= 1200) or abs(x / y - 1.0) < 0.05:
        return gray
    h, w = gray.shape[:2]
    if x > y:
        return cv2.resize(gray, (w, round(h * x / y)), interpolation=cv2.INTER_LINEAR)
    return cv2.resize(gray, (round(w * y / x), h), interpolation=cv2.INTER_LINEAR)


def _decode_frame(frame: Image.Image) -> tuple[np.ndarray, float]:
    try:
        w, h = frame.size
        if frame.format in ("JPEG", "MPO"):  # MPO: a phone's JPEG with a second picture
            # libjpeg hands out its luma plane as gray: no colour conversion, and the same
            # pixels as a PDF holding this JPEG (scanner.pdfscan) or OpenCV's gray decoding
            k = max(1.0, float(np.sqrt(w * h / MAX_PAGE_PIXELS)))
            frame.draft("L", (int(w / k), int(h / k)))
        upright = ImageOps.exif_transpose(frame)
        gray = _square_pixels(_pil_to_gray(upright), frame)
        dpi = _image_dpi(frame, gray.shape)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        hint = "The file is damaged or truncated: copy or scan it again."
        raise _Bad(f"image cannot be decoded ({exc})", hint) from None
    if gray.shape[0] < 200 or gray.shape[1] < 200:
        raise _Bad(f"image too small to read ({gray.shape[1]}x{gray.shape[0]} px)", "Scan at 200 DPI or more.")
    return gray, dpi


def _open_image(path: Path) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(path)
    except UnidentifiedImageError:
        hint = "Only PDF, JPEG, PNG and TIFF are read."
        raise _Bad("not a readable image (unknown or damaged format)", hint) from None
    except (OSError, Image.DecompressionBombError) as exc:
        raise _Bad(f"cannot open the image ({exc})") from None


def pixel_hash(image: np.ndarray) -> str:
    """SHA-256 of the decoded page's pixels (and its size): the same scan in two files.

    Exact, not perceptual: decoders that round differently (another JPEG library,
    a colour JPEG decoded to gray by another route) give different pixels, and
    the 0.06% of pixels that differ by one or two levels already change a
    quantised thumbnail's hash as well, so a thumbnail bought no robustness for
    its cost (8-13 ms a page against 5). Different sheets never collide
    (handwriting, serial QR, scanner noise differ).
    """
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else np.ascontiguousarray(image)
    digest = hashlib.sha256(f"{gray.shape[0]}x{gray.shape[1]}:".encode())
    digest.update(gray.data)
    return digest.hexdigest()


def _page(ref: PageRef, gray: np.ndarray, dpi: float) -> PageImage:
    return PageImage(ref=ref, image=gray, dpi=dpi, sha256=pixel_hash(gray))


def _walk_pdf(f: InputFile, doc: pdfium.PdfDocument, decode: bool) -> Iterator[PageImage | PageRef | PageFailure]:
    """Pages of an opened PDF. The document is reopened every REOPEN_EVERY pages: pdfium
    caches decoded images per document, which otherwise grows with every page read."""
    try:
        n = len(doc)
        if n == 0:
            yield PageFailure(PageRef(f.source, str(f.path), 0), "PDF has no pages", "Export or scan the file again.")
        for i in range(n):
            ref = PageRef(f.source, str(f.path), i + 1)
            if not decode:
                yield ref
                continue
            if i and i % REOPEN_EVERY == 0:
                doc.close()
                try:
                    doc = _open_pdf(f.path)
                except _Bad as bad:
                    yield PageFailure(ref, bad.reason, bad.hint)
                    return
            try:
                gray, dpi = _render_pdf_page(doc, i)
            except _Bad as bad:
                yield PageFailure(ref, bad.reason, bad.hint)
                continue
            yield _page(ref, gray, dpi)
    finally:
        doc.close()


def _walk(f: InputFile, decode: bool) -> Iterator[PageImage | PageRef | PageFailure]:
    """Pages of ``f`` (decoded or as refs); failures as PageFailure, never raised."""
    whole = PageRef(f.source, str(f.path), 0)
    try:
        kind = _sniff(f.path)
        if kind == "pdf":
            doc = _open_pdf(f.path)
        else:
            im = _open_image(f.path)
    except _Bad as bad:
        yield PageFailure(whole, bad.reason, bad.hint)
        return
    if kind == "pdf":
        yield from _walk_pdf(f, doc, decode)
        return
    with im:
        frames: Iterator[Image.Image] = ImageSequence.Iterator(im) if kind == "tiff" else iter([im])
        k = 0
        while True:
            ref = PageRef(f.source, str(f.path), k + 1)
            try:
                frame = next(frames)
            except StopIteration:
                break
            except (OSError, ValueError, EOFError) as exc:
                yield PageFailure(ref, f"page cannot be decoded ({exc})", "The TIFF is damaged: scan it again.")
                break
            k += 1
            if not decode:
                yield ref
                continue
            try:
                gray, dpi = _decode_frame(frame)
            except _Bad as bad:
                yield PageFailure(ref, bad.reason, bad.hint)
                continue
            yield _page(ref, gray, dpi)
        if k == 0:
            yield PageFailure(whole, "image has no pages", "Scan the page again.")


def iter_pages(f: InputFile) -> Iterator[PageImage | PageFailure]:
    """Decode the pages of ``f`` one at a time (PDF at 300 DPI, EXIF orientation applied)."""
    for item in _walk(f, decode=True):
        assert not isinstance(item, PageRef)
        yield item


def page_refs(f: InputFile) -> Iterator[PageRef | PageFailure]:
    """The pages of ``f`` without decoding them (for jobs that carry refs only)."""
    for item in _walk(f, decode=False):
        assert not isinstance(item, PageImage)
        yield item


def load_page(ref: PageRef) -> PageImage:
    """Decode one page from its ref, in a worker; raises PageError if it cannot."""
    path = Path(ref.path)
    try:
        kind = _sniff(path)
        if kind == "pdf":
            with _open_pdf(path) as doc:
                if not 1 <= ref.page <= len(doc):
                    raise _Bad(f"no page {ref.page} (the PDF has {len(doc)})")
                gray, dpi = _render_pdf_page(doc, ref.page - 1)
            return _page(ref, gray, dpi)
        with _open_image(path) as im:
            try:
                im.seek(ref.page - 1)
            except (EOFError, ValueError):
                raise _Bad(f"no page {ref.page} in the image file") from None
            except OSError as exc:
                raise _Bad(f"page cannot be decoded ({exc})") from None
            gray, dpi = _decode_frame(im)
        return _page(ref, gray, dpi)
    except _Bad as bad:
        raise PageError(ref.source, ref.page or None, bad.reason, bad.hint or None) from None
