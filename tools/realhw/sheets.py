"""Whole generated sheets filled with real handwriting crops (issue 20 item 1, sheet level).

People are made of one split's real pieces only (writer-held-out, see data.py):
a surname (a capitalised word cut from a line), a first name (such a word on the
INSEE list), a town (such a word that is a commune) with a postcode of that
commune written in MNIST digits of the split, and an e-mail whose local part is
the same row's first-name and surname pieces (``prenom.nom``) and whose domain is
composed as :func:`tools.realhw.compose.email_crops` does (``word.tld``, a real
'.', an '@' made of a real 'a'). Pieces of one writer (page) are preferred for a
row. Names are kept to ASCII letters, since an e-mail's local part is.

The sheets themselves are the sample generator's (samples/gen): its planner
decides the lines written, crossed out, unsigned and left empty, the repeats,
the signatures and ticks, and the trip back (scan, photo, fax); only the text
fields are pasted crops (``RowPlan.pasted``) instead of font writing.
"""

from __future__ import annotations

import pickle
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from samples.gen.paste import Pasted
from samples.gen.people import Writing, upper_fr
from samples.gen.plan import FilePlan, Fill, PagePlan, Planner, SetPlan
from samples.gen.presets import A4_LANDSCAPE, A4_PORTRAIT
from scanner.refdata import RefData
from tools.realhw.compose import LINE_SCALE, _digit, _join, at_sign, join_digits, on_cell, scaled
from tools.realhw.data import Line, load_lines, load_mnist, mnist_split
from tools.realhw.words import TLDS, LinePieces, Piece

LAYOUTS = ("own", "foreign")
#: The form each layout is read with (``petition-scan process --form``).
FORMS = {"own": "surveillance-fr", "foreign": "samples/foreign.yaml"}
TEXT_COLUMNS = ("nom", "prenom", "email", "code_postal", "ville")


@dataclass(frozen=True)
class RealPerson:
    """A signatory made of real handwriting: truth values as the tool writes them, and the
    crop pasted in each column."""

    values: dict[str, str]
    crops: dict[str, Pasted]
    pages: tuple[str, ...]  #: Copiste pages (writers) the words come from


def _ascii_word(text: str) -> bool:
    return text.isascii() and text.isalpha()


def _capitalised(text: str) -> bool:
    return len(text) >= 3 and _ascii_word(text) and text[0].isupper() and text[1:].islower()


