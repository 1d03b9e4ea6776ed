"""How French a name looks, letter by letter, without a list of every surname.

A character 4-gram model (interpolated Kneser-Ney) trained on commune names,
first names and a few hundred common surnames (``tools/build_ngrams.py``)
gives each word a log-likelihood (:meth:`LetterModel.score`).

Its use is **confusions** (policy in :mod:`scanner.fields.namecheck`):
handwriting OCR swaps a few letters systematically (an R whose leg is short
reads as K, an open U as V). When swapping one or two such letters back makes
a name far likelier (MAKTIN -> MARTIN, PEKKET -> PERRET), the reading is
doubtful. The gain is measured in bits, minus a cost per confusion, so KLEIN
(RLEIN is no likelier) stays as read. Nothing here ever changes a value.
"""

from __future__ import annotations

import gzip
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from scanner.errors import MissingDependencyError
from scanner.refdata import RefData
from scanner.textfold import fold

ORDER = 4  #: n of the n-grams (three letters of context)
DISCOUNT = 0.75  #: Kneser-Ney absolute discount
_ALPHABET = 27  #: A-Z and the end of word: the uniform floor of the model
_WORD = re.compile(r"[A-Z]+")

#: Letter read -> (letter probably written, cost in bits). The cost is how much
#: likelier the swapped spelling must be before the swap counts as evidence;
#: the commonest handwriting confusions cost least.
CONFUSIONS: dict[str, tuple[tuple[str, float], ...]] = {
    "K": (("R", 1.0),),
    "V": (("U", 1.0),),
    "R": (("K", 3.0),),
    "U": (("V", 3.0),),
    "G": (("C", 2.0),),
    "C": (("G", 3.0), ("L", 3.0)),
    "I": (("L", 2.0),),
    "L": (("I", 2.0), ("C", 3.0)),
    "N": (("M", 3.0),),
    "M": (("N", 3.0),),
    "F": (("R", 3.0),),
}


def words(text: str) -> list[str]:
    """The words of a name as the model sees them: folded, apostrophes dropped."""
    return _WORD.findall(fold(text).replace("'", ""))


def padded(word: str, order: int = ORDER) -> str:
    return "^" * (order - 1) + word + "$"


@dataclass(frozen=True)
class Confusion:
    """A likelier spelling one confusable letter away from a reading."""

    variant: str  #: the reading with that letter swapped (same case and accents)
    gain: float  #: bits of likelihood gained, minus the confusion's cost


class LetterModel:
    """Interpolated Kneser-Ney letter model of names, built from top-order counts."""

    def __init__(self, grams: dict[str, int], order: int = ORDER, discount: float = DISCOUNT) -> None:
        self.order = order
        # Per order k: discounted term of each k-gram, and interpolation weight of each context.
        self._term: list[dict[str, float]] = [{} for _ in range(order + 1)]
        self._weight: list[dict[str, float]] = [{} for _ in range(order + 1)]
        counts: dict[str, int] = dict(grams)
        for k in range(order, 0, -1):
            totals: dict[str, int] = {}
            types: dict[str, int] = {}
            for g, c in counts.items():
                h = g[:-1]
                totals[h] = totals.get(h, 0) + c
                types[h] = types.get(h, 0) + 1
            term = self._term[k]
            for g, c in counts.items():
                term[g] = max(c - discount, 0.0) / totals[g[:-1]]
            self._weight[k] = {h: discount * types[h] / t for h, t in totals.items()}
            lower: dict[str, int] = {}  # continuation counts: in how many contexts a gram follows
            for g in counts:
                lower[g[1:]] = lower.get(g[1:], 0) + 1
            counts = lower

    @classmethod
    def load(cls, path: Path) -> LetterModel:
        try:
            text = gzip.decompress(path.read_bytes()).decode("utf-8")
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            raise MissingDependencyError(
                f"letter statistics {path} cannot be read ({exc})",
                "They ship with petition-scan in scanner/data/; reinstall it (make run).",
            ) from None
        grams: dict[str, int] = {}
        for line in text.splitlines():
            gram, _, count = line.partition("\t")
            if count.isdecimal():
                grams[gram] = int(count)
        return cls(grams)

    def _prob(self, context: str, ch: str) -> float:
        p = 1.0 / _ALPHABET
        for k in range(1, self.order + 1):
            h = context[len(context) - k + 1 :] if k > 1 else ""
            weight = self._weight[k].get(h)
            if weight is None:
                continue
            p = self._term[k].get(h + ch, 0.0) + weight * p
        return p

    def word_bits(self, word: str) -> float:
        """log2 probability of one folded word, its end included (negative)."""
        s = padded(word, self.order)
        n = self.order
        return sum(math.log2(self._prob(s[i - n + 1 : i], s[i])) for i in range(n - 1, len(s)))

    def bits(self, name: str) -> float:
        """log2 probability of a whole name (sum over its words)."""
        return sum(self.word_bits(w) for w in words(name))

    def score(self, name: str) -> float:
        """Mean log2 probability per letter (end of word included): higher is more plausible.

        Common French names score about -2 to -4; strings like BKUN below -6.
        """
        ws = words(name)
        symbols = sum(len(w) + 1 for w in ws)
        return self.bits(name) / symbols if symbols else 0.0

    def best_confusion(self, name: str) -> Confusion | None:
        """The swap of one confusable letter that most raises the likelihood, if any does."""
        return _best_confusion(self, name)


#: How many confusable letters one reading may have swapped (PEKKET -> PERRET needs two).
MAX_SWAPS = 2


def swaps(text: str, depth: int = MAX_SWAPS) -> set[str]:
    """Every spelling ``depth`` confusable letters or fewer away from ``text`` (itself excluded)."""
    out: set[str] = set()
    frontier = {text}
    for _ in range(depth):
        step = {
            v[:i] + alt + v[i + 1 :] for v in frontier for i, ch in enumerate(v) for alt, _ in CONFUSIONS.get(ch, ())
        }
        step -= out
        out |= step
        frontier = step
    out.discard(text)
    return out


@lru_cache(maxsize=4096)
def _best_confusion(model: LetterModel, name: str) -> Confusion | None:
    """Greedy: the best single swap, then the best further swap on top while it gains."""
    base = model.bits(name)
    best: Confusion | None = None
    current, current_bits, gained, done = name, base, 0.0, set[int]()
    for _ in range(MAX_SWAPS):
        step: tuple[float, int, str, float] | None = None
        for i, ch in enumerate(current):
            if i in done:
                continue
            for alt, cost in CONFUSIONS.get(ch, ()):
                variant = current[:i] + alt + current[i + 1 :]
                variant_bits = model.bits(variant)
                gain = variant_bits - current_bits - cost
                if gain > 0 and (step is None or gain > step[0]):
                    step = (gain, i, variant, variant_bits)
        if step is None:
            break
        gained += step[0]
        current, current_bits = step[2], step[3]
        done.add(step[1])
        best = Confusion(current, gained)
    return best


@lru_cache(maxsize=4)
def _loaded(path: Path) -> LetterModel:
    return LetterModel.load(path)


def letter_model(ref: RefData) -> LetterModel | None:
    """The letter model of names behind ``ref`` (loaded once per process), or None when
    ``ref`` has no letter statistics: the name plausibility checks are then skipped."""
    return _loaded(ref.ngrams_path) if ref.ngrams_path is not None else None
