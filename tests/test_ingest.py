"""Input files to pages: order, names, formats, and bad input that must not stop a batch."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen.canvas import Canvas

from scanner.errors import PageError
from scanner.forms import FormRegistry
from scanner.ingest import InputFile, PageFailure, iter_inputs, iter_pages, load_page, page_refs, pixel_hash
from scanner.model import PageImage, PageRef
from scanner.printing import PrintOptions, print_sheets


def _pdf(path: Path, copies: int = 2) -> Path:
    form = FormRegistry.load().get("surveillance-fr")
    assert form is not None
    print_sheets(form, path, PrintOptions(copies=copies, campaign="t", serials=tuple(f"S{i}" for i in range(copies))))
    return path


def _one(f: Path, source: str | None = None) -> InputFile:
    return InputFile(f.resolve(), source or f.name)


def test_folders_are_searched_recursively_in_natural_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in ("scan10.png", "scan2.png", "b/x.JPG", "notes.txt", ".DS_Store", ".hidden/y.png", "photo.heic"):
        (tmp_path / name).write_bytes(b"x")
    single = tmp_path / "b" / "x.JPG"
    notes: list[str] = []
    files = iter_inputs([tmp_path, single], notes)
    assert [f.source for f in files] == ["b/x.JPG", "scan2.png", "scan10.png"]  # the file given twice counts once
    assert all(f.path.is_absolute() for f in files)
    assert any("notes.txt" in n for n in notes)
    assert any("photo.heic" in n and "JPEG" in n for n in notes)
    assert not any("y.png" in n or "DS_Store" in n for n in notes)
    assert [f.source for f in iter_inputs([single])] == ["x.JPG"]


def test_pdf_pages_stream_at_300_dpi_and_hash_stably(tmp_path: Path) -> None:
    f = _one(_pdf(tmp_path / "two.pdf"))
    gen = iter_pages(f)
    first = next(gen)  # a generator: pages come one at a time
    rest = list(gen)
    pages = [first, *rest]
    assert all(isinstance(p, PageImage) for p in pages)
    assert [p.ref.page for p in pages if isinstance(p, PageImage)] == [1, 2]
    p1 = pages[0]
    assert isinstance(p1, PageImage)
    assert p1.dpi == 300.0
    assert p1.image.dtype == np.uint8 and p1.image.shape == (2481, 3508)
    assert p1.ref.source == "two.pdf"
    again = load_page(p1.ref)
    assert again.sha256 == p1.sha256
    assert isinstance(pages[1], PageImage) and pages[1].sha256 != p1.sha256  # serials differ
    assert [r.page for r in page_refs(f) if isinstance(r, PageRef)] == [1, 2]


def test_load_page_is_picklable_and_reports_missing_pages(tmp_path: Path) -> None:
    pdf = _pdf(tmp_path / "one.pdf", copies=1)
    fn = pickle.loads(pickle.dumps(load_page))
    page = fn(PageRef("one.pdf", str(pdf), 1))
    assert pickle.loads(pickle.dumps(page)).sha256 == page.sha256
    with pytest.raises(PageError) as err:
        load_page(PageRef("one.pdf", str(pdf), 3))
    assert "one.pdf, page 3" in str(err.value)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"%PDF-1.4\n1 0 obj <<>> garbage", "not a readable PDF"),
        (b"\xff\xd8\xff\xe0 not really a jpeg", "cannot"),
    ],
)
def test_bad_files_become_failures_naming_the_file(tmp_path: Path, content: bytes, reason: str) -> None:
    name = "bad.pdf" if content.startswith(b"%PDF") or not content else "bad.jpg"
    path = tmp_path / name
    path.write_bytes(content)
    out = list(iter_pages(_one(path, f"sub/{name}")))
    assert len(out) == 1 and isinstance(out[0], PageFailure)
    assert reason in out[0].reason
    assert str(out[0]).startswith(f"sub/{name}")
    assert out[0].page is None  # the whole file
    first = next(iter(page_refs(_one(path))))
    assert isinstance(first, PageFailure) and first.reason == out[0].reason


def test_truncated_pdf_is_a_failure(tmp_path: Path) -> None:
    data = _pdf(tmp_path / "full.pdf").read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 3])
    out = list(iter_pages(_one(cut)))
    assert out and all(isinstance(p, PageFailure) for p in out)


def test_password_protected_pdf_says_so(tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    c = Canvas(str(path), encrypt=StandardEncryption("secret", "owner"))
    c.drawString(100, 100, "hello")
    c.showPage()
    c.save()
    out = list(iter_pages(_one(path)))
    assert len(out) == 1 and isinstance(out[0], PageFailure)
    assert "password" in out[0].reason and "locked.pdf" in str(out[0])
    assert out[0].hint


def test_missing_file_is_a_failure_not_an_exception(tmp_path: Path) -> None:
    files = iter_inputs([tmp_path / "gone.pdf"])
    out = list(iter_pages(files[0]))
    assert isinstance(out[0], PageFailure) and "not found" in out[0].reason


def test_jpeg_exif_orientation_is_applied(tmp_path: Path) -> None:
    arr = np.full((300, 500, 3), 255, np.uint8)
    arr[:50, :50] = 0  # a dark corner, top-left as stored
    im = Image.fromarray(arr)
    exif = im.getexif()
    exif[0x0112] = 6  # stored rotated: display turned 90 degrees clockwise
    path = tmp_path / "phone.jpg"
    im.save(path, exif=exif, quality=95)
    (page,) = list(iter_pages(_one(path)))
    assert isinstance(page, PageImage)
    assert page.image.shape[:2] == (500, 300)
    assert page.image[:40, -40:].mean() < 60  # the dark corner is now top-right


def test_multipage_tiff_and_alpha_png(tmp_path: Path) -> None:
    frames = [Image.fromarray(np.full((400, 300), v, np.uint8)) for v in (10, 120, 240)]
    tif = tmp_path / "scan.tif"
    frames[0].save(tif, save_all=True, append_images=frames[1:], dpi=(200, 200))
    pages = list(iter_pages(_one(tif)))
    assert [round(float(p.image.mean())) for p in pages if isinstance(p, PageImage)] == [10, 120, 240]
    assert all(isinstance(p, PageImage) and p.image.shape == (400, 300) for p in pages)
    ref2 = [r for r in page_refs(_one(tif)) if isinstance(r, PageRef)][1]
    assert load_page(ref2).sha256 == pages[1].sha256  # type: ignore[union-attr]

    rgba = np.zeros((300, 300, 4), np.uint8)  # fully transparent: reads as white paper
    png = tmp_path / "clear.png"
    Image.fromarray(rgba, "RGBA").save(png)
    (page,) = list(iter_pages(_one(png)))
    assert isinstance(page, PageImage) and page.image.min() == 255


def test_fax_resolution_gets_square_pixels(tmp_path: Path) -> None:
    fax = Image.fromarray(np.full((98, 204), 255, np.uint8)).convert("1")
    path = tmp_path / "fax.tif"
    fax.resize((1700, 1100)).save(path, dpi=(204, 98), compression="group4")
    (page,) = list(iter_pages(_one(path)))
    assert isinstance(page, PageImage)
    assert page.image.shape[:2] == (round(1100 * 204 / 98), 1700) and page.dpi == 204.0


def test_pixel_hash_follows_the_content() -> None:
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (600, 800, 3), dtype=np.uint8)
    assert pixel_hash(img) == pixel_hash(img.copy())
    other = img.copy()
    other[100:200, 100:300] = 0
    assert pixel_hash(other) != pixel_hash(img)
