"""Registration of sheets the tool did not print (``--form`` names their layout).

No markers: the page is found in a photo (its bright quadrilateral, see quad.py), its
perspective corrected, its skew measured on the long straight lines (the
table's rules), and its quarter-turn orientation chosen as the one in which a
ruled table with the form's columns, in the form's order and relative widths,
appears. Only when that leaves two orientations equally good (a symmetric
table) does Tesseract's orientation detection (OSD) decide.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from scanner.errors import NotAFormError, RegistrationError
from scanner.forms import Form
from scanner.grid import match_columns
from scanner.layout import MM_PER_INCH, TEMPLATE_DPI
from scanner.model import PageImage, Registered
from scanner.register.common import downscale, flatten, halved
from scanner.register.header import HEADER_SHARE, best_header_share, header_bands, tessdata
from scanner.register.lines import Rules, ink_mask, rule_masks, rules_from_masks
from scanner.register.quad import find_page_quad
from scanner.register.straighten import table_correction

#: Resolution of the analysis copy (skew, orientation); the output is TEMPLATE_DPI.
ANALYSIS_DPI = 100.0
#: Two orientations whose column-width costs differ by less than this are a tie.
TIE = 0.015
#: Tesseract OSD orientation confidence below which its answer is not used.
OSD_MIN_CONF = 3.0
A4 = (210.0, 297.0)
#: Orientation cost of a table without vertical rules (its columns cannot be compared yet).
OPEN_TABLE_COST = 0.05
#: Coarse skew angles (best on a pixel subsample) scored again on all the long-line pixels.
SKEW_SHORTLIST = 6


@dataclass(frozen=True)
class Orientation:
    quarter_turns: int  #: clockwise
    cost: float  #: mean column-edge deviation, share of the table width
    how: str


def _rectify(
    gray: np.ndarray, page: PageImage, levels: list[np.ndarray]
) -> tuple[np.ndarray, tuple[int, int], list[str]]:
    """Map from image px to an upright-ish page at TEMPLATE_DPI (not yet deskewed or turned)."""
    k = TEMPLATE_DPI / MM_PER_INCH
    quad = find_page_quad(gray, levels)
    notes: list[str] = []
    if quad is None:
        s = TEMPLATE_DPI / max(page.dpi, 1.0)
        h, w = gray.shape
        return np.diag([s, s, 1.0]), (max(1, round(w * s)), max(1, round(h * s))), notes
    top = float(np.linalg.norm(quad[1] - quad[0]))
    bottom = float(np.linalg.norm(quad[2] - quad[3]))
    left = float(np.linalg.norm(quad[3] - quad[0]))
    right = float(np.linalg.norm(quad[2] - quad[1]))
    wpx, hpx = (top + bottom) / 2, (left + right) / 2
    aspect = max(wpx, hpx) / max(1.0, min(wpx, hpx))
    long_mm = A4[1]
    short_mm = A4[0] if abs(aspect - A4[1] / A4[0]) < 0.12 else long_mm / aspect
    w_mm, h_mm = (long_mm, short_mm) if wpx >= hpx else (short_mm, long_mm)
    size = (round(w_mm * k), round(h_mm * k))
    dst = np.array([[0, 0], [size[0], 0], [size[0], size[1]], [0, size[1]]], dtype=np.float32)
    notes.append("page found in a photo: perspective corrected")
    return cv2.getPerspectiveTransform(quad.astype(np.float32), dst).astype(np.float64), size, notes


def estimate_skew(gray: np.ndarray, px_per_mm: float) -> float | None:
    """Skew in degrees (counter-clockwise positive, within +-45) of the page's long lines.

    Only long connected ink (the table's ruling; letters are short) votes: the
    angle whose projection of those pixels is sharpest wins, coarse then fine.
    Six times faster than a probabilistic Hough transform on the same page.
    """
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 12)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    span = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    long_ids = np.flatnonzero(span >= 25 * px_per_mm)
    long_ids = long_ids[long_ids > 0]
    if long_ids.size == 0:
        return None
    if long_ids.size <= 4:  # usually one: the ruling is connected; comparing beats a lookup table
        sel = labels == long_ids[0]
        for i in long_ids[1:]:
            sel |= labels == i
    else:
        keep = np.zeros(n, bool)
        keep[long_ids] = True
        sel = keep[labels]
    pts = cv2.findNonZero(sel.view(np.uint8)).reshape(-1, 2)
    ys, xs = pts[:, 1], pts[:, 0]
    if ys.size > 25000:
        pick = np.random.default_rng(0).choice(ys.size, 25000, replace=False)
        ys, xs = ys[pick], xs[pick]
    yf, xf = ys.astype(np.float64), xs.astype(np.float64)

    def sharpness(deg: float, y: np.ndarray, x: np.ndarray) -> float:
        # rules across and rules down both vote: a table ruled only across, turned a
        # quarter, has nothing but vertical rules
        t = np.radians(deg)
        c, s = np.cos(t), np.sin(t)
        score = 0  # the squared counts summed in integers: exact, as their float sum was
        for proj in (y * c - x * s, x * c + y * s):
            proj -= proj.min()
            hist = np.bincount(proj.astype(np.int64))
            score += int(np.dot(hist, hist))
        return float(score)

    # coarse sweep on a random fifth of the pixels; its best few angles are scored again on
    # all of them (on a photo with perspective two families of lines compete, and a subsample
    # alone was seen to pick the weaker one)
    few = np.random.default_rng(1).choice(yf.size, min(yf.size, 5000), replace=False)
    yc, xc = yf[few], xf[few]

    coarse = np.arange(-45.0, 45.0, 1.0)
    rough = [sharpness(a, yc, xc) for a in coarse]
    shortlist = coarse[np.argsort(rough)[-SKEW_SHORTLIST:]]
    best = float(shortlist[int(np.argmax([sharpness(a, yf, xf) for a in shortlist]))])
    # the fine sweep needs every pixel: near the peak a subsample's noise moves it
    fine = np.arange(best - 1.0, best + 1.0001, 0.05)
    angle = float(fine[int(np.argmax([sharpness(a, yf, xf) for a in fine]))])
    angle = (angle + 45.0) % 90.0 - 45.0
    return -angle


def _scale(m: np.ndarray, shape: tuple[int, ...]) -> float:
    """Output px per source px of map ``m`` near the source centre (how much it shrinks)."""
    cx, cy = shape[1] / 2, shape[0] / 2
    pts = cv2.perspectiveTransform(np.array([[[cx, cy]], [[cx + 100.0, cy]], [[cx, cy + 100.0]]]), m).reshape(3, 2)
    return float(np.linalg.norm(pts[1] - pts[0]) + np.linalg.norm(pts[2] - pts[0])) / 200.0


def _rotation(angle_deg: float, size: tuple[int, int]) -> np.ndarray:
    """Rotate about the centre (counter-clockwise positive), same canvas."""
    m = cv2.getRotationMatrix2D((size[0] / 2, size[1] / 2), -angle_deg, 1.0)
    return np.vstack([m, [0.0, 0.0, 1.0]])


def _quarter(turns: int, size: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]]:
    """Clockwise quarter turns as a 3x3 map and the new (w, h)."""
    w, h = size
    t = turns % 4
    if t == 0:
        return np.eye(3), size
    if t == 1:
        return np.array([[0.0, -1.0, h], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]), (h, w)
    if t == 2:
        return np.array([[-1.0, 0.0, w], [0.0, -1.0, h], [0.0, 0.0, 1.0]]), size
    return np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, w], [0.0, 0.0, 1.0]]), (h, w)


def _column_cost(xs: tuple[float, ...], form: Form) -> float | None:
    matched = match_columns(list(xs), form)
    if matched is None:
        return None
    x0, x1 = matched[0], matched[-1]
    total = sum(c.width for c in form.columns)
    exp = [x0 + (x1 - x0) * sum(c.width for c in form.columns[:j]) / total for j in range(len(form.columns) + 1)]
    return float(np.mean([abs(a - b) for a, b in zip(matched, exp, strict=True)]) / max(1.0, x1 - x0))


def choose_orientation(
    gray: np.ndarray, px_per_mm: float, form: Form, masks: tuple[np.ndarray, np.ndarray] | None = None
) -> Orientation | bool:
    """Quarter turn in which the form's table reads upright; else whether any ruled table was seen.

    ``masks``: ``rule_masks`` of ``gray`` when already made.
    """
    scored: list[Orientation] = []
    found: dict[int, Rules] = {}
    seen_table = False
    # every quarter turn is tried: a form's ``orientation`` is a hint (users often leave the
    # default landscape for a portrait sheet), used below only to break a tie
    candidates = range(4)
    hmask, vmask = masks if masks is not None else rule_masks(ink_mask(gray, px_per_mm=px_per_mm), px_per_mm)
    for turns in candidates:
        if turns == 0:
            rules = rules_from_masks(hmask, vmask, px_per_mm, gray)
        else:
            code = (cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_180, cv2.ROTATE_90_COUNTERCLOCKWISE)[turns - 1]
            h, v, g = cv2.rotate(hmask, code), cv2.rotate(vmask, code), cv2.rotate(gray, code)
            # a quarter turn makes the vertical strokes horizontal
            rules = rules_from_masks(v, h, px_per_mm, g) if turns % 2 else rules_from_masks(h, v, px_per_mm, g)
        if not rules.ok:
            continue
        seen_table = True
        # a table ruled only across looks the same upside down: the columns are placed later,
        # and OSD (the tie below) tells up from down
        cost = OPEN_TABLE_COST if rules.open_sides else _column_cost(rules.xs, form)
        if cost is None and 2 <= len(rules.xs) < len(form.columns) + 1:
            cost = 2 * OPEN_TABLE_COST  # vertical rules lost: the grid places the columns by the header
        if cost is not None:
            scored.append(Orientation(turns, cost, "table"))
            found[turns] = rules
    if not scored:
        return seen_table
    scored.sort(key=lambda o: o.cost)
    if len(scored) > 1 and scored[1].cost - scored[0].cost < TIE:
        tied = {o.quarter_turns for o in scored if o.cost - scored[0].cost < TIE}
        # the header's printed labels, read upright, settle it; then Tesseract's OSD (which
        # handwriting in capitals can fool)
        labels = _upright_labels(gray, px_per_mm, form, {t: found[t] for t in tied})
        if labels is not None:
            return Orientation(labels, next(o.cost for o in scored if o.quarter_turns == labels), "labels")
        osd = osd_turns(gray)
        if osd is not None and osd in tied:
            return Orientation(osd, next(o.cost for o in scored if o.quarter_turns == osd), "osd")
        # still tied: a turn that gives the paper the orientation the form names (when it names
        # one), then no turn (the header is at the top) before a quarter turn before half a turn
        for t in _tie_order(gray.shape, form):
            if t in tied:
                return Orientation(t, next(o.cost for o in scored if o.quarter_turns == t), "tie")
    return scored[0]


def _upright_labels(gray: np.ndarray, k: float, form: Form, tied: dict[int, Rules]) -> int | None:
    """The quarter turn in which the form's labels read best in a header band (None: no clear one)."""
    codes = {1: cv2.ROTATE_90_CLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_COUNTERCLOCKWISE}
    shares: dict[int, float] = {}
    for t, rules in tied.items():
        img = gray if t == 0 else cv2.rotate(gray, codes[t])
        x0, x1 = rules.xs[0], rules.xs[-1]
        shares[t] = best_header_share(img, header_bands(img, rules, k), x0, x1, form, k)
    ranked = sorted(shares.items(), key=lambda kv: kv[1], reverse=True)
    # a fax's labels read poorly at this resolution: two labels one way, none the other, is clear
    if not ranked or ranked[0][1] < min(HEADER_SHARE, 2 / max(1, len(form.columns))):
        return None
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < 0.2:
        return None
    return ranked[0][0]


def _tie_order(shape: tuple[int, ...], form: Form) -> list[int]:
    """Quarter turns in the order to prefer when the table fits several equally well."""
    order = [0, 1, 3, 2]
    if "orientation" not in form.model_fields_set:
        return order
    h, w = shape[:2]
    keeps = (h > w) == (form.orientation == "portrait")  # no turn keeps the named orientation
    return sorted(order, key=lambda t: (t % 2 == 0) != keeps)


def osd_turns(gray: np.ndarray) -> int | None:
    """Clockwise quarter turns that make the page's printed text upright, per Tesseract OSD.

    Run with the ``osd`` model alone: with a language model loaded as well,
    Tesseract 5 can abort the whole process (tesserocr issue #358). At 100 DPI
    it took 0.15 s and was right on all 16 test pages (4 turns x 2 layouts x 2 DPI).
    """
    try:
        import tesserocr
        from PIL import Image
    except ImportError:  # pragma: no cover - tesserocr is a dependency
        return None
    path = tessdata()
    if not path:
        return None
    try:
        with tesserocr.PyTessBaseAPI(path=path, lang="osd", psm=tesserocr.PSM.OSD_ONLY) as api:
            api.SetImage(Image.fromarray(gray))
            res = api.DetectOrientationScript()
    except RuntimeError:
        return None
    if not res or res.get("orient_conf", 0.0) < OSD_MIN_CONF:
        return None
    # orient_deg: how far the page is turned clockwise; undo it
    return (4 - round(res["orient_deg"] / 90.0)) % 4


def register_foreign(
    page: PageImage, gray: np.ndarray, form: Form, levels: list[np.ndarray] | None = None
) -> Registered:
    """Upright, deskewed gray page at TEMPLATE_DPI whose table matches ``form``.

    ``levels``: halvings of ``gray`` already made (see ``halved``).
    """
    src, pg = page.ref.source, page.ref.page
    k = TEMPLATE_DPI / MM_PER_INCH
    levels = levels if levels and levels[0] is gray else [gray]
    rect, size, notes = _rectify(gray, page, levels)
    # analysis copy at ANALYSIS_DPI
    a = ANALYSIS_DPI / TEMPLATE_DPI
    ka = k * a
    scale_a = np.diag([a, a, 1.0])
    asize = (max(1, round(size[0] * a)), max(1, round(size[1] * a)))
    # a source at 1 to 2 times the analysis resolution: the linear warp below then does not alias
    small, fs = halved(levels, max(gray.shape) * _scale(scale_a @ rect, gray.shape), 2.0)
    unshrink = np.diag([1 / fs, 1 / fs, 1.0])
    low = cv2.warpPerspective(small, scale_a @ rect @ unshrink, asize, flags=cv2.INTER_LINEAR, borderValue=255)
    skew = estimate_skew(low, ka)
    no_table = NotAFormError(src, pg, "not a petition sheet (no markers or table found)",
                             f"No ruled table on the page; --form {form.name} expects one.")
    if skew is None:
        raise no_table
    rot = _rotation(skew, size)
    low = flatten(cv2.warpPerspective(small, scale_a @ rot @ rect @ unshrink, asize, flags=cv2.INTER_LINEAR,
                                      borderValue=255))
    masks = rule_masks(ink_mask(low, px_per_mm=ka), ka)
    # the page's corners in a photo are only so exact: what perspective they leave, the rules show
    fix = table_correction(*masks, ka)
    if fix is not None:
        rot = np.linalg.inv(scale_a) @ fix @ scale_a @ rot
        low = flatten(cv2.warpPerspective(small, scale_a @ rot @ rect @ unshrink, asize, flags=cv2.INTER_LINEAR,
                                          borderValue=255))
        masks = rule_masks(ink_mask(low, px_per_mm=ka), ka)
        notes.append("table straightened on its rules")
    orient = choose_orientation(low, ka, form, masks)
    if orient is False:
        raise no_table
    if not isinstance(orient, Orientation):
        raise RegistrationError(
            src, pg, f"no table matching the {len(form.columns)} columns of form '{form.name}' found",
            "Check that --form names the layout of these sheets.",
        )
    turn, out_size = _quarter(orient.quarter_turns, size)
    m = turn @ rot @ rect
    if abs(skew) >= 0.3:
        notes.append(f"deskewed by {skew:.1f} degrees")
    if orient.quarter_turns:
        notes.append(f"turned {90 * orient.quarter_turns} degrees clockwise ({orient.how})")
    # shrink big sources first so the warp does not alias
    scale = _scale(m, gray.shape)
    srcimg, f = (gray, 1.0) if scale >= 0.6 else downscale(gray, round(max(gray.shape) * scale * 1.25), levels)
    m_src = m @ np.diag([1 / f, 1 / f, 1.0])
    warped = cv2.warpPerspective(srcimg, m_src, out_size, flags=cv2.INTER_LINEAR, borderValue=255)
    return Registered(
        ref=page.ref,
        form_name=form.name,
        gray=flatten(warped),
        px_per_mm=k,
        method="table",
        notes=notes,
        to_image=np.linalg.inv(m),
    )
