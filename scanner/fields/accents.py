"""Accents lost on capitals, and a second reader's word on them.

RapidOCR never returns an accented capital, and many people write names in
capitals, so a reading HELENE says little about the accents on the paper.
Each word's spelling is chosen by Bayes' rule from two sources:

* a prior over its spellings. First names: the national list counts each
  spelling (Hélène 1428, Helene 226); the prior is proportional to the count
  squared (:data:`RATIO_POWER`: twice as common, 0.8), so Léopold 1010 against
  Leopold 1279 is a coin toss sent to review. Surnames: the common surnames
  written for this tool (:mod:`scanner.fields.surnames`) carry their usual
  accents (HÉBERT at :data:`SURNAME_ACCENT_PROBABILITY`). A word no list knows
  carries an accent with the rate the surname list shows for words like it
  (:data:`UNKNOWN_ACCENT_PRIOR_E`): nobody can tell NOEL from NOËL for a name
  never seen, and saying so is better than a silent guess.
* the *witness*: Tesseract's reading of the same letters, which does draw
  accents on capitals, imperfectly (:data:`WITNESS_SEES_ACCENT`,
  :data:`WITNESS_FALSE_ACCENT`). Its accents are evidence, not the answer.

The likeliest spelling is kept with its posterior probability, which the
field's confidence is multiplied by: a doubtful accent sends the row to review.
A reading whose accents came from a reader that does see them on its own
(mixed-case writing read by RapidOCR: Hélène) is the writer's spelling, kept.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from scanner.fields.surnames import ACCENTED_SURNAME_WORDS, KNOWN_SURNAME_WORDS
from scanner.refdata import RefData, fold

#: Steepness of the first-name spelling prior in the count ratio (2: twice as common -> 0.8).
RATIO_POWER = 2.0
#: Share of writers who leave the accents off a name written in capitals: the list
#: records births, not handwriting, so the unaccented spelling gets this much more.
ACCENTS_DROPPED = 0.05
#: Probability that a common surname read without accents has its usual accents
#: (some families write HEBERT, and people drop accents on capitals).
SURNAME_ACCENT_PROBABILITY = 0.93
#: Prior that a word no list knows carries an accent: in the common-surname list,
#: 46 of the 323 words with an E have one (14 %), 1 of the 190 without (FRANÇOIS).
UNKNOWN_ACCENT_PRIOR_E = 0.14
UNKNOWN_ACCENT_PRIOR_OTHER = 0.005
#: Tesseract on handwritten capitals, where it read the letters right (1,500 name
#: cells of generated seed 37, never used for calibration): it drew an accent on
#: 75 % of the accented words and on 2.9 % of the others, and where it drew one
#: on an accented word, exactly the right accents 85 % of the time.
WITNESS_SEES_ACCENT = 0.75
WITNESS_FALSE_ACCENT = 0.029
WITNESS_EXACT = 0.85
#: The engine whose readings are the witness, and the readers that never draw accents
#: on capitals (their accents, when present, come from lower-case writing).
WITNESS_ENGINE = "tesseract"
_PARTS = re.compile(r"([- ])")  # N'DIAYE, D'ALMEIDA stay one word
_SOME_ACCENT = "\x00"  # a spelling with accents the lists cannot name


def has_accent(text: str) -> bool:
    return fold(text) != text.upper()


def _base_letter(ch: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).upper()


def transplant_accents(value: str, witness: str) -> str | None:
    """``value`` with the accents ``witness`` puts on the same letters, or None.

    The two must have the same letters once accents, case and separators are
    ignored (the vote's comparison key); separators and case come from ``value``.
    """
    letters = [ch.upper() for ch in witness if ch.isalpha()]
    out: list[str] = []
    i = 0
    for ch in value:
        if not ch.isalpha():
            out.append(ch)
            continue
        if i >= len(letters) or _base_letter(letters[i]) != _base_letter(ch):
            return None
        out.append(letters[i] if len(letters[i]) == 1 else ch)
        i += 1
    return "".join(out) if i == len(letters) else None


def _unknown_prior(word: str) -> dict[str, float]:
    q = UNKNOWN_ACCENT_PRIOR_E if "E" in word else UNKNOWN_ACCENT_PRIOR_OTHER
    return {word: 1.0 - q, _SOME_ACCENT: q}


def _first_name_prior(word: str, ref: RefData) -> dict[str, float] | None:
    """Prior over the listed spellings of ``word`` (folded), None if the list has none with accents."""
    counts: dict[str, float] = {}
    for s, c in ref.firstname_spellings(word):
        if fold(s) == word:
            counts[s.upper()] = counts.get(s.upper(), 0.0) + float(c)
    if not counts or not any(has_accent(s) for s in counts):
        return None
    weights = {s: c**RATIO_POWER for s, c in counts.items()}
    total = sum(weights.values())
    prior = {s: (1.0 - ACCENTS_DROPPED) * w / total for s, w in weights.items()}
    prior[word] = prior.get(word, 0.0) + ACCENTS_DROPPED
    return prior


def _likelihood(spelling: str, plain: str, witness: str | None) -> float:
    """P(the witness reads what it read | the paper says ``spelling``)."""
    if witness is None:
        return 1.0
    accented = spelling != plain
    if not has_accent(witness):
        return 1.0 - WITNESS_SEES_ACCENT if accented else 1.0 - WITNESS_FALSE_ACCENT
    if not accented:
        return WITNESS_FALSE_ACCENT
    if spelling == witness:
        return WITNESS_SEES_ACCENT * WITNESS_EXACT
    return WITNESS_SEES_ACCENT * (1.0 - WITNESS_EXACT)


def _decide(prior: dict[str, float], plain: str, witness: str | None) -> tuple[str, float]:
    """Posterior-best spelling and its probability."""
    if witness is not None and has_accent(witness) and witness not in prior and _SOME_ACCENT in prior:
        q = prior.pop(_SOME_ACCENT)
        prior[witness] = q  # the unknown accented spelling the witness names
        prior[_SOME_ACCENT] = 0.0
    posterior: dict[str, float] = {}
    for spelling, p in prior.items():
        if spelling == _SOME_ACCENT:
            # an accented spelling nobody names: the witness drew none, or other accents
            like = 1.0 - WITNESS_SEES_ACCENT if witness is not None and not has_accent(witness) else 1.0
            if witness is not None and has_accent(witness):
                like = WITNESS_SEES_ACCENT * (1.0 - WITNESS_EXACT)
            posterior[spelling] = p * like
        else:
            posterior[spelling] = p * _likelihood(spelling, plain, witness)
    total = sum(posterior.values())
    if total <= 0.0:
        return plain, 0.0
    named = {s: v for s, v in posterior.items() if s != _SOME_ACCENT}
    best = min(named, key=lambda s: (-named[s], s))
    return best, named[best] / total


def restore_accents(value: str, ref: RefData, first: bool, witness: str | None = None) -> tuple[str, float]:
    """(value with its likeliest accents, probability those accents are right).

    ``value`` is read without accents (any it has are the witness's to judge);
    ``witness`` is the second reader's spelling of the same letters, if any.
    Letters are never changed, only accents.
    """
    if not value:
        return value, 1.0
    plain = "".join(_base_letter(c) if c.isalpha() else c for c in value.upper())
    seen = transplant_accents(plain, witness) if witness else None
    if first:
        prior = _first_name_prior(plain, ref)  # listed compounds first (JEAN-NOËL)
        if prior is not None:
            return _decide(prior, plain, seen)
    out: list[str] = []
    probability = 1.0
    witness_parts = _PARTS.split(seen) if seen is not None else None
    for k, part in enumerate(_PARTS.split(plain)):
        if not any(c.isalpha() for c in part):
            out.append(part)
            continue
        part_witness = witness_parts[k] if witness_parts is not None else None
        word = part.replace("'", "")  # the lists spell N'DIAYE as NDIAYE
        prior = _first_name_prior(part, ref) if first else None
        if prior is None and not first and word in ACCENTED_SURNAME_WORDS and "'" not in part:
            usual = ACCENTED_SURNAME_WORDS[word]
            prior = {usual: SURNAME_ACCENT_PROBABILITY, part: 1.0 - SURNAME_ACCENT_PROBABILITY}
        if prior is None and first and ref.firstname_count(part) > 0:
            prior = {part: 1.0}  # a listed first name the list only knows without accents
        if prior is None and not first and word in KNOWN_SURNAME_WORDS:
            prior = {part: 1.0}  # a common surname the list spells without accents (MARTIN, LEROY)
        if prior is None:
            prior = _unknown_prior(part)
        spelled, p = _decide(prior, part, part_witness)
        out.append(spelled)
        probability *= p
    return "".join(out), probability


def witness_reading(readings: Sequence[tuple[str, str]]) -> str | None:
    """The witness engine's text among a vote group's ``readings`` ((engine, text) pairs)."""
    for engine, text in readings:
        if engine == WITNESS_ENGINE and text:
            return text
    return None


def accents_seen_by_main_reader(readings: Sequence[tuple[str, str]]) -> bool:
    """Some reader other than the witness read accents on lower-case letters: the writer's own.

    RapidOCR's accents on capitals are rare and often partial (LEVÊQUE for
    LÉVÊQUE): those are evidence like the witness's, not the answer.
    """
    return any(
        engine != WITNESS_ENGINE and has_accent(text) and any(c.islower() for c in text) for engine, text in readings
    )


def accent_witness(readings: Sequence[tuple[str, str]]) -> str | None:
    """The reading whose accents are weighed: the witness engine's, else an accented capital reading."""
    witness = witness_reading(readings)
    if witness is not None:
        return witness
    return next((text for engine, text in readings if text and has_accent(text)), None)
