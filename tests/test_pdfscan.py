"""A scanner's PDF page read straight from its JPEG: taken only when nothing else could show."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from reportlab.pdfgen.canvas import Canvas

from scanner.ingest import MAX_PAGE_PIXELS, PDF_DPI, load_page
from scanner.model import PageRef
from scanner.pdfscan import embedded_scan


def _scan(path: Path, size: tuple[int, int] = (900, 1200), *, colour: bool = False, dark: bool = False) -> Path:
    """A JPEG 'scan': white paper, a frame, some strokes that make orientation visible."""
    h, w = size
    rng = np.random.default_rng(3)
    img = np.full((h, w, 3), 40 if dark else 235, np.uint8)
    img += rng.integers(0, 12, img.shape, dtype=np.uint8)
    ink = (250, 250, 250) if dark else (20, 30, 160)
    cv2.rectangle(img, (30, 30), (w - 30, h - 30), ink, 3)
    cv2.putText(img, "GAUTHIER 80200", (60, 160), cv2.FONT_HERSHEY_SIMPLEX, 2.5, ink, 6)
    cv2.circle(img, (w - 150, h - 150), 60, ink, -1)  # a blob in one corner only
    if not colour:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    ok, data = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    path.write_bytes(data.tobytes())
    return path


def _pdf(path: Path, jpeg: Path, dpi: float = 300.0, *, rotate: int = 0, text: bool = False) -> Path:
    """A one-page PDF holding ``jpeg`` full page at ``dpi`` (reportlab embeds JPEG data as is)."""
    h, w = cv2.imread(str(jpeg), cv2.IMREAD_GRAYSCALE).shape
    page_w, page_h = w * 72.0 / dpi, h * 72.0 / dpi
    c = Canvas(str(path), pagesize=(page_w, page_h))
    c.drawImage(str(jpeg), 0, 0, width=page_w, height=page_h)
    if text:
        c.drawString(20, 20, "stamp")
    c.showPage()
    c.save()
    if rotate:  # /Rotate set afterwards: reportlab's own rotation also swaps the page's box
        with pdfium.PdfDocument(path.read_bytes()) as doc:
            doc[0].set_rotation(rotate)
            doc.save(path)
    return path


def _direct(pdf: Path) -> tuple[np.ndarray, float] | None:
    with pdfium.PdfDocument(pdf) as doc:
        page = doc[0]
        try:
            return embedded_scan(page, PDF_DPI, MAX_PAGE_PIXELS)
        finally:
            page.close()


def _rendered(pdf: Path) -> np.ndarray:
    with pdfium.PdfDocument(pdf) as doc:
        page = doc[0]
        bitmap = page.render(scale=PDF_DPI / 72.0, grayscale=True)
        out = bitmap.to_numpy().copy()
        page.close()
    return out[:, :, 0] if out.ndim == 3 else out


def _close(rendered: np.ndarray, direct: np.ndarray) -> bool:
    """Same picture, up to pdfium's resampling (and its rounding of the page's size up a pixel)."""
    h, w = direct.shape
    if abs(rendered.shape[0] - h) > 1 or abs(rendered.shape[1] - w) > 1:
        return False
    h, w = min(h, rendered.shape[0]), min(w, rendered.shape[1])
    return float(np.abs(rendered[:h, :w].astype(int) - direct[:h, :w].astype(int)).mean()) < 4.0


@pytest.mark.parametrize("colour", [False, True])
def test_scanned_page_is_its_jpeg_decoded_to_gray(tmp_path: Path, colour: bool) -> None:
    jpeg = _scan(tmp_path / "p.jpg", colour=colour)
    pdf = _pdf(tmp_path / "p.pdf", jpeg)
    page = load_page(PageRef("p.pdf", str(pdf), 1))
    own = cv2.imread(str(jpeg), cv2.IMREAD_GRAYSCALE)
    assert page.dpi == pytest.approx(300.0)
    assert np.array_equal(page.image, own)  # the scan's own pixels, not a resampled copy
    # and what a viewer shows: pdfium's rendering differs only by its resampling
    assert _close(_rendered(pdf), own)


def test_same_scan_as_pdf_or_jpeg_gives_the_same_pixels_and_hash(tmp_path: Path) -> None:
    jpeg = _scan(tmp_path / "same.jpg", colour=True)
    pdf = _pdf(tmp_path / "same.pdf", jpeg)
    as_pdf = load_page(PageRef("same.pdf", str(pdf), 1))
    as_jpeg = load_page(PageRef("same.jpg", str(jpeg), 1))
    assert np.array_equal(as_pdf.image, as_jpeg.image)
    assert as_pdf.sha256 == as_jpeg.sha256  # so the second copy is known as the same sheet


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_page_rotation_is_applied_as_a_viewer_does(tmp_path: Path, rotate: int) -> None:
    pdf = _pdf(tmp_path / "r.pdf", _scan(tmp_path / "r.jpg"), rotate=rotate)
    direct = _direct(pdf)
    assert direct is not None
    assert _close(_rendered(pdf), direct[0])
    upright = cv2.imread(str(tmp_path / "r.jpg"), cv2.IMREAD_GRAYSCALE)
    assert float(np.abs(upright.astype(int) - np.rot90(direct[0], k=rotate // 90).astype(int)).mean()) == 0.0


def test_other_pages_are_rendered(tmp_path: Path) -> None:
    jpeg = _scan(tmp_path / "s.jpg")
    # a stamp drawn over the scan: only rendering shows it
    assert _direct(_pdf(tmp_path / "text.pdf", jpeg, text=True)) is None
    # 200 DPI: pdfium resamples it to the 300 DPI pages are read at
    low = _pdf(tmp_path / "low.pdf", jpeg, dpi=200.0)
    assert _direct(low) is None
    page = load_page(PageRef("low.pdf", str(low), 1))
    assert page.dpi == pytest.approx(300.0)
    assert abs(page.image.shape[0] - 1350) <= 1 and abs(page.image.shape[1] - 1800) <= 1
    # a mostly dark picture is no plain scan (an inverting /Decode would look like this)
    assert _direct(_pdf(tmp_path / "dark.pdf", _scan(tmp_path / "d.jpg", dark=True))) is None
    # vector pages have no image at all
    c = Canvas(str(tmp_path / "vector.pdf"))
    c.drawString(100, 100, "petition")
    c.showPage()
    c.save()
    assert _direct(tmp_path / "vector.pdf") is None
