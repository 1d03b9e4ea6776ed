"""Tick boxes and signatures drawn with OpenCV, under clean, noisy-JPEG and uneven-light conditions."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest

from scanner.layout import Box
from scanner.marks import checkbox, signature

H, W, SIDE = 110, 180, 55  # a checkbox cell at 200 dpi, its 7 mm printed square
SH, SW = 100, 250  # a signature cell

Image = np.ndarray


def _noise(img: Image, sigma: float = 8.0, seed: int = 0) -> Image:
    rng = np.random.default_rng(seed)
    return np.clip(img.astype(np.float32) + rng.normal(0, sigma, img.shape), 0, 255).astype(np.uint8)


def _jpeg(img: Image, quality: int = 30) -> Image:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    decoded = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    assert ok and decoded is not None
    return decoded


def _uneven(img: Image) -> Image:
    """Light falling from 100% to under half across the cell (a phone photo's shadow)."""
    gain = np.linspace(0.45, 1.0, img.shape[1])[None, :] * np.linspace(0.8, 1.0, img.shape[0])[:, None]
    return np.clip(img * gain, 0, 255).astype(np.uint8)


CONDITIONS: dict[str, Callable[[Image], Image]] = {
    "clean": lambda x: x,
    "jpeg": lambda x: _jpeg(_noise(x, 8)),
    "uneven": lambda x: _jpeg(_uneven(_noise(x, 6))),
}


# -- checkbox ---------------------------------------------------------------------------------


def _cell(square: bool = True) -> tuple[Image, Box]:
    img = np.full((H, W), 245, np.uint8)
    box = Box(W / 2 - SIDE / 2, H / 2 - SIDE / 2, W / 2 + SIDE / 2, H / 2 + SIDE / 2)
    if square:
        x0, y0, x1, y1 = box.ints()
        cv2.rectangle(img, (x0, y0), (x1 - 1, y1 - 1), 20, 2)
    return img, box


def _tick(img: Image, b: Box, ink: int = 30, t: int = 4) -> Image:
    x0, y0, x1, y1 = b.ints()
    pts = np.array([(x0 + 8, (y0 + y1) // 2), ((x0 + x1) // 2 - 4, y1 - 8), (x1 + 8, y0 - 8)], np.int32)
    cv2.polylines(img, [pts], False, ink, t, cv2.LINE_AA)
    return img


def _cross(img: Image, b: Box) -> Image:
    x0, y0, x1, y1 = b.ints()
    cv2.line(img, (x0 + 6, y0 + 6), (x1 - 6, y1 - 6), 30, 4, cv2.LINE_AA)
    cv2.line(img, (x1 - 6, y0 + 6), (x0 + 6, y1 - 6), 30, 4, cv2.LINE_AA)
    return img


def _filled(img: Image, b: Box) -> Image:
    x0, y0, x1, y1 = b.ints()
    cv2.rectangle(img, (x0 + 5, y0 + 5), (x1 - 6, y1 - 6), 40, -1)
    return img


def _dot(img: Image, b: Box) -> Image:
    cv2.circle(img, (int(b.cx) + 5, int(b.cy)), 3, 40, -1)
    return img


def _stray(img: Image, b: Box) -> Image:
    cv2.line(img, (int(b.cx), int(b.cy)), (int(b.cx) + 8, int(b.cy) + 4), 40, 2)
    return img


def _beside(img: Image, b: Box) -> Image:
    cv2.line(img, (int(b.x1) + 5, int(b.cy)), (int(b.x1) + 30, int(b.y0)), 30, 3)
    return img


def _neighbour_border(img: Image, b: Box) -> Image:
    cv2.line(img, (0, 20), (6, 90), 30, 3)
    cv2.line(img, (W - 1, 5), (W - 5, 60), 30, 3)
    return img


def _faint_tick(img: Image, b: Box) -> Image:
    return _tick(img, b, ink=205)


def _zigzag(img: Image, b: Box) -> Image:
    """Filled by a zigzag of near-horizontal strokes: straight runs, but the writer's."""
    x0, y0, x1, y1 = b.ints()
    pts = [(x0 + 6 if i % 2 == 0 else x1 - 6, y0 + 6 + i * 6) for i in range((y1 - y0 - 12) // 6 + 1)]
    cv2.polylines(img, [np.array(pts, np.int32)], False, 30, 3, cv2.LINE_AA)
    return img


TICKED = {"zigzag": _zigzag,
          "tick": _tick, "thin tick": lambda i, b: _tick(i, b, t=2), "pencil tick": lambda i, b: _tick(i, b, 150, 2),
          "cross": _cross, "filled": _filled}  # fmt: skip


@pytest.mark.parametrize("condition", CONDITIONS)
@pytest.mark.parametrize("mark", TICKED)
@pytest.mark.parametrize("given_box", [True, False], ids=["box", "no-box"])
def test_marked_box_is_true(mark: str, condition: str, given_box: bool) -> None:
    img, box = _cell()
    crop = CONDITIONS[condition](TICKED[mark](img, box))
    r = checkbox(crop, box if given_box else None, column="infos")
    assert (r.value, r.flags) == ("true", [])
    assert r.confidence >= 0.9


@pytest.mark.parametrize("condition", CONDITIONS)
@pytest.mark.parametrize("square", [True, False], ids=["square", "no-square"])
@pytest.mark.parametrize("extra", [None, _neighbour_border], ids=["empty", "neighbour-border"])
def test_empty_box_is_false(condition: str, square: bool, extra: Callable[[Image, Box], Image] | None) -> None:
    img, box = _cell(square)
    if extra is not None:
        img = extra(img, box)
    crop = CONDITIONS[condition](img)
    for given in (box, None):
        r = checkbox(crop, given, column="infos")
        assert (r.value, r.flags) == ("false", []), given
        assert r.confidence >= 0.9


def test_printed_square_misregistered_is_not_a_mark() -> None:
    img, box = _cell()
    shifted = Box(box.x0 + 6, box.y0 - 6, box.x1 + 6, box.y1 - 6)
    assert checkbox(_jpeg(_noise(img)), shifted, column="infos").value == "false"
    assert checkbox(_jpeg(_noise(_tick(img, box))), shifted, column="infos").value == "true"


@pytest.mark.parametrize("condition", CONDITIONS)
@pytest.mark.parametrize("mark", [_dot, _stray, _beside, _faint_tick], ids=["dot", "stray", "beside", "faint"])
def test_doubtful_marks_are_flagged(mark: Callable[[Image, Box], Image], condition: str) -> None:
    img, box = _cell()
    r = checkbox(CONDITIONS[condition](mark(img, box)), box, column="infos")
    assert r.flags == ["low_confidence:infos"]
    assert r.confidence < 0.5


def test_faint_noise_alone_is_empty() -> None:
    img, box = _cell(square=False)
    noisy = _jpeg(_noise(img, sigma=14, seed=3), quality=15)
    r = checkbox(noisy, box, column="infos")
    assert (r.value, r.flags) == ("false", [])


def test_colour_crop_accepted() -> None:
    img, box = _cell()
    colour = cv2.cvtColor(_tick(img, box), cv2.COLOR_GRAY2BGR)
    assert checkbox(colour, box, column="infos").value == "true"


def test_unusable_crop_is_flagged_not_false() -> None:
    r = checkbox(np.full((3, 3), 255, np.uint8), None, column="infos")
    assert r.flags == ["low_confidence:infos"] and r.confidence == 0.0


# -- signature -------------------------------------------------------------------------------------


def _blank() -> Image:
    return np.full((SH, SW), 245, np.uint8)


def _scribble(img: Image, seed: int = 1, ink: int = 25, t: int = 3, x0: int = 30, x1: int = 220, yc: int = 50,
              amp: float = 25) -> Image:  # fmt: skip
    rng = np.random.default_rng(seed)
    xs = np.linspace(x0, x1, 200)
    ph = rng.uniform(0, 6, 3)
    ys = yc + amp * (0.6 * np.sin(xs / 9 + ph[0]) + 0.3 * np.sin(xs / 4.3 + ph[1]) + 0.2 * np.sin(xs / 23 + ph[2]))
    xs = xs + 8 * np.sin(xs / 5 + ph[2])
    cv2.polylines(img, [np.stack([xs, ys], 1).astype(np.int32)], False, ink, t, cv2.LINE_AA)
    return img


def _initials(img: Image) -> Image:
    cv2.putText(img, "JD", (90, 70), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 1.6, 25, 3, cv2.LINE_AA)
    return img


def _dots(img: Image) -> Image:
    for x, y in ((60, 40), (150, 70)):
        cv2.circle(img, (x, y), 3, 30, -1)
    return img


def _smudge(img: Image) -> Image:
    m = np.zeros(img.shape, np.float32)
    cv2.ellipse(m, (120, 50), (25, 15), 0, 0, 360, 1.0, -1)
    return np.clip(img - cv2.GaussianBlur(m, (0, 0), 5) * 110, 0, 255).astype(np.uint8)


def _neighbours_tails(img: Image) -> Image:
    """Signatures of the rows above and below poking a few pixels into this cell."""
    cv2.polylines(img, [np.array([(40, 0), (55, 8), (70, 2), (80, 0)], np.int32)], False, 25, 3)
    cv2.polylines(img, [np.array([(150, SH - 1), (165, SH - 9), (185, SH - 3), (200, SH - 1)], np.int32)], False, 25, 3)
    return img


SIGNED = {
    "scribble": _scribble,
    "small thin scribble": lambda i: _scribble(i, seed=7, t=2, x0=80, x1=170, amp=18),
    "initials": _initials,
    "overflowing the cell": lambda i: _scribble(i, seed=4, yc=25, amp=40),
    "pencil": lambda i: _scribble(i, ink=150, t=2),
}


@pytest.mark.parametrize("condition", CONDITIONS)
@pytest.mark.parametrize("kind", SIGNED)
def test_signature_present(kind: str, condition: str) -> None:
    r = signature(CONDITIONS[condition](SIGNED[kind](_blank())), column="signature")
    assert (r.value, r.flags) == ("true", [])
    assert r.confidence >= 0.9


@pytest.mark.parametrize("condition", CONDITIONS)
@pytest.mark.parametrize("make", [lambda i: i, _neighbours_tails], ids=["blank", "neighbours-tails"])
def test_no_signature(make: Callable[[Image], Image], condition: str) -> None:
    r = signature(CONDITIONS[condition](make(_blank())), column="signature")
    assert (r.value, r.flags) == ("false", [])
    assert r.confidence >= 0.9


@pytest.mark.parametrize("condition", CONDITIONS)
@pytest.mark.parametrize("make", [_dots, _smudge, lambda i: _scribble(i, ink=215)], ids=["dots", "smudge", "faint"])
def test_dots_smudges_and_faint_ink_are_not_a_signature_but_doubtful(
    make: Callable[[Image], Image], condition: str
) -> None:
    r = signature(CONDITIONS[condition](make(_blank())), column="signature")
    assert r.value == "false"
    assert r.flags == ["low_confidence:signature"] and r.confidence < 0.5


# -- crops as scanner.cells cuts them, and other resolutions ---------------------------------------


def _as_cells_cuts(img: Image) -> Image:
    """Like scanner.cells: kept strokes on pure white, with margins around the cell."""
    out = np.where(img < 195, img, 255).astype(np.uint8)
    return cv2.copyMakeBorder(out, 45, 45, 20, 20, cv2.BORDER_CONSTANT, value=255)


def test_cells_style_crops() -> None:
    img, box = _cell(square=False)
    shifted = Box(box.x0 + 20, box.y0 + 45, box.x1 + 20, box.y1 + 45)
    assert checkbox(_as_cells_cuts(_tick(img.copy(), box)), shifted, column="infos").value == "true"
    assert checkbox(_as_cells_cuts(img), shifted, column="infos").flags == []
    assert checkbox(_as_cells_cuts(_tick(img.copy(), box)), None, column="infos").value == "true"
    assert signature(_as_cells_cuts(_scribble(_blank())), column="signature").value == "true"
    assert signature(_as_cells_cuts(_initials(_blank())), column="signature").value == "true"
    blank = signature(_as_cells_cuts(_blank()), column="signature")
    assert (blank.value, blank.flags) == ("false", [])
    assert signature(_as_cells_cuts(_dots(_blank())), column="signature").flags == ["low_confidence:signature"]


def test_sizes_are_physical_not_pixels() -> None:
    """At 300 dpi the same dots are more pixels but still dots, and a signature still one."""
    scale = 1.5
    px_per_mm = 300 / 25.4

    def up(img: Image) -> Image:
        return cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)

    dots = signature(up(_dots(_blank())), column="signature", px_per_mm=px_per_mm)
    assert (dots.value, dots.flags) == ("false", ["low_confidence:signature"])
    signed = signature(up(_initials(_blank())), column="signature", px_per_mm=px_per_mm)
    assert (signed.value, signed.flags) == ("true", [])
    img, box = _cell()
    ticked = checkbox(up(_tick(img, box)), None, column="infos", px_per_mm=px_per_mm)
    assert (ticked.value, ticked.flags) == ("true", [])
    img, box = _cell()
    assert checkbox(up(img), None, column="infos", px_per_mm=px_per_mm).value == "false"
