from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import zxingcpp

from scanner.forms import Form
from scanner.layout import MARKER_IDS, sheet_layout
from scanner.model import SheetId
from scanner.printing import PrintOptions, print_sheets


def _render(pdf: Path, dpi: int = 150) -> list[np.ndarray]:
    doc = pdfium.PdfDocument(str(pdf))
    pages = []
    for i in range(len(doc)):
        img = doc[i].render(scale=dpi / 72).to_numpy()
        pages.append(cv2.cvtColor(img[:, :, :3], cv2.COLOR_RGB2GRAY))
    doc.close()
    return pages


def test_printed_sheets_carry_markers_and_a_decodable_qr(tmp_path: Path, surveillance_form: Form) -> None:
    out = tmp_path / "sheets.pdf"
    sheets = print_sheets(surveillance_form, out, PrintOptions(copies=2, campaign="rennes-2026"))
    assert len({s.serial for s in sheets}) == 2
    pages = _render(out)
    assert len(pages) == 2
    detector = cv2.aruco.ArucoDetector(
        cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50), cv2.aruco.DetectorParameters()
    )
    layout = sheet_layout(surveillance_form)
    k = 150 / 25.4
    for page, sheet in zip(pages, sheets, strict=True):
        corners, ids, _ = detector.detectMarkers(page)
        assert ids is not None and sorted(ids.ravel().tolist()) == list(MARKER_IDS)
        for c, mid in zip(corners, ids.ravel(), strict=True):
            box = layout.markers[int(mid)].scale(k)
            # the detected top-left corner is where the layout says
            assert abs(c[0][0][0] - box.x0) < 3 and abs(c[0][0][1] - box.y0) < 3
        texts = [r.text for r in zxingcpp.read_barcodes(page)]
        parsed = [SheetId.parse(t) for t in texts]
        assert sheet in parsed
        assert sheet.form == "surveillance-fr" and sheet.campaign == "rennes-2026"
        assert sheet.fingerprint == surveillance_form.fingerprint()


def test_rows_are_tall_enough_and_cells_blank(tmp_path: Path, surveillance_form: Form) -> None:
    layout = sheet_layout(surveillance_form)
    heights = np.diff(layout.row_edges)
    assert heights.min() >= 12.0
    out = tmp_path / "one.pdf"
    print_sheets(surveillance_form, out, PrintOptions(serials=("ABCDEFGHJK",)))
    page = _render(out)[0]
    k = 150 / 25.4
    # inside a name cell, away from the rules, the paper is blank; the drop-out
    # guides of the postcode cell are light (no pixel darker than mid-grey)
    x0, y0, x1, y1 = layout.cell(0, 0).inset(1.5).scale(k).ints()
    assert page[y0:y1, x0:x1].min() > 200
    x0, y0, x1, y1 = layout.cell(0, 3).inset(0.5).scale(k).ints()
    assert page[y0:y1, x0:x1].min() > 140


def test_sheet_id_payload_round_trip() -> None:
    s = SheetId(form="f", fingerprint="abcd1234", campaign="c", serial="XYZ")
    assert SheetId.parse(s.payload()) == s
    assert SheetId.parse("https://example.org") is None
