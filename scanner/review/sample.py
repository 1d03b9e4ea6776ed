"""A store full of flagged rows with real little crop images, without any OCR.

For the review page's end-to-end test, its benchmark (10,000 flagged rows) and
for trying the page by hand::

    python -m scanner.review.sample /tmp/demo.sqlite --rows 200
    petition-scan review --store /tmp/demo.sqlite

Crops are drawn with OpenCV's Hershey script font, so a reviewer (or a test)
sees what "the paper" says while the stored value may differ from it.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from scanner.forms import ColumnType, Form, resolve_form
from scanner.model import FieldResult, PageRef, PageResult, RowResult
from scanner.store import Store

_INK = 40  # dark ballpoint on a gray scan
_CELL_H = 56


@dataclass(frozen=True)
class SampleRow:
    """One line of a sheet: what is written on paper, and what the tool read."""

    written: dict[str, str]
    read: dict[str, str] = field(default_factory=dict)  #: values read differently from ``written``
    field_flags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    confidence: float = 0.95


def _png(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 3])
    assert ok
    return buf.tobytes()


@lru_cache(maxsize=4096)
def cell_png(kind: ColumnType, text: str, width: int) -> bytes:
    return _png(draw_cell(kind, text, width))


def draw_cell(kind: ColumnType, text: str, width: int) -> np.ndarray:
    """A cell as a scan would show it: white, a hand-ish writing, a ruling at the bottom."""
    rng = random.Random(f"{kind}:{text}")
    img = np.full((_CELL_H, width), 255, np.uint8)
    if kind is ColumnType.SIGNATURE:
        if text == "true":
            pts = [(8 + i * (width - 16) // 9, 18 + rng.randint(0, 26)) for i in range(10)]
            cv2.polylines(img, [np.array(pts, np.int32)], False, _INK, 2, cv2.LINE_AA)
    elif kind is ColumnType.CHECKBOX:
        x0, y0 = width // 2 - 12, _CELL_H // 2 - 12
        cv2.rectangle(img, (x0, y0), (x0 + 24, y0 + 24), 90, 1)
        if text == "true":
            cv2.line(img, (x0 + 3, y0 + 3), (x0 + 21, y0 + 21), _INK, 2, cv2.LINE_AA)
            cv2.line(img, (x0 + 21, y0 + 3), (x0 + 3, y0 + 21), _INK, 2, cv2.LINE_AA)
    elif text:
        scale = 0.9
        (tw, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, scale, 2)
        if tw > width - 10:
            scale *= (width - 10) / tw
        cv2.putText(img, text, (5, 38 + rng.randint(-3, 3)), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, scale, _INK, 2,
                    cv2.LINE_AA)
    cv2.line(img, (0, _CELL_H - 1), (width, _CELL_H - 1), 150, 1)
    return img


def sample_page(form: Form, source: str, page: int, rows: list[SampleRow], *, seed: int = 0) -> PageResult:
    """A page result as the page job would produce it, with PNG crops and line images."""
    widths = {c.name: int(110 * c.width) for c in form.output_columns}
    results = []
    for number, line in enumerate(rows, start=1):
        fields: dict[str, FieldResult] = {}
        images = []
        for column in form.output_columns:
            written = line.written.get(column.name, "")
            value = line.read.get(column.name, written)
            images.append(draw_cell(column.type, written, widths[column.name]))
            flags = list(line.field_flags.get(column.name, ()))
            fields[column.name] = FieldResult(
                column=column.name, value=value, raw=value, confidence=0.5 if flags else 0.97, flags=flags,
                crop_png=cell_png(column.type, written, widths[column.name]),
            )
        line_image = np.hstack(images)
        if "crossed_out" in line.flags:
            cv2.line(line_image, (0, _CELL_H // 2), (line_image.shape[1], _CELL_H // 2 - 6), _INK, 3)
        results.append(RowResult(row=number, fields=fields, confidence=line.confidence, flags=list(line.flags),
                                 line_png=_png(line_image)))
    digest = hashlib.sha256(f"{source}#{page}#{seed}".encode()).hexdigest()
    return PageResult(
        ref=PageRef(source=source, path=f"/scans/{source}", page=page), sha256=digest, form_name=form.name,
        rows=results, method="markers",
    )


_LAST = ["DUPONT", "MARTIN", "BERNARD", "PETIT", "DURAND", "LEROY", "MOREAU", "SIMON", "LAURENT", "LEFEBVRE",
         "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX", "VINCENT", "FOURNIER", "MOREL", "GIRARD", "ANDRE",
         "MERCIER", "BLANC", "GUERIN", "BOYER", "GARNIER", "CHEVALIER", "FRANCOIS", "LEGRAND", "GAUTHIER", "PERRIN"]
_FIRST = ["Jean", "Claire", "Louise", "Hugo", "Emma", "Lucas", "Chloé", "Nathan", "Léa", "Paul", "Inès", "Jules",
          "Manon", "Théo", "Camille", "Louis", "Sarah", "Arthur", "Zoé", "Gabriel"]
_TOWNS = [("75011", "Paris"), ("69003", "Lyon"), ("13005", "Marseille"), ("35000", "Rennes"), ("33000", "Bordeaux"),
          ("44000", "Nantes"), ("59000", "Lille"), ("31000", "Toulouse"), ("67000", "Strasbourg"),
          ("34000", "Montpellier"), ("06000", "Nice"), ("29200", "Brest"), ("87000", "Limoges")]
_MISREAD = str.maketrans("0123456789", "O1Z34S6789")


def person(i: int) -> dict[str, str]:
    """The i-th signatory: distinct people (double-barrelled names beyond the first 600)."""
    simple = len(_LAST) * len(_FIRST)
    last, first = _LAST[i % len(_LAST)], _FIRST[(i // len(_LAST)) % len(_FIRST)]
    if i >= simple:
        last = f"{last}-{_LAST[(i // simple) % len(_LAST)]}"
    code, town = _TOWNS[i % len(_TOWNS)]
    login = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode().lower()
    return {
        "nom": last, "prenom": first, "email": f"{login}@exemple.fr",
        "code_postal": code, "ville": town, "signature": "true", "infos": "true" if i % 3 else "false",
    }


def flagged_row(i: int, rng: random.Random) -> SampleRow:
    """A typical doubtful line: one misread value, or a row-level flag."""
    written = person(i)
    kind = rng.random()
    if kind < 0.45:
        return SampleRow(written, read={"code_postal": written["code_postal"].translate(_MISREAD)[:5]},
                         field_flags={"code_postal": ("low_confidence",)}, confidence=0.55)
    if kind < 0.7:
        bad = written["email"].replace("@", "", 1)
        return SampleRow(written, read={"email": bad}, field_flags={"email": ("invalid",)}, confidence=0.6)
    if kind < 0.85:
        return SampleRow(written, read={"nom": written["nom"][:-1] + "?"}, field_flags={"nom": ("low_confidence",)},
                         confidence=0.6)
    if kind < 0.93:
        return SampleRow({**written, "signature": "false"}, flags=("unsigned",), confidence=0.8)
    return SampleRow(written, flags=("crossed_out",), confidence=0.7)


def build_store(path: Path | None, rows: int, *, per_page: int = 10, seed: int = 7) -> Store:
    """A store at ``path`` (None: in memory) with ``rows`` flagged rows; returns it open."""
    from scanner.dedupe import dedupe_run

    form = resolve_form("surveillance-fr")
    store = Store.open(path) if path is not None else Store.memory()
    run_id = store.start_run(args={"sample": rows}, tool_version="sample", forms=[form])
    rng = random.Random(seed)
    for start in range(0, rows, per_page):
        lines = [flagged_row(i, rng) for i in range(start, min(rows, start + per_page))]
        page_no = start // per_page
        store.save_page(run_id, sample_page(form, f"lot{page_no // 50 + 1:03d}.pdf", page_no % 50 + 1, lines,
                                            seed=seed))
    dedupe_run(store, run_id)
    store.finish_run(run_id)
    return store


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--rows", type=int, default=200)
    args = parser.parse_args(argv)
    store = build_store(args.store, args.rows)
    store.close()
    print(f"wrote {args.rows} flagged rows to {args.store}")


if __name__ == "__main__":
    main()
