"""Reference lists the readings are checked against: French postcodes and
communes, and first names with their frequency.

Loaded once per worker process (construct :class:`RefData` and pass it in; there
is no module-level instance). Loading folds the whole file text in one go rather
than line by line, which keeps it well under a second for the full lists.
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from scanner.errors import MissingDependencyError
from scanner.textfold import has_trailer, keys_of, name_key, name_keys, place_key, place_keys

DATA_DIR = Path(__file__).resolve().parent / "data"
POSTCODES_FILE = "postcodes.tsv.gz"
FIRSTNAMES_FILE = "prenoms.txt.gz"
NGRAMS_FILE = "ngrams.tsv.gz"

def _read_gz(path: Path) -> str:
    try:
        return gzip.decompress(path.read_bytes()).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise MissingDependencyError(
            f"reference list {path} cannot be read ({exc})",
            "The lists ship with petition-scan in scanner/data/; reinstall it (make run).",
        ) from None


class RefData:
    """Postcode -> communes and first-name frequencies, with fuzzy look-ups.

    ``ngrams`` (optional) is the letter statistics file behind the names' letter
    model (:func:`scanner.fields.plausibility.letter_model`); without it, name
    plausibility checks are skipped.
    """

    def __init__(self, postcodes: Path, firstnames: Path, ngrams: Path | None = None) -> None:
        self._communes: dict[str, list[str]] = {}  # postcode -> official names
        self._commune_keys: dict[str, list[str]] = {}  # postcode -> keys, aligned
        self._by_key: dict[str, str] = {}  # commune key -> official name (first seen)
        self._load_postcodes(postcodes)
        self._codes_of: dict[str, list[str]] = {}  # commune key -> postcodes
        for code, keys in self._commune_keys.items():
            for key in keys:
                self._codes_of.setdefault(key, []).append(code)
        self._all_keys = list(self._by_key)
        self._fn_count: dict[str, int] = {}  # name key -> total count
        self._fn_display: dict[str, str] = {}  # name key -> most frequent spelling
        self._fn_spellings: dict[str, dict[str, int]] = {}  # name key -> spelling -> count (2+ spellings only)
        self._load_firstnames(firstnames)
        self._fn_keys = list(self._fn_count)
        self._fn_max = max(self._fn_count.values(), default=1)
        self.ngrams_path = ngrams
        self._fn_truncated: dict[str, str] | None = None

    @classmethod
    def load(cls, data_dir: Path = DATA_DIR) -> RefData:
        """The lists shipped with the tool (``scanner/data``)."""
        return cls(data_dir / POSTCODES_FILE, data_dir / FIRSTNAMES_FILE, data_dir / NGRAMS_FILE)

    # -- loading ---------------------------------------------------------------

    def _load_postcodes(self, path: Path) -> None:
        lines = [ln for ln in _read_gz(path).splitlines() if ln[5:6] == "\t" and ln[:5].isdigit() and ln[:5].isascii()]
        pairs = [(ln[:5], ln[6:].strip()) for ln in lines]
        keys = keys_of([name for _, name in pairs], place_key, lambda text: place_keys(text, has_trailer(text)))
        communes, commune_keys, by_key = self._communes, self._commune_keys, self._by_key
        for (code, name), key in zip(pairs, keys, strict=True):
            known = commune_keys.get(code)
            if known is None:
                commune_keys[code] = [key]
                communes[code] = [name]
            elif key in known:
                continue
            else:
                known.append(key)
                communes[code].append(name)
            by_key.setdefault(key, name)

    def _load_firstnames(self, path: Path) -> None:
        split = [ln.rpartition("\t") for ln in _read_gz(path).splitlines()]
        pairs = [(name.strip(), count.strip()) for name, tab, count in split if tab and count.strip().isdecimal()]
        keys = keys_of([name for name, _ in pairs], name_key, name_keys)
        counts, display, spellings = self._fn_count, self._fn_display, self._fn_spellings
        for (name, count_text), key in zip(pairs, keys, strict=True):
            key = key.strip("-")
            if not key:
                continue
            count = int(count_text)
            if key in counts:
                known = spellings.setdefault(key, {display[key]: counts[key]})
                known[name] = known.get(name, 0) + count
                counts[key] += count
            else:
                counts[key] = count
                display[key] = name

    # -- postcodes and communes --------------------------------------------------

    def is_postcode(self, code: str) -> bool:
        return code in self._communes

    def communes_for(self, postcode: str) -> list[str]:
        return list(self._communes.get(postcode, ()))

    def match_commune(self, text: str, postcode: str) -> tuple[str | None, float]:
        """The commune of ``postcode`` that ``text`` most likely names, and how close (0..1).

        Insensitive to accents, case, hyphens, apostrophes and ST/SAINT.
        """
        ranked = self.rank_communes(text, postcode, 1)
        return ranked[0] if ranked else (None, 0.0)

    def rank_communes(self, text: str, postcode: str, k: int = 2) -> list[tuple[str, float]]:
        """The ``k`` communes of ``postcode`` closest to ``text``, with similarity 0..1.

        The runner-up tells whether a match is unambiguous among the code's communes.
        """
        keys = self._commune_keys.get(postcode)
        key = place_key(text)
        if not keys or not key:
            return []
        hits = process.extract(key, keys, scorer=fuzz.ratio, limit=k)
        return [(self._communes[postcode][index], score / 100.0) for _, score, index in hits]

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
        return list(self._codes_of.get(place_key(commune), ()))

    # -- first names ---------------------------------------------------------------

    def firstname_count(self, name: str) -> int:
        return self._fn_count.get(name_key(name), 0)

    def firstname_score(self, name: str) -> float:
        """Plausibility of ``name`` as a first name, 0..1, from its frequency.

        Log-scaled against the most frequent name of the list (which scores 1),
        so it only relies on the counts' order of magnitude: the shipped counts
        are floors, not census figures. Compound names not listed as such
        ("JEAN-MARC") score as their least frequent part.
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
        return min(1.0, math.log(count + 1) / math.log(self._fn_max + 1))

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

    def firstname_spellings(self, name: str) -> list[tuple[str, int]]:
        """Every listed spelling of ``name`` (accents, case as listed) with its count, most frequent first."""
        key = name_key(name)
        several = self._fn_spellings.get(key)
        if several is not None:
            return sorted(several.items(), key=lambda sc: -sc[1])
        if key in self._fn_count:
            return [(self._fn_display[key], self._fn_count[key])]
        return []

    def firstname_completion(self, name: str) -> str | None:
        """The listed first name (key) that ``name`` is with its first or last letter lost.

        None when ``name`` is listed itself or no such name exists; the most
        frequent wins (GIOVANN -> GIOVANNI). Names of five letters or more only.
        """
        key = name_key(name)
        if not key or key in self._fn_count:
            return None
        if self._fn_truncated is None:
            by_count = sorted(self._fn_count.items(), key=lambda kc: -kc[1])
            truncated: dict[str, str] = {}
            for full, _ in by_count:
                if len(full) >= 5:
                    for short in (full[1:], full[:-1]):
                        if short not in self._fn_count:
                            truncated.setdefault(short, full)
            self._fn_truncated = truncated
        return self._fn_truncated.get(key)

    @property
    def n_postcodes(self) -> int:
        return len(self._communes)

    @property
    def max_firstname_count(self) -> int:
        """Count of the most frequent first name (what ``firstname_score`` 1 means)."""
        return self._fn_max

    @property
    def n_firstnames(self) -> int:
        return len(self._fn_count)
