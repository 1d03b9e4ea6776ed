"""Which printed words are the table's header: the form's column labels, read by Tesseract.

A sheet another group made does not say where its header is or which way up it
lies. Its header does, in words: the labels the form file names ("Nom",
"Code postal"...; a column without a label is known by its name). Reading one
strip of print with Tesseract takes about 20 ms, so the reader can ask of a
band of the page "is this the header?", and of a page turned both ways "which
way are the labels upright?". Handwriting reads as other words, so it scores
near zero: the score is the share of the form's labels found in the strip.
"""

from __future__ import annotations

import threading
import unicodedata
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from scanner.forms import Form
from scanner.register.lines import Rules

#: Two words are the same label word when this similar (OCR drops or swaps a letter).
WORD_SIMILARITY = 0.75
#: A band is the header when at least this share of the form's labels is read in it.
HEADER_SHARE = 0.5
#: Resolution the labels are read at (px/mm, 200 dpi).
READ_PX_PER_MM = 200 / 25.4
#: Ink darker than this (flattened page) is printed or written.
DARK = 150

_local = threading.local()


def fold_words(text: str) -> list[str]:
    """Lower-case words without accents, letters and digits only: how labels are compared."""
    plain = unicodedata.normalize("NFKD", text.lower())
    kept = "".join(c if c.isalnum() else " " for c in plain if not unicodedata.combining(c))
    return kept.split()


def label_words(form: Form) -> list[list[str]]:
    """Each column's label as folded words (its name when it has no label)."""
    out = []
    for c in form.columns:
        words = fold_words(c.label or c.name.replace("_", " "))
        if words:
            out.append(words)
    return out


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < 3:  # "de", "n": too short to be told from noise by similarity
        return False
    return SequenceMatcher(None, a, b).ratio() >= WORD_SIMILARITY


def label_share(words: list[str], labels: list[list[str]]) -> float:
    """Share of ``labels`` found in ``words``, each as consecutive similar words."""
    if not labels:
        return 0.0
    found = 0
    for label in labels:
        n = len(label)
        if any(all(_same(words[i + j], label[j]) for j in range(n)) for i in range(len(words) - n + 1)):
            found += 1
    return found / len(labels)


def tessdata() -> str:
    """Folder of the system's Tesseract models ('' when there is none)."""
    for p in ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata", "/usr/share/tessdata"):
        if (Path(p) / "osd.traineddata").exists():
            return p
    return ""


def _api() -> Any:
    """One Tesseract instance per thread (loading the French model costs ~0.2 s)."""
    api = getattr(_local, "api", None)
    if api is None:
        import tesserocr

        api = tesserocr.PyTessBaseAPI(path=tessdata(), lang="fra", psm=tesserocr.PSM.SINGLE_BLOCK)
        # no second, inverted reading of a line it read poorly: read_words turns a band printed
        # light on dark itself, once, so a line of handwriting is not read twice
        api.SetVariable("tessedit_do_invert", "0")
        _local.api = api
    return api


def read_words(strip: np.ndarray) -> list[str]:
    """The folded words Tesseract reads in a gray strip (none when it cannot run)."""
    if strip.size == 0 or strip.shape[0] < 6 or strip.shape[1] < 20 or not (strip < DARK).any():
        return []
    from PIL import Image

    if float(np.median(strip)) < 128:  # labels printed light on a dark band
        strip = 255 - strip
    try:
        api = _api()
        api.SetImage(Image.fromarray(np.ascontiguousarray(strip)))
        return fold_words(api.GetUTF8Text())
    except (RuntimeError, ImportError):  # no Tesseract model: the header is then told by the rules alone
        return []


