"""The order pages go to a pool: the batch's last stretch heaviest first, guessed from image bytes."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest
from reportlab.pdfgen.canvas import Canvas

from scanner.forms import Form
from scanner.model import PageRef
from scanner.run import schedule
from scanner.run.schedule import order_for_pool, page_costs
from tests.sheets import fill_printed, printed_page


def _jpeg(path: Path, image: np.ndarray) -> Path:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    path.write_bytes(data.tobytes())
    return path


def _pdf(path: Path, jpegs: list[Path | None], dpi: float = 300.0) -> Path:
    """One page per JPEG, full page; ``None`` makes a page of vector text only."""
    c = Canvas(str(path), pagesize=(595, 842))
    for jpeg in jpegs:
        if jpeg is None:
            c.drawString(72, 720, "Petition: a page of vector text, no image")
        else:
            h, w = cv2.imread(str(jpeg), cv2.IMREAD_GRAYSCALE).shape
            c.setPageSize((w * 72.0 / dpi, h * 72.0 / dpi))
            c.drawImage(str(jpeg), 0, 0, width=w * 72.0 / dpi, height=h * 72.0 / dpi)
        c.showPage()
    c.save()
    return path


@pytest.fixture(scope="module")
def sheets(tmp_path_factory: pytest.TempPathFactory, surveillance_form: Form) -> dict[int, Path]:
    """Printed sheets at 150 DPI with 0, 1, 5 and 10 (all) filled lines, as JPEG files."""
    out = tmp_path_factory.mktemp("sheets")
    paths = {}
    for filled in (0, 1, 5, 10):
        page = printed_page(surveillance_form, dpi=150.0)
        fill_printed(page, surveillance_form, {i: "DUPONT Marie" for i in range(filled)}, dpi=150.0, seed=filled)
        paths[filled] = _jpeg(out / f"filled-{filled}.jpg", page)
    return paths


def test_a_page_with_more_filled_lines_is_guessed_heavier(sheets: dict[int, Path], tmp_path: Path) -> None:
    """The premise: ink is filled lines, and filled lines are cells to read."""
    pdf = _pdf(tmp_path / "batch.pdf", [sheets[5], sheets[0], sheets[10], sheets[1]])
    refs = [PageRef("batch.pdf", str(pdf), n) for n in (1, 2, 3, 4)]
    costs = page_costs(refs)
    assert costs[1] < costs[3] < costs[0] < costs[2]
    # image files are guessed by their size, in the same order
    files = page_costs([PageRef(p.name, str(p), 1) for _, p in sorted(sheets.items())])
    assert files == sorted(files) and len(set(files)) == 4


def test_the_tail_goes_heaviest_first_and_the_head_keeps_file_order(
    sheets: dict[int, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schedule, "TAIL_PER_WORKER", 2)
    order = [1, 10, 0, 5, 10, 1, 0, 5, 10, 1]  # filled lines of pages 1..10
    pdf = _pdf(tmp_path / "batch.pdf", [sheets[n] for n in order])
    refs = [PageRef("batch.pdf", str(pdf), n) for n in range(1, 11)]
    got = order_for_pool(refs, workers=2)
    assert sorted(got, key=lambda r: r.page) == refs  # every page, once
    assert got[:6] == refs[:6]  # before the last 2 x 2 pages: file order
    assert [order[r.page - 1] for r in got[6:]] == [10, 5, 1, 0]
    assert order_for_pool(refs, workers=1) == refs  # one worker: nothing to balance


def test_a_page_that_cannot_be_guessed_goes_first(sheets: dict[int, Path], tmp_path: Path) -> None:
    """A vector page, a damaged PDF or a vanished file: unknown cost, handed out as a heavy page."""
    pdf = _pdf(tmp_path / "mixed.pdf", [sheets[0], None, sheets[10]])
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(b"%PDF-1.4\n% truncated")
    refs = [
        PageRef("mixed.pdf", str(pdf), 1),
        PageRef("mixed.pdf", str(pdf), 2),
        PageRef("mixed.pdf", str(pdf), 3),
        PageRef("damaged.pdf", str(damaged), 1),
        PageRef("gone.png", str(tmp_path / "gone.png"), 1),
        PageRef("mixed.pdf", str(pdf), 9),  # beyond the document's end
    ]
    costs = page_costs(refs)
    assert costs[0] < costs[2] < math.inf
    assert costs[1:2] + costs[3:] == [math.inf] * 4
    got = order_for_pool(refs, workers=2)
    assert got[:4] == [refs[1], refs[3], refs[4], refs[5]]  # unknown first, in file order
    assert got[4:] == [refs[2], refs[0]]
