"""Registration: printed sheets by markers and QR, foreign sheets by their table, refusals."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest
from sheets import FOREIGN_FORM, foreign_page, photograph, printed_page, rotate, shipped_form

from scanner.errors import NotAFormError, RegistrationError
from scanner.forms import Column, ColumnType, Form, FormRegistry
from scanner.layout import TEMPLATE_DPI, sheet_layout
from scanner.model import PageImage, PageRef, Registered, SheetId
from scanner.register import register
from scanner.register.lines import find_rules, find_rules_coarse, ink_mask, rule_masks, rules_from_masks

DPI = 150.0
K = DPI / 25.4


def _page(img: np.ndarray, name: str = "scan.pdf", dpi: float = DPI) -> PageImage:
    return PageImage(PageRef(name, f"/in/{name}", 2), img, dpi, "")


@pytest.fixture(scope="module")
def form() -> Form:
    return shipped_form()


@pytest.fixture(scope="module")
def forms() -> FormRegistry:
    return FormRegistry.load()


@pytest.fixture(scope="module")
def sheet(form: Form) -> np.ndarray:
    return printed_page(form, serial="K7TESTQR42", dpi=DPI)


def _rules_where_layout_says(reg: Registered, form: Form) -> None:
    """The printed row rules sit on the layout's rows in the registered image (within 1 mm)."""
    lay = sheet_layout(form)
    k = TEMPLATE_DPI / 25.4
    x0, x1 = round(lay.table.x0 * k) + 20, round(lay.table.x1 * k) - 20
    for y_mm in lay.row_edges:
        y = round(y_mm * k)
        band = reg.gray[y - 8 : y + 9, x0:x1].astype(np.float64)
        profile = band.mean(axis=1)
        assert abs(int(profile.argmin()) - 8) <= k, f"rule at {y_mm} mm off by {int(profile.argmin()) - 8} px"
        assert profile.min() < 200


@pytest.mark.parametrize(
    "distort",
    [
        lambda im: im,
        lambda im: cv2.rotate(im, cv2.ROTATE_180),
        lambda im: cv2.rotate(im, cv2.ROTATE_90_CLOCKWISE),
        lambda im: rotate(im, 4.0),
        lambda im: photograph(cv2.rotate(im, cv2.ROTATE_90_COUNTERCLOCKWISE), seed=2, tilt=0.15),
    ],
    ids=["flat", "upside-down", "sideways", "skewed", "phone-photo"],
)
def test_printed_sheet_registers_in_any_orientation(
    distort: Callable[[np.ndarray], np.ndarray], sheet: np.ndarray, form: Form, forms: FormRegistry
) -> None:
    reg = register(_page(distort(sheet)), forms)
    assert reg.method == "markers"
    assert reg.sheet == SheetId(form.name, form.fingerprint(), "test", "K7TESTQR42")
    assert reg.form_name == form.name
    w, h = sheet_layout(form).size_px()
    assert reg.gray.shape == (h, w)
    assert reg.residual_px < 1.5
    _rules_where_layout_says(reg, form)
    assert reg.to_image is not None and reg.to_image.shape == (3, 3)


def test_sheet_far_away_in_a_big_photo(sheet: np.ndarray, form: Form, forms: FormRegistry) -> None:
    canvas = np.full((3000, 4000, 3), (70, 90, 110), np.uint8)
    canvas[900:1960, 1200:2700] = cv2.resize(sheet, (1500, 1060), interpolation=cv2.INTER_AREA)
    reg = register(_page(cv2.GaussianBlur(canvas, (0, 0), 1.0)), forms)
    assert reg.sheet is not None and reg.sheet.serial == "K7TESTQR42"
    _rules_where_layout_says(reg, form)


