"""After the vote: is the name that was read plausibly what is on the paper?

The engines are often sure of a wrong name: a handwriting style whose R reads
as K gives MAKTIN at 0.99, a first or last letter cut at the cell's edge gives
ECLERCQ. :func:`check_name` caps and flags such readings (they go to review,
with the likely spelling shown as a suggestion, never silently substituted):

* a space between two full words (BRUNET GRONDIN: a hyphen read as a space),
  or an apostrophe after a letter that is never elided (U'DIAYE); no space
  after a particle glued to a common surname word (DASILVA);
* a listed first name far rarer than one a letter away (GIOVANN, 81 births,
  next to GIOVANNI, 1253), or a compound of listed names that is a listed
  compound with a letter lost (JEANNE-MARI);
* a name that is not known but is a known one with its first or last letter
  lost (ECLERCQ, GUILLOT-BRETO);
* a name that is not known but becomes a known one when one or two easily
  confused letters are swapped back (MAKTIN, LOVIS, DUVAI);
* a word that is not known but is one letter away (changed, lost or added) from
  a common surname word or a frequent first name (PERRIER-MUBERT, FOURNER-VIDAL,
  BOURGEDIS): on generated held-out sets such single-letter misreads inside
  compound and rare surnames were the commonest wrong names left in clean.csv;
* failing a list, a spelling the letter model finds far likelier after such
  swaps (:mod:`scanner.fields.plausibility`); a smaller gain only lowers the
  confidence.

How unusual the letters are in themselves is not used: on the evaluation set
it caught nothing the rules above miss, and it mostly lowers real names of
non-French origin (KOWALSKI, TAKAHASHI).

"Known" means a listed first name, or for surnames every word in the common
surnames of :mod:`scanner.fields.surnames`; a known name is never doubted by
the letter checks. Accents lost on capitals are restored first
(:mod:`scanner.fields.accents`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from scanner.fields.accents import accents_seen_by_main_reader, has_rival_spelling, restore_accents
from scanner.fields.common import flag_low
from scanner.fields.plausibility import letter_model, swaps, words
from scanner.fields.surnames import KNOWN_SURNAME_WORDS, TRUNCATED_SURNAME_WORDS
from scanner.flags import FlagKind, has
from scanner.forms import ColumnType
from scanner.model import FieldResult, OcrResult
from scanner.ocr.combine import comparison_key
from scanner.refdata import RefData
from scanner.textfold import fold

#: Engine name of the spelling a doubted name is shown with (a suggestion, not a reading).
LETTERS_ENGINE = "letters"
#: Confidence ceiling of a name the evidence says is probably misread (flagged).
DOUBT_CAP = 0.4
#: A first name the list spells both ways (ÉLODIE 1,114 / ELODIE 1,404) whose accents
#: are less sure than this is a reviewer's call, however well the letters were read:
#: a spelling choice more than 1% likely to be wrong would spend the whole row's
#: silent-error budget. Read with no accent by both engines, ELODIE is still ÉLODIE
#: about one time in twenty, SAIDA is SAÏDA one time in thirty-five; such names made
#: most of the silent errors left (seeds 4099, 6151, 7331, 9241).
ACCENT_SURE = 0.99
#: Letter-model gain (bits beyond the confusions' cost) from which a reading no list
#: supports is flagged: real names rich in K (KOWALSKI, BEKKOUCHE) reach about 11,
#: K-for-R misreadings of French names 12 to 30.
STRONG_CONFUSION_BITS = 12.0
#: From this gain the confidence is only lowered (real names get there too).
WEAK_CONFUSION_BITS = 4.0
WEAK_CONFUSION_FACTOR = 0.85
#: A listed first name this many times rarer than one a letter away is doubted.
LIKELIER_RATIO = 8
#: Shortest unknown word checked for a known name one edit away (short words have
#: too many neighbours to mean anything).
NEAR_KNOWN_MIN_LENGTH = 4
#: Births from which a first name counts as "frequent" for that check (inside surnames too).
NEAR_KNOWN_FIRST_NAME_COUNT = 500
#: French particles that common surnames also carry glued on (DUPUIS, LEROUX, DELAGE): a
#: space after one, where the glued form is a common surname, is as likely a reader's gap.
GLUED_PARTICLES = frozenset({"DU", "DE", "LE", "LA", "DES", "LES"})
#: Words that stand before a surname with a space (LE GOFF, DA SILVA, VAN DAMME).
PARTICLES = frozenset(
    {"LE", "LA", "LES", "DE", "DU", "DES", "DA", "DO", "DOS", "DAS", "DI", "DEL", "DELLA", "VAN", "VON"}
    | {"DER", "DEN", "TEN", "EL", "AL", "BEN", "BOU", "AIT", "MAC", "MC", "SAINT", "ST"}
)


#: Letters written before an apostrophe at the start of a name word (D'ALMEIDA, N'DIAYE, O'NEILL).
ELIDED_LETTERS = frozenset("DLNMO")
_ELISION = re.compile(r"(?:^|[ -])([A-Z])'")


@dataclass(frozen=True)
class NameDoubt:
    """Why a name reading is probably wrong, and what it probably is ("" if no guess)."""

    reason: str
    suggestion: str


def is_known_name(value: str, ref: RefData, role: str) -> bool:
    """Known as it is: a listed first name (``role`` "first"), every word a common
    surname word ("last"), or every word one or the other ("other": a full name)."""
    ws = words(value)
    if not ws:
        return False
    if role == "first":
        return ref.firstname_score(value) > 0
    if role == "last":
        return all(w in KNOWN_SURNAME_WORDS for w in ws)
    return all(w in KNOWN_SURNAME_WORDS or ref.firstname_count(w) > 0 for w in ws)


def _completion(word: str, ref: RefData, role: str) -> str | None:
    """The known name ``word`` is with its first or last letter lost, if any."""
    if role != "first" and word in KNOWN_SURNAME_WORDS:
        return None
    if role != "last" and (full := ref.firstname_completion(word)) is not None:
        return full
    return TRUNCATED_SURNAME_WORDS.get(word) if role != "first" else None


def _near_known_word(word: str, ref: RefData, role: str) -> str | None:
    """A common surname word or frequent first name one edit from the unknown ``word``."""
    if len(word) < NEAR_KNOWN_MIN_LENGTH:
        return None
    if role != "first":
        if word in KNOWN_SURNAME_WORDS:
            return None
        near = sorted(w for w in KNOWN_SURNAME_WORDS if Levenshtein.distance(word, w, score_cutoff=1) <= 1)
        if near:
            return near[0]
    if ref.firstname_count(word) > 0:
        return None
    for name, _ in ref.closest_firstnames(word, 5):
        if ref.firstname_distance(word, name) == 1 and ref.firstname_count(name) >= NEAR_KNOWN_FIRST_NAME_COUNT:
            return fold(name)
    return None


def _glued_particle(word: str) -> str | None:
    """'DA SILVA' for the unknown word DASILVA: a particle, then a common surname word.

    Readers lose the space after a particle (a word gap in capitals looks like
    a letter gap); glued names that exist (DUPONT, LEROUX) are known and never
    reach this check.
    """
    if word in KNOWN_SURNAME_WORDS:
        return None
    for particle in sorted(PARTICLES, key=len, reverse=True):
        rest = word[len(particle) :]
        if word.startswith(particle) and len(rest) >= 3 and rest in KNOWN_SURNAME_WORDS:
            return f"{particle} {rest}"
    return None


def _respell(value: str, old: str, new: str) -> str:
    """``value`` (folded) with the word ``old`` replaced by ``new``."""
    return re.sub(rf"\b{old}\b", new, fold(value), count=1)


def _much_likelier_first_name(value: str, ref: RefData) -> str | None:
    """A listed first name one edit away and :data:`LIKELIER_RATIO` times as frequent, if any.

    Only rare names are searched (the look-up is slow); the rarest spellings of
    the national list are as often misreadings of a common name as real names.
    """
    own = ref.firstname_count(value)
    if own == 0 or own * LIKELIER_RATIO > ref.max_firstname_count:
        return None
    for name, _ in ref.closest_firstnames(value, 5):
        if ref.firstname_distance(value, name) == 1 and ref.firstname_count(name) >= own * LIKELIER_RATIO:
            return name.upper()
    return None


def name_doubt(value: str, ref: RefData, role: str) -> NameDoubt | None:
    """Evidence that a valid, non-empty name reading is wrong (see the module doc), or None."""
    if role != "other":
        for part in value.split("-"):
            pieces = part.split()
            if len(pieces) > 1 and not all(fold(p) in PARTICLES for p in pieces[:-1]):
                return NameDoubt("space inside a name", value.replace(" ", "-"))
            joined = fold("".join(pieces))
            glued = len(pieces) > 1 and fold(pieces[0]) in GLUED_PARTICLES
            if glued and role != "first" and joined in KNOWN_SURNAME_WORDS:
                return NameDoubt("a known surname cut by a space", joined)  # DU PUIS: DUPUIS
    if role != "first" and (elided := _ELISION.search(fold(value))) and elided.group(1) not in ELIDED_LETTERS:
        return NameDoubt(f"{elided.group(1)}' is no French elision", "")
    if role == "first":
        if (likelier := _much_likelier_first_name(value, ref)) is not None:
            return NameDoubt("a much more frequent first name one letter away", likelier)
        if "-" in value and (full := ref.firstname_completion(value)) is not None:
            return NameDoubt("first or last letter lost", full)  # JEANNE-MARI: both parts listed
    if is_known_name(value, ref, role):
        return None
    if role != "first":
        for word in words(value):
            if (split := _glued_particle(word)) is not None:
                return NameDoubt("a particle glued to a known surname", _respell(value, word, split))
    for word in words(value):
        if (full := _completion(word, ref, role)) is not None:
            return NameDoubt("first or last letter lost", _respell(value, word, full))
    folded = fold(value)
    known = sorted(v for v in swaps(folded) if is_known_name(v, ref, role))
    if known:
        return NameDoubt("a known name one or two confusable letters away", known[0])
    for word in words(value):
        if (near := _near_known_word(word, ref, role)) is not None:
            return NameDoubt("a known name one letter away", _respell(value, word, near))
    model = letter_model(ref)
    if model is not None:
        confusion = model.best_confusion(folded)
        if confusion is not None and confusion.gain >= STRONG_CONFUSION_BITS:
            return NameDoubt("a much likelier spelling one or two letters away", confusion.variant)
    return None


def _group_readings(result: FieldResult) -> tuple[tuple[str, str], ...]:
    """Every engine's reading of the vote group the value came from."""
    key = comparison_key(result.value, ColumnType.NAME)
    for cand in result.candidates:
        if comparison_key(cand.text, ColumnType.NAME) == key:
            return cand.readings or ((cand.engine, cand.text),)
    return ()