@dataclass
class _Pool:
    """Pieces of one split by role, per page (writer) and all together."""

    by_page: dict[str, dict[str, list[Piece]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    all: dict[str, list[Piece]] = field(default_factory=lambda: defaultdict(list))

    def add(self, role: str, p: Piece) -> None:
        self.by_page[p.page][role].append(p)
        self.all[role].append(p)


def _pool(pieces: list[LinePieces], split: str, ref: RefData) -> _Pool:
    pool = _Pool()
    for lp in pieces:
        if lp.split != split:
            continue
        for p in lp.words:
            if _capitalised(p.text):
                pool.add("surname", p)
                if ref.firstname_count(p.text) > 0:
                    pool.add("first", p)
                if ref.is_commune(p.text) and ref.postcodes_of(p.text):
                    pool.add("town", p)
            elif p.text == "a":
                pool.add("a", p)
            elif _ascii_word(p.text) and p.text.islower() and 2 <= len(p.text) <= 9:
                pool.add("word", p)
        for p in lp.dots:
            pool.add("dot", p)
        for p in lp.tlds:
            pool.add("tld", p)
    return pool


class PersonMaker:
    """Draws :class:`RealPerson` rows from one split's pieces and MNIST digits, deterministically."""

    def __init__(self, pieces: list[LinePieces], split: str, ref: RefData, mnist: tuple[np.ndarray, np.ndarray],
                 seed: int) -> None:  # fmt: skip
        self.split, self.ref = split, ref
        self.rng = random.Random(f"sheets:{split}:{seed}")
        self.pool = _pool(pieces, split, ref)
        missing = [r for r in ("surname", "first", "town", "a", "word", "dot", "tld") if not self.pool.all[r]]
        if missing:
            raise ValueError(f"split {split}: no {', '.join(missing)} pieces (too few lines aligned?)")
        self.images, labels = mnist
        self.by_label: dict[int, list[int]] = defaultdict(list)
        for i, lab in enumerate(labels):
            if mnist_split(i) == split:
                self.by_label[int(lab)].append(i)
        self._firsts = self._cycle("first")

    def _cycle(self, role: str) -> Iterator[Piece]:
        """Every piece of a role once in a shuffled order, then again (people outnumber them)."""
        while True:
            order = list(self.pool.all[role])
            self.rng.shuffle(order)
            yield from order

    def _pick(self, role: str, page: str, avoid: str = "") -> Piece:
        """A piece of ``role`` from ``page`` (the same writer) when it has one, else from the split."""
        mine = [p for p in self.pool.by_page[page][role] if p.text != avoid]
        return self.rng.choice(mine or [p for p in self.pool.all[role] if p.text != avoid] or self.pool.all[role])

    def _town(self, page: str) -> Piece:
        """A commune of the writer's page, else a commune drawn evenly among the split's
        distinct names (a sentence-initial 'Son' is a commune too, and frequent)."""
        mine = self.pool.by_page[page]["town"]
        if mine:
            return self.rng.choice(mine)
        names = sorted({p.text for p in self.pool.all["town"]})
        name = self.rng.choice(names)
        return self.rng.choice([p for p in self.pool.all["town"] if p.text == name])

    def make(self) -> RealPerson:
        first = next(self._firsts)
        page = first.page
        sur = self._pick("surname", page, avoid=first.text)
        town = self._town(page)
        official = self.ref.find_commune(town.text)[0] or town.text
        code = self.rng.choice(self.ref.postcodes_of(town.text))
        dom, dot1, dot2 = self._pick("word", page), self._pick("dot", page), self._pick("dot", page)
        tld, a = self._pick("tld", page), self._pick("a", page)
        email = f"{first.text.lower()}.{sur.text.lower()}@{dom.text}.{tld.text}"
        parts = [first.image, dot1.image, sur.image, at_sign(a), dom.image, dot2.image, tld.image]
        strip = _join(parts, self.rng)
        h, w = strip.shape
        strip = cv2.resize(strip, (round(w * LINE_SCALE), round(h * LINE_SCALE)), interpolation=cv2.INTER_CUBIC)
        free, digits = self._postcode(code)
        values = {"nom": upper_fr(sur.text), "prenom": upper_fr(first.text), "email": email,
                  "code_postal": code, "ville": upper_fr(official)}  # fmt: skip
        crops = {
            "nom": Pasted(on_cell(scaled(sur), self.rng)),
            "prenom": Pasted(on_cell(scaled(first), self.rng)),
            "ville": Pasted(on_cell(scaled(town), self.rng)),
            "email": Pasted(on_cell(strip, self.rng, min_w=400)),
            "code_postal": Pasted(free, digits),
        }
        used = (first, sur, town, dom, dot1, dot2, tld, a)
        return RealPerson(values, crops, tuple(sorted({p.page for p in used})))

    def _postcode(self, code: str) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """``code`` in MNIST digits of the split: written free (as compose.postcode_crops: size,
        slant, gaps -4..14 px so digits may touch) on a cell, and as five digit images for a
        sheet's comb boxes (other digits of the same labels)."""
        rng = self.rng
        height, slant = rng.randint(48, 80), rng.uniform(-0.25, 0.25)
        glyphs = [_digit(self.images[rng.choice(self.by_label[int(c)])], height + rng.randint(-4, 4), slant)
                  for c in code]  # fmt: skip
        row = join_digits(glyphs, rng)
        comb_slant = rng.uniform(-0.2, 0.2)
        comb = tuple(_digit(self.images[rng.choice(self.by_label[int(c)])], 56, comb_slant) for c in code)
        return on_cell(row, rng, min_w=240), comb


def fill_with(page: PagePlan, people: dict[int, RealPerson], maker: PersonMaker) -> None:
    """Replace the generator's people on ``page`` by real-handwriting ones (one per generator
    person, so repeats stay repeats). A field the generator left empty stays empty."""
    for row in page.rows:
        person = people.get(row.person)
        if person is None:
            person = people[row.person] = maker.make()
        drawn: dict[str, str] = {}
        truth: dict[str, str] = {}
        pasted: dict[str, Pasted] = {}
        for col in row.writing.drawn:
            if col not in TEXT_COLUMNS or not row.writing.drawn[col]:
                drawn[col], truth[col] = row.writing.drawn[col], row.writing.truth.get(col, "")
                continue
            drawn[col] = truth[col] = person.values[col]
            pasted[col] = person.crops[col]
        row.writing = Writing(drawn=drawn, truth=truth)
        row.pasted = pasted


def plan_sheets(layout: str, sheets: int, maker: PersonMaker, seed: int) -> SetPlan:
    """``sheets`` pages of one layout, returned as the eval preset returns them: scans in
    PDFs of up to four pages (one in four at 200 dpi, some grey, folded, turned), phone
    photos one in five, faxes one in ten (own sheets only). Rows as the planner draws them."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout {layout!r}: choose from {', '.join(LAYOUTS)}")
    p = Planner(seed)
    people: dict[int, RealPerson] = {}
    scans: list[PagePlan] = []
    files: list[FilePlan] = []
    for k in range(sheets):
        make = p.printed if layout == "own" else p.foreign
        paper = A4_LANDSCAPE if layout == "own" else A4_PORTRAIT
        fill = Fill(force_crossed=k == 0, force_repeat=k == 1)
        if k % 5 == 2:
            page = make(p.photo_ops(paper, long_side=3264 if layout == "own" else 3000), fill)
            fill_with(page, people, maker)
            files.append(FilePlan(f"photo-{k:03d}.jpg", "jpeg", [page], quality=int(p.rng.integers(75, 88))))
        elif layout == "own" and k % 10 == 4:
            page = make(p.fax_ops(), fill)
            fill_with(page, people, maker)
            files.append(FilePlan(f"fax-{k:03d}.png", "png", [page]))
        else:
            page = make(p.scan_ops(), fill)
            fill_with(page, people, maker)
            scans.append(page)
    for n, start in enumerate(range(0, len(scans), 4)):
        quality = int(p.rng.integers(72, 86))
        files.append(FilePlan(f"scan-{n + 1:03d}.pdf", "pdf", scans[start : start + 4], quality=quality))
    return SetPlan(seed, files)


def load_pieces(root: Path, split: str, workers: int, cache: Path | None = None,
                lines: list[Line] | None = None) -> list[LinePieces]:  # fmt: skip
    """The confident pieces of every line of ``split`` (or of ``lines``), aligned in ``workers``
    processes; with ``cache``, kept in that folder between runs (outside the repository)."""
    path = cache / f"realhw-pieces-{split}.pkl" if cache and lines is None else None
    if path is not None and path.exists():
        with path.open("rb") as fh:
            cached: list[LinePieces] = pickle.load(fh)
        return cached
    if lines is None:
        lines = [ln for ln in load_lines(root) if ln.split == split]
    if workers > 1:
        import multiprocessing as mp

        with mp.get_context("spawn").Pool(workers, _init_aligner, (str(root),)) as pool:
            pieces = pool.map(_cut, lines, chunksize=16)
    else:
        _init_aligner(str(root))
        pieces = [_cut(ln) for ln in lines]
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            pickle.dump(pieces, fh)
    return pieces


def few_lines(lines: list[Line], ref: RefData, per_role: int = 4) -> list[Line]:
    """A handful of lines whose transcriptions hold every kind of piece a person needs
    (communes, first names, the word 'a', a word ending in '.', a word starting with a
    top-level domain), ``per_role`` lines each where the data has them: for quick runs
    and the test (alignment may still drop some pieces)."""
    wants: dict[str, list[Line]] = defaultdict(list)
    for ln in lines:
        toks = [t.strip(".,;:!?()«»\"") for t in ln.text.split()]
        roles = {
            "town": any(_capitalised(t) and ref.is_commune(t) and ref.postcodes_of(t) for t in toks),
            "first": any(_capitalised(t) and ref.firstname_count(t) > 0 for t in toks),
            "a": "a" in toks,
            "dot": any(t.rstrip(".").isalpha() and t.endswith(".") for t in ln.text.split()),
            "tld": any(t.islower() and t.startswith(TLDS) and len(t) > 3 for t in toks),
        }
        for role, has in roles.items():
            if has and len(wants[role]) < per_role:
                wants[role].append(ln)
    return list(dict.fromkeys(ln for lst in wants.values() for ln in lst))


_worker: dict[str, object] = {}


def _init_aligner(root: str) -> None:
    from tools.realhw.align import Aligner

    _worker["aligner"] = Aligner()
    _worker["root"] = Path(root)


def _cut(line: Line) -> LinePieces:
    from tools.realhw.words import line_pieces

    return line_pieces(_worker["aligner"], line, _worker["root"])  # type: ignore[arg-type]


def maker_for(root: Path, split: str, pieces: list[LinePieces], seed: int) -> PersonMaker:
    return PersonMaker(pieces, split, RefData.load(), load_mnist(root), seed)