def test_tiny_or_dark_markers_are_not_taken_for_a_page_without_any(sheet: np.ndarray, form: Form) -> None:
    """Markers too small to decode in the detection copy, or too faint there until the light
    is flattened, are still found (pages without markers skip both searches)."""
    forms = FormRegistry([form], form)  # the QR code is unreadable on both: read as --form
    far = np.full((3000, 4000, 3), (70, 90, 110), np.uint8)
    h = round(sheet.shape[0] * 650 / sheet.shape[1])
    far[1000 : 1000 + h, 1500:2150] = cv2.resize(sheet, (650, h), interpolation=cv2.INTER_AREA)
    light = np.linspace(0.3, 1.0, sheet.shape[1], dtype=np.float32)[None, :, None]
    dark = ((20 + sheet.astype(np.float32) * 12 / 255) * light).astype(np.uint8)
    for img in (cv2.GaussianBlur(far, (0, 0), 1.0), dark):
        reg = register(_page(img), forms)
        assert reg.method == "markers" and reg.residual_px < 1.5
        assert any("QR code unreadable" in n for n in reg.notes)


def test_to_image_maps_back_onto_the_page(sheet: np.ndarray, form: Form, forms: FormRegistry) -> None:
    turned = cv2.rotate(sheet, cv2.ROTATE_180)
    reg = register(_page(turned), forms)
    assert reg.to_image is not None
    lay = sheet_layout(form)
    k = TEMPLATE_DPI / 25.4
    centre = np.array([[[lay.markers[0].cx * k, lay.markers[0].cy * k]]])
    x, y = cv2.perspectiveTransform(centre, reg.to_image).ravel()
    h, w = turned.shape[:2]
    # marker 0 (top-left on paper) is bottom-right in the upside-down scan
    assert abs(x - (w - lay.markers[0].cx * K)) < 3 and abs(y - (h - lay.markers[0].cy * K)) < 3


def test_sheet_of_another_form_version_is_refused(sheet: np.ndarray, form: Form) -> None:
    changed = form.model_copy(update={"rows_per_page": 9})
    with pytest.raises(RegistrationError) as err:
        register(_page(sheet), FormRegistry([changed]))
    assert "another version" in err.value.reason and "scan.pdf, page 2" in str(err.value)


def test_sheet_of_an_unknown_form_is_refused(sheet: np.ndarray) -> None:
    other = Form(name="other", columns=[Column(name="a", type=ColumnType.NAME)])
    with pytest.raises(RegistrationError, match="not known here"):
        register(_page(sheet), FormRegistry([other]))


def _erase_marker(img: np.ndarray, form: Form, mid: int) -> np.ndarray:
    b = sheet_layout(form).markers[mid]
    out = img.copy()
    out[round(b.y0 * K) - 4 : round(b.y1 * K) + 4, round(b.x0 * K) - 4 : round(b.x1 * K) + 4] = 255
    return out


def test_three_markers_on_a_flat_scan_are_enough(sheet: np.ndarray, form: Form, forms: FormRegistry) -> None:
    reg = register(_page(_erase_marker(sheet, form, 3)), forms)
    assert any("affine" in n for n in reg.notes)
    _rules_where_layout_says(reg, form)


def test_bad_fits_are_refused(sheet: np.ndarray, form: Form, forms: FormRegistry) -> None:
    # three markers cannot model a photo's perspective
    with pytest.raises(RegistrationError, match="photographed at an angle"):
        register(_page(photograph(_erase_marker(sheet, form, 3), seed=3, tilt=0.15)), forms)
    # a marker pasted elsewhere disagrees with the others: it is not allowed to bend the fit
    b = sheet_layout(form).markers[2]
    y0, y1, x0, x1 = round(b.y0 * K), round(b.y1 * K), round(b.x0 * K), round(b.x1 * K)
    moved = sheet.copy()
    patch = moved[y0:y1, x0:x1].copy()
    moved[y0:y1, x0:x1] = 255
    d = round(15 * K)
    moved[y0 - d : y1 - d, x0 - d : x1 - d] = patch
    with pytest.raises(RegistrationError):
        register(_page(photograph(moved, seed=4, tilt=0.15)), forms)
    # two markers: nothing to fit
    two = _erase_marker(_erase_marker(sheet, form, 1), form, 2)
    with pytest.raises(RegistrationError, match="only 2 of 4"):
        register(_page(two), forms)


