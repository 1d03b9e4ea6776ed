"""Forced alignment of a transcription to its line image under the recogniser's CTC output.

The line goes through :class:`scanner.ocr.rapid.RapidEngine`'s own network
(``_infer``); a Viterbi pass over the blank-interleaved label sequence gives
each character its frames, and frames map to image columns as in
``scanner.ocr.rapid._char_columns``. Spaces of the transcription are not
labels (the network emits them unreliably). Words are cut at the gaps between
characters by :mod:`tools.realhw.words`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scanner.ocr.rapid import FRAME_COLUMNS, RapidEngine, _characters, _input_columns


@dataclass(frozen=True)
class Alignment:
    chars: str  #: transcription without spaces
    spans: list[tuple[int, int]]  #: first and last frame of each character
    posteriors: list[float]  #: best frame probability of the character's class, per character
    frames: int
    width: int  #: image columns
    input_columns: int  #: columns of the image as the network saw it (``_input_columns``)

    @property
    def mean_posterior(self) -> float:
        return float(np.mean(self.posteriors)) if self.posteriors else 0.0

    def column(self, frame: float) -> float:
        """Image column at the left edge of ``frame``."""
        return frame * FRAME_COLUMNS * self.width / self.input_columns


class Aligner:
    def __init__(self, engine: RapidEngine | None = None) -> None:
        self.engine = engine or RapidEngine()
        chars = _characters(self.engine._session)
        self.index = {c: i for i, c in enumerate(chars) if i > 0}

    def known(self, text: str) -> bool:
        return all(c in self.index for c in text if c != " ")

    def posteriors(self, image: np.ndarray) -> np.ndarray:
        return self.engine._infer([image])[0]

    def align(self, image: np.ndarray, text: str, probs: np.ndarray | None = None) -> Alignment | None:
        """The best path of ``text`` (spaces dropped) through the CTC lattice, or None when
        the text has a character outside the model's classes or more labels than frames allow."""
        chars = "".join(text.split())
        if not chars or not self.known(chars):
            return None
        if probs is None:
            probs = self.posteriors(image)
        columns = _input_columns(image)
        frames = min(-(-columns // FRAME_COLUMNS), probs.shape[0])
        probs = probs[:frames]
        labels = [self.index[c] for c in chars]
        path = viterbi(np.log(np.maximum(probs, 1e-12)), labels)
        if path is None:
            return None
        spans: list[tuple[int, int]] = []
        post: list[float] = []
        for k, lab in enumerate(labels):
            ts = [t for t, s in enumerate(path) if s == 2 * k + 1]
            spans.append((ts[0], ts[-1]))
            post.append(float(probs[ts, lab].max()))
        return Alignment(chars, spans, post, frames, image.shape[1], columns)


def viterbi(logp: np.ndarray, labels: list[int], blank: int = 0) -> list[int] | None:
    """State per frame of the best CTC path (states 0..2L: even blank, odd label k=(s-1)/2)."""
    n_t = logp.shape[0]
    ext = [blank]
    for lab in labels:
        ext += [lab, blank]
    n_s = len(ext)
    if n_t < len(labels):
        return None
    ext_a = np.array(ext)
    emit = logp[:, ext_a]  # (T, S)
    # transitions allowed from s-2 when ext[s] is a label different from ext[s-2]
    skip = np.zeros(n_s, dtype=bool)
    skip[2:] = (ext_a[2:] != blank) & (ext_a[2:] != ext_a[:-2])
    neg = -np.inf
    score = np.full(n_s, neg)
    score[0] = emit[0, 0]
    score[1] = emit[0, 1]
    back = np.zeros((n_t, n_s), dtype=np.int8)  # 0 stay, 1 from s-1, 2 from s-2
    for t in range(1, n_t):
        stay = score
        one = np.concatenate([[neg], score[:-1]])
        two = np.where(skip, np.concatenate([[neg, neg], score[:-2]]), neg)
        stacked = np.stack([stay, one, two])
        choice = stacked.argmax(axis=0)
        score = stacked[choice, np.arange(n_s)] + emit[t]
        back[t] = choice
    end = n_s - 1 if score[n_s - 1] >= score[n_s - 2] else n_s - 2
    if not np.isfinite(score[end]):
        return None
    path = [end]
    s = end
    for t in range(n_t - 1, 0, -1):
        s -= int(back[t, s])
        path.append(s)
    path.reverse()
    return path
