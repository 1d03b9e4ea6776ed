"""Ranking the readings of several engines for one cell.

The rule (deterministic, no randomness, no dependence on input order):

1. Each reading gets a comparison key for its column type (:func:`comparison_key`):
   case, accents, spaces and, for names, hyphens and apostrophes are ignored;
   digit types keep digits only; e-mails are lower-cased. Readings with the
   same key agree; an empty reading agrees with nothing and supports nothing.
2. Each group of agreeing readings has a *support* ``S = 1 - prod(1 - c_i)``
   over its readings' confidences (one reading: its own confidence; two
   engines at 0.8 agreeing: 0.96). Engines fail differently (Tesseract's
   classic segmentation vs PP-OCR's CTC network), so independent agreement is
   strong evidence.
3. Disagreement is evidence against. With ``R`` the strongest support among
   the *other* groups, a group's odds are multiplied by ``(1 - R) ** rival_power``:
   ``conf / (1 - conf) = S / (1 - S) * (1 - R) ** rival_power``. With power 1
   this is Bayes' rule for two independent readings that cannot both be right;
   the default power 2 counts disagreement twice, because engines' errors are
   correlated (the same sloppy letter fools both) and their confidences were
   calibrated on synthetic handwriting. A weak rival barely matters (rapidocr
   at 0.99 against a Tesseract reading at 0.2 stays at 0.98); two confident
   engines that disagree leave neither confident (0.9 against 0.9: 0.08).
4. Groups are sorted best first by (confidence, number of engines, engine
   priority, text); the representative text of a group is its most confident
   reading (ties: engine priority), so accents or case read by the better
   reading are kept; every member's own text stays in ``readings`` (Tesseract
   draws accents on capitals that RapidOCR never does: evidence for later).

The output has one :class:`OcrResult` per group; its ``engine`` names every
engine that agreed ("rapidocr+tesseract"). Empty readings come last, at 0.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from scanner.forms import KINDS, ColumnType
from scanner.model import OcrResult
from scanner.ocr.registry import priority


@dataclass(frozen=True)
class CombineRule:
    """Weights of the ranking rule; the defaults are the documented rule."""

    #: How strongly the best disagreeing reading lowers a group (0: ignore rivals).
    rival_power: float = 2.0


def comparison_key(text: str, kind: ColumnType) -> str:
    """The form of ``text`` under which two readings count as the same value."""
    if KINDS[kind].digits:
        return "".join(c for c in text if c.isdigit())
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    if kind == ColumnType.EMAIL:
        return "".join(folded.split())
    return "".join(c for c in folded if c.isalnum())


def _against(support: float, rival: float, power: float) -> float:
    """``support`` with its odds multiplied by ``(1 - rival) ** power``."""
    support = min(support, 1.0 - 1e-6)
    odds = support / (1.0 - support) * (1.0 - min(rival, 1.0)) ** power
    return odds / (1.0 + odds)


def _reading_order(result: OcrResult) -> tuple[float, int, str, str]:
    return (-result.confidence, priority(result.engine), result.engine, result.text)


def combine(results: Sequence[OcrResult], kind: ColumnType, rule: CombineRule | None = None) -> list[OcrResult]:
    """Rank the readings of one cell best first, merging those that agree (see module doc)."""
    rule = rule or CombineRule()
    groups: dict[str, list[OcrResult]] = {}
    empties: list[OcrResult] = []
    for result in results:
        key = comparison_key(result.text, kind) if result.text.strip() else ""
        if key:
            groups.setdefault(key, []).append(result)
        else:
            empties.append(result)

    supports: dict[str, float] = {}
    for key, members in groups.items():
        doubt = 1.0
        for member in members:
            doubt *= 1.0 - min(1.0, max(0.0, member.confidence))
        supports[key] = 1.0 - doubt

    ranked: list[tuple[tuple[float, int, int, str], OcrResult]] = []
    for key, members in groups.items():
        rival = max((s for k, s in supports.items() if k != key), default=0.0)
        confidence = _against(supports[key], rival, rule.rival_power)
        best = min(members, key=_reading_order)
        engines = sorted({m.engine for m in members}, key=lambda e: (priority(e), e))
        readings = tuple(sorted(((m.engine, m.text) for m in members), key=lambda er: (priority(er[0]), er)))
        near = tuple(sorted({t for m in members for t in m.near_misses}))
        lattice = next((m.lattice for m in sorted(members, key=_reading_order) if m.lattice is not None), None)
        merged = OcrResult(best.text, round(confidence, 4), best.box, "+".join(engines), readings, near, lattice)
        order = (-merged.confidence, -len(engines), priority(engines[0]), merged.text)
        ranked.append((order, merged))
    ranked.sort(key=lambda item: item[0])
    out = [merged for _, merged in ranked]
    if empties:
        engines = sorted({e.engine for e in empties}, key=lambda e: (priority(e), e))
        box = next((e.box for e in sorted(empties, key=_reading_order) if e.box is not None), None)
        out.append(OcrResult("", 0.0, box, "+".join(engines)))
    return out
