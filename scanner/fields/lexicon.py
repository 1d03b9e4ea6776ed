"""Choosing a field's value from a list, scored by the recogniser itself.

Where a field can only be one of a few values (a first name near the reading on
the national list, a commune of the postcode read), each listed value is scored
by the probability the network gives its whole text in the cell (CTC forward,
:mod:`scanner.ctc`), against the engines' own readings as the open-vocabulary
rivals. The winner's share is a confidence the network gives, not a string
similarity. Constants were chosen on the tune split of the real handwriting
(``tools/eval_real.py``, writer-held-out); the test split reports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scanner.ctc import fold_symbol, posteriors
from scanner.model import OcrResult

#: Prior of an engine's reading that the list does not hold, against a listed value's
#: weight (1 for a commune; a first name's count to a small power). Tune split of the
#: real first names: 0.05 and 0.2 read 79% and 78% exactly, the free reading 61%.
OPEN_PRIOR = 0.05
#: A listed value's posterior p maps to confidence 1 - (1 - p) x LIST_DOUBT: the
#: posterior is over a pruned set, so overconfident (tune: 3 of 96 wrong at p >= 0.9).
LIST_DOUBT = 10.0
#: ...and never above 1 - (1 - c) x READING_DOUBT, c the engines' own confidence in
#: the cell: the posterior says which value, not whether the ink is clear (a word cut
#: short reads as another listed name). Tune: 0.5 and 0.3 kept 38 and 48 first names
#: of 134, all right; without the cap 53, one wrong.
READING_DOUBT = 0.3
#: Runners-up at least this likely are offered to the reviewer.
SHOWN = 0.01


@dataclass(frozen=True)
class Listed:
    """One value the field may hold, and its prior weight."""

    value: str
    weight: float = 1.0


@dataclass(frozen=True)
class Choice:
    value: str
    confidence: float
    source: OcrResult  #: the candidate whose lattice scored it
    runners_up: tuple[OcrResult, ...]  #: other listed values worth showing, likeliest first


def choose(
    candidates: Sequence[OcrResult], listed: Sequence[Listed], readings: Sequence[str], engine: str
) -> Choice | None:
    """The listed value the cell's lattice finds likeliest, when it beats every unlisted
    reading; None without a lattice, without candidates, or when a reading wins."""
    owner = next((c for c in candidates if c.lattice is not None), None)
    if owner is None or owner.lattice is None or not listed:
        return None
    fold = owner.lattice.fold
    spelled = {fold_symbol(item.value, fold) for item in listed}
    open_texts = [r for r in dict.fromkeys(readings) if r and fold_symbol(r, fold) not in spelled]
    scores = owner.lattice.score([item.value for item in listed] + open_texts)
    prior = np.array([item.weight for item in listed] + [OPEN_PRIOR] * len(open_texts), np.float64)
    post = posteriors(scores, prior)
    best = int(post.argmax())
    if best >= len(listed) or post[best] <= 0.0:
        return None
    order = [int(i) for i in np.argsort(-post[: len(listed)]) if int(i) != best and post[int(i)] >= SHOWN]
    runners = tuple(OcrResult(listed[i].value, round(float(post[i]), 4), engine=engine) for i in order[:3])
    confidence = min(1.0 - (1.0 - float(post[best])) * LIST_DOUBT, 1.0 - (1.0 - owner.confidence) * READING_DOUBT)
    return Choice(listed[best].value, max(0.0, confidence), owner, runners)
