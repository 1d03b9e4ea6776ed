"""Reference lists the readings are checked against: French postcodes and
communes, and first names with their frequency.

Loaded once per worker process (construct :class:`RefData` and pass it in; there
is no module-level instance). Loading folds the whole file text in one go rather
than line by line, which keeps it well under a second for the full lists.
"""

from __future__ import annotations

import gzip
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

DATA_DIR = Path(__file__).resolve().parent / "data"
POSTCODES_FILE = "postcodes.tsv.gz"
FIRSTNAMES_FILE = "prenoms.txt.gz"

#: Ligatures and signs that accent stripping by NFKD would drop instead of spelling out.
_PRE_FOLD = (("œ", "oe"), ("Œ", "OE"), ("æ", "ae"), ("Æ", "AE"), ("ß", "ss"), ("’", "'"), ("‘", "'"), ("`", "'"))
#: Separators inside a name (tabs and line breaks excluded, so whole files can be keyed at once).
_SEPARATORS = re.compile(r"[-'.,/_ \u00a0]+")
_SAINT = re.compile(r"\bST\b")
_SAINTE = re.compile(r"\bSTE\b")
#: "PARIS 11", "LYON 3EME", "MARSEILLE 8E", "... CEDEX 9": not part of the commune's name.
_TRAILER = re.compile(r"(?m)(?: (?:\d{1,2} ?(?:E|EME|ER|IEME)?|CEDEX(?: \d+)?|ARRONDISSEMENT))+ *$")

#: Frequency (total count) at which a first name counts as fully plausible.
_FULLY_PLAUSIBLE_COUNT = 100_000


def fold(text: str) -> str:
    """Accent-free upper case: the form in which spellings are compared."""
    for src, dst in _PRE_FOLD:
        if src in text:
            text = text.replace(src, dst)
    text = unicodedata.normalize("NFKD", text)
    return text.encode("ascii", "ignore").decode("ascii").upper()


def place_key(text: str) -> str:
    """Comparison key of a place name: folded, separators as spaces, ST -> SAINT."""
    return _place_keys(fold(" ".join(text.split()))).strip()


def _place_keys(folded: str, trailer: bool = True) -> str:
    """Place keys of folded text, line by line (works on a whole file at once).

    Keys may keep spaces next to tabs and line ends; callers strip each key.
    """
    key = _SEPARATORS.sub(" ", folded)
    if "ST" in key:
        key = _SAINTE.sub("SAINTE", _SAINT.sub("SAINT", key))
    return _TRAILER.sub("", key) if trailer else key


def name_key(text: str) -> str:
    """Comparison key of a first name: folded, separators as single hyphens."""
    return _name_keys(fold(" ".join(text.split()))).strip("-")


def _name_keys(folded: str) -> str:
    return _SEPARATORS.sub("-", folded)


@dataclass(frozen=True)
class CommuneMatch:
    """Best commune for a reading, with the similarity (0..1) of the comparison keys."""

    name: str | None
    score: float


