"""E-mail against names on the same row: two readings of the same words.

Most people build their address from their names (marie.dupont, mdupont,
dupont.marie75). The e-mail and the name cells are written and read
separately, so when a name appears in the address the two readings either
agree or not:

* **exact**: the name is in the address as read (``dupont`` and DUPONT). Two
  independent readings agreeing: the name is likelier right, unless the same
  letter fooled the engine twice (PEKKET, pekket): a name the letter checks
  doubt (:mod:`scanner.fields.namecheck`) lends no support, and its doubt
  passes to an address that spells it the same way.
* **near**: the address holds a spelling one or two edits from the name
  (``hebekt`` and HEBERT, ``renaul`` and RENAULT). One of them is misread: the
  side that is a known name is trusted and the other flagged; when neither or
  both are known, both are flagged.
* **absent**: nothing is learnt.

The address alone is also read for signs of a misreading next to the names: a
look-alike letter glued to a name (``lebihanlo`` for lebihan10), an initial
that is not the first name's, a first letter lost, separators possibly lost
or changed. An address made only of trusted name words, the initial and a
number is supported by them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from scanner.fields.common import flag_low
from scanner.fields.emails import DIGITISH_LETTERS, SEPARATORS
from scanner.fields.namecheck import LETTERS_ENGINE, is_known_name
from scanner.flags import FlagKind, has
from scanner.model import FieldResult
from scanner.refdata import RefData
from scanner.textfold import fold

MIN_TOKEN = 4  #: shortest name word looked for (approximately) in an address
CONFLICT_CAP = 0.45  #: ceiling on a field the other field contradicts
SUPPORT_KEEP = 0.5  #: share of doubt left on a field the other corroborates
RARER_RATIO = 4  #: of two listed first names, one this many times rarer is the suspect
#: A local part that is the surname alone: the initial and dot before it are small, and lost.
BARE_SURNAME_FACTOR = 0.8
GLUED_FACTOR = 0.9  #: two names glued together (a dot may be lost)
HYPHEN_FACTOR = 0.8  #: a hyphen between two different names (often an underscore)
#: A dot or underscore between the two words of one compound name (anne.laure for
#: ANNE-LAURE): the hyphen the name has is as likely, and a dash is often read as a dot.
COMPOUND_DOT_FACTOR = 0.8
_DIGITISH_TAIL = re.compile(f"[{''.join(sorted(DIGITISH_LETTERS))}]{{1,2}}[0-9]*")
_STRAY_TAIL = re.compile(r"[a-z][0-9]*")

#: One name field of the row and its column's role ("first", "last", "other").
NameField = tuple[FieldResult, str]


@dataclass(frozen=True)
class NameInAddress:
    """Where one name field stands against the address."""

    kind: str  #: "exact", "near" or "absent"
    token: str = ""  #: the name word (folded, lower case)
    seen: str = ""  #: what the address has in its place


def _parts(name: str) -> list[str]:
    return [p for p in re.split(r"[-' ]+", fold(name).lower()) if p]


def _tokens(name: str) -> list[str]:
    """Name words worth looking for; the whole name joined too (le goff -> legoff)."""
    parts = _parts(name)
    out = [p for p in parts if len(p) >= MIN_TOKEN]
    joined = "".join(parts)
    if len(parts) > 1 and joined not in out:
        out.append(joined)
    return out


def allowed_edits(token: str) -> int:
    return 1 if len(token) <= 6 else 2


def locate(token: str, text: str) -> tuple[int, str]:
    """(fewest edits turning ``token`` into some substring of ``text``, that substring).

    Semi-global edit distance: the token is matched whole, the text may have
    anything before and after.
    """
    n = len(text)
    prev = [0] * (n + 1)
    prev_start = list(range(n + 1))
    for i in range(1, len(token) + 1):
        cur = [i] + [0] * n
        start = [0] * (n + 1)
        for j in range(1, n + 1):
            sub = prev[j - 1] + (token[i - 1] != text[j - 1])
            best = min(sub, prev[j] + 1, cur[j - 1] + 1)
            cur[j] = best
            if best == sub:
                start[j] = prev_start[j - 1]
            elif best == prev[j] + 1:
                start[j] = prev_start[j]
            else:
                start[j] = start[j - 1]
        prev, prev_start = cur, start
    end = min(range(n + 1), key=lambda j: (prev[j], -j))
    return prev[end], text[prev_start[end] : end]


def name_in_address(name: str, local: str) -> NameInAddress:
    """How the words of ``name`` appear in ``local``, the part of an address before '@'."""
    text = SEPARATORS.sub("", local.lower())
    near: NameInAddress | None = None
    for token in _tokens(name):
        if token in text:
            return NameInAddress("exact", token, token)
        edits, seen = locate(token, text)
        if near is None and 0 < edits <= allowed_edits(token) and len(seen) >= MIN_TOKEN:
            near = NameInAddress("near", token, seen)
    return near or NameInAddress("absent")


def _name_words(names: list[NameField]) -> tuple[set[str], set[str]]:
    """(every name word and joined name, lower case folded; the first names' initials)."""
    words: set[str] = set()
    initials: set[str] = set()
    for name, role in names:
        parts = _parts(name.value)
        words.update(parts)
        words.add("".join(parts))
        if role == "first":
            initials.update(p[0] for p in parts)
    return words, initials


def address_doubt(local: str, names: list[NameField]) -> str | None:
    """Why the local part, read next to these names, looks misread (None if it does not)."""
    words, initials = _name_words(names)
    segments = [s for s in SEPARATORS.split(local.lower()) if s]
    for seg in segments:
        for word in words:
            if len(word) >= MIN_TOKEN and seg.startswith(word) and seg != word:
                rest = seg[len(word) :]
                if _DIGITISH_TAIL.fullmatch(rest) and any(ch.isalpha() for ch in rest):
                    return "look-alike letters after a name"  # lebihanlo, rodriguezz5
                if _STRAY_TAIL.fullmatch(rest) and rest[0] not in initials:
                    # A lone letter after a name is a first name's initial (dupontm) or a
                    # misread digit of the number people add (charlesu for charles6).
                    return "a stray letter after a name"
        short_near = any(len(w) == 3 and int(Levenshtein.distance(seg, w)) == 1 for w in words)
        if len(seg) >= 2 and seg.isalpha() and seg not in words and short_near:
            return "segment one letter off a short name"  # eo next to LEO
    initial = segments[0] if len(segments) >= 2 and len(segments[0]) == 1 and segments[0].isalpha() else ""
    named = bool(initial) and any(w in segments[1] for w in words if len(w) >= MIN_TOKEN)
    if initials and named and initial not in initials:
        return "initial is not the first name's"  # t.fleury next to JULIE
    head = segments[0] if segments else ""
    for word in words:
        if len(word) >= 3 and head.startswith(word[1:]) and not head.startswith(word) and head not in words:
            return "first letter of a name lost"  # uyclement next to GUY
    for seg in segments:
        letters = _LETTERS_HEAD.match(seg)
        if letters is not None and _two_letters_off(letters.group(), words):
            return "a name with two letters changed"  # pado1981 next to PAOLO
    return None


_LETTERS_HEAD = re.compile(r"[a-z]+")


def _two_letters_off(head: str, words: set[str]) -> bool:
    """``head`` (a segment's letters) is a long name word with two letters misread.

    One edit is the "near" case of :func:`name_in_address`; a head holding or
    held in a name word is an abbreviation or a concatenation (mdupont, mart).
    """
    if len(head) < MIN_TOKEN or head in words:
        return False
    return any(
        len(w) >= 5 and w not in head and head not in w and int(Levenshtein.distance(head, w, score_cutoff=2)) == 2
        for w in words
    )


def _same_name(left: str, right: str, names: list[NameField]) -> bool:
    """Both words belong to one compound name (jean-pierre): a real hyphen."""
    return any(left in parts and right in parts for parts in (_parts(n.value) for n, _ in names))


def separator_doubt(local: str, names: list[NameField]) -> float:
    """Confidence factor for separators the reading may have lost or changed.

    Dots are small and underscores sit on the line: ``grondinluc`` may be
    grondin.luc, ``jgarcia`` j.garcia, a bare surname (``bouvier``) may have
    lost a small initial and its dot (l.bouvier), a hyphen between a first
    name and a surname (``rachid-guerin``) is more often an underscore, and a
    dot inside a compound first name (``anne.laure``) may be its hyphen.
    """
    words, initials = _name_words(names)
    long_words = {w for w in words if len(w) >= 3}
    factor = 1.0
    for seg in SEPARATORS.split(local.lower()):
        letters = seg.rstrip("0123456789")
        for word in long_words:
            if letters.endswith(word) and len(letters) > len(word):
                head = letters[: -len(word)]
                if head in long_words or head in initials:
                    factor = min(factor, GLUED_FACTOR)
    segments = [seg for seg in SEPARATORS.split(local.lower()) if seg]
    surnames = {w for n, role in names if role != "first" for w in _parts(n.value)}
    if len(segments) == 1 and segments[0].rstrip("0123456789") in surnames:
        factor = min(factor, BARE_SURNAME_FACTOR)  # bouvier: l.bouvier with "l." lost?
    for left, right in itertools.pairwise(re.split(r"[._]", local.lower())):
        if _same_name(left.split("-")[-1], right.split("-")[0].rstrip("0123456789"), names):
            factor = min(factor, COMPOUND_DOT_FACTOR)
    pieces = local.lower().split("-")
    for left, right in itertools.pairwise(pieces):
        lw = re.split(r"[._+]", left)[-1]
        rw = re.split(r"[._+]", right)[0].rstrip("0123456789")
        if not _same_name(lw, rw, names):
            factor = min(factor, HYPHEN_FACTOR)
    return factor


def address_explained(local: str, names: list[NameField]) -> bool:
    """Every segment of the local part is a name word, the first name's initial, or a number.

    A number is one or two digits or a year (19xx, 20xx); two names glued
    together (``mariedupont``) do not count: a dot may have been lost.
    """
    words, initials = _name_words(names)
    found_name = False
    segments = [s for s in SEPARATORS.split(local.lower()) if s]
    for seg in segments:
        letters = seg.rstrip("0123456789")
        digits = seg[len(letters) :]
        if digits and not (len(digits) <= 2 or (len(digits) == 4 and digits[:2] in ("19", "20"))):
            return False
        if not letters:
            continue
        if letters in words and len(letters) >= 2:
            found_name = True
        elif not (len(letters) == 1 and letters in initials and not digits):
            return False
    return found_name


def _support(result: FieldResult) -> None:
    """Less doubt about the letters; the doubt about accents stays whole."""
    accents = max(result.accent_probability, 1e-6)
    letters = min(1.0, result.confidence / accents)
    result.confidence = round((1.0 - (1.0 - letters) * SUPPORT_KEEP) * accents, 4)


def _usable(result: FieldResult) -> bool:
    return bool(result.value) and not has(result.flags, FlagKind.INVALID)


def _suggested_words(name: FieldResult) -> list[str] | None:
    """The words of the spelling the letter checks suggested for a doubted name, if any."""
    for cand in name.candidates:
        if cand.engine == LETTERS_ENGINE:
            return _parts(cand.text)
    return None


def _completed_in(token: str, text: str, ref: RefData, role: str) -> bool:
    """The address has ``token`` with one more letter making a known name (eclercq in leclercq)."""
    start = text.find(token)
    while start >= 0:
        end = start + len(token)
        longer = []
        if start > 0 and text[start - 1].isalpha():
            longer.append(text[start - 1 : end])
        if end < len(text) and text[end].isalpha():
            longer.append(text[start : end + 1])
        if any(is_known_name(w.upper(), ref, role) for w in longer):
            return True
        start = text.find(token, start + 1)
    return False


def _conflict(email: FieldResult, name: FieldResult, found: NameInAddress, ref: RefData, role: str) -> None:
    """One side misreads the other: flag the side that is not a known name (both if unsure).

    Two listed first names: the much rarer one is the suspect (HACINE against yacine).
    """
    name_known = is_known_name(found.token.upper(), ref, role)
    seen_known = is_known_name(found.seen.upper(), ref, role)
    if name_known and seen_known and role == "first":
        own, seen = ref.firstname_count(found.token), ref.firstname_count(found.seen)
        name_known, seen_known = own * RARER_RATIO > seen, seen * RARER_RATIO > own
    if name_known != seen_known:
        flag_low(email if name_known else name, CONFLICT_CAP)
    else:
        flag_low(email, CONFLICT_CAP)
        flag_low(name, CONFLICT_CAP)


def cross_check(email: FieldResult, names: Sequence[NameField], ref: RefData) -> None:
    """Update the e-mail and name results of one row (in place) from each other.

    ``names``: the row's name results with their columns' roles, already
    checked by :func:`scanner.fields.namecheck.check_name`.
    """
    if not _usable(email) or "@" not in email.value:
        return
    local = email.value.split("@", 1)[0]
    text = SEPARATORS.sub("", local.lower())
    usable = [(n, role) for n, role in names if _usable(n)]
    trusted: list[NameField] = []
    for name, role in usable:
        found = name_in_address(name.value, local)
        suggested = _suggested_words(name)
        if found.kind == "exact":
            if suggested is None:
                _support(name)  # the letters only: an address has no accents to settle LEOPOLD / LÉOPOLD
                trusted.append((name, role))
            elif (
                found.token not in suggested  # the doubt is about this very word
                and not any(w in text for w in suggested if w != found.token)
                and not _completed_in(found.token, text, ref, role)
            ):
                flag_low(email, CONFLICT_CAP)  # the same misreading twice
        elif found.kind == "near":
            _conflict(email, name, found, ref, role)
        elif suggested is None:
            trusted.append((name, role))
    if address_doubt(local, usable) is not None:
        flag_low(email, CONFLICT_CAP)
        return
    factor = separator_doubt(local, usable)
    if factor < 1.0:
        email.confidence = round(email.confidence * factor, 4)
    elif not email.flags and address_explained(local, trusted):
        _support(email)
