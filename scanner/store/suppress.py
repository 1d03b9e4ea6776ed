"""Recognising a forgotten person again from salted hashes only.

``forget`` keeps no value of the person, only HMACs of normalised keys of
several kinds, computed from the request and from every removed row as it was
read (a line read twice, or a crossed-out line, gives other variants). A new
row's keys are hashed the same way and compared with each forgotten person's
key set. Hashes cannot be compared by distance, so near matches are found by
keys that misreadings leave alone:

* ``email_folded``: the address with letters OCR confuses with digits folded
  (``l``/``1``, ``o``/``0``...), so ``mounial969@`` meets ``mounia1969@``;
* ``email_near``: that folded address with one character deleted, every
  position (two addresses one edit apart share one of these);
* ``name_town`` / ``name_dept``: the name with the town, or with the postcode's
  department (a misread last digit); ``name``: the name alone.

An exact e-mail or name + postcode hit removes the row, as before. A folded
e-mail hit backed by the name (with the town, the department, or no postcode
to contradict it) removes it too. Any other near hit (an e-mail one character
off: ``m1@`` and ``m2@`` may be two people) can be a different person: the
row is kept and goes to review flagged ``maybe_forgotten``, never silently
dropped nor silently clean.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from enum import IntEnum, StrEnum

from rapidfuzz.distance import Levenshtein

from scanner.store.identity import Identity

#: Letters handwriting recognition mistakes for digits (and back), folded to one.
_CONFUSABLE = str.maketrans({"l": "1", "i": "1", "|": "1", "!": "1", "o": "0", "s": "5", "z": "2", "g": "9", "q": "9"})
#: Deletion keys are bounded: an address longer than this gets only its folded key.
_MAX_NEAR = 64
#: Flag of a new row that may belong to a forgotten person.
MAYBE_FORGOTTEN = "maybe_forgotten"


class Kind(StrEnum):
    EMAIL = "email"
    NAME_POSTCODE = "name_postcode"
    EMAIL_FOLDED = "email_folded"
    EMAIL_NEAR = "email_near"
    NAME = "name"
    NAME_TOWN = "name_town"
    NAME_DEPT = "name_dept"


class Suppress(IntEnum):
    NO = 0
    MAYBE = 1  #: keep the row, flagged for review
    YES = 2  #: the forgotten person: keep only a bare marker


def fold_email(email: str) -> str:
    """The address with OCR-confusable letters folded ('mounial969' -> 'm0un1a1969')."""
    return email.replace("rn", "m").replace("vv", "w").translate(_CONFUSABLE)


def emails_alike(a: str, b: str) -> bool:
    """Same address up to confusable letters and one more edit (a misread character)."""
    if not a or not b:
        return False
    if a == b:
        return True
    fa, fb = fold_email(a), fold_email(b)
    return fa == fb or Levenshtein.distance(fa, fb, score_cutoff=1) <= 1


def key_texts(identity: Identity) -> set[tuple[Kind, str]]:
    """Every (kind, text) key of an identity; the text is what gets hashed."""
    keys: set[tuple[Kind, str]] = set()
    if identity.email:
        keys.add((Kind.EMAIL, "email:" + identity.email))  # as in schema <= 3: old hashes still match
        folded = fold_email(identity.email)
        keys.add((Kind.EMAIL_FOLDED, "emailf:" + folded))
        if len(folded) <= _MAX_NEAR:
            near = {folded} | {folded[:i] + folded[i + 1 :] for i in range(len(folded))}
            keys.update((Kind.EMAIL_NEAR, "emaild:" + v) for v in near)
    if identity.name and identity.postcode:
        keys.add((Kind.NAME_POSTCODE, f"name:{identity.name}|{identity.postcode}"))
    if identity.n_words >= 2:  # one word (a surname alone) is too common to flag anyone
        keys.add((Kind.NAME, "n:" + identity.name))
        if identity.town:
            keys.add((Kind.NAME_TOWN, f"nt:{identity.name}|{identity.town}"))
        if identity.postcode:
            keys.add((Kind.NAME_DEPT, f"nd:{identity.name}|{identity.postcode[:2]}"))
    return keys


def salted_hash(key: bytes, text: str) -> str:
    """HMAC-SHA256 keyed by the store's secret key (kept outside the store)."""
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def hashed_keys(identities: Iterable[Identity], key: bytes) -> set[tuple[str, str]]:
    """(kind, hash) of every key of these identities, without repeats."""
    return {(str(kind), salted_hash(key, text)) for identity in identities for kind, text in key_texts(identity)}


def judge(identity: Identity, hits: dict[int, set[str]]) -> Suppress:
    """Is this row a forgotten person's? ``hits``: forgotten person -> kinds of their keys it shares."""
    best = Suppress.NO
    for kinds in hits.values():
        if Kind.EMAIL in kinds or Kind.NAME_POSTCODE in kinds:
            return Suppress.YES
        # the name with a place that agrees, or with no postcode to contradict it
        name_here = Kind.NAME_TOWN in kinds or Kind.NAME_DEPT in kinds or (Kind.NAME in kinds and not identity.postcode)
        if Kind.EMAIL_FOLDED in kinds and name_here:
            return Suppress.YES
        if Kind.EMAIL_FOLDED in kinds or Kind.EMAIL_NEAR in kinds or name_here:
            best = Suppress.MAYBE
    return best