def band_words(
    gray: np.ndarray, top: float, bottom: float, left: float, right: float, k: float, ruled: bool = False
) -> list[str]:
    """Folded words read in the band [top, bottom) x [left, right) of ``gray`` (``k`` px/mm)."""
    h, w = gray.shape[:2]
    inset = 0.8 * k if ruled else 0.0  # the rules around a ruled band: with them Tesseract reads nothing
    y0, y1 = max(0, round(top + inset)), min(h, round(bottom - inset))
    x0, x1 = max(0, round(left + inset)), min(w, round(right - inset))
    if y1 <= y0 or x1 <= x0:
        return []
    strip = gray[y0:y1, x0:x1]
    f = READ_PX_PER_MM / k
    if abs(f - 1) > 0.2:  # labels at 100 dpi are too small for Tesseract to read reliably
        strip = cv2.resize(strip, None, fx=f, fy=f, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC)
    pad = round(2 * READ_PX_PER_MM)  # a white margin, as Tesseract expects around a block of text
    strip = cv2.copyMakeBorder(strip, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
    return read_words(strip)


def header_share(
    gray: np.ndarray, top: float, bottom: float, left: float, right: float, form: Form, k: float,
    ruled: bool = False,
) -> float:
    """Share of the form's labels read in the band [top, bottom) x [left, right) of ``gray`` (``k`` px/mm)."""
    return label_share(band_words(gray, top, bottom, left, right, k, ruled), label_words(form))


def best_header_share(
    gray: np.ndarray, bands: list[tuple[float, float]], left: float, right: float, form: Form, k: float
) -> float:
    """The most of ``header_share`` over ``bands`` (the first one ruled above and below; ``header_bands``).

    Equal to the max over every band, at fewer readings (20 to 70 ms each): the shortest
    band is read first (a line of print is shorter than a written line), and once every
    label is read in one band no other is read, as none can score more.
    """
    best = 0.0
    for i in sorted(range(len(bands)), key=lambda j: bands[j][1] - bands[j][0]):
        best = max(best, header_share(gray, bands[i][0], bands[i][1], left, right, form, k, ruled=i == 0))
        if best >= 1.0:
            break
    return best


def label_word_hits(words: list[str], form: Form) -> int:
    """How many of ``words`` are words of the form's labels (of 3 letters or more)."""
    vocab = {w for label in label_words(form) for w in label if len(w) >= 3}
    return sum(1 for w in words if len(w) >= 3 and any(_same(w, v) for v in vocab))


def label_block_top(gray: np.ndarray, rule_y: float, left: float, right: float, k: float, most: float) -> float | None:
    """Top of the block of print standing just above the rule at ``rule_y`` (None: nothing there).

    Scans up from the rule over at most ``most`` px: the first inked rows met are the
    labels; a blank gap of 1 mm after them ends the block (the text above is not header).
    """
    x0, x1 = max(0, round(left)), min(gray.shape[1], round(right))
    y1 = round(rule_y - 0.6 * k)
    y0 = max(0, round(rule_y - most))
    if y1 - y0 < 3 or x1 - x0 < 10:
        return None
    dark = (gray[y0:y1, x0:x1] < DARK).sum(axis=1)
    inked = (dark >= max(2, 0.003 * (x1 - x0)))[::-1]  # from the rule upward; specks do not count
    rows = np.flatnonzero(inked)
    if rows.size == 0:
        return None
    # blocks of inked rows closer than 1 mm; the first one a line of print tall is the labels
    gap, tall = max(2, round(1.0 * k)), 1.5 * k
    blocks: list[list[int]] = [[int(rows[0]), int(rows[0])]]
    for r in rows[1:]:
        if r - blocks[-1][1] > gap:
            blocks.append([int(r), int(r)])
        else:
            blocks[-1][1] = int(r)
    label = next((b for b in blocks if b[1] - b[0] >= tall), None)
    if label is None:
        return None
    top = label[1]
    return float(y1 - top - 1 - round(0.8 * k))


def header_bands(gray: np.ndarray, rules: Rules, k: float) -> list[tuple[float, float]]:
    """Where an upright table's header may be: its first band, or the print just above its first rule."""
    ys = rules.ys
    if len(ys) < 2:
        return []
    bands = [(ys[0], ys[1])]
    pitch = float(np.median(np.diff(ys)))
    top = label_block_top(gray, ys[0], rules.xs[0], rules.xs[-1], k, 1.5 * pitch)
    if top is not None:
        bands.append((top, ys[0]))
    return bands