def test_blank_and_unrelated_pages(forms: FormRegistry) -> None:
    rng = np.random.default_rng(1)
    blank = np.clip(rng.normal(245, 3, (1240, 1754, 3)), 0, 255).astype(np.uint8)
    with pytest.raises(NotAFormError, match="blank page"):
        register(_page(blank), forms)
    with pytest.raises(NotAFormError, match="blank page"):
        register(_page(blank), FormRegistry([], FOREIGN_FORM))
    letter = np.full((1754, 1240, 3), 255, np.uint8)
    for i in range(30):
        cv2.putText(letter, "Madame, Monsieur, veuillez trouver ci-joint nos feuilles", (80, 150 + 45 * i),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.9, (20, 20, 20), 2)
    with pytest.raises(NotAFormError, match="not a petition sheet"):
        register(_page(letter), forms)
    with pytest.raises((NotAFormError, RegistrationError)):
        register(_page(letter), FormRegistry([], FOREIGN_FORM))


@pytest.mark.parametrize(
    "distort",
    [
        lambda im: im,
        lambda im: cv2.rotate(im, cv2.ROTATE_180),
        lambda im: rotate(cv2.rotate(im, cv2.ROTATE_90_COUNTERCLOCKWISE), -6.0),
        lambda im: photograph(cv2.rotate(im, cv2.ROTATE_90_CLOCKWISE), seed=5, tilt=0.1),
    ],
    ids=["flat", "upside-down", "sideways-skewed", "phone-photo"],
)
def test_foreign_sheet_is_found_deskewed_and_turned_upright(distort: Callable[[np.ndarray], np.ndarray]) -> None:
    img, truth = foreign_page({0: "DUPONT", 2: "MARTIN"}, dpi=DPI)
    reg = register(_page(distort(img), "foreign.jpg"), FormRegistry([], FOREIGN_FORM))
    assert reg.method == "table" and reg.form_name == FOREIGN_FORM.name
    h, w = reg.gray.shape
    assert h > w  # portrait, upright
    # the title is above the table and nothing is below it; the narrow number column is on the left
    rules = find_rules(reg.gray, reg.px_per_mm)
    assert len(rules.ys) == len(truth.row_edges_mm) and len(rules.xs) == len(truth.col_edges_mm)
    top, bottom = round(rules.ys[0]), round(rules.ys[-1])
    ink = reg.gray < 128
    assert ink[:top].sum() > 20 * ink[bottom + 10 :].sum()
    widths = np.diff(rules.xs)
    assert widths.argmin() == 0


def test_rules_of_a_turned_page_come_from_its_turned_masks() -> None:
    # orientation search turns the stroke masks instead of redetecting the strokes on each turned page
    img, truth = foreign_page({0: "DUPONT", 2: "MARTIN"}, dpi=DPI)
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 else img
    hmask, vmask = rule_masks(ink_mask(gray), K)
    for code in (cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_180, cv2.ROTATE_90_COUNTERCLOCKWISE):
        h, v = cv2.rotate(hmask, code), cv2.rotate(vmask, code)
        from_masks = rules_from_masks(v, h, K) if code != cv2.ROTATE_180 else rules_from_masks(h, v, K)
        direct = find_rules(cv2.rotate(gray, code), K)
        assert len(from_masks.ys) == len(direct.ys) and len(from_masks.xs) == len(direct.xs)
        assert np.allclose(from_masks.ys, direct.ys, atol=0.5) and np.allclose(from_masks.xs, direct.xs, atol=0.5)
    assert len(find_rules(gray, K).ys) == len(truth.row_edges_mm)


def test_rules_found_at_half_resolution_map_back_onto_the_page() -> None:
    img, truth = foreign_page({0: "DUPONT", 2: "MARTIN"}, dpi=2 * DPI)
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 else img
    full, half = find_rules(gray, 2 * K), find_rules_coarse(gray, 2 * K)
    assert len(half.ys) == len(full.ys) == len(truth.row_edges_mm)
    assert len(half.xs) == len(full.xs) == len(truth.col_edges_mm)
    assert np.abs(np.subtract(half.ys, full.ys)).max() < 0.3 * 2 * K  # within 0.3 mm
    assert np.abs(np.subtract(half.xs, full.xs)).max() < 0.3 * 2 * K


