"""Code postal and ville: each checked against the official list, and against
each other.

A five-digit string exists in the postcode list about 6% of the time by
chance, so existence alone is weak evidence; a city that matches one of the
code's communes is what makes both values trustworthy.
"""

from __future__ import annotations

from scanner.fields.common import DIGIT_LOOKALIKES, Reading, Vote, clamp, clean_spaces, vote
from scanner.forms import Column, ColumnType
from scanner.model import OcrResult
from scanner.refdata import RefData
from scanner.textfold import place_key

#: Letters handwriting OCR returns for digits (only applied when the result is a listed code).
_POSTCODE_JUNK = str.maketrans("", "", " .-_,'")
LOOKALIKE_FACTOR = 0.8  #: confidence kept per letter read as a digit

CLOSE_MATCH = 0.8  #: similarity at which a city reading is corrected to the official name
WEAK_MATCH = 0.6  #: below this a city does not belong to the postcode at all
AMBIGUITY_MARGIN = 0.05  #: two communes of one code this close: do not pick silently
SAME_KEY_KEEP = 0.3  #: share of doubt left when the city is exactly a commune of the code
CLOSE_KEEP = 0.5  #: share of doubt left when the city was corrected to a commune of the code
CLOSE_FACTOR = 0.9
ANYWHERE_FUZZY_FACTOR = 0.8  #: no postcode to check against; the city is only near a commune
UNKNOWN_PLACE_FACTOR = 0.7

_CITY_WORDS = ("VILLE", "COMMUNE", "LOCALITE", "CITY", "TOWN")


def is_city_column(column: Column) -> bool:
    """A text column holding the commune (by its name or printed label)."""
    if column.type != ColumnType.TEXT:
        return False
    words = place_key(f"{column.name} {column.label}").split()
    return any(w in words for w in _CITY_WORDS)


def read_postcode(candidate: OcrResult, ref: RefData) -> Reading:
    text = candidate.text.translate(_POSTCODE_JUNK)
    if text.upper().startswith("F") and len(text) == 6:  # "F75011", an old habit
        text = text[1:]
    digits = text.translate(DIGIT_LOOKALIKES)
    swapped = sum(a != b for a, b in zip(text, digits, strict=True))
    confidence = candidate.confidence * LOOKALIKE_FACTOR**swapped
    valid = len(digits) == 5 and digits.isdigit() and ref.is_postcode(digits)
    value = digits if digits.isdigit() else text.upper()
    return Reading(value=value, confidence=confidence, valid=valid, source=candidate)


def interpret_postcode(candidates: list[OcrResult], ref: RefData) -> Vote | None:
    return vote([read_postcode(c, ref) for c in candidates])


def read_city(candidate: OcrResult, ref: RefData, postcode: str | None) -> Reading:
    """A city reading, corrected to the official spelling when the postcode vouches for it."""
    text = clean_spaces(candidate.text).upper()
    conf = candidate.confidence
    if not any(ch.isalpha() for ch in text):
        return Reading(value=text, confidence=conf, valid=False, source=candidate)
    if postcode:
        ranked = ref.rank_communes(text, postcode, 2)
        if ranked:
            name, score = ranked[0]
            ambiguous = len(ranked) > 1 and ranked[1][1] >= score - AMBIGUITY_MARGIN and ranked[1][0] != name
            if place_key(name) == place_key(text):
                return Reading(name.upper(), 1.0 - (1.0 - conf) * SAME_KEY_KEEP, True, candidate)
            if score >= CLOSE_MATCH and not ambiguous:
                return Reading(name.upper(), CLOSE_FACTOR * (1.0 - (1.0 - conf) * CLOSE_KEEP), True, candidate)
            if score >= WEAK_MATCH:
                return Reading(name.upper(), min(conf, score) * 0.6, True, candidate, doubt=True)
        # Not a commune of this code: a real commune elsewhere means postcode and city
        # disagree (check by hand); a name found nowhere is not a valid city.
        official, anywhere = ref.find_commune(text)
        if official is not None and anywhere >= 1.0:
            return Reading(official.upper(), conf * 0.5, True, candidate, doubt=True)
        return Reading(text, conf * 0.5, False, candidate)
    official, anywhere = ref.find_commune(text)
    if official is not None and anywhere >= 1.0:
        return Reading(official.upper(), conf, True, candidate)
    if official is not None and anywhere >= 0.85:
        return Reading(text, conf * ANYWHERE_FUZZY_FACTOR, True, candidate)
    return Reading(text, conf * UNKNOWN_PLACE_FACTOR, True, candidate, doubt=True)


def interpret_city(candidates: list[OcrResult], ref: RefData, postcode: str | None) -> Vote | None:
    return vote([read_city(c, ref, postcode) for c in candidates])


def corroborated_postcode_confidence(postcode_conf: float, city_consistent: bool) -> float:
    """A city matching one of the code's communes halves the doubt about the code."""
    if city_consistent:
        return clamp(1.0 - (1.0 - postcode_conf) * 0.5)
    return clamp(postcode_conf * 0.5)
