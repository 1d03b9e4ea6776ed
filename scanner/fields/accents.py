"""Accents on names written in capitals: what the lists expect, what the readers saw.

Many people write names in capitals, and the engines often miss an accent on a
capital (RapidOCR misses a third of them), so a reading HELENE says little
about the accents on the paper. Each word's spelling is chosen by Bayes' rule:

* a prior over its spellings. First names: the national list counts each
  spelling (Hélène 1428, Helene 226); the prior is proportional to the count
  squared (:data:`RATIO_POWER`: twice as common, 0.8), so Léopold 1010 against
  Leopold 1279 is a coin toss sent to review. Surnames: the common surnames
  written for this tool (:mod:`scanner.fields.surnames`) carry their usual
  accents (HÉBERT at :data:`SURNAME_ACCENT_PROBABILITY`). A word no list knows
  carries an accent with the rate the surname list shows for words like it
  (:data:`UNKNOWN_ACCENT_PRIOR_E`): nobody can tell NOEL from NOËL for a name
  never seen, and saying so is better than a silent guess.
* the *readers*: every engine that read the same letters (the vote group)
  is a witness with its own measured rates (:data:`READER_RATES`): how often
  it draws an accent that is there, one that is not, and the right one.
  RapidOCR almost never draws a false accent, Tesseract sometimes does: their
  accents, and their silence, are evidence, not the answer. The two miss the
  same accents, so the second reader's silence is weighed given the first's.

The likeliest spelling is kept with its posterior probability, which the
field's confidence is multiplied by: a doubtful accent sends the row to review.
A reading whose accents came from a reader that does see them on its own
(mixed-case writing read by RapidOCR: Hélène) is the writer's spelling, kept.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

from scanner.fields.surnames import ACCENTED_SURNAME_WORDS, KNOWN_SURNAME_WORDS
from scanner.refdata import RefData
from scanner.textfold import fold

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


@dataclass(frozen=True)
class ReaderRates:
    """How one engine treats accents, measured where it read the letters right."""

    sees: float  #: P(it draws an accent | the word has one)
    false: float  #: P(it draws an accent | the word has none)
    exact: float  #: P(its accents are exactly right | it drew some on an accented word)


#: Measured on the name cells written in capitals of generated seeds 2718 and 4099
#: (``tools/accent_rates.py``), where the engine read the letters right: RapidOCR
#: (PP-OCRv6) draws an accent on 68% of accented words (696/1,027) and never drew
#: one on the 8,300 unaccented words (0.05% assumed), 98% of them exactly right;
#: Tesseract draws more (86%, 564/657) but also false ones (5.2%), 88% exactly right.
#: (Seed 37, with an older generator, had given 46% and 68%.)
READER_RATES: dict[str, ReaderRates] = {
    "rapidocr": ReaderRates(sees=0.68, false=0.0005, exact=0.98),
    "tesseract": ReaderRates(sees=0.86, false=0.052, exact=0.88),
}
#: The readers miss the same accents (faint, small, merged with the letter), so a
#: second reader's rate of drawing an accent that is there depends on what the main
#: reader did on the same word: Tesseract drew it on 92% of the accented words
#: RapidOCR drew one on (421/457), on 68% of those it missed (121/178), not 86%.
#: Taking both silences as independent made two silences look like proof of none.
SEES_AFTER_MAIN: dict[bool, float] = {True: 0.92, False: 0.68}
#: (an engine's rates, its reading transplanted onto the value's letters)
Witness = tuple[ReaderRates, str]
#: The reader whose accents on lower-case letters are taken as written.
MAIN_READER = "rapidocr"

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


def _listed_spellings(word: str, ref: RefData) -> dict[str, float]:
    """The first-name list's spellings of ``word`` (folded), in capitals, with their counts."""
    counts: dict[str, float] = {}
    for s, c in ref.firstname_spellings(word):
        if fold(s) == word:
            counts[s.upper()] = counts.get(s.upper(), 0.0) + float(c)
    return counts


def _first_name_prior(word: str, ref: RefData) -> dict[str, float] | None:
    """Prior over the listed spellings of ``word`` (folded), None if the list has none with accents."""
    counts = _listed_spellings(word, ref)
    if not counts or not any(has_accent(s) for s in counts):
        return None
    weights = {s: c**RATIO_POWER for s, c in counts.items()}
    total = sum(weights.values())
    prior = {s: (1.0 - ACCENTS_DROPPED) * w / total for s, w in weights.items()}
    prior[word] = prior.get(word, 0.0) + ACCENTS_DROPPED
    return prior


