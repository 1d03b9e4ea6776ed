"""Names: upper case with accents, hyphens and apostrophes kept; first names
checked against the national first-name list.

A listed first name is evidence for the reading; a reading one letter away from
a frequent name is only a *suggestion*: it becomes the value but the field is
flagged, so a person called KYLLIAN is never silently turned into KILLIAN.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace

from scanner.fields.common import Reading, Vote, clean_spaces, vote
from scanner.fields.lexicon import Listed, choose
from scanner.model import OcrResult
from scanner.refdata import RefData
from scanner.textfold import name_key

#: Punctuation dropped from a name (OCR picks up dots and commas from pen noise).
_STRIPPABLE = set('.,;:_!?"()[]{}*~°')
STRIPPED_FACTOR = 0.9  #: confidence kept when punctuation had to be dropped
SINGLE_LETTER_FACTOR = 0.6  #: an initial alone is a weak reading
UNLISTED_FIRST_FACTOR = 0.8  #: a first name absent from the list is rarer, so likelier misread
LISTED_BONUS = 0.5  #: share of the remaining doubt a frequent listed first name removes
SUGGESTION_CAP = 0.45  #: confidence ceiling of a value taken from the list, not from the ink
FREQUENT_SCORE = 0.6  #: firstname_score from which a listed name may be suggested
RARE_SCORE = 0.35  #: below this a listed name next to a frequent one is doubted
#: Listed first names near each engine's reading scored under the recogniser's output.
LEXICON_NEIGHBOURS = 30
#: A listed first name's prior weight is its count to this power (tune split, real hands).
LEXICON_COUNT_POWER = 0.2


def normalise_name(text: str) -> tuple[str, bool, float]:
    """(value, valid, confidence factor) of a name as read.

    Digits, '@' and other symbols make the reading invalid: a name never has them
    and guessing letters for them would be a silent correction.
    """
    text = clean_spaces(text).upper()
    out: list[str] = []
    factor = 1.0
    for ch in text:
        if ch.isalpha():
            if not unicodedata.name(ch, "").startswith("LATIN"):
                return text, False, factor
            out.append(ch)
        elif ch in "-' ":
            out.append(ch)
        elif ch in _STRIPPABLE:
            factor = STRIPPED_FACTOR
        else:
            return text, False, factor
    value = "".join(out)
    value = " ".join(value.split())
    value = value.replace(" -", "-").replace("- ", "-").replace(" '", "'").replace("' ", "'")
    while "--" in value or "''" in value:
        value = value.replace("--", "-").replace("''", "'")
    value = value.strip("-' ")
    letters = sum(ch.isalpha() for ch in value)
    if letters == 0:
        return value, False, factor
    if letters == 1:
        factor *= SINGLE_LETTER_FACTOR
    return value, True, factor


def read_name(candidate: OcrResult, ref: RefData, first: bool) -> Reading:
    value, valid, factor = normalise_name(candidate.text)
    confidence = candidate.confidence * factor
    if valid and first:
        plausibility = ref.firstname_score(value)
        if plausibility > 0:
            confidence += (1.0 - confidence) * LISTED_BONUS * plausibility
        else:
            confidence *= UNLISTED_FIRST_FACTOR
    return Reading(value=value, confidence=confidence, valid=valid, source=candidate)


def _near_frequent(value: str, ref: RefData) -> list[tuple[str, float]]:
    """Frequent listed first names within one edit (two for long names) of ``value``."""
    max_distance = 1 if len(name_key(value)) <= 6 else 2
    near = [
        (name, sim)
        for name, sim in ref.closest_firstnames(value, 5)
        if 0 < ref.firstname_distance(value, name) <= max_distance and ref.firstname_score(name) >= FREQUENT_SCORE
    ]
    near.sort(key=lambda ns: (ref.firstname_distance(value, ns[0]), -ref.firstname_count(ns[0])))
    return near


def _check_first_name(winner: Reading, ref: RefData) -> Reading | None:
    """A flagged variant of the winner when a frequent name is a likelier reading, else None.

    Unlisted: the nearest frequent name becomes the value (flagged). Listed but
    rare next to a frequent one: the value stays, the frequent one is shown.
    """
    plausibility = ref.firstname_score(winner.value)
    if plausibility >= RARE_SCORE:
        return None
    near = _near_frequent(winner.value, ref)
    if not near:
        return None
    suggestions = tuple(OcrResult(text=name.upper(), confidence=sim, engine="firstnames") for name, sim in near)
    value = winner.value if plausibility > 0 else near[0][0].upper()
    return replace(
        winner, value=value, confidence=min(winner.confidence, SUGGESTION_CAP), doubt=True, suggestions=suggestions
    )


def lexicon_first_name(candidates: list[OcrResult], ref: RefData) -> Reading | None:
    """The listed first name near an engine's reading that the recogniser finds likeliest
    (:mod:`scanner.fields.lexicon`), or None when a reading the list lacks wins."""
    readings = [v for v, ok, _ in (normalise_name(c.text) for c in candidates) if ok]
    names = dict.fromkeys(
        name.upper() for value in readings for name, _ in ref.closest_firstnames(value, LEXICON_NEIGHBOURS)
    )
    names.update(dict.fromkeys(r for r in readings if ref.firstname_count(r) > 0))
    listed = [Listed(n, ref.firstname_count(n) ** LEXICON_COUNT_POWER) for n in names]
    choice = choose(candidates, listed, readings, engine="firstnames")
    if choice is None:
        return None
    return Reading(choice.value, choice.confidence, True, choice.source, suggestions=choice.runners_up)


def interpret_name(candidates: list[OcrResult], ref: RefData, first: bool) -> Vote | None:
    outcome = vote([read_name(c, ref, first) for c in candidates])
    if outcome is None or not first or not outcome.best.valid:
        return outcome
    lexical = lexicon_first_name(candidates, ref)
    if lexical is not None:
        return Vote(best=lexical, confidence=lexical.confidence)
    checked = _check_first_name(outcome.best, ref)
    if checked is None:
        return outcome
    return Vote(best=checked, confidence=min(outcome.confidence, SUGGESTION_CAP))
