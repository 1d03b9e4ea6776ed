"""Field-like cell crops made of real handwriting only (no fonts), one list per field kind.

Names and towns are real words cut from the lines; postcodes are five real MNIST
digits; e-mails are real word pieces joined (see :func:`email_crops` for what is
composed and how). Every crop is placed on a white cell the size a 300-dpi scan
gives (about 100 px high), as the pipeline hands cells to the engines.
Deterministic for a seed.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

import cv2
import numpy as np

from scanner.refdata import RefData
from tools.realhw.words import INK, LinePieces, Piece

#: Cell height at 300 dpi (an 8.5 mm line), and the scale from the 48-px lines to it.
CELL_H = 100
LINE_SCALE = 1.6
KINDS = ("surname", "surname_caps", "first_name", "town", "town_code", "postcode", "postcode_comb", "email")
#: The column each kind is read as (name, type, role), as in samples/foreign.yaml.
COLUMNS = {
    "surname": ("nom", "name", "last"),
    "surname_caps": ("nom", "name", "last"),
    "first_name": ("prenom", "name", "first"),
    "town": ("ville", "text", "other"),
    "town_code": ("ville", "text", "other"),  #: the town crops again, on a row whose postcode is its own
    "postcode": ("code_postal", "postcode", "other"),
    "postcode_comb": ("code_postal", "postcode", "other"),
    "email": ("email", "email", "other"),
}


@dataclass(frozen=True)
class FieldCrop:
    kind: str
    image: np.ndarray  #: gray uint8, dark ink on white
    truth: str  #: the value the tool should output
    split: str
    source: str  #: page(s) or MNIST indices the ink comes from


def on_cell(ink: np.ndarray, rng: random.Random, min_w: int = 300) -> np.ndarray:
    """``ink`` centred-ish on a white cell CELL_H high (wider when the ink is)."""
    h, w = ink.shape
    if h > CELL_H - 8:
        f = (CELL_H - 8) / h
        ink = cv2.resize(ink, (max(1, round(w * f)), CELL_H - 8), interpolation=cv2.INTER_AREA)
        h, w = ink.shape
    cw = max(min_w, w + 40)
    cell = np.full((CELL_H, cw), 255, np.uint8)
    y = rng.randint(0, CELL_H - h)
    x = rng.randint(10, cw - w - 10)
    cell[y : y + h, x : x + w] = np.minimum(cell[y : y + h, x : x + w], ink)
    return cell


def scaled(piece: Piece) -> np.ndarray:
    """The piece's strip at cell scale (48-px lines to about a 300-dpi cell's writing)."""
    h, w = piece.image.shape
    size = (max(1, round(w * LINE_SCALE)), round(h * LINE_SCALE))
    return cv2.resize(piece.image, size, interpolation=cv2.INTER_CUBIC)


def _capitalised(text: str) -> bool:
    return len(text) >= 3 and text[0].isupper() and text[1:].islower()


def block_capitals(text: str) -> bool:
    """A word in block capitals (two letters at least): the surname_caps crops."""
    return len(text) >= 2 and text.isalpha() and text.isupper()


def word_crops(pieces: list[LinePieces], split: str, ref: RefData, seed: int) -> dict[str, list[FieldCrop]]:
    """The words of ``split``'s lines as surnames (capitalised words; block capitals where
    the writers used them, which is rare: mostly acronyms), first names (capitalised
    words on the INSEE list), towns (capitalised words that are communes). A word may
    serve several kinds; the truth is the tool's spelling of it."""
    rng = random.Random(seed)
    out: dict[str, list[FieldCrop]] = {k: [] for k in ("surname", "surname_caps", "first_name", "town")}
    for lp in pieces:
        if lp.split != split:
            continue
        for p in lp.words:
            kinds = []
            if _capitalised(p.text):
                kinds.append("surname")
                if ref.firstname_count(p.text) > 0:
                    kinds.append("first_name")
                if ref.is_commune(p.text):
                    kinds.append("town")
            elif block_capitals(p.text):
                kinds.append("surname_caps")
            for kind in kinds:
                truth = p.text if kind == "town" else p.text.upper()
                out[kind].append(FieldCrop(kind, on_cell(scaled(p), rng), truth, p.split, p.page))
    return out


