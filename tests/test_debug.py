"""--debug pictures: one for every page tried, refused pages included, named in the report."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from _store_fixtures import FORM, page

from pipeline import main
from scanner.debug import (
    REFUSED_LONG_SIDE,
    debug_png_name,
    find_debug_png,
    look_at,
    render_refused,
    save_page_picture,
)
from scanner.ingest import load_page
from scanner.model import PageImage, PageRef
from scanner.output.report import write_report
from scanner.run.pagejob import JobSettings, PageReader
from scanner.store import Store

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "samples" / "demo"
FOREIGN = ROOT / "samples" / "foreign.yaml"


def _demo_page(name: str, number: int) -> PageImage:
    return load_page(PageRef(name, str(DEMO / name), number))


def _red_text(img: np.ndarray) -> bool:
    """The band's headline is written in red."""
    b, g, r = img[..., 0].astype(int), img[..., 1].astype(int), img[..., 2].astype(int)
    return bool(((r > 180) & (g < 90) & (b < 90)).sum() > 200)


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cover letter (refused) in a sub-folder, a damaged PDF (no picture possible) and a fax (read)."""
    folder = tmp_path_factory.mktemp("batch")
    (folder / "sub").mkdir()
    src = pdfium.PdfDocument(DEMO / "scan-002.pdf")
    letter = pdfium.PdfDocument.new()
    letter.import_pages(src, [len(src) - 1])  # its last page is a cover letter, not a petition
    letter.save(folder / "sub" / "letter.pdf")
    letter.close()
    src.close()
    shutil.copy(DEMO / "damaged.pdf", folder / "damaged.pdf")
    shutil.copy(DEMO / "fax-001.png", folder / "fax-001.png")
    return folder


def test_picture_names_follow_the_convention(tmp_path: Path) -> None:
    assert debug_png_name("a/b c.pdf", 3) == "a__b c.pdf-p003.png"
    assert debug_png_name("a/b c.pdf", 3, refused=True) == "a__b c.pdf-p003-refused.png"
    assert find_debug_png(tmp_path, "x.pdf", 1) is None
    ref = PageRef("sub/x.pdf", "/x.pdf", 1)
    img = np.full((20, 30, 3), 255, np.uint8)
    read = save_page_picture(tmp_path, ref, img, refused=False)
    assert find_debug_png(tmp_path, "sub/x.pdf", 1) == read
    # refused in a later run: the picture of the reading then goes, one picture per page stays
    refused = save_page_picture(tmp_path, ref, img, refused=True)
    assert refused.name == "sub__x.pdf-p001-refused.png" and not read.exists()
    assert find_debug_png(tmp_path, "sub/x.pdf", 1) == refused
    save_page_picture(tmp_path, ref, img, refused=False)
    assert not refused.exists()


def test_process_debug_pictures_every_page_tried_and_the_report_names_the_refused_one(
    batch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, debug = tmp_path / "out", tmp_path / "out" / "debug"
    code = main(["process", str(batch), "--form", str(FOREIGN), "--out", str(out), "--debug", str(debug),
                 "--workers", "1", "-q"])
    err = capsys.readouterr().err
    assert code == 1
    refused = debug / "sub__letter.pdf-p001-refused.png"
    assert sorted(p.name for p in debug.iterdir()) == ["fax-001.png-p001.png", refused.name]
    img = cv2.imread(str(refused))
    assert img is not None and img.shape[0] > img.shape[1]  # a portrait letter, with the band above it
    assert img.shape[1] <= REFUSED_LONG_SIDE and _red_text(img[: img.shape[0] // 8])
    assert f"sub/letter.pdf, page 1: not a petition sheet (no markers or table found) (picture: {refused})" in err

    md = (out / "report.md").read_text(encoding="utf-8")
    name = "debug/sub__letter.pdf-p001-refused.png"
    assert f"| sub/letter.pdf | 1 | not a petition sheet (no markers or table found) | [`{name}`](<{name}>) |" in md
    assert "| damaged.pdf | (file) | not a readable PDF (damaged or truncated) | (none) |" in md
    page_html = (out / "report.html").read_text(encoding="utf-8")
    assert f'<a href="{name}"><code>{name}</code></a>' in page_html


def test_a_debug_picture_that_cannot_be_written_never_fails_the_page(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "debug"
    not_a_folder.write_text("a file where the folder should be")
    reader = PageReader(JobSettings(form_spec=str(FOREIGN), engines=("tesseract",), debug_dir=str(not_a_folder)))
    try:
        refused = reader.read(_demo_page("scan-002.pdf", 3))
        read = reader.read(_demo_page("fax-001.png", 1))
    finally:
        reader.close()
    assert refused.error == "not a petition sheet (no markers or table found)"
    assert read.ok and read.rows


def test_refused_picture_shows_the_rules_and_markers_found() -> None:
    turned = _demo_page("foreign-001.pdf", 2)  # upside down and skewed
    seen = look_at(turned)
    assert (len(seen.rules.ys), len(seen.rules.xs)) == (18, 7)  # header, 16 lines; 6 columns
    assert seen.skew is not None and not seen.markers
    assert "so 6 columns as the page lies" in seen.summary()
    printed = _demo_page("photo-001.jpg", 1)
    img = render_refused(printed, "only 2 of 4 corner markers found", "Rescan the sheet.")
    assert max(img.shape[:2]) <= REFUSED_LONG_SIDE + 400  # the page at 1600 px, plus the band
    assert len(look_at(printed).markers) == 4
    magenta = (img[..., 0] > 150) & (img[..., 1] < 80) & (img[..., 2] > 150)
    assert magenta.sum() > 500


def test_report_names_the_picture_only_when_it_exists(store: Store, tmp_path: Path) -> None:
    run = store.start_run(["process", "scans/"], "0.1.0", forms=[FORM])
    store.save_page(run, page("a b.pdf", 2, [], error="no table found on the page"))
    store.save_page(run, page("c.pdf", 1, [], error="blank page"))
    store.finish_run(run, "partial")
    debug = tmp_path / "pictures"  # outside the output folder: named by its full path
    save_page_picture(debug, PageRef("a b.pdf", "/a b.pdf", 2), np.zeros((4, 4, 3), np.uint8), refused=True)
    out = tmp_path / "out"
    out.mkdir()
    md = write_report(store, run, out, debug).markdown.read_text(encoding="utf-8")
    shown = (debug / "a b.pdf-p002-refused.png").resolve()
    assert f"| a b.pdf | 2 | no table found on the page | [`{shown}`](<{shown.as_uri()}>) |" in md
    assert "| c.pdf | 1 | blank page | (none) |" in md
    plain = write_report(store, run, out).markdown.read_text(encoding="utf-8")
    assert "| c.pdf | 1 | blank page |\n" in plain and "--debug" not in plain
