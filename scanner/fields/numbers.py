"""Phone numbers (E.164 via ``phonenumbers``, region FR) and dates (ISO)."""

from __future__ import annotations

import datetime as dt
import re

import phonenumbers

from scanner.fields.common import DIGIT_LOOKALIKES, Reading, Vote, clean_spaces, vote
from scanner.model import OcrResult
from scanner.textfold import fold

LOOKALIKE_FACTOR = 0.85  #: confidence kept per letter read as a digit (the check validates the rest)
TWO_DIGIT_YEAR_FACTOR = 0.9  #: "12/03/24": the century is a guess


def _digits_from(text: str, keep: str) -> tuple[str, int]:
    """Letters that look like digits turned into digits; (text, how many were swapped)."""
    swapped = text.translate(DIGIT_LOOKALIKES)
    count = sum(a != b for a, b in zip(text, swapped, strict=True))
    kept = "".join(ch for ch in swapped if ch.isdigit() or ch in keep)
    dropped = sum(ch.isalnum() and not ch.isdigit() for ch in swapped)  # stray letters: doubt too
    return kept, count + dropped


def read_phone(candidate: OcrResult) -> Reading:
    text = clean_spaces(candidate.text)
    digits, swapped = _digits_from(text, "+")
    conf = candidate.confidence * LOOKALIKE_FACTOR**swapped
    try:
        number = phonenumbers.parse(digits, "FR")
    except phonenumbers.NumberParseException:
        return Reading(value=text, confidence=conf, valid=False, source=candidate)
    if not phonenumbers.is_valid_number(number):
        return Reading(value=digits or text, confidence=conf, valid=False, source=candidate)
    value = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Reading(value=value, confidence=conf, valid=True, source=candidate)


def interpret_phone(candidates: list[OcrResult]) -> Vote | None:
    return vote([read_phone(c) for c in candidates])


_MONTHS = {
    "JANVIER": 1,
    "JANV": 1,
    "JAN": 1,
    "FEVRIER": 2,
    "FEVR": 2,
    "FEV": 2,
    "MARS": 3,
    "MAR": 3,
    "AVRIL": 4,
    "AVR": 4,
    "MAI": 5,
    "JUIN": 6,
    "JUILLET": 7,
    "JUIL": 7,
    "AOUT": 8,
    "SEPTEMBRE": 9,
    "SEPT": 9,
    "SEP": 9,
    "OCTOBRE": 10,
    "OCT": 10,
    "NOVEMBRE": 11,
    "NOV": 11,
    "DECEMBRE": 12,
    "DEC": 12,
}
_NUMERIC = re.compile(r"^(\d{1,2})[/.\- ]+(\d{1,2})[/.\- ]+(\d{4}|\d{2})$")
_COMPACT = re.compile(r"^(\d{2})(\d{2})(\d{4}|\d{2})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORDS = re.compile(r"^(\d{1,2})(?:ER)? ?([A-Z]+)\.? ?(\d{4}|\d{2})$")


def _year(text: str, today: dt.date) -> tuple[int, float]:
    if len(text) == 4:
        return int(text), 1.0
    yy = int(text)
    century = 2000 if yy <= today.year % 100 else 1900
    return century + yy, TWO_DIGIT_YEAR_FACTOR


def parse_date(text: str, today: dt.date | None = None) -> tuple[str, float, int] | None:
    """(ISO date, confidence factor, letters swapped) of a French-order date, or None."""
    today = today or dt.date.today()
    cleaned = " ".join(text.replace(",", " ").split())
    if m := _WORDS.match(fold(cleaned)):
        month = _MONTHS.get(m.group(2))
        if month is None:
            return None
        day, (year, factor), swapped = int(m.group(1)), _year(m.group(3), today), 0
    else:
        digits, swapped = _digits_from(cleaned, "/.- ")
        digits = digits.strip("/.- ")
        if m := _ISO.match(digits):
            year, month, day, factor = int(m.group(1)), int(m.group(2)), int(m.group(3)), 1.0
        elif m := (_NUMERIC.match(digits) or _COMPACT.match(digits)):
            day, month = int(m.group(1)), int(m.group(2))
            year, factor = _year(m.group(3), today)
        else:
            return None
    if not 1900 <= year <= today.year + 1:
        return None
    try:
        value = dt.date(year, month, day)
    except ValueError:
        return None
    return value.isoformat(), factor, swapped


def read_date(candidate: OcrResult) -> Reading:
    parsed = parse_date(candidate.text)
    if parsed is None:
        return Reading(clean_spaces(candidate.text), candidate.confidence, False, candidate)
    value, factor, swapped = parsed
    conf = candidate.confidence * factor * LOOKALIKE_FACTOR**swapped
    return Reading(value=value, confidence=conf, valid=True, source=candidate)


def interpret_date(candidates: list[OcrResult]) -> Vote | None:
    return vote([read_date(c) for c in candidates])
