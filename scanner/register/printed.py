"""Registration of sheets the tool printed: ArUco corner markers and the QR code.

The markers' ids give the orientation (ids 0-3 clockwise from top-left), their
16 corners the homography onto the template; the QR code names the form and the
version it was printed from, so a sheet is never read against another layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
import zxingcpp

from scanner.errors import RegistrationError
from scanner.forms import Column, ColumnType, Form, FormRegistry
from scanner.layout import ARUCO_DICT, MARKER_IDS, TEMPLATE_DPI, Box, SheetLayout, sheet_layout
from scanner.model import PageImage, Registered, SheetId
from scanner.register.common import downscale, flatten

#: Detection first runs on a copy with this long side (fast); full size only if needed.
DETECT_LONG_SIDE = 1000
#: Marker size (px) that gives accurate corners; smaller detections are redone larger.
MARKER_PX = 64.0
#: RANSAC threshold and fit limits, in template pixels (200 DPI: 1 px = 0.127 mm).
RANSAC_PX = 6.0
MAX_MEAN_RESIDUAL_PX = 3.0
MIN_INLIER_SHARE = 0.75
#: Resolution of the QR patch cut out for decoding.
QR_PX_PER_MM = 10.0


@dataclass(frozen=True)
class Fit:
    """A marker fit: image px -> template px."""

    h: np.ndarray  #: 3x3
    residual: float  #: mean error of the inliers, template px
    inliers: int
    points: int
    markers: int
    affine: bool


def _detector() -> cv2.aruco.ArucoDetector:
    """Built per call: cheap, and keeps worker processes free of shared engine state."""
    params = cv2.aruco.DetectorParameters()
    params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    params.minMarkerPerimeterRate = 0.02
    dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, ARUCO_DICT))
    return cv2.aruco.ArucoDetector(dictionary, params)


def _detect(detector: cv2.aruco.ArucoDetector, img: np.ndarray, factor: float) -> tuple[dict[int, np.ndarray], bool]:
    """Markers of ids 0-3 (corners in full-image px), and whether any rejected candidate
    looked like a marker (a dark-filled square), which makes a closer look worthwhile."""
    corners, ids, rejected = detector.detectMarkers(img)
    found: dict[int, np.ndarray] = {}
    for quad, mid in zip(corners, ids.ravel() if ids is not None else [], strict=True):
        m = int(mid)
        if m not in MARKER_IDS:
            continue
        pts = quad.reshape(4, 2).astype(np.float64) / factor
        # a duplicate id is a false detection: keep the bigger (real markers are 14 mm)
        if m not in found or cv2.arcLength(pts.astype(np.float32), True) > cv2.arcLength(
            found[m].astype(np.float32), True
        ):
            found[m] = pts
    return found, bool(found) or any(_marker_like(img, q) for q in rejected)


def _marker_like(img: np.ndarray, quad: np.ndarray) -> bool:
    """A rejected candidate that could be a marker too small to decode here: a small square
    with a solid dark border (table cells, letters and blots do not have one)."""
    pts = quad.reshape(4, 2).astype(np.float32)
    if not 6 <= float(np.linalg.norm(pts[1] - pts[0])) <= 24:
        return False
    target = np.array([[0, 0], [24, 0], [24, 24], [0, 24]], dtype=np.float32)
    patch = cv2.warpPerspective(img, cv2.getPerspectiveTransform(pts, target), (24, 24))
    ring = np.concatenate([patch[:4].ravel(), patch[-4:].ravel(), patch[4:-4, :4].ravel(), patch[4:-4, -4:].ravel()])
    return float(ring.mean()) < 110 and float(patch[6:-6, 6:-6].std()) > 25


def find_markers(gray: np.ndarray) -> dict[int, np.ndarray]:
    """Corner markers found on the page: id -> 4x2 corners in image px (clockwise from the marker's top-left).

    A downscaled copy first, then the same with its lighting flattened (shade,
    faded print); the full-size picture only when markers may be too small to
    decode in the copy (a sheet far away in a photo), so foreign sheets stay cheap.
    """
    detector = _detector()
    small, f = downscale(gray, DETECT_LONG_SIDE)
    best, tiny = _detect(detector, small, f)
    best_factor = f
    if len(best) < len(MARKER_IDS):
        found, like = _detect(detector, flatten(small), f)
        tiny |= like
        if len(found) > len(best):
            best = found
    if len(best) < len(MARKER_IDS) and (best or tiny) and f < 0.8:
        found, _ = _detect(detector, gray, 1.0)
        if len(found) > len(best):
            best, best_factor = found, 1.0
    if best and best_factor < 1.0:
        # small markers (a sheet far away in a big photo) have coarse corners: find them again
        # at a resolution where a marker is about MARKER_PX wide
        side = float(np.median([np.linalg.norm(c[1] - c[0]) for c in best.values()]))
        if side * best_factor < 0.6 * MARKER_PX:
            img, f2 = downscale(gray, round(max(gray.shape) * min(1.0, MARKER_PX / side)))
            again, _ = _detect(detector, img, f2)
            if len(again) >= len(best):
                best = again
    return best


def _corners(box: Box) -> np.ndarray:
    return np.array([[box.x0, box.y0], [box.x1, box.y0], [box.x1, box.y1], [box.x0, box.y1]], dtype=np.float64)


def fit_markers(markers: dict[int, np.ndarray], layout: SheetLayout) -> Fit | None:
    """Homography (4 markers) or affine map (3) from image px to template px."""
    k = layout.px_per_mm()
    ids = sorted(markers)
    if len(ids) < 3:
        return None
    src = np.concatenate([markers[i] for i in ids]).astype(np.float32)
    dst = np.concatenate([_corners(layout.markers[i]) * k for i in ids]).astype(np.float32)
    affine = len(ids) < 4
    if affine:
        a, mask = cv2.estimateAffine2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=RANSAC_PX)
        if a is None:
            return None
        h = np.vstack([a, [0.0, 0.0, 1.0]])
    else:
        h, mask = cv2.findHomography(src, dst, cv2.RANSAC, RANSAC_PX)
        if h is None:
            return None
    proj = cv2.perspectiveTransform(src.reshape(-1, 1, 2).astype(np.float64), h).reshape(-1, 2)
    err = np.linalg.norm(proj - dst, axis=1)
    inl = mask.ravel().astype(bool)
    if not affine:
        # a marker whose corners disagree (pasted over, damaged, a false detection) is dropped
        # rather than outvoted: three markers cannot pin a perspective, so they get the affine test
        bad = [m for n, m in enumerate(ids) if inl[4 * n : 4 * n + 4].sum() < 3]
        if bad:
            return fit_markers({m: c for m, c in markers.items() if m not in bad}, layout)
    # affine fits are judged on every corner: the perspective they cannot model shows as error
    residual = float(err.mean()) if affine else (float(err[inl].mean()) if inl.any() else float("inf"))
    return Fit(h=h, residual=residual, inliers=int(inl.sum()), points=len(src), markers=len(ids), affine=affine)


@lru_cache(maxsize=2)
def _probe_layout(orientation: str) -> SheetLayout:
    """Marker and QR positions depend only on the paper orientation, not on the form."""
    probe = Form(name="probe", orientation=orientation, columns=[Column(name="a", type=ColumnType.TEXT)])  # type: ignore[arg-type]
    return sheet_layout(probe)


def _decode(img: np.ndarray) -> SheetId | None:
    for code in zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)):
        sheet = SheetId.parse(code.text)
        if sheet is not None:
            return sheet
    return None


def read_sheet_id(gray: np.ndarray, fit: Fit | None, layout: SheetLayout) -> SheetId | None:
    """Decode the QR code: first where the markers say it is, then anywhere on the page."""
    if fit is not None:
        k = layout.px_per_mm()
        box = layout.qr.inset(-2.5)
        quad_t = (_corners(box) * k).reshape(-1, 1, 2)
        quad_i = cv2.perspectiveTransform(quad_t, np.linalg.inv(fit.h)).reshape(4, 2).astype(np.float32)
        side = round(box.w * QR_PX_PER_MM)
        target = np.array([[0, 0], [side, 0], [side, side], [0, side]], dtype=np.float32)
        m = cv2.getPerspectiveTransform(quad_i, target)
        patch = cv2.warpPerspective(gray, m, (side, side), flags=cv2.INTER_LINEAR, borderValue=255)
        patch = cv2.copyMakeBorder(patch, 30, 30, 30, 30, cv2.BORDER_CONSTANT, value=255)
        sheet = _decode(patch)
        if sheet is not None:
            return sheet
    small, _ = downscale(gray, 3000)
    return _decode(small)


def _check(fit: Fit | None, page: PageImage) -> Fit:
    """Refuse a fit that would put the cells in the wrong place."""
    src, pg = page.ref.source, page.ref.page
    if fit is None:
        raise RegistrationError(src, pg, "corner markers found but they do not fit the sheet's geometry")
    if fit.affine and fit.residual > MAX_MEAN_RESIDUAL_PX:
        raise RegistrationError(
            src,
            pg,
            f"only {fit.markers} of 4 corner markers usable and the page is photographed at an angle "
            f"(fit error {fit.residual:.1f} px)",
            "Scan the sheet flat, or photograph it straight from above with all four corners visible.",
        )
    if fit.inliers < MIN_INLIER_SHARE * fit.points or fit.residual > MAX_MEAN_RESIDUAL_PX:
        raise RegistrationError(
            src,
            pg,
            f"the corner markers do not line up (fit error {fit.residual:.1f} px, "
            f"{fit.inliers}/{fit.points} corners agree): the sheet is folded, curled or damaged",
            "Flatten the sheet and scan it again.",
        )
    if np.linalg.det(fit.h[:2, :2]) <= 0:
        raise RegistrationError(src, pg, "the sheet appears mirrored", "Scan the printed side of the sheet.")
    return fit


def _form_for(sheet: SheetId | None, forms: FormRegistry, page: PageImage, notes: list[str]) -> Form:
    src, pg = page.ref.source, page.ref.page
    if sheet is None:
        if forms.default is not None:
            notes.append(f"QR code unreadable: read as form '{forms.default.name}' (--form)")
            return forms.default
        raise RegistrationError(
            src,
            pg,
            "corner markers found but the QR code cannot be read, so the form is unknown",
            "Give the form with --form, or rescan the sheet (the QR code is at the top right).",
        )
    form = forms.get(sheet.form)
    if form is None:
        raise RegistrationError(
            src,
            pg,
            f"sheet printed for form '{sheet.form}', which is not known here",
            f"Put the form file in forms/ or give it with --form path/to/{sheet.form}.yaml.",
        )
    if form.fingerprint() != sheet.fingerprint:
        raise RegistrationError(
            src,
            pg,
            f"sheet printed from another version of form '{sheet.form}' "
            f"(sheet {sheet.fingerprint}, form file {form.fingerprint()})",
            "Use the form file the sheets were printed from: its columns, rows or text differ.",
        )
    return form


def register_printed(
    page: PageImage, gray: np.ndarray, markers: dict[int, np.ndarray], forms: FormRegistry
) -> Registered:
    """Warp a printed sheet onto its template (TEMPLATE_DPI, upright)."""
    fits = [fit_markers(markers, _probe_layout(o)) for o in ("landscape", "portrait")]
    usable = [(f.residual, n, f) for n, f in enumerate(fits) if f is not None]
    probe_fit = min(usable, key=lambda t: (t[0], t[1]))[2] if usable else None
    probe = _probe_layout("landscape") if probe_fit is fits[0] else _probe_layout("portrait")
    notes: list[str] = []
    sheet = read_sheet_id(gray, probe_fit, probe)
    form = _form_for(sheet, forms, page, notes)
    layout = sheet_layout(form)
    fit = _check(fit_markers(markers, layout), page)
    if fit.markers < 4:
        notes.append(f"only {fit.markers} corner markers usable: affine fit")

    w, h = layout.size_px()
    src = gray
    h_img = fit.h
    # Scale of the map near the page centre: shrink big photos first (INTER_AREA) to avoid aliasing.
    centre = np.array([[[w / 2, h / 2]], [[w / 2 + 100, h / 2]]], dtype=np.float64)
    back = cv2.perspectiveTransform(centre, np.linalg.inv(h_img)).reshape(2, 2)
    scale = 100.0 / max(1e-6, float(np.linalg.norm(back[1] - back[0])))
    if scale < 0.6:
        src, f = downscale(gray, round(max(gray.shape) * scale * 1.25))
        h_img = h_img @ np.diag([1 / f, 1 / f, 1.0])
    # Gray only: the drop-out guides are light enough to vanish at the ink threshold, and
    # cells masks their known positions (a colour warp would cost 4x as much).
    warped = cv2.warpPerspective(src, h_img, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    registered = flatten(warped)
    return Registered(
        ref=page.ref,
        form_name=form.name,
        gray=registered,
        px_per_mm=TEMPLATE_DPI / 25.4,
        method="markers",
        sheet=sheet,
        residual_px=fit.residual,
        notes=notes,
        to_image=np.linalg.inv(fit.h),
    )