def test_foreign_sheet_needs_a_form_with_its_columns(forms: FormRegistry) -> None:
    img, _ = foreign_page({0: "DUPONT"}, dpi=DPI)
    with pytest.raises(NotAFormError, match="no markers or table"):
        register(_page(img), forms)  # no --form
    wrong = Form(name="wrong", orientation="portrait",
                 columns=[Column(name=f"c{i}", type=ColumnType.TEXT) for i in range(3)])
    with pytest.raises(RegistrationError, match="columns"):
        register(_page(img), FormRegistry([], wrong))


def test_page_corner_in_shade_is_put_back_where_the_sides_meet() -> None:
    """A photo whose sheet has a corner in shadow: the corner is where the sheet's sides meet,
    not on the edge of the shadow (a wrong corner bends the whole page out of shape)."""
    from scanner.register.foreign import find_page_quad

    img = np.full((1500, 2000), 110, np.uint8)
    corners = np.array([[300, 200], [1750, 330], [1650, 1400], [180, 1300]], dtype=np.int32)
    cv2.fillConvexPoly(img, corners, 230)
    shade = np.array([[1500, 1400], [1800, 1100], [1800, 1500], [1500, 1500]], dtype=np.int32)
    mask = np.zeros_like(img)
    cv2.fillConvexPoly(mask, shade, 255)
    img[(mask > 0) & (img > 200)] = 150
    quad = find_page_quad(cv2.GaussianBlur(img, (0, 0), 2.0))
    assert quad is not None
    assert np.abs(quad - corners).max() < 12


def test_sheet_lit_from_one_side_keeps_its_shaded_corner() -> None:
    """A photo lit from the right: the sheet's far corner falls below the one threshold
    that tells paper from desk (the desk beside the lit side is brighter than it), yet it
    stands out from the desk next to it; the corner is the sheet's, not where the light fell."""
    from scanner.register.foreign import find_page_quad

    h, w = 1500, 2000
    xx, yy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    light = 0.55 + 0.45 * np.clip((xx / w + yy / h) / 1.4, 0, 1)  # dim at the top left
    desk = np.full((h, w), 200, np.float32)
    paper = np.zeros((h, w), np.uint8)
    corners = np.array([[300, 200], [1750, 330], [1650, 1400], [180, 1300]], dtype=np.int32)
    cv2.fillConvexPoly(paper, corners, 1)
    img = np.where(paper > 0, 250 * light, desk * light * 0.92).astype(np.uint8)
    quad = find_page_quad(cv2.GaussianBlur(img, (0, 0), 2.0))
    assert quad is not None
    assert np.abs(quad - corners).max() < 12


@pytest.mark.parametrize("flip", [None, 0, 1], ids=["as-is", "upside-down", "mirrored"])
def test_light_background_merged_with_the_sheet_is_not_taken_for_paper(flip: int | None) -> None:
    """A photo where a lit part of a light desk is as bright as the paper and runs from the
    sheet's side to the picture's edge: the corners are the sheet's, not the bright region's
    hull (one far-off corner turned the table so much that no table was found)."""
    from scanner.register.foreign import find_page_quad

    img = np.full((1500, 2000), 110, np.uint8)
    corners = np.array([[300, 200], [1750, 330], [1650, 1400], [180, 1300]], dtype=np.int32)
    cv2.fillConvexPoly(img, corners, 230)
    glare = np.array([[1600, 0], [2000, 0], [2000, 700], [1700, 700]], dtype=np.int32)
    cv2.fillConvexPoly(img, glare, 230)
    photo = img if flip is None else cv2.flip(img, flip)
    if flip is not None:
        corners[:, 1 - flip] = img.shape[flip] - 1 - corners[:, 1 - flip]
    quad = find_page_quad(cv2.GaussianBlur(photo, (0, 0), 2.0))
    assert quad is not None
    # every sheet corner found, each within 12 px (the order of a flipped sheet's corners changes)
    assert all(np.linalg.norm(quad - c, axis=1).min() < 12 for c in corners)


