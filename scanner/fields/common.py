"""What every field interpreter shares: one engine reading turned into a
normalised value, and the vote across engines that picks the value and sets
how sure the tool is of it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from scanner.flags import Flag
from scanner.model import FieldResult, OcrResult

#: How much a competing reading (another value from any engine) lowers the winner's
#: confidence, per unit of the rival's support.
RIVAL_WEIGHT = 0.6
#: Rivals that are not even valid values count this much as valid ones.
INVALID_RIVAL_WEIGHT = 0.5
#: Confidence of an empty reading when nobody said whether the cell has ink.
UNKNOWN_EMPTY_CONFIDENCE = 0.5
#: Letters handwriting OCR returns for digits; used only where a check (official
#: list, number plan, calendar) then validates the result.
DIGIT_LOOKALIKES = str.maketrans("OoDQIli|!SsBZz", "00001111155822")
#: Characters that are only pen noise when a cell reads as nothing else.
_NOISE = set(" .,;:-_|'\"`~*°")


@dataclass(frozen=True)
class Reading:
    """One engine's candidate after normalisation for the column's type."""

    value: str  #: normalised value ("" if nothing usable)
    confidence: float  #: engine confidence after the type's own adjustments
    valid: bool  #: passes the type's checks (syntax, official list...)
    source: OcrResult  #: the candidate it came from
    doubt: bool = False  #: the type's evidence itself says "check this"
    #: extra alternatives worth showing to a reviewer (e.g. near first names)
    suggestions: tuple[OcrResult, ...] = field(default=())


@dataclass(frozen=True)
class Vote:
    """Outcome of the vote: the chosen reading and the confidence in its value."""

    best: Reading
    confidence: float


#: A stroke with at least this share of its ink beyond the cell's side rule (the
#: rest inside) is a letter written across the rule; it went whole to one cell, so
#: the other may read cleanly with a letter short ('ELOAN' for 'ELOANE'). On the
#: generated sets 71, 2718 and 4099, text cells so marked were 41-48% wrong
#: against 12% for the rest, and only 4-7 rows a set that were in clean.csv.
BORDER_SHARE = 0.3
#: ...and their confidence is held under every text threshold: a person looks.
BORDER_CAP = 0.5


def add_flag(result: FieldResult, flag: str) -> None:
    """Add ``flag`` to ``result`` once (in place): a row lists each doubt once."""
    if flag not in result.flags:
        result.flags.append(flag)


def flag_low(result: FieldResult, cap: float) -> None:
    """Cap ``result``'s confidence and flag it ``low_confidence:<column>`` (in place)."""
    result.confidence = round(min(result.confidence, cap), 4)
    add_flag(result, Flag.low(result.column))


def doubt_border(result: FieldResult, border_share: float) -> None:
    """Cap the confidence of a non-empty value whose cell has a letter across its side rule."""
    if border_share >= BORDER_SHARE and result.value:
        result.confidence = min(result.confidence, BORDER_CAP)


def clean_spaces(text: str) -> str:
    """NFC, typographic quotes/dashes made plain, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'").replace("´", "'")
    text = text.replace("–", "-").replace("—", "-").replace("‐", "-")
    return " ".join(text.split())


def is_blank(text: str) -> bool:
    """Nothing but pen noise (dots, dashes, bars) or nothing at all."""
    return all(ch in _NOISE for ch in text.strip())


def clamp(x: float) -> float:
    return max(0.0, min(1.0, x))


def vote(readings: list[Reading]) -> Vote | None:
    """Pick the value the engines support most; disagreement lowers confidence.

    Support of a value is the noisy-or of the best confidence each engine gives
    it (two engines agreeing at 0.8 give 0.96); the winner's confidence is its
    support reduced by the strongest rival value's support. Valid values always
    win over invalid ones. ``None`` when there is no reading at all.
    """
    if not readings:
        return None
    groups: dict[tuple[bool, str], dict[str, Reading]] = {}
    for r in readings:
        per_engine = groups.setdefault((r.valid, r.value), {})
        held = per_engine.get(r.source.engine)
        if held is None or r.confidence > held.confidence:
            per_engine[r.source.engine] = r

    def support(per_engine: dict[str, Reading]) -> float:
        miss = 1.0
        for r in per_engine.values():
            miss *= 1.0 - clamp(r.confidence)
        return 1.0 - miss

    ranked = sorted(groups.items(), key=lambda kv: (not kv[0][0], -support(kv[1])))
    winners = ranked[0][1]
    rival = 0.0
    for (r_valid, _), per_engine in ranked[1:]:
        weight = 1.0 if r_valid else INVALID_RIVAL_WEIGHT
        rival = max(rival, weight * support(per_engine))
    best = max(winners.values(), key=lambda r: r.confidence)
    confidence = support(winners) * (1.0 - RIVAL_WEIGHT * rival)
    return Vote(best=best, confidence=clamp(confidence))


def empty_result(column: str, candidates: list[OcrResult], has_ink: bool | None) -> FieldResult:
    """An empty cell: sure when the ink agrees, suspicious when ink was seen."""
    if has_ink:
        # Something is written but no engine could read it: never a silent blank.
        return FieldResult(
            column=column, value="", raw="", confidence=0.2, flags=[Flag.low(column)], candidates=candidates
        )
    # Without the ink measure a blank reading may be writing no engine could read:
    # scored under every threshold, so such a row is reviewed rather than trusted.
    confidence = 1.0 if has_ink is False else UNKNOWN_EMPTY_CONFIDENCE
    return FieldResult(column=column, value="", raw="", confidence=confidence, candidates=candidates)


def finish(column: str, outcome: Vote, candidates: list[OcrResult]) -> FieldResult:
    """FieldResult from the vote: invalid -> ``invalid:<col>``, doubt -> ``low_confidence:<col>``."""
    best = outcome.best
    flags: list[str] = []
    confidence = outcome.confidence
    if not best.valid:
        flags.append(Flag.invalid(column))
        confidence = min(confidence, 0.3)
    elif best.doubt:
        flags.append(Flag.low(column))
    shown = list(candidates) + [s for s in best.suggestions if s not in candidates]
    return FieldResult(
        column=column,
        value=best.value,
        raw=best.source.text,
        confidence=round(clamp(confidence), 4),
        flags=flags,
        candidates=shown,
    )


def interpret_text(candidates: list[OcrResult]) -> Vote | None:
    """Free text: spaces tidied, case kept; nothing to check it against."""
    readings = []
    for c in candidates:
        value = clean_spaces(c.text)
        readings.append(Reading(value, c.confidence, any(ch.isalnum() for ch in value), c))
    return vote(readings)