def _digit(img28: np.ndarray, height: int, slant: float) -> np.ndarray:
    """An MNIST digit as dark ink on white, ``height`` px high, sheared by ``slant``."""
    ink = 255 - img28
    size = max(8, height)
    big = cv2.resize(ink, (size, size), interpolation=cv2.INTER_CUBIC)
    pad = int(abs(slant) * size) + 2
    canvas = np.full((size, size + 2 * pad), 255, np.uint8)
    canvas[:, pad : pad + size] = big
    m = np.array([[1.0, -slant, slant * size / 2], [0.0, 1.0, 0.0]], dtype=np.float32)
    sheared = cv2.warpAffine(canvas, m, (canvas.shape[1], size), borderValue=255)
    cols = np.flatnonzero((sheared < INK).any(axis=0))
    return sheared[:, cols[0] : cols[-1] + 1] if len(cols) else sheared


def join_digits(glyphs: list[np.ndarray], rng: random.Random) -> np.ndarray:
    """Digits written side by side: gaps of -4..14 px (so digits may touch), each at a
    random height in a strip 8 px taller than the tallest."""
    gaps = [rng.randint(-4, 14) for _ in glyphs[1:]]
    width = sum(g.shape[1] for g in glyphs) + sum(gaps)
    row = np.full((max(g.shape[0] for g in glyphs) + 8, width + 4), 255, np.uint8)
    x = 2
    for g, gap in zip(glyphs, [*gaps, 0], strict=True):
        y = rng.randint(0, row.shape[0] - g.shape[0])
        region = row[y : y + g.shape[0], x : x + g.shape[1]]
        np.minimum(region, g, out=region)
        x += g.shape[1] + gap
    return row


def _pick_digits(code: str, by_label: dict[int, list[int]], rng: random.Random) -> list[int]:
    return [rng.choice(by_label[int(c)]) for c in code]


def postcode_crops(
    images: np.ndarray, labels: np.ndarray, indices: list[int], split: str, codes: list[str], n: int, seed: int
) -> dict[str, list[FieldCrop]]:
    """``n`` real postcodes written free (spacing -4..14 px so digits may touch, size and
    slant per writer-like draw) and ``n`` in a printed 5-box comb, one digit per box.
    The comb's outline is then whited out, as the pipeline drops out the guides it
    printed (scanner/cells.py), taking the digit ink under it along."""
    rng = random.Random(seed)
    by_label: dict[int, list[int]] = defaultdict(list)
    for i in indices:
        by_label[int(labels[i])].append(i)
    free: list[FieldCrop] = []
    comb: list[FieldCrop] = []
    for _ in range(n):
        code = rng.choice(codes)
        picks = _pick_digits(code, by_label, rng)
        height, slant = rng.randint(48, 80), rng.uniform(-0.25, 0.25)
        glyphs = [_digit(images[i], height + rng.randint(-4, 4), slant) for i in picks]
        row = join_digits(glyphs, rng)
        src = ",".join(map(str, picks))
        free.append(FieldCrop("postcode", on_cell(row, rng, min_w=240), code, split, src))
        picks = _pick_digits(code, by_label, rng)
        comb.append(FieldCrop("postcode_comb", _comb(images, picks, rng), code, split, ",".join(map(str, picks))))
    return {"postcode": free, "postcode_comb": comb}


def _comb(images: np.ndarray, picks: list[int], rng: random.Random) -> np.ndarray:
    """The MNIST digits ``picks`` one per box of a 5-box comb whose outline is then whited out."""
    box_w, box_h, x0, y0 = 52, 70, 12, 15
    cell = np.full((CELL_H, x0 * 2 + 5 * box_w), 255, np.uint8)
    slant = rng.uniform(-0.2, 0.2)
    for k, i in enumerate(picks):
        g = _digit(images[i], rng.randint(44, 62), slant)
        g = g[:, : box_w - 2] if g.shape[1] > box_w - 2 else g
        gx = x0 + k * box_w + rng.randint(1, max(1, box_w - g.shape[1] - 1))
        gy = y0 + rng.randint(0, max(0, box_h - g.shape[0]))
        region = cell[gy : gy + g.shape[0], gx : gx + g.shape[1]]
        np.minimum(region, g[: region.shape[0], : region.shape[1]], out=region)
    mask = np.zeros_like(cell)
    for k in range(5):
        cv2.rectangle(mask, (x0 + k * box_w, y0), (x0 + (k + 1) * box_w, y0 + box_h), 255, 2)
    cell[mask > 0] = 255
    return cell


