"""The sample generator: its truth.json must describe exactly what it drew.

A few pages are really rendered (a skewed upside-down scan, a foreign sheet, a
phone photo stored with an EXIF orientation) and checked from the stored files:
the homography puts the printed ArUco markers where OpenCV finds them, empty
lines carry no ink, crossed-out lines carry a stroke. Whole presets are checked
at plan level only (cheap): they are deterministic and cover what they promise.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # samples/ is a development tool, not part of the installed package
    sys.path.insert(0, str(ROOT))

from samples.gen.distort import Rotate, Skew  # noqa: E402
from samples.gen.handwriting import _glyph, handwriting_fonts, has_glyph  # noqa: E402
from samples.gen.output import read_page  # noqa: E402
from samples.gen.pages import FOREIGN_COLUMNS, foreign_grid  # noqa: E402
from samples.gen.people import make_person, reference_lists, strip_accents, write_person  # noqa: E402
from samples.gen.plan import FilePlan, Fill, Planner, SetPlan  # noqa: E402
from samples.gen.presets import A4_LANDSCAPE, plan_set  # noqa: E402
from samples.generate import truth_of, write_set  # noqa: E402
from scanner.forms import load_form_file, resolve_form  # noqa: E402
from scanner.layout import sheet_layout  # noqa: E402

RECT_PX_PER_MM = 8.0
#: Ink: this much darker than the paper around it (drop-out blue is ~35 darker, printed
#: rules are darker but sit on the cell borders, outside the bands looked at).
INK_CONTRAST = 55


@pytest.fixture(scope="module")
def small_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """Three rendered pages: scan (skew + 180 degrees), foreign sheet, EXIF phone photo."""
    p = Planner(seed=11)
    files = [
        FilePlan("scan.pdf", "pdf", [
            p.printed([Skew(-2.3), Rotate(2)], Fill("sparse", force_crossed=True, crossed_rate=1.0)),
            p.foreign([Skew(1.4)], Fill("half", force_crossed=True, crossed_rate=1.0)),
        ]),
        FilePlan("photo.jpg", "jpeg", [p.printed(p.photo_ops(A4_LANDSCAPE, rot=1), Fill("most"))], exif=6),
    ]  # fmt: skip
    out = tmp_path_factory.mktemp("set")
    write_set(SetPlan(11, files), out)
    return out, json.loads((out / "truth.json").read_text(encoding="utf-8"))


def _pages(truth: dict) -> list[tuple[str, dict]]:
    return [(f["file"], p) for f in truth["files"] for p in f["pages"]]


def _ink(out: Path, name: str, page: dict) -> np.ndarray:
    """Ink mask of the stored page warped back onto the sheet (mm * RECT_PX_PER_MM) with to_image.

    Relative to the local paper level, so a phone photo's shadows are not ink."""
    img = read_page(out / name, page["page"])
    to_img = np.array(page["to_image"], dtype=np.float64)
    scale = np.diag([RECT_PX_PER_MM, RECT_PX_PER_MM, 1.0])
    w_mm, h_mm = (297, 210) if page["form"] == "surveillance-fr" else (210, 297)
    size = (int(w_mm * RECT_PX_PER_MM), int(h_mm * RECT_PX_PER_MM))
    sheet = cv2.warpPerspective(img, np.linalg.inv(to_img @ np.linalg.inv(scale)), size, flags=cv2.INTER_AREA)
    gray = cv2.cvtColor(sheet, cv2.COLOR_RGB2GRAY)
    paper = cv2.dilate(gray, np.ones((21, 21), np.uint8))
    return gray.astype(np.int16) < paper.astype(np.int16) - INK_CONTRAST


def _band(ink: np.ndarray, x0: float, x1: float, y0: float, y1: float) -> np.ndarray:
    k = RECT_PX_PER_MM
    return ink[int(y0 * k) : int(y1 * k), int(x0 * k) : int(x1 * k)]


def test_stored_images_have_the_sizes_truth_gives(small_set: tuple[Path, dict]) -> None:
    out, truth = small_set
    for name, page in _pages(truth):
        img = read_page(out / name, page["page"])
        assert [img.shape[1], img.shape[0]] == page["image_size"], name