def _likelihood(spelling: str, plain: str, witness: Witness) -> float:
    """P(this reader reads what it read | the paper says ``spelling``)."""
    rates, seen = witness
    accented = spelling != plain
    if not has_accent(seen):
        return 1.0 - rates.sees if accented else 1.0 - rates.false
    if not accented:
        return rates.false
    return rates.sees * (rates.exact if spelling == seen else 1.0 - rates.exact)


def _decide(prior: dict[str, float], plain: str, witnesses: Sequence[Witness]) -> tuple[str, float]:
    """Posterior-best spelling and its probability."""
    if _SOME_ACCENT in prior:
        # an unknown word: the accented spellings the readers name share the prior's mass
        named = sorted({seen for _, seen in witnesses if has_accent(seen)} - set(prior))
        q = prior.pop(_SOME_ACCENT)
        for seen in named:
            prior[seen] = q / len(named)
        if not named:
            prior[_SOME_ACCENT] = q
    posterior: dict[str, float] = {}
    for spelling, p in prior.items():
        # _SOME_ACCENT is an accented spelling no reader names: _likelihood prices it as such
        like = 1.0
        for witness in witnesses:
            like *= _likelihood(spelling, plain, witness)
        posterior[spelling] = p * like
    total = sum(posterior.values())
    if total <= 0.0:
        return plain, 0.0
    named_posterior = {s: v for s, v in posterior.items() if s != _SOME_ACCENT}
    best = min(named_posterior, key=lambda s: (-named_posterior[s], s))
    return best, named_posterior[best] / total


def _witnesses(seen: Sequence[tuple[str, str]]) -> list[Witness]:
    """Each reader's (rates, reading); a second reader's rate of seeing an accent is the one
    measured after what the main reader did on the same word (:data:`SEES_AFTER_MAIN`)."""
    main = next((text for engine, text in seen if engine == MAIN_READER), None)
    out: list[Witness] = []
    for engine, text in seen:
        rates = READER_RATES[engine]
        if main is not None and engine != MAIN_READER:
            rates = replace(rates, sees=SEES_AFTER_MAIN[has_accent(main)])
        out.append((rates, text))
    return out


def restore_accents(
    value: str, ref: RefData, first: bool, readings: Sequence[tuple[str, str]] = ()
) -> tuple[str, float]:
    """(value with its likeliest accents, probability those accents are right).

    ``readings`` are (engine, text) of the readers that agreed on the letters
    (the vote group); each one's accents, or their absence, is evidence weighed
    with that engine's rates. Letters are never changed, only accents.
    """
    if not value:
        return value, 1.0
    plain = "".join(_base_letter(c) if c.isalpha() else c for c in value.upper())
    seen: list[tuple[str, str]] = []
    for engine, text in readings:
        on_value = transplant_accents(plain, text) if engine in READER_RATES and text else None
        if on_value is not None:
            seen.append((engine, on_value))
    if first:
        prior = _first_name_prior(plain, ref)  # listed compounds first (JEAN-NOËL)
        if prior is not None:
            return _decide(prior, plain, _witnesses(seen))
    out: list[str] = []
    probability = 1.0
    seen_parts = [(engine, _PARTS.split(text)) for engine, text in seen]
    for k, part in enumerate(_PARTS.split(plain)):
        if not any(c.isalpha() for c in part):
            out.append(part)
            continue
        part_witnesses = _witnesses([(engine, parts[k]) for engine, parts in seen_parts])
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
        spelled, p = _decide(prior, part, part_witnesses)
        out.append(spelled)
        probability *= p
    return "".join(out), probability


def has_rival_spelling(value: str, ref: RefData) -> bool:
    """The first-name list spells ``value`` (or one of its words) both with and without
    accents (ÉLODIE / ELODIE): the accents are a choice between two real names."""
    folded = fold(value)
    words = [folded] + [w for w in _PARTS.split(folded) if any(c.isalpha() for c in w)]
    for word in words:
        spellings = _listed_spellings(word, ref)
        if len(spellings) > 1 and any(has_accent(s) for s in spellings):
            return True
    return False


def accents_seen_by_main_reader(readings: Sequence[tuple[str, str]]) -> bool:
    """RapidOCR read accents on lower-case letters (mixed-case writing): the writer's own.

    Its accents on capitals are often partial (LEVÊQUE for LÉVÊQUE): weighed, not kept.
    """
    return any(
        engine == MAIN_READER and has_accent(text) and any(c.islower() for c in text) for engine, text in readings
    )
