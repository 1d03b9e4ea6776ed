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
from scanner.register.common import background, downscale, flatten

#: Detection first runs on a copy with this long side (fast); full size only if needed.
DETECT_LONG_SIDE = 1000
#: Marker size (px) that gives accurate corners; smaller detections are redone larger.
MARKER_PX = 64.0
#: RANSAC threshold and fit limits, in template pixels (200 DPI: 1 px = 0.127 mm).
RANSAC_PX = 6.0
MAX_MEAN_RESIDUAL_PX = 3.0
MIN_INLIER_SHARE = 0.75
#: Paper at least this bright everywhere (gray level) is evenly lit: flattening cannot help detection.
EVEN_PAPER = 215.0
#: Up to this many marker-like spots are checked one by one before searching the whole page at full size.
MAX_PROBES = 8
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


def _detect(
    detector: cv2.aruco.ArucoDetector, img: np.ndarray, factor: float
) -> tuple[dict[int, np.ndarray], list[np.ndarray]]:
    """Markers of ids 0-3 (corners in full-image px), and the rejected candidates that look
    like a marker too small to decode here (corners in full-image px)."""
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
    if len(found) == len(MARKER_IDS):
        return found, []
    likes = [q.reshape(4, 2).astype(np.float64) / factor for q in rejected if _marker_like(img, q)]
    return found, likes


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


def _window(gray: np.ndarray, quad: np.ndarray, margin: float) -> tuple[np.ndarray, int, int]:
    """The part of ``gray`` around ``quad`` (image px), ``margin`` marker sides on every side."""
    side = max(float(np.linalg.norm(quad[1] - quad[0])), float(np.linalg.norm(quad[2] - quad[1])), 4.0)
    pad = margin * side
    h, w = gray.shape
    x0, y0 = max(0, int(quad[:, 0].min() - pad)), max(0, int(quad[:, 1].min() - pad))
    x1, y1 = min(w, int(quad[:, 0].max() + pad) + 1), min(h, int(quad[:, 1].max() + pad) + 1)
    return gray[y0:y1, x0:x1], x0, y0


def _any_at(detector: cv2.aruco.ArucoDetector, gray: np.ndarray, quads: list[np.ndarray]) -> bool:
    """Whether a corner marker decodes at full size where one of ``quads`` lies."""
    for quad in quads:
        patch, _, _ = _window(gray, quad, 1.5)
        if _detect(detector, patch, 1.0)[0]:
            return True
    return False


def _sharpen(
    detector: cv2.aruco.ArucoDetector, gray: np.ndarray, markers: dict[int, np.ndarray]
) -> dict[int, np.ndarray]:
    """Corners of small markers found again where a marker is about MARKER_PX wide.

    Each marker is redone in a window around it (a whole-page resize and search cost
    ten times as much); a marker not found again keeps its coarse corners.
    """
    side = float(np.median([np.linalg.norm(c[1] - c[0]) for c in markers.values()]))
    s = min(1.0, MARKER_PX / side)
    out = dict(markers)
    for m, quad in markers.items():
        patch, x0, y0 = _window(gray, quad, 1.0)
        ph, pw = patch.shape
        if s < 1.0:
            patch = cv2.resize(patch, (max(1, round(pw * s)), max(1, round(ph * s))), interpolation=cv2.INTER_AREA)
        sx, sy = patch.shape[1] / pw, patch.shape[0] / ph
        again, _ = _detect(detector, patch, 1.0)
        if m in again:
            # resized px u is centred on source px (u + 0.5) / s - 0.5
            pts = again[m]
            out[m] = np.column_stack([(pts[:, 0] + 0.5) / sx - 0.5 + x0, (pts[:, 1] + 0.5) / sy - 0.5 + y0])
    return out


