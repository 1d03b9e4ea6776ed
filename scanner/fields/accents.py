"""Accents lost on capitals.

RapidOCR never returns an accented capital, and many people write names in
capitals, so a reading HELENE says nothing about the accents on the paper.
The usual spelling is then the best guess, and how sure it is depends on how
much more usual it is than the other spellings:

* first names: the national list counts each spelling (Hélène 1428, Helene
  226). The likeliest spelling is taken; its probability, from the count ratio
  ``r`` of the best to the next spelling, is ``r^k / (1 + r^k)`` (Léopold 1010
  against Leopold 1279: about 0.6, a coin toss sent to review). The list's
  counts are floors for common names, so many common names come out as coin
  tosses (LEA/LÉA, ERIC/ÉRIC, KEVIN/KÉVIN: about a sixth of the 2000 most
  frequent spellings); :data:`MIN_SPELLING_PROBABILITY` at 1 would trust the
  likeliest spelling instead and send none of them to review for accents.
* surnames: no national list is shipped; the common surnames written for this
  tool (:mod:`scanner.fields.surnames`) carry their usual accents (HÉBERT,
  PRÉVOST). A surname that is not there keeps the accents it was read with:
  nobody can tell NOEL from NOËL for a name the tool has never seen.

A reading that already has an accent (mixed-case writing) is the writer's
spelling and is kept.
"""

from __future__ import annotations

import re

from scanner.fields.surnames import ACCENTED_SURNAME_WORDS
from scanner.refdata import RefData, fold

#: Steepness of the spelling probability in the count ratio (2: twice as common -> 0.8).
RATIO_POWER = 2.0
#: Floor of a first-name spelling's probability (0: the count ratio alone decides).
MIN_SPELLING_PROBABILITY = 0.0
#: Probability that a common surname read without accents has its usual accents
#: (some families write HEBERT, and people drop accents on capitals).
SURNAME_ACCENT_PROBABILITY = 0.93
_PARTS = re.compile(r"([-' ])")


def has_accent(text: str) -> bool:
    return fold(text) != text.upper()


def _spelling_probability(best: int, other: int) -> float:
    if other <= 0:
        return 1.0
    r = (best / other) ** RATIO_POWER
    return max(MIN_SPELLING_PROBABILITY, r / (1.0 + r))


def first_name_spelling(word: str, ref: RefData) -> tuple[str, float]:
    """(likeliest listed spelling of an unaccented first name, its probability)."""
    spellings = ref.firstname_spellings(word)
    same = [(s.upper(), c) for s, c in spellings if fold(s) == word]
    if not same or not any(has_accent(s) for s, _ in same):
        return word, 1.0
    counts: dict[str, int] = {}
    for s, c in same:
        counts[s] = counts.get(s, 0) + c
    ranked = sorted(counts.items(), key=lambda sc: -sc[1])
    best, best_count = ranked[0]
    other = ranked[1][1] if len(ranked) > 1 else 0
    return best, _spelling_probability(best_count, other)


def restore_accents(value: str, ref: RefData, first: bool) -> tuple[str, float]:
    """(value with its likeliest accents, probability those accents are right).

    Only a value read without any accent is changed; its letters are never changed.
    """
    if not value or has_accent(value):
        return value, 1.0
    if first:
        whole, p = first_name_spelling(value, ref)  # listed compounds first (JEAN-NOËL)
        if whole != value or p < 1.0:
            return whole, p
    out: list[str] = []
    probability = 1.0
    for part in _PARTS.split(value):
        if not part.isalpha():
            out.append(part)
            continue
        if first:
            spelled, p = first_name_spelling(part, ref)
        elif part in ACCENTED_SURNAME_WORDS:
            spelled, p = ACCENTED_SURNAME_WORDS[part], SURNAME_ACCENT_PROBABILITY
        else:
            spelled, p = part, 1.0
        out.append(spelled)
        probability *= p
    return "".join(out), probability