@pytest.mark.parametrize("side", ["left", "bottom"])
def test_table_keystoned_by_a_misplaced_corner_is_straightened(side: str) -> None:
    """A page whose corner was placed 2% off (a blurred or shaded edge in a photo) keeps its
    table keystoned: one side leans while the opposite does not, which no rotation undoes, and
    the leaning rules were too broad a band to be rules (the table was refused)."""
    img, truth = foreign_page({0: "DUPONT", 2: "MARTIN"}, dpi=DPI)
    h, w = img.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    dst = src.copy()
    if side == "left":
        dst[0, 0] += 0.015 * h
    else:
        dst[3, 1] -= 0.015 * w
    keystoned = cv2.warpPerspective(img, cv2.getPerspectiveTransform(src, dst), (w, h), borderValue=(255, 255, 255))
    reg = register(_page(keystoned, "foreign.jpg"), FormRegistry([], FOREIGN_FORM))
    rules = find_rules(reg.gray, reg.px_per_mm)
    assert len(rules.ys) == len(truth.row_edges_mm) and len(rules.xs) == len(truth.col_edges_mm)
    # the outer rules are straight: the same position at both ends, within 0.5 mm
    ink = reg.gray < 128
    k = reg.px_per_mm
    y0, y1, x0, x1 = (round(v) for v in (rules.ys[0], rules.ys[-1], rules.xs[0], rules.xs[-1]))
    r = round(3 * k)
    left = [np.flatnonzero(ink[y, x0 - r : x0 + r]).mean() for y in (y0 + 5, y1 - 5)]
    top = [np.flatnonzero(ink[y0 - r : y0 + r, x]).mean() for x in (x0 + 5, x1 - 5)]
    assert abs(left[0] - left[1]) < 0.5 * k and abs(top[0] - top[1]) < 0.5 * k


def test_percentiles_from_a_histogram_or_one_sort_are_numpys_to_the_bit() -> None:
    from scanner.register.common import percentile_u8, row_percentiles

    rng = np.random.default_rng(3)
    for i in range(300):
        h, w = (int(v) for v in rng.integers(1, 40, 2))
        img = rng.integers(0, 256, (h + 2, w + 3)).astype(np.uint8)
        if i % 2:
            img = (img // 60 * 60).astype(np.uint8)  # many equal values
        roi = img[1 : 1 + h, 2 : 2 + w]  # a view, as the callers pass
        for q in (0, 25, 33.3, 90, 100):
            assert percentile_u8(roi, q) == float(np.percentile(roi, q))
            assert row_percentiles(roi, q) == [float(np.percentile(r, q)) for r in roi]


def test_best_header_share_is_the_best_band_read_fewer_times(monkeypatch: pytest.MonkeyPatch) -> None:
    import scanner.register.header as header

    scores = {(0.0, 30.0): 0.25, (40.0, 50.0): 1.0, (60.0, 65.0): 0.5}
    read: list[tuple[float, float]] = []

    def fake(gray: np.ndarray, top: float, bottom: float, *args: object, **kw: object) -> float:
        read.append((top, bottom))
        return scores[(top, bottom)]

    monkeypatch.setattr(header, "header_share", fake)
    img, form = np.zeros((80, 80), np.uint8), FOREIGN_FORM
    bands = list(scores)
    assert header.best_header_share(img, bands, 0, 80, form, 4.0) == max(scores.values())
    assert read == [(60.0, 65.0), (40.0, 50.0)]  # shortest first; none after every label is read
    read.clear()
    assert header.best_header_share(img, bands[:1], 0, 80, form, 4.0) == 0.25
    assert header.best_header_share(img, [], 0, 80, form, 4.0) == 0.0