def test_homography_maps_markers_onto_the_detected_ones(small_set: tuple[Path, dict]) -> None:
    out, truth = small_set
    layout = sheet_layout(resolve_form("surveillance-fr"))
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    detector = cv2.aruco.ArucoDetector(dictionary, cv2.aruco.DetectorParameters())
    checked = 0
    for name, page in _pages(truth):
        if page["form"] != "surveillance-fr":
            continue
        gray = cv2.cvtColor(read_page(out / name, page["page"]), cv2.COLOR_RGB2GRAY)
        corners, ids, _ = detector.detectMarkers(gray)
        assert ids is not None and sorted(ids.ravel().tolist()) == [0, 1, 2, 3], name
        to_img = np.array(page["to_image"], dtype=np.float64)
        for found, marker_id in zip(corners, ids.ravel(), strict=True):
            b = layout.markers[int(marker_id)]
            mm = np.array([[[b.x0, b.y0], [b.x1, b.y0], [b.x1, b.y1], [b.x0, b.y1]]], dtype=np.float64)
            expected = cv2.perspectiveTransform(mm, to_img)[0]
            assert np.abs(expected - found[0]).max() < 3.0, (name, int(marker_id))
            checked += 1
    assert checked == 8


def test_empty_lines_have_no_ink_and_written_lines_do(small_set: tuple[Path, dict]) -> None:
    out, truth = small_set
    for name, page in _pages(truth):
        ink_mask = _ink(out, name, page)
        rows, cols = page["row_edges_mm"], page["col_edges_mm"]
        written = {r["row"] for r in page["rows"]}
        assert written and len(written) < len(rows) - 1, "the fixture wants both kinds of line"
        for i in range(len(rows) - 1):
            cells = [_band(ink_mask, cols[j] + 1.2, cols[j + 1] - 1.2, rows[i] + 1.5, rows[i + 1] - 1.5)
                     for j in range(len(cols) - 1)]  # fmt: skip
            ink = float(np.mean([c.mean() for c in cells]))
            if i + 1 in written:
                assert ink > 0.005, (name, page["page"], i + 1)
            else:
                assert ink < 0.0005, (name, page["page"], i + 1)


def test_crossed_out_lines_have_a_stroke_through_them(small_set: tuple[Path, dict]) -> None:
    out, truth = small_set
    crossed = 0
    for name, page in _pages(truth):
        ink_mask = _ink(out, name, page)
        rows, cols = page["row_edges_mm"], page["col_edges_mm"]
        names = (
            [c for c, _, _ in FOREIGN_COLUMNS]
            if page["form"] != "surveillance-fr"
            else [c.name for c in resolve_form("surveillance-fr").columns]
        )
        for r in page["rows"]:
            filled = [j for j, c in enumerate(names) if r["values"].get(c) not in ("", False)]
            y0, y1 = rows[r["row"] - 1] + 1.0, rows[r["row"]] - 1.0
            band = _band(ink_mask, cols[filled[0]] + 2.0, cols[filled[-1] + 1] - 2.0, y0, y1)
            covered = band.any(axis=0).mean()  # share of columns with ink somewhere in the line
            if r["crossed_out"]:
                crossed += 1
                assert covered > 0.97, (name, r["row"], covered)
    assert crossed >= 2


def test_same_seed_same_truth_and_another_seed_differs() -> None:
    a, b, c = truth_of(plan_set("demo", 3)), truth_of(plan_set("demo", 3)), truth_of(plan_set("demo", 4))
    assert json.dumps(a) == json.dumps(b)
    assert json.dumps(a) != json.dumps(c)


