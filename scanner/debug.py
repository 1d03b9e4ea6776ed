"""A picture of what the layout stages saw, for people checking a doubtful page.

A page that was read gets :func:`render_debug` (its table, lines and cells); a
page the tool refused gets :func:`render_refused` (the page as scanned, the
ruled lines and markers found on it, and the reason in large print). In the
--debug folder they are named by :func:`debug_png_name`:
``<source with / as __>-p<page:03d>.png`` and ``...-p<page:03d>-refused.png``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from scanner.cells import LineCells
from scanner.forms import Form
from scanner.layout import MARKER_IDS
from scanner.model import PageImage, PageRef, Registered, Table
from scanner.register.lines import Rules

GREEN = (40, 160, 40)
GREY = (160, 160, 160)
RED = (30, 30, 220)
BLUE = (200, 120, 20)
GREY_TEXT = (90, 90, 90)


def render_debug(reg: Registered, table: Table, lines: list[LineCells]) -> np.ndarray:
    """The registered page with the header (blue), written lines (green), empty (grey), crossed out (red)."""
    img = cv2.cvtColor(reg.gray, cv2.COLOR_GRAY2BGR)
    font = cv2.FONT_HERSHEY_SIMPLEX
    scale = max(0.5, reg.px_per_mm / 8.0)
    if table.header is not None:
        x0, y0, x1, y1 = table.header.ints()
        cv2.rectangle(img, (x0, y0), (x1, y1), BLUE, 3)
    for line in lines:
        colour = RED if line.crossed_out else (GREY if line.empty else GREEN)
        overlay = img.copy()
        for cell in line.cells:
            x0, y0, x1, y1 = cell.box.ints()
            cv2.rectangle(img, (x0 + 2, y0 + 2), (x1 - 2, y1 - 2), colour, 2)
            if cell.ink > 0:
                cv2.rectangle(overlay, (x0 + 2, y0 + 2), (x1 - 2, y1 - 2), colour, -1)
            if cell.tick_box is not None:
                ox, oy = cell.origin
                t = cell.tick_box
                cv2.rectangle(img, (int(t.x0) + ox, int(t.y0) + oy), (int(t.x1) + ox, int(t.y1) + oy), BLUE, 1)
        img = cv2.addWeighted(overlay, 0.12, img, 0.88, 0)
        bx0, by0, _, by1 = line.box.ints()
        label = f"{line.row}" + (" X" if line.crossed_out else "")
        cv2.putText(img, label, (max(2, bx0 - int(40 * scale)), (by0 + by1) // 2), font, scale, colour, 2)
    cv2.putText(img, f"{reg.ref}  form={reg.form_name}  method={reg.method}  fit={reg.residual_px:.2f}px",
                (10, int(30 * scale)), font, scale * 0.8, BLUE, 2)
    for n, note in enumerate(reg.notes):
        cv2.putText(img, note, (10, int((60 + 28 * n) * scale)), font, scale * 0.7, BLUE, 1)
    return img


def write_debug_png(reg: Registered, table: Table, lines: list[LineCells], path: Path) -> None:
    """Write :func:`render_debug` as PNG (folders created as needed)."""
    write_png(render_debug(reg, table, lines), path)


# --- pictures of refused pages ----------------------------------------------------------

#: Long side of the picture of a refused page, px.
REFUSED_LONG_SIDE = 1600
#: Picture suffix of a page the tool refused (``name-p003-refused.png``; a read page: ``name-p003.png``).
REFUSED_SUFFIX = "-refused"
H_RULE = (200, 120, 20)  #: horizontal rules found (blue)
V_RULE = (0, 140, 255)  #: vertical rules found (orange)
MARKER = (200, 40, 200)  #: corner markers found (magenta)
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def debug_png_name(source: str, page: int, *, refused: bool = False) -> str:
    """File name of a page's picture in the --debug folder: ``<source, / as __>-p<page:03d>[-refused].png``."""
    stem = f"{Path(source).as_posix().replace('/', '__')}-p{page:03d}"
    return f"{stem}{REFUSED_SUFFIX if refused else ''}.png"