def find_markers(gray: np.ndarray, levels: list[np.ndarray] | None = None) -> dict[int, np.ndarray]:
    """Corner markers found on the page: id -> 4x2 corners in image px (clockwise from the marker's top-left).

    A downscaled copy first, then the same with its lighting flattened (shade,
    faded print) unless the lighting is even (flattening then changes nothing);
    the full-size picture only when markers may be too small to decode in the
    copy (a sheet far away in a photo) and one of the places where a marker seems
    to be does hold one: most pages without markers are thus ruled out at the
    cost of one or two searches on the small copy. ``levels``: halvings of ``gray``
    shared with the later stages (see ``halved``).
    """
    detector = _detector()
    small, f = downscale(gray, DETECT_LONG_SIDE, levels)
    best, likes = _detect(detector, small, f)
    best_factor = f
    if len(best) < len(MARKER_IDS):
        bg = background(small)
        if best or float(bg.min()) < EVEN_PAPER:
            found, more = _detect(detector, flatten(small, bg), f)
            likes += more
            if len(found) > len(best):
                best = found
    if len(best) < len(MARKER_IDS) and f < 0.8 and (
        best or (likes and (len(likes) > MAX_PROBES or _any_at(detector, gray, likes)))
    ):
        found, _ = _detect(detector, gray, 1.0)
        if len(found) > len(best):
            best, best_factor = found, 1.0
    if best and best_factor < 1.0:
        # small markers (a sheet far away in a big photo) have coarse corners
        side = float(np.median([np.linalg.norm(c[1] - c[0]) for c in best.values()]))
        if side * best_factor < 0.6 * MARKER_PX:
            best = _sharpen(detector, gray, best)
    return best


def _corners(box: Box) -> np.ndarray:
    return np.array([[box.x0, box.y0], [box.x1, box.y0], [box.x1, box.y1], [box.x0, box.y1]], dtype=np.float64)


def _errors(src: np.ndarray, dst: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Distance between each ``src`` point mapped by ``h`` and its ``dst``."""
    proj = cv2.perspectiveTransform(src.reshape(-1, 1, 2).astype(np.float64), h).reshape(-1, 2)
    return np.asarray(np.linalg.norm(proj - dst, axis=1))


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
        # all corners agreeing (the usual case) is what RANSAC's final refit on its inliers
        # would give: a plain fit first, RANSAC only when some corner is off
        h, _ = cv2.findHomography(src, dst, 0)
        ok = h is not None and bool((_errors(src, dst, h) <= RANSAC_PX).all())
        mask = np.ones(len(src), np.uint8)
        if not ok:
            h, mask = cv2.findHomography(src, dst, cv2.RANSAC, RANSAC_PX)
        if h is None:
            return None
    err = _errors(src, dst, h)
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


def _probe(markers: dict[int, np.ndarray]) -> tuple[Fit | None, SheetLayout]:
    """The paper orientation the markers fit best, and that fit: where to look for the QR code.

    The orientation suggested by the markers' spacing is fitted first; when every corner
    of it agrees, the other is not tried (fitting markers to the wrong paper takes a full
    RANSAC run, twenty times the cost of a good fit).
    """
    order = ["landscape", "portrait"]
    if all(i in markers for i in MARKER_IDS[:3]):
        c = {i: markers[i].mean(axis=0) for i in MARKER_IDS[:3]}
        if np.linalg.norm(c[1] - c[0]) < np.linalg.norm(c[2] - c[1]):  # paper width < height
            order.reverse()
    first = fit_markers(markers, _probe_layout(order[0]))
    if first is not None and not first.affine and first.inliers == first.points and (
        first.residual <= MAX_MEAN_RESIDUAL_PX
    ):
        return first, _probe_layout(order[0])
    fits = [fit_markers(markers, _probe_layout(o)) for o in ("landscape", "portrait")]
    usable = [(f.residual, n, f) for n, f in enumerate(fits) if f is not None]
    probe_fit = min(usable, key=lambda t: (t[0], t[1]))[2] if usable else None
    return probe_fit, _probe_layout("landscape") if probe_fit is fits[0] else _probe_layout("portrait")


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
    probe_fit, probe = _probe(markers)
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
        layout=layout,
    )