def test_demo_plan_covers_the_cases_it_promises() -> None:
    truth = truth_of(plan_set("demo", 1))
    kinds = {f["kind"] for f in truth["files"]}
    assert kinds == {"pdf", "jpeg", "png", "tiff", "corrupt"}
    pages = _pages(truth)
    assert 12 <= len(pages) <= 16
    assert any(p["form"] is None for _, p in pages)
    assert sum(p["form"] == "foreign-demo" for _, p in pages) == 2
    tags = {t.split(":")[0] for _, p in pages for t in p["distortions"]}
    assert {"skew", "rot", "photo", "dpi", "fax", "gray", "fold"} <= tags
    rows = [(name, p["page"], r) for name, p in pages for r in p["rows"]]
    assert any(r["crossed_out"] for _, _, r in rows)
    assert any(not r["values"]["signature"] for _, _, r in rows)
    sheets: dict[int, set[tuple[str, int]]] = {}
    for name, page, r in rows:
        if not r["crossed_out"]:
            sheets.setdefault(r["person"], set()).add((name, page))
    assert any(len(s) >= 2 for s in sheets.values()), "someone must sign two different sheets"


def test_eval_plan_is_big_and_varied() -> None:
    truth = truth_of(plan_set("eval", 2))
    pages = _pages(truth)
    assert len(pages) >= 100
    tags = {t.split(":")[0] if t.startswith(("skew", "dpi")) else t for _, p in pages for t in p["distortions"]}
    assert {"skew", "rot:90", "rot:180", "rot:270", "photo", "dpi", "fax", "gray", "fold"} <= tags
    assert {p["form"] for _, p in pages} == {"surveillance-fr", "foreign-demo", None}
    signed = sum(r["values"]["signature"] and not r["crossed_out"] for _, p in pages for r in p["rows"])
    assert signed >= 300


def test_truth_values_are_normalised() -> None:
    rng = np.random.default_rng(5)
    ref = reference_lists()
    cols = ("nom", "prenom", "email", "code_postal", "ville")
    for i in range(300):
        person = make_person(rng, i, ref)
        w = write_person(rng, person, cols, second_time=bool(i % 2))
        t = w.truth
        assert t["nom"] == t["nom"].upper() and t["ville"] == t["ville"].upper()
        assert t["email"] == t["email"].lower()
        assert t["code_postal"] == "" or (len(t["code_postal"]) == 5 and t["code_postal"].isdigit())
        for col in cols:  # what is drawn is the truth, up to case (and accents dropped on a second visit)
            assert strip_accents(w.drawn[col]).lower() == strip_accents(t[col]).lower()


def test_accents_missing_from_a_font_are_drawn_as_pen_marks() -> None:
    fonts = [str(f) for f in handwriting_fonts() if not has_glyph(str(f), "É")]
    if not fonts:
        pytest.skip("every installed handwriting font has É")
    plain, _ = _glyph("E", fonts[0], 80, 0)
    accented, _ = _glyph("É", fonts[0], 80, 0)
    assert np.asarray(accented).sum() > np.asarray(plain).sum() * 1.03


def test_foreign_form_yaml_validates_and_matches_the_drawn_sheet() -> None:
    form = load_form_file(ROOT / "samples" / "foreign.yaml")
    assert [c.name for c in form.columns] == [c for c, _, _ in FOREIGN_COLUMNS]
    assert [c.label for c in form.columns] == [label for _, label, _ in FOREIGN_COLUMNS]
    assert form.orientation == "portrait" and form.rows_per_page == foreign_grid().n_rows
    widths = np.array([c.width for c in form.columns]) / sum(c.width for c in form.columns)
    drawn = np.array([w for _, _, w in FOREIGN_COLUMNS]) / sum(w for _, _, w in FOREIGN_COLUMNS)
    assert np.allclose(widths, drawn)
    printed = {c.name for c in resolve_form("surveillance-fr").columns}
    assert {c.name for c in form.columns} <= printed  # a mixed batch shares one CSV schema


def test_committed_demo_set_matches_its_truth() -> None:
    folder = ROOT / "samples" / "demo"
    if not (folder / "truth.json").exists():
        pytest.skip("samples/demo not generated in this checkout")
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    assert truth["generator_version"] == 1 and set(truth["forms"]) == {"surveillance-fr", "foreign-demo"}
    for f in truth["files"]:
        assert (folder / f["file"]).is_file(), f["file"]
        for page in f["pages"]:
            img = read_page(folder / f["file"], page["page"])
            assert [img.shape[1], img.shape[0]] == page["image_size"], (f["file"], page["page"])