def find_debug_png(debug_dir: Path, source: str, page: int) -> Path | None:
    """The picture of a page in ``debug_dir`` (the refused one first), None when there is none."""
    for refused in (True, False):
        path = Path(debug_dir) / debug_png_name(source, page, refused=refused)
        if path.is_file():
            return path
    return None


def write_png(img: np.ndarray, path: Path) -> None:
    """Write ``img`` as PNG (folders created as needed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, buf = cv2.imencode(".png", img, [cv2.IMWRITE_PNG_COMPRESSION, 6])
    if not ok:
        raise OSError(f"cannot encode the debug image {path.name}")
    path.write_bytes(buf.tobytes())


def save_page_picture(debug_dir: Path, ref: PageRef, img: np.ndarray, *, refused: bool) -> Path:
    """Write a page's picture under its name in ``debug_dir``; returns its path.

    The picture of the other kind an earlier run left for the same page (read
    then, refused now, or the reverse) is removed, so the folder holds one
    picture per page and its name says how the page fared.
    """
    path = Path(debug_dir) / debug_png_name(ref.source, ref.page, refused=refused)
    write_png(img, path)
    path.with_name(debug_png_name(ref.source, ref.page, refused=not refused)).unlink(missing_ok=True)
    return path


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:
        return ImageFont.load_default(size)


def _wrap(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float) -> list[str]:
    """``text`` in lines no wider than ``width`` px (a word longer than that gets a line of its own)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            trial = f"{line} {word}".strip()
            if line and font.getlength(trial) > width:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return lines


