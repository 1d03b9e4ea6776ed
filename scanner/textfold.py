"""How names and places are compared: one fold, and the keys built on it.

Spellings are compared accent-free and in upper case; a place's key also
writes its separators as spaces and ST as SAINT, a first name's its separators
as hyphens. The reference lists (:mod:`scanner.refdata`) are keyed with these,
and the fields compare readings with them, so both live below either.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

#: Ligatures and signs that accent stripping by NFKD would drop instead of spelling out.
_PRE_FOLD = (("œ", "oe"), ("Œ", "OE"), ("æ", "ae"), ("Æ", "AE"), ("ß", "ss"), ("’", "'"), ("‘", "'"), ("`", "'"))
#: Separators inside a name (tabs and line breaks excluded, so whole files can be keyed at once).
_SEPARATORS = re.compile(r"[-'.,/_ \u00a0]+")
_SAINT = re.compile(r"\bST\b")
_SAINTE = re.compile(r"\bSTE\b")
#: "PARIS 11", "LYON 3EME", "MARSEILLE 8E", "... CEDEX 9": not part of the commune's name.
_TRAILER = re.compile(r"(?m)(?: (?:\d{1,2} ?(?:E|EME|ER|IEME)?|CEDEX(?: \d+)?|ARRONDISSEMENT))+ *$")


def fold(text: str) -> str:
    """Accent-free upper case: the form in which spellings are compared."""
    for src, dst in _PRE_FOLD:
        if src in text:
            text = text.replace(src, dst)
    text = unicodedata.normalize("NFKD", text)
    return text.encode("ascii", "ignore").decode("ascii").upper()


def place_key(text: str) -> str:
    """Comparison key of a place name: folded, separators as spaces, ST -> SAINT."""
    return place_keys(fold(" ".join(text.split()))).strip()


def place_keys(folded: str, trailer: bool = True) -> str:
    """Place keys of folded text, line by line (works on a whole file at once).

    Keys may keep spaces next to tabs and line ends; callers strip each key.
    """
    key = _SEPARATORS.sub(" ", folded)
    if "ST" in key:
        key = _SAINTE.sub("SAINTE", _SAINT.sub("SAINT", key))
    return _TRAILER.sub("", key) if trailer else key


def name_key(text: str) -> str:
    """Comparison key of a first name: folded, separators as single hyphens."""
    return name_keys(fold(" ".join(text.split()))).strip("-")


def name_keys(folded: str) -> str:
    return _SEPARATORS.sub("-", folded)


def has_trailer(folded: str) -> bool:
    """Official names rarely carry "11E" or "CEDEX": the (slow) trailer pass is skipped without digits."""
    return any(d in folded for d in "0123456789") or "CEDEX" in folded or "ARRONDISSEMENT" in folded


def keys_of(names: list[str], one: Callable[[str], str], many: Callable[[str], str]) -> list[str]:
    """Comparison keys of many names, folded in one call on the joined text (fast)."""
    keys = [k.strip() for k in many(fold("\n".join(names))).split("\n")]
    if len(keys) != len(names):  # some character folded into a line break: key one by one
        keys = [one(name) for name in names]
    return keys
