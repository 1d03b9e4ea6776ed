"""Who a row is: normalised e-mail, name and postcode, and blocking keys.

Shared by the store (keys are computed once, when a row is saved or corrected),
the duplicate search and the privacy commands, so a person is recognised the
same way everywhere. Only written values are used, never images.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from scanner.forms import ColumnType, Form

#: Version of the identity and blocking-key rules: a store whose rows were keyed
#: by an older version is re-keyed when opened (2: the town joined the identity).
IDENTITY_VERSION = 2
#: A blocking key shared by more rows than this is too common to compare all pairs
#: (``n:marie martin`` in a national campaign); the other keys still apply.
MAX_BLOCK = 500
#: Letters NFKD does not decompose.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "ı": "i"})
_NOT_LETTER = re.compile(r"[^a-z]+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
#: Providers that ignore dots and ``+tags`` in the local part; elsewhere they matter.
_GMAIL = {"gmail.com", "googlemail.com"}


def fold(text: str) -> str:
    """Lower case without accents: 'Élodie' -> 'elodie'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_tokens(*parts: str) -> list[str]:
    """Words of the name fields, folded; hyphens, apostrophes and dots split words."""
    tokens: list[str] = []
    for part in parts:
        tokens.extend(t for t in _NOT_LETTER.split(fold(part)) if t)
    return tokens


def norm_name(*parts: str) -> str:
    """Name key independent of case, accents, spacing, hyphens and word order.

    Word order does not matter so 'DUPONT Jean' (last, first) and 'Jean Dupont'
    (first, last, or written in the wrong boxes) are the same name.
    """
    return " ".join(sorted(name_tokens(*parts)))


def norm_email(text: str) -> str:
    """Canonical e-mail or '' when it does not look like one.

    Lower case everywhere; dots and ``+tag`` removed only for Gmail, where the
    provider itself ignores them (elsewhere ``j.doe`` and ``jdoe`` may be two
    people).
    """
    email = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()
    if not _EMAIL.match(email):
        return ""
    local, _, domain = email.rpartition("@")
    if domain in _GMAIL:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
        if not local:
            return ""
    return f"{local}@{domain}"


_SAINT = {"st": "saint", "ste": "sainte"}


def norm_town(text: str) -> str:
    """Town key: folded letters only, 'St'/'Ste' spelled out ('ST-ÉTIENNE' -> 'saintetienne').

    Digits are dropped, so a letter misread as a digit ('DOING7') costs one letter.
    """
    return "".join(_SAINT.get(w, w) for w in name_tokens(text))


def towns_alike(a: str, b: str) -> bool:
    """Same town up to one misread letter (two in names over eight letters)."""
    if not a or not b:
        return False
    return a == b or Levenshtein.distance(a, b) <= (1 if max(len(a), len(b)) <= 8 else 2)


def norm_postcode(text: str) -> str:
    """Five digits, or ''. A spreadsheet may have eaten the leading zero of '01000'."""
    digits = re.sub(r"\D", "", text)
    if len(digits) == 4:
        digits = "0" + digits
    return digits if len(digits) == 5 else ""


_PHONETIC_RULES: tuple[tuple[str, str], ...] = (
    (r"ph", "f"),
    (r"gu(?=[eiy])", "g"),
    (r"qu", "k"),
    (r"ch|sch|sh", "S"),
    (r"c(?=[eiy])", "s"),
    (r"g(?=[eiy])", "j"),
    (r"[cq]", "k"),
    (r"x", "ks"),
    (r"w", "v"),
    (r"z", "s"),
    (r"y", "i"),
    (r"h", ""),
    (r"(?<=.)[aeiou]+", ""),
    (r"(.)\1+", r"\1"),
    (r"(?<=..)[tdsx]$", ""),
)


def phonetic(token: str) -> str:
    """A coarse French sound key ('Dupont', 'Dupond', 'Duppont' -> 'dpn').

    Used only to *find* candidate pairs; whether they are the same person is
    decided by comparing the written values.
    """
    key = fold(token)
    for pattern, repl in _PHONETIC_RULES:
        key = re.sub(pattern, repl, key)
    return key[:5]


@dataclass(frozen=True, slots=True)
class Identity:
    """The written facts that identify a signatory, normalised."""

    email: str = ""
    name: str = ""  #: sorted name words (see norm_name)
    postcode: str = ""
    town: str = ""  #: see norm_town

    @property
    def empty(self) -> bool:
        return not (self.email or self.name)

    @property
    def n_words(self) -> int:
        return len(self.name.split())

    def blocking_keys(self) -> set[str]:
        """Blocking keys: two rows are compared only when they share one.

        ``e:`` same e-mail; ``n:`` same full name; ``p:``/``s:`` same postcode,
        one name word that sounds alike and the first (``p``) or last (``s``)
        letter of another word. A typo anywhere in one word, or in the first
        letter of the other, still leaves one key in common; word order does
        not matter. Keying on a single word would put every "Marie" of a
        postcode in one block, which a million rows cannot afford. ``t:``/``u:``
        are the same with the town's sound for the postcode, so a line whose
        postcode was misread still meets the person's other lines.
        """
        keys: set[str] = set()
        if self.email:
            keys.add(f"e:{self.email}")
        words = self.name.split()
        if len(words) >= 2:
            keys.add(f"n:{self.name}")
        places = [("p", "s", self.postcode)] if self.postcode else []
        if self.town:
            places.append(("t", "u", phonetic(self.town)))
        if places and words:
            words = sorted(words, key=lambda w: (-len(w), w))[:3]  # particles (de, la) add little
            sounds = [phonetic(w) for w in words]
            for first, last, place in places:
                if len(words) == 1:
                    keys.add(f"{first}:{place}:{sounds[0]}:")
                for i, sound in enumerate(sounds):
                    for j, other in enumerate(words):
                        if i != j:
                            keys.add(f"{first}:{place}:{sound}:{other[0]}")
                            keys.add(f"{last}:{place}:{sound}:{other[-1]}")
        return keys


@dataclass(frozen=True)
class IdentityColumns:
    """Which form columns carry the e-mail, the name parts and the postcode."""

    email: tuple[str, ...] = ()
    name: tuple[str, ...] = ()
    postcode: tuple[str, ...] = ()
    town: tuple[str, ...] = ()

    @classmethod
    def of(cls, form: Form) -> IdentityColumns:
        from scanner.fields.places import is_city_column

        def named(kind: ColumnType) -> tuple[str, ...]:
            return tuple(c.name for c in form.columns if c.type == kind)

        return cls(
            email=named(ColumnType.EMAIL),
            name=named(ColumnType.NAME),
            postcode=named(ColumnType.POSTCODE),
            town=tuple(c.name for c in form.columns if is_city_column(c)),
        )

    def identity(self, values: Mapping[str, str]) -> Identity:
        email = next((e for e in (norm_email(values.get(c, "")) for c in self.email) if e), "")
        postcode = next((p for p in (norm_postcode(values.get(c, "")) for c in self.postcode) if p), "")
        name = norm_name(*(values.get(c, "") for c in self.name))
        town = next((t for t in (norm_town(values.get(c, "")) for c in self.town) if t), "")
        return Identity(email=email, name=name, postcode=postcode, town=town)


def person_hash_input(email: str | None, name: str | None, postcode: str | None) -> Identity:
    """The identity a ``forget`` request describes (values as a person gives them).

    The hashes made from it (and from the person's rows) are in store/suppress.py.
    """
    return Identity(
        email=norm_email(email or ""),
        name=norm_name(name or ""),
        postcode=norm_postcode(postcode or ""),
    )