def check_name(result: FieldResult, ref: RefData, role: str) -> FieldResult:
    """Accents restored where the usual spelling is clear; doubt where the letters say so.

    Works on the voted result (in place, and returned). ``role`` is the
    column's: "first", "last" or "other" (accents are left alone for "other",
    where first name and surname cannot be told apart).
    """
    if not result.value or has(result.flags, FlagKind.INVALID):
        return result
    if role in ("first", "last"):
        readings = _group_readings(result)
        if not accents_seen_by_main_reader(readings):
            value, p = restore_accents(result.value, ref, role == "first", readings)
            result.value = value
            result.confidence *= p
            result.accent_probability = p
            if p < ACCENT_SURE and role == "first" and has_rival_spelling(value, ref):
                flag_low(result, result.confidence)
    doubt = name_doubt(result.value, ref, role)
    if doubt is not None:
        flag_low(result, DOUBT_CAP)
        if doubt.suggestion and all(c.text != doubt.suggestion for c in result.candidates):
            result.candidates.append(OcrResult(text=doubt.suggestion, confidence=0.0, engine=LETTERS_ENGINE))
    elif (model := letter_model(ref)) is not None and not is_known_name(result.value, ref, role):
        confusion = model.best_confusion(fold(result.value))
        if confusion is not None and confusion.gain >= WEAK_CONFUSION_BITS:
            result.confidence *= WEAK_CONFUSION_FACTOR
    result.confidence = round(result.confidence, 4)
    return result
