"""Scoring given texts under a recogniser's CTC output, for decoding against a list.

A free reading picks the likeliest character frame by frame; when a field can
only be one of a few values (a first name of the national list, a commune of the
postcode read), each candidate is scored instead by the probability the network
gives to the whole text, summed over every alignment of it to the frames (the
CTC forward pass). The winner's share of that probability against its rivals and
the free reading is a confidence the network itself gives, not a string
similarity.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: log of a probability that is zero (a character outside the alphabet, a text too long).
IMPOSSIBLE = -1e9


def _gone() -> None:
    return None


@dataclass(frozen=True, eq=False)
class Lattice:
    """Per-frame log-probabilities of one cell's symbols (column 0: the CTC blank).

    Symbols are folded where the field ignores the difference: case for e-mails
    ("lower"), case and accents for names and towns ("upper": a name written
    "Hélène" or "HELENE" is one name; its accents are judged apart, by
    :mod:`scanner.fields.accents`). Each symbol's probability is the sum of its classes'.
    A lattice stays in the process that read the cell: it pickles to None, so a
    page's results crossing to the main process do not carry it.
    """

    logp: np.ndarray  #: (frames, symbols) float32, rows sum to one in probability
    index: Mapping[str, int]  #: symbol -> column of ``logp`` (never 0)
    fold: str = ""  #: "upper" or "lower": how texts are folded before scoring

    def __reduce__(self) -> tuple[Any, tuple[()]]:
        return (_gone, ())

    def _labels(self, text: str) -> list[int] | None:
        labels = [self.index.get(ch, 0) for ch in fold_symbol(text, self.fold)]
        return None if not labels or 0 in labels else labels

    def score(self, texts: Sequence[str]) -> np.ndarray:
        """log P(text | cell) per text, every alignment summed (CTC forward, all texts at once);
        IMPOSSIBLE for a text with a symbol the field cannot hold or longer than the frames allow."""
        out = np.full(len(texts), IMPOSSIBLE, np.float64)
        frames = self.logp.shape[0]
        todo = [(i, lab) for i, text in enumerate(texts) if (lab := self._labels(text)) is not None]
        todo = [(i, lab) for i, lab in todo if len(lab) <= frames]
        if not todo:
            return out
        n_states = 2 * max(len(lab) for _, lab in todo) + 1
        ext = np.zeros((len(todo), n_states), np.intp)  # blank-interleaved labels, blank-padded
        ends = np.zeros(len(todo), np.intp)
        for r, (_, lab) in enumerate(todo):
            ext[r, 1 : 2 * len(lab) : 2] = lab
            ends[r] = 2 * len(lab)
        # a state may be reached from two back when it is a label unlike the one two back
        skip = np.zeros(ext.shape, bool)
        skip[:, 2:] = (ext[:, 2:] != 0) & (ext[:, 2:] != ext[:, :-2])
        valid = np.arange(n_states)[None, :] <= ends[:, None]
        logp = self.logp.astype(np.float64)
        alpha = np.full(ext.shape, -np.inf)
        alpha[:, 0] = logp[0, 0]
        alpha[:, 1] = logp[0, ext[:, 1]]
        for t in range(1, frames):
            one = np.concatenate([np.full((len(todo), 1), -np.inf), alpha[:, :-1]], axis=1)
            two = np.concatenate([np.full((len(todo), 2), -np.inf), alpha[:, :-2]], axis=1)
            two = np.where(skip, two, -np.inf)
            alpha = np.logaddexp(np.logaddexp(alpha, one), two) + logp[t, ext]
            alpha[~valid] = -np.inf
        rows = np.arange(len(todo))
        final = np.logaddexp(alpha[rows, ends], alpha[rows, ends - 1])
        for r, (i, _) in enumerate(todo):
            out[i] = final[r] if np.isfinite(final[r]) else IMPOSSIBLE
        return out


def fold_symbol(text: str, fold: str) -> str:
    """``text`` as a lattice folded ``fold`` spells it (see :class:`Lattice`)."""
    if fold == "lower":
        return text.lower()
    if fold == "upper":
        decomposed = unicodedata.normalize("NFKD", text.upper())
        return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return text


def posteriors(scores: np.ndarray, prior: np.ndarray | None = None) -> np.ndarray:
    """Each candidate's share of the probability of all of them (optionally times a prior)."""
    s = scores + (np.log(np.maximum(prior, 1e-12)) if prior is not None else 0.0)
    top = s.max()
    if top <= IMPOSSIBLE / 2:
        return np.zeros_like(s)
    w = np.exp(s - top)
    return np.asarray(w / w.sum())


@dataclass(frozen=True)
class Symbols:
    """How a recogniser's classes pool into the symbols of one kind of field."""

    names: tuple[str, ...]  #: symbol per lattice column 1.. (column 0 is the blank)
    classes: np.ndarray  #: the recogniser's class columns used, blank first
    pool: np.ndarray  #: (len(classes), 1 + len(names)) 0/1: which symbol each class adds to
    fold: str  #: "upper", "lower" or "" (see :class:`Lattice`)

    @classmethod
    def of(cls, groups: Sequence[tuple[str, Sequence[int]]], fold: str) -> Symbols:
        """From (symbol, class columns) pairs; class 0 is the blank."""
        classes = [0] + [c for _, cols in groups for c in cols]
        pool = np.zeros((len(classes), len(groups) + 1), np.float32)
        pool[0, 0] = 1.0
        row = 1
        for j, (_, cols) in enumerate(groups, start=1):
            for _ in cols:
                pool[row, j] = 1.0
                row += 1
        return cls(tuple(name for name, _ in groups), np.array(classes, np.intp), pool, fold)


def lattice_of(probs: np.ndarray, frames: int, symbols: Symbols) -> Lattice:
    """The lattice of one crop: ``probs`` (padded frames x classes) cut to ``frames`` and
    pooled into ``symbols``, renormalised over them (the field's alphabet is all there is)."""
    cols = probs[:frames, symbols.classes] @ symbols.pool
    cols /= np.maximum(cols.sum(axis=1, keepdims=True), 1e-30)
    logp = np.log(np.maximum(cols, 1e-30)).astype(np.float32)
    return Lattice(logp, {name: j for j, name in enumerate(symbols.names, start=1)}, symbols.fold)