class RefData:
    """Postcode -> communes and first-name frequencies, with fuzzy look-ups."""

    def __init__(self, postcodes: Path, firstnames: Path) -> None:
        self._communes: dict[str, list[str]] = {}  # postcode -> official names
        self._commune_keys: dict[str, list[str]] = {}  # postcode -> keys, aligned
        self._by_key: dict[str, str] = {}  # commune key -> official name (first seen)
        self._load_postcodes(postcodes)
        self._all_keys = list(self._by_key)
        self._fn_count: dict[str, int] = {}  # name key -> total count
        self._fn_display: dict[str, str] = {}  # name key -> most frequent spelling
        self._load_firstnames(firstnames)
        self._fn_keys = list(self._fn_count)

    @classmethod
    def load(cls, data_dir: Path = DATA_DIR) -> RefData:
        """The lists shipped with the tool (``scanner/data``)."""
        return cls(data_dir / POSTCODES_FILE, data_dir / FIRSTNAMES_FILE)

    # -- loading ---------------------------------------------------------------

    def _load_postcodes(self, path: Path) -> None:
        raw = gzip.decompress(path.read_bytes()).decode("utf-8")
        lines = raw.splitlines()
        folded = fold(raw)
        # Official names rarely carry "11E" or "CEDEX": skip that (slow) pass when no
        # digit appears beyond the codes' own five per line.
        digits = sum(raw.count(d) for d in "0123456789")
        trailer = digits > 5 * len(lines) or "CEDEX" in folded or "ARRONDISSEMENT" in folded
        keyed = _place_keys(folded, trailer).splitlines()
        if len(keyed) != len(lines):  # a character folded into a line break: key line by line
            keyed = [place_key(line) for line in lines]
        communes, commune_keys, by_key = self._communes, self._commune_keys, self._by_key
        for line, kline in zip(lines, keyed, strict=True):
            code, sep, name = line.partition("\t")
            if not sep or len(code) != 5:
                continue
            key = kline.partition("\t")[2].strip()
            keys = commune_keys.get(code)
            if keys is None:
                commune_keys[code] = [key]
                communes[code] = [name.strip()]
            elif key not in keys:
                keys.append(key)
                communes[code].append(name.strip())
            else:
                continue
            if key not in by_key:
                by_key[key] = name.strip()

    def _load_firstnames(self, path: Path) -> None:
        raw = gzip.decompress(path.read_bytes()).decode("utf-8")
        lines = raw.splitlines()
        keyed = _name_keys(fold(raw)).splitlines()
        if len(keyed) != len(lines):
            keyed = [name_key(line.partition("\t")[0]) + "\t" + line.partition("\t")[2] for line in lines]
        counts, display = self._fn_count, self._fn_display
        for line, kline in zip(lines, keyed, strict=True):
            key, sep, count_text = kline.partition("\t")
            key = key.strip("-")
            if not sep or not key:
                continue
            try:
                count = int(count_text)
            except ValueError:
                continue
            if key in counts:
                counts[key] += count
            else:
                counts[key] = count
                display[key] = line.partition("\t")[0].strip()

    # -- postcodes and communes --------------------------------------------------

    def is_postcode(self, code: str) -> bool:
        return code in self._communes

    def communes_for(self, postcode: str) -> list[str]:
        return list(self._communes.get(postcode, ()))

    def match_commune(self, text: str, postcode: str) -> tuple[str | None, float]:
        """The commune of ``postcode`` that ``text`` most likely names, and how close (0..1).

        Insensitive to accents, case, hyphens, apostrophes and ST/SAINT.
        """
        keys = self._commune_keys.get(postcode)
        key = place_key(text)
        if not keys or not key:
            return None, 0.0
        best = process.extractOne(key, keys, scorer=fuzz.ratio)
        if best is None:
            return None, 0.0
        _, score, index = best
        return self._communes[postcode][index], score / 100.0

    def is_commune(self, text: str) -> bool:
        """``text`` names some French commune exactly (up to accents, case, separators)."""
        return place_key(text) in self._by_key

    def find_commune(self, text: str) -> tuple[str | None, float]:
        """The closest commune anywhere in France, and how close (0..1)."""
        key = place_key(text)
        if not key:
            return None, 0.0
        if key in self._by_key:
            return self._by_key[key], 1.0
        best = process.extractOne(key, self._all_keys, scorer=fuzz.ratio, score_cutoff=60)
        if best is None:
            return None, 0.0
        return self._by_key[best[0]], best[1] / 100.0

    def postcodes_of(self, commune: str) -> list[str]:
        """Every postcode listing this commune (exact key match)."""
        key = place_key(commune)
        return [code for code, keys in self._commune_keys.items() if key in keys]

    # -- first names ---------------------------------------------------------------

    def firstname_count(self, name: str) -> int:
        return self._fn_count.get(name_key(name), 0)

    def firstname_score(self, name: str) -> float:
        """Plausibility of ``name`` as a first name, 0..1, from its frequency.

        Log-scaled: a name given 100,000 times scores 1, once scores ~0. Compound
        names not listed as such ("JEAN-MARC") score as their least frequent part.
        """
        key = name_key(name)
        if not key:
            return 0.0
        count = self._fn_count.get(key, 0)
        if count == 0 and "-" in key:
            parts = [self._fn_count.get(p, 0) for p in key.split("-") if p]
            count = min(parts) if parts else 0
        if count <= 0:
            return 0.0
        return min(1.0, math.log10(count + 1) / math.log10(_FULLY_PLAUSIBLE_COUNT))

    def closest_firstnames(self, text: str, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` listed first names nearest to ``text`` with their similarity (0..1),
        most similar first, frequency breaking ties."""
        key = name_key(text)
        if not key or k <= 0:
            return []
        hits = process.extract(
            key, self._fn_keys, scorer=Levenshtein.normalized_similarity, limit=max(k * 4, 20), score_cutoff=0.5
        )
        hits.sort(key=lambda h: (-h[1], -self._fn_count[h[0]]))
        return [(self._fn_display[h[0]], float(h[1])) for h in hits[:k]]

    def firstname_distance(self, text: str, listed: str) -> int:
        """Edit distance between two first names, on their comparison keys."""
        return int(Levenshtein.distance(name_key(text), name_key(listed)))

    def display_firstname(self, name: str) -> str | None:
        """The list's spelling of ``name`` (with its accents), if listed."""
        return self._fn_display.get(name_key(name))

    @property
    def n_postcodes(self) -> int:
        return len(self._communes)

    @property
    def n_firstnames(self) -> int:
        return len(self._fn_count)
