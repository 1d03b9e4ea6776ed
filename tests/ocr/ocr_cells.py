"""A small fixed set of synthetic cells shared by the OCR tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz.distance import Levenshtein

from scanner.forms import ColumnType
from scanner.ocr.synth import font_supports, handwriting_fonts, render_cell

CAPITALS = ("MARTIN", "DUBOIS", "LEFEBVRE", "GARNIER", "CHEVALIER", "ROUSSEAU", "NICOLAS", "BLANCHARD")
POSTCODES = ("75011", "69003", "13008", "31400", "44000", "67100")
EMAILS = ("jean.martin@orange.fr", "cdubois@free.fr", "paul.roux@gmail.com", "lea.morel@laposte.net")


@dataclass(frozen=True)
class Case:
    truth: str
    image: np.ndarray


def fonts() -> list[Path]:
    found = handwriting_fonts()
    assert found, "the handwriting fonts are a system dependency (fonts-dkg-handwriting, ...)"
    return found


def cases(texts: tuple[str, ...], seed: int, width: int | None = None) -> list[Case]:
    """Each text drawn with a different font (round-robin) and its own seed."""
    usable = fonts()
    out = []
    for i, text in enumerate(texts):
        choices = [f for f in usable if font_supports(f, text)]
        out.append(Case(text, render_cell(text, choices[i % len(choices)], seed=seed + i, width_px=width)))
    return out


def cer(truths: list[str], reads: list[str]) -> float:
    """Character error rate, case-insensitive: edits / characters of the truth."""
    edits = sum(Levenshtein.distance(t.casefold(), r.casefold()) for t, r in zip(truths, reads, strict=True))
    return edits / sum(len(t) for t in truths)


KIND_SETS = {
    ColumnType.NAME: CAPITALS,
    ColumnType.POSTCODE: POSTCODES,
    ColumnType.EMAIL: EMAILS,
}
