"""Pieces of real handwriting cut out of the aligned lines: words, and glyphs such as '.'.

A cut between two characters falls at the middle of the blank frames between
the last frame of the one and the first frame of the other (CTC spikes are
narrow, so this is the middle of the gap the network saw). A piece is kept only
when the network itself was sure of each of its characters at the aligned place:
:data:`MIN_POSTERIOR` for the weakest, :data:`MEAN_POSTERIOR` on average.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tools.realhw.align import Aligner, Alignment
from tools.realhw.data import Line

#: Weakest character posterior a kept piece may have (at its aligned frames).
MIN_POSTERIOR = 0.5
#: Mean character posterior a kept piece must reach.
MEAN_POSTERIOR = 0.8
#: Dark threshold of ink, as in :func:`scanner.ocr.base.crop_to_ink`.
INK = 150
#: Pieces the e-mails are made of besides words: a dot, and sub-words for the domain end.
TLDS = ("fr", "com", "net")


@dataclass(frozen=True)
class Piece:
    """A strip of a real line (full line height, cut to its ink left and right)."""

    image: np.ndarray
    text: str
    page: str  #: one page is one writer
    text_id: str
    split: str
    mean: float
    min: float


@dataclass(frozen=True)
class AlignedLine:
    line: Line
    image: np.ndarray
    alignment: Alignment

    def boundary(self, k: int) -> int:
        """Image column of the cut before character ``k`` (0 and the width at the ends)."""
        a = self.alignment
        if k <= 0:
            return 0
        if k >= len(a.chars):
            return a.width
        mid = (a.spans[k - 1][1] + 1 + a.spans[k][0]) / 2
        return round(min(a.width, max(0.0, a.column(mid))))

    def piece(self, i: int, j: int) -> Piece | None:
        """Characters ``i..j-1`` (of the space-free transcription), trimmed to ink; None
        when the network was not sure of them or the strip holds no ink."""
        post = self.alignment.posteriors[i:j]
        if not post or min(post) < MIN_POSTERIOR or float(np.mean(post)) < MEAN_POSTERIOR:
            return None
        x0, x1 = self.boundary(i), self.boundary(j)
        strip = trim_columns(self.image[:, x0:x1])
        if strip is None:
            return None
        ln = self.line
        return Piece(strip, self.alignment.chars[i:j], ln.page, ln.text_id, ln.split, float(np.mean(post)), min(post))


def trim_columns(strip: np.ndarray) -> np.ndarray | None:
    """The strip without its ink-free columns at both ends (None when it has no ink)."""
    cols = np.flatnonzero((strip < INK).sum(axis=0) >= 1)
    if strip.size == 0 or len(cols) == 0:
        return None
    return strip[:, cols[0] : cols[-1] + 1]


def align_line(aligner: Aligner, line: Line, root: Path) -> AlignedLine | None:
    image = line.image(root)
    a = aligner.align(image, line.text)
    return AlignedLine(line, image, a) if a is not None else None


def _tokens(text: str) -> list[tuple[str, int]]:
    """Space-separated tokens with the index of their first character in the space-free text."""
    out: list[tuple[str, int]] = []
    k = 0
    for tok in text.split():
        out.append((tok, k))
        k += len(tok)
    return out


@dataclass
class LinePieces:
    split: str  #: the line's side of the writer-held-out split (from its text_id)
    words: list[Piece]  #: alphabetic tokens (trailing punctuation cut off)
    dots: list[Piece]  #: a '.' ending a token
    tlds: list[Piece]  #: 'fr', 'com', 'net' cut from the start of a lower-case word
    aligned: bool = True  #: False when the transcription did not align to the line


def cut_pieces(al: AlignedLine) -> LinePieces:
    """Every confident word, dot and domain-end piece of one aligned line."""
    out = LinePieces(al.line.split, [], [], [])
    for tok, k in _tokens(al.line.text):
        core = tok.rstrip(".,;:!?)»\"")
        lead = len(core) - len(core.lstrip("(«\""))
        core = core[lead:]
        start = k + lead
        if core.isalpha():
            word = al.piece(start, start + len(core))
            if word is not None:
                out.words.append(word)
            if core.islower():
                for tld in TLDS:
                    if core.startswith(tld) and len(core) > len(tld):
                        p = al.piece(start, start + len(tld))
                        if p is not None:
                            out.tlds.append(p)
        end = start + len(core)
        if core.isalpha() and tok[lead + len(core) : lead + len(core) + 1] == ".":
            dot = al.piece(end, end + 1)
            if dot is not None and dot.image.shape[1] <= dot.image.shape[0] // 2:
                out.dots.append(dot)
    return out


def line_pieces(aligner: Aligner, line: Line, root: Path) -> LinePieces:
    """The confident pieces of one line (none when its transcription does not align)."""
    al = align_line(aligner, line, root)
    return cut_pieces(al) if al is not None else LinePieces(line.split, [], [], [], aligned=False)