def _banner(width: int, parts: list[tuple[str, int, bool, tuple[int, int, int]]]) -> np.ndarray:
    """A white band ``width`` px wide holding ``parts`` (text, size px, bold, BGR colour), wrapped."""
    margin = max(12, width // 60)
    laid: list[tuple[str, ImageFont.FreeTypeFont | ImageFont.ImageFont, int, tuple[int, int, int]]] = []
    for text, size, bold, colour in parts:
        font = _font(size, bold)
        laid += [(line, font, size, colour) for line in _wrap(text, font, width - 2 * margin)]
    height = margin * 2 + sum(round(size * 1.3) for _, _, size, _ in laid)
    band = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(band)
    y = margin
    for line, font, size, (b, g, r) in laid:
        draw.text((margin, y), line, font=font, fill=(r, g, b))
        y += round(size * 1.3)
    return cv2.cvtColor(np.asarray(band), cv2.COLOR_RGB2BGR)


@dataclass
class Seen:
    """What a look at a refused page finds: the ruled lines and corner markers, on a small deskewed copy."""

    image: np.ndarray  #: the page, gray, long side REFUSED_LONG_SIDE px at most, deskewed
    rules: Rules  #: in ``image`` px
    markers: dict[int, np.ndarray]  #: id -> 4x2 corners in ``image`` px
    skew: float | None  #: degrees the copy was turned to deskew it (None: not deskewed)

    def summary(self, form: Form | None = None) -> str:
        """One sentence for people: the lines and markers found (and the form's column count)."""
        h, v = len(self.rules.ys), len(self.rules.xs)
        text = f"Ruled lines found: {h} horizontal (blue), {v} vertical (orange)"
        if v >= 2:
            text += f", so {v - 1} columns as the page lies"
        text += f"; corner markers found: {len(self.markers)} of {len(MARKER_IDS)} (magenta)."
        if self.skew is not None:
            text += f" Page shown deskewed by {self.skew:.1f} degrees."
        if form is not None:
            text += f" Form '{form.name}' has {len(form.columns)} columns."
        return text


def look_at(page: PageImage) -> Seen:
    """The ruled lines and corner markers on a page, found as the readers look for them.

    The lines are looked for as the foreign-sheet reader does, on the page
    deskewed by its long lines; a page turned a quarter shows its columns as
    horizontal lines.
    """
    from scanner.register.common import downscale, flatten
    from scanner.register.foreign import estimate_skew
    from scanner.register.lines import find_rules
    from scanner.register.printed import find_markers

    gray = cv2.cvtColor(page.image, cv2.COLOR_BGR2GRAY) if page.image.ndim == 3 else page.image
    small, f = downscale(gray, REFUSED_LONG_SIDE)
    # px per mm of the small copy: from the scan's resolution, else as if the page were A4
    px_per_mm = page.dpi * f / 25.4 if page.dpi > 0 else max(small.shape) / 297.0
    h, w = small.shape
    markers = {m: np.asarray(q, np.float64) * f for m, q in find_markers(gray).items()}
    skew = estimate_skew(small, px_per_mm)
    if skew is not None and abs(skew) >= 0.3:
        rot = cv2.getRotationMatrix2D((w / 2, h / 2), -skew, 1.0)
        small = cv2.warpAffine(small, rot, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
        markers = {m: cv2.transform(q[None], rot)[0] for m, q in markers.items()}
    else:
        skew = None
    return Seen(small, find_rules(flatten(small), px_per_mm), markers, skew)


def render_refused(
    page: PageImage, reason: str, hint: str = "", form: Form | None = None, seen: Seen | None = None
) -> np.ndarray:
    """A refused page as the tool saw it, with why it was refused written above it.

    The page downscaled (long side REFUSED_LONG_SIDE px) with the ruled lines
    found on it (horizontal in blue, vertical in orange: the table the tool
    looks for) and the corner markers of a printed sheet (magenta), under a band
    naming the file and page, the reason in large print, the hint and what was
    found. ``form``: the form the page was read with (--form), if any;
    ``seen``: :func:`look_at` of the page when already made.
    """
    seen = seen if seen is not None else look_at(page)
    img = cv2.cvtColor(seen.image, cv2.COLOR_GRAY2BGR)
    h, w = seen.image.shape
    thick = max(2, round(max(h, w) / 600))
    rules = seen.rules
    x0, x1 = (round(rules.xs[0]), round(rules.xs[-1])) if rules.xs else (0, w - 1)
    y0, y1 = (round(rules.ys[0]), round(rules.ys[-1])) if rules.ys else (0, h - 1)
    for y in rules.ys:
        cv2.line(img, (x0, round(y)), (x1, round(y)), H_RULE, thick)
    for x in rules.xs:
        cv2.line(img, (round(x), y0), (round(x), y1), V_RULE, thick)
    for mid, quad in sorted(seen.markers.items()):
        pts = np.round(quad).astype(np.int32)
        cv2.polylines(img, [pts], True, MARKER, thick + 1)
        cx, cy = pts.mean(axis=0).astype(int)
        cv2.putText(img, str(mid), (int(cx) + 12, int(cy)), cv2.FONT_HERSHEY_SIMPLEX, 1.0, MARKER, 2)

    big = max(26, round(w / 32))
    parts = [
        ("Page not read / page non lue", big, True, RED),
        (reason, big, True, (30, 30, 30)),
    ]
    if hint:
        parts.append((f"Hint: {hint}", round(big * 0.7), False, (30, 30, 30)))
    parts += [
        (seen.summary(form), round(big * 0.62), False, BLUE),
        (f"{page.ref.source}, page {page.ref.page}", round(big * 0.62), False, GREY_TEXT),
    ]
    return np.vstack([_banner(w, parts), img])


def write_refused_png(page: PageImage, reason: str, path: Path, hint: str = "", form: Form | None = None) -> None:
    """Write :func:`render_refused` as PNG."""
    write_png(render_refused(page, reason, hint, form), path)
