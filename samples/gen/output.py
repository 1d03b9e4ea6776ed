"""Files as scanners and phones write them, and a reader for the stored pages.

Scanner PDFs hold one JPEG per page (DCTDecode, page size from the scan
resolution), written by a small streaming writer so that a 200-page bench PDF
never sits in memory and each page keeps its own resolution.
"""

from __future__ import annotations

import io
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps

EXIF_ORIENTATION = 0x0112


def to_pil(img: np.ndarray, mode: str) -> Image.Image:
    """An RGB array as a PIL image in ``mode`` ("RGB", "L" or "1")."""
    im = Image.fromarray(img, "RGB")
    if mode == "L":
        return im.convert("L")
    if mode == "1":
        return im.convert("L").point(lambda v: 255 if v >= 128 else 0).convert("1", dither=Image.Dither.NONE)
    return im


def jpeg_bytes(im: Image.Image, quality: int, dpi: float) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality, dpi=(dpi, dpi), optimize=True)
    return buf.getvalue()


class PdfWriter:
    """A minimal PDF of full-page JPEG images, written page by page."""

    def __init__(self, path: Path) -> None:
        self._fh: BinaryIO = path.open("wb")
        self._offsets: dict[int, int] = {}
        self._pages: list[int] = []
        self._next = 3  # 1: catalog, 2: page tree (written last)
        self._fh.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def __enter__(self) -> PdfWriter:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _obj(self, num: int, body: bytes) -> None:
        self._offsets[num] = self._fh.tell()
        self._fh.write(b"%d 0 obj\n" % num + body + b"\nendobj\n")

    def add_jpeg(self, jpeg: bytes, width: int, height: int, gray: bool, dpi: float) -> None:
        page, content, image = self._next, self._next + 1, self._next + 2
        self._next += 3
        # A hair (1/1000 pt) under the exact size: renderers round page sizes up, and float
        # noise would otherwise give one pixel more than width x height at ``dpi``.
        w_pt, h_pt = width * 72.0 / dpi - 0.001, height * 72.0 / dpi - 0.001
        cs = b"/DeviceGray" if gray else b"/DeviceRGB"
        self._obj(
            page,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.4f %.4f] /Resources << /XObject << /Im0 %d 0 R >> >> "
            b"/Contents %d 0 R >>" % (w_pt, h_pt, image, content),
        )
        ops = b"q %.4f 0 0 %.4f 0 0 cm /Im0 Do Q" % (w_pt, h_pt)
        self._obj(content, b"<< /Length %d >>\nstream\n" % len(ops) + ops + b"\nendstream")
        self._obj(
            image,
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8 "
            b"/Filter /DCTDecode /Length %d >>\nstream\n" % (width, height, cs, len(jpeg)) + jpeg + b"\nendstream",
        )
        self._pages.append(page)

    def close(self) -> None:
        if self._fh.closed:
            return
        kids = b" ".join(b"%d 0 R" % p for p in self._pages)
        self._obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
        self._obj(2, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(self._pages)))
        xref = self._fh.tell()
        size = self._next
        self._fh.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for num in range(1, size):
            self._fh.write(b"%010d 00000 n \n" % self._offsets[num])
        self._fh.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref))
        self._fh.close()


def write_jpeg(path: Path, im: Image.Image, quality: int, exif: int | None) -> None:
    """A phone photo; with ``exif`` the pixels are stored turned and the tag turns them back."""
    kwargs: dict[str, object] = {}
    if exif:
        inverse = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}
        im = im.transpose(inverse[exif])
        tags = Image.Exif()
        tags[EXIF_ORIENTATION] = exif
        kwargs["exif"] = tags.tobytes()
    im.save(path, "JPEG", quality=quality, dpi=(72, 72), optimize=True, **kwargs)


def write_tiff(path: Path, images: list[Image.Image], dpi: float, quality: int) -> None:
    first, rest = images[0], images[1:]
    first.save(path, "TIFF", save_all=True, append_images=rest, compression="jpeg", quality=quality, dpi=(dpi, dpi))


def write_png(path: Path, im: Image.Image, dpi: float) -> None:
    im.save(path, "PNG", dpi=(dpi, dpi), optimize=True)


def write_corrupt(path: Path, rng: np.random.Generator, template: bytes = b"") -> None:
    """A file that cannot be read: a PDF header and garbage, or a cut-off image."""
    if template:
        path.write_bytes(template[: max(64, len(template) // 3)])
    else:
        body = rng.integers(0, 256, 3000, dtype=np.uint8).tobytes()
        path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R" + body)


def read_page(path: Path, page: int) -> np.ndarray:
    """A stored page image as RGB, EXIF orientation applied (the pixels truth.json
    describes). PDF pages are the embedded image itself, not a re-render."""
    if path.suffix.lower() == ".pdf":
        doc = pdfium.PdfDocument(str(path))
        try:
            pg = doc[page - 1]
            obj = next(pg.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)))
            im = obj.get_bitmap(render=False).to_pil()
            return np.asarray(im.convert("RGB"))
        finally:
            doc.close()
    with Image.open(path) as im:
        im.seek(page - 1)
        frame = ImageOps.exif_transpose(im) or im
        return np.asarray(frame.convert("RGB"))