def _join(parts: list[np.ndarray], rng: random.Random) -> np.ndarray:
    """Strips of one height side by side with small random gaps."""
    h = max(p.shape[0] for p in parts)
    parts = [np.vstack([p, np.full((h - p.shape[0], p.shape[1]), 255, np.uint8)]) for p in parts]
    out: list[np.ndarray] = []
    for k, p in enumerate(parts):
        if k:
            out.append(np.full((h, rng.randint(2, 8)), 255, np.uint8))
        out.append(p)
    return np.hstack(out)


def at_sign(a: Piece) -> np.ndarray:
    """An '@' from a real handwritten 'a' (the one-letter word 'a' of the lines) with an
    open circle drawn round it in the pen width of that 'a': the data holds one real '@'."""
    img = a.image
    rows = np.flatnonzero((img < INK).any(axis=1))
    core = img[rows[0] : rows[-1] + 1] if len(rows) else img
    ch, cw = core.shape
    pen = max(2, round(float((core < INK).sum()) / max(1, int((core < INK).any(axis=0).sum())) / 2))
    side = int(max(ch, cw) * 1.9) + 2 * pen
    canvas = np.full((side, side), 255, np.uint8)
    oy, ox = (side - ch) // 2, (side - cw) // 2
    canvas[oy : oy + ch, ox : ox + cw] = core
    r = side // 2 - pen
    cv2.ellipse(canvas, (side // 2, side // 2), (r, r), 0, 20, 320, 40, pen, cv2.LINE_AA)
    out = np.full((img.shape[0], side), 255, np.uint8)
    top = rows[0] + ch // 2 - side // 2 if len(rows) else 0
    top = int(np.clip(top, 0, max(0, img.shape[0] - side)))
    if side > img.shape[0]:
        return np.asarray(cv2.resize(canvas, (img.shape[0], img.shape[0]), interpolation=cv2.INTER_AREA))
    out[top : top + side] = canvas
    return out


def email_crops(pieces: list[LinePieces], split: str, n: int, seed: int) -> list[FieldCrop]:
    """``n`` addresses ``word.word@word.tld`` from one writer where that writer gave every
    piece (else the split's pool): lower-case words of 2-9 letters, a real '.' cut off the
    end of a word, the '@' of :func:`at_sign`, and a top-level domain ('fr', 'com', 'net')
    cut off the start of a real word (e.g. 'fr' of 'français'). Domains are not the common
    providers: no writer wrote 'gmail' or 'orange'."""
    rng = random.Random(seed)
    mine = [lp for lp in pieces if lp.split == split]
    pages: dict[str, dict[str, list[Piece]]] = defaultdict(lambda: defaultdict(list))
    pool: dict[str, list[Piece]] = defaultdict(list)
    for lp in mine:
        for p in lp.words:
            ascii_word = p.text.isascii() and p.text.islower() and 2 <= len(p.text) <= 9
            role = "a" if p.text == "a" else "word" if ascii_word else ""
            if role:
                pages[p.page][role].append(p)
                pool[role].append(p)
        for role, lst in (("dot", lp.dots), ("tld", lp.tlds)):
            for p in lst:
                pages[p.page][role].append(p)
                pool[role].append(p)
    if any(not pool[r] for r in ("word", "dot", "tld", "a")):
        return []
    order = sorted(pages)
    out: list[FieldCrop] = []
    for _ in range(n):
        page = pages[rng.choice(order)]

        def pick(role: str, page: dict[str, list[Piece]] = page) -> Piece:
            return rng.choice(page[role] if page[role] else pool[role])

        parts = [pick("word"), pick("dot"), pick("word"), None, pick("word"), pick("dot"), pick("tld")]
        a = pick("a")
        imgs = [at_sign(a) if p is None else p.image for p in parts]
        text = "".join("@" if p is None else p.text for p in parts)
        strip = _join(imgs, rng)
        h, w = strip.shape
        strip = cv2.resize(strip, (round(w * LINE_SCALE), round(h * LINE_SCALE)), interpolation=cv2.INTER_CUBIC)
        pages_used = sorted({p.page for p in parts if p is not None} | {a.page})
        out.append(FieldCrop("email", on_cell(strip, rng, min_w=400), text, split, "+".join(pages_used)))
    return out



def all_postcodes(ref: RefData) -> list[str]:
    """Every real French postcode of the tool's reference data, in order."""
    return [code for code in (f"{i:05d}" for i in range(100_000)) if ref.is_postcode(code)]
