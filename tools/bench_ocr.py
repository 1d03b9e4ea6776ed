#!/usr/bin/env python3
"""Benchmark the OCR engines on synthetic handwriting cells.

Renders N cells per field kind with the Debian handwriting fonts
(scanner.ocr.synth), reads them with each engine and with the combination of
engines, and prints per engine and kind: exact-match rate, character error rate
(Levenshtein distance / length of the truth, case-insensitive, accents count),
milliseconds per cell, and how trustworthy the confidence is (share of cells at
confidence >= --sure and the exact-match rate among those).

    .venv/bin/python tools/bench_ocr.py --seed 7 --n 60

Everything is local and deterministic for a seed (timings aside).
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rapidfuzz.distance import Levenshtein

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scanner.forms import ColumnType
from scanner.model import OcrResult
from scanner.ocr.base import OcrEngine
from scanner.ocr.combine import combine
from scanner.ocr.registry import ENGINE_NAMES, make_engine
from scanner.ocr.synth import font_supports, handwriting_fonts, render_cell


def _words(text: str) -> tuple[str, ...]:
    """Space-separated entries; "&" stands for a space inside an entry ("LE&GALL")."""
    return tuple(word.replace("&", " ") for word in text.split(" ") if word)


SURNAMES = _words(
    "MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT SIMON MICHEL LEFEBVRE LEROY "
    "ROUX DAVID BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT FONTAINE ROUSSEAU VINCENT MULLER "
    "FAURE MERCIER BLANC BOYER GARNIER CHEVALIER LEGRAND GAUTHIER GARCIA PERRIN ROBIN CLEMENT MORIN "
    "NICOLAS HENRY ROUSSEL MATHIEU MASSON MARCHAND DUVAL DENIS DUMONT LEMAIRE MEYER DUFOUR MEUNIER BRUN "
    "BLANCHARD GIRAUD JOLY LUCAS BRUNET GAILLARD BARBIER ARNAUD MARTINEZ ROCHE RENARD SCHMITT LEROUX "
    "COLIN VIDAL CARON PICARD ROGER FABRE AUBERT LEMOINE RENAUD DUMAS LACROIX OLIVIER BOURGEOIS BENOIT "
    "LECLERC PAYET ROLLAND GUILLAUME LECOMTE LOPEZ DUPUY HUBERT BERGER CARPENTIER DESCHAMPS VASSEUR "
    "BOUCHER FLEURY KLEIN JACQUET POIRIER GUYOT CHARPENTIER MAILLARD BAILLY SCHNEIDER FERNANDEZ "
    "LEFÈVRE GUÉRIN ANDRÉ GÉRARD RIVIÈRE MÉNARD HERVÉ LÉGER RÉMY BARTHÉLEMY MARÉCHAL FRANÇOIS "
    "DUPONT-MOREAU MARTIN-LEROY LE&GALL DA&SILVA LE&GOFF N'DIAYE"
)

FIRST_NAMES = _words(
    "JEAN MARIE PIERRE MICHEL ANNE PHILIPPE NATHALIE ISABELLE SYLVIE CATHERINE FRANÇOISE CHRISTINE "
    "NICOLAS JULIEN THOMAS CAMILLE LÉA MANON CHLOÉ EMMA LOUISE HUGO LUCAS LOUIS GABRIEL ARTHUR JULES "
    "INÈS SARAH LAURA ÉLODIE HÉLÈNE CÉLINE JÉRÔME STÉPHANE SÉBASTIEN FRÉDÉRIC ANAÏS NOÉMIE MÉLANIE "
    "AURÉLIE VALÉRIE DAVID ALAIN BERNARD PATRICK DANIEL CHRISTOPHE LAURENT OLIVIER ÉRIC DIDIER "
    "THIERRY PASCAL YVES ANTOINE MATHILDE CLAIRE JULIE SOPHIE AUDREY PAULINE MARGAUX JEAN-PIERRE "
    "JEAN-LUC MARIE-CLAIRE ANNE-SOPHIE KARIM FATIMA MOHAMED YASMINE MEHDI AMINA YANN GAËLLE MAËL"
)

CITIES = _words(
    "PARIS MARSEILLE LYON TOULOUSE NICE NANTES STRASBOURG MONTPELLIER BORDEAUX LILLE RENNES REIMS "
    "LE&HAVRE SAINT-ÉTIENNE TOULON GRENOBLE DIJON ANGERS NÎMES VILLEURBANNE CLERMONT-FERRAND LE&MANS "
    "AIX-EN-PROVENCE BREST TOURS AMIENS LIMOGES ANNECY PERPIGNAN BOULOGNE-BILLANCOURT METZ BESANÇON "
    "ORLÉANS SAINT-DENIS ARGENTEUIL ROUEN MULHOUSE MONTREUIL CAEN NANCY NANTERRE VITRY-SUR-SEINE "
    "CRÉTEIL AVIGNON POITIERS AUBERVILLIERS DUNKERQUE VERSAILLES COLOMBES PAU LA&ROCHELLE CALAIS "
    "CANNES ANTIBES BÉZIERS SAINT-MALO QUIMPER BAYONNE CHAMBÉRY VALENCE LORIENT BOURGES ÉVRY "
    "ISSY-LES-MOULINEAUX"
)

DOMAINS = _words(
    "gmail.com orange.fr free.fr laposte.net hotmail.fr wanadoo.fr sfr.fr yahoo.fr outlook.fr protonmail.com"
)

#: Typical printed column widths at 200 DPI (px): text wider than that is squeezed.
WIDTHS = {"surname": 420, "firstname": 340, "email": 620, "postcode": 220, "city": 420}


def _ascii_lower(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in folded if not unicodedata.combining(c) and c not in " '")


def _email(rng: np.random.Generator) -> tuple[str, bool]:
    first = _ascii_lower(str(rng.choice(FIRST_NAMES)))
    last = _ascii_lower(str(rng.choice(SURNAMES)))
    pattern = int(rng.integers(5))
    local = (
        f"{first}.{last}",
        f"{first[0]}{last}",
        f"{first}{last}{int(rng.integers(1950, 2010)) % 100:02d}",
        f"{last}.{first}{int(rng.integers(1, 99))}",
        f"{first}_{last}",
    )[pattern]
    return f"{local}@{rng.choice(DOMAINS)}", bool(rng.random() < 0.4)


def _postcode(rng: np.random.Generator) -> str:
    dept = int(rng.choice([d for d in range(1, 96) if d != 20]))
    last = 0 if rng.random() < 0.7 else int(rng.integers(10))
    return f"{dept:02d}{int(rng.integers(10))}{int(rng.integers(10))}{last}"


@dataclass(frozen=True)
class Kind:
    label: str
    column: ColumnType
    make: Callable[[np.random.Generator], tuple[str, bool]]  #: truth, render in capitals


KINDS = (
    Kind("surname", ColumnType.NAME, lambda r: (str(r.choice(SURNAMES)), False)),
    Kind("firstname", ColumnType.NAME, lambda r: (str(r.choice(FIRST_NAMES)), False)),
    Kind("email", ColumnType.EMAIL, _email),
    Kind("postcode", ColumnType.POSTCODE, lambda r: (_postcode(r), False)),
    Kind("city", ColumnType.TEXT, lambda r: (str(r.choice(CITIES)), False)),
)


@dataclass
class Sample:
    truth: str
    image: np.ndarray
    font: str


def make_samples(kind: Kind, n: int, seed: int) -> list[Sample]:
    """N rendered cells of one kind; the same (kind, n, seed) always gives the same cells."""
    fonts = handwriting_fonts()
    if not fonts:
        raise SystemExit("no handwriting fonts installed (fonts-dkg-handwriting, fonts-humor-sans, ...)")
    rng = np.random.default_rng([seed, KINDS.index(kind)])
    out: list[Sample] = []
    for _ in range(n):
        truth, capitals = kind.make(rng)
        drawn = truth.upper() if capitals else truth
        usable = [f for f in fonts if font_supports(f, drawn)] or fonts
        font = usable[int(rng.integers(len(usable)))]
        image = render_cell(
            drawn,
            font,
            height_px=int(rng.integers(90, 111)),
            seed=int(rng.integers(2**31)),
            width_px=WIDTHS[kind.label],
        )
        out.append(Sample(truth, image, font.name))
    return out


def compare_form(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass
class Score:
    n: int = 0
    exact: int = 0
    edits: int = 0
    chars: int = 0
    seconds: float = 0.0  #: wall-clock
    cpu: float = 0.0  #: process CPU time (engines run single-threaded: the honest cost on a busy machine)
    sure: int = 0
    sure_exact: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, truth: str, result: OcrResult, sure_at: float) -> None:
        t, r = compare_form(truth), compare_form(result.text)
        self.n += 1
        ok = t == r
        self.exact += ok
        self.edits += Levenshtein.distance(t, r)
        self.chars += len(t)
        if result.confidence >= sure_at:
            self.sure += 1
            self.sure_exact += ok
        if not ok and len(self.misses) < 4:
            self.misses.append(f"{truth}->{result.text}({result.confidence:.2f})")

    def row(self, engine: str, kind: str) -> str:
        ms = f"{1000 * self.cpu / self.n:7.1f} {1000 * self.seconds / self.n:7.1f}" if self.seconds else " " * 15
        sure_acc = f"{100 * self.sure_exact / self.sure:5.0f}%" if self.sure else "     -"
        return (
            f"{engine:<20} {kind:<10} {100 * self.exact / self.n:6.0f}% {100 * self.edits / self.chars:6.1f}% "
            f"{ms} {100 * self.sure / self.n:6.0f}% {sure_acc}"
        )


def time_cli(samples: list[Sample]) -> tuple[str, float] | None:
    """Wall seconds per cell with one tesseract process per cell, as pytesseract does.

    Uses pytesseract when installed, else the ``tesseract`` program directly
    (the same thing without the wrapper); None when neither is there.
    """
    from PIL import Image

    start = time.perf_counter()
    if importlib.util.find_spec("pytesseract") is not None:
        import pytesseract

        for s in samples:
            pytesseract.image_to_string(Image.fromarray(s.image), lang="fra", config="--psm 7")
        return "pytesseract", (time.perf_counter() - start) / len(samples)
    program = shutil.which("tesseract")
    if program is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cell.png"
        start = time.perf_counter()
        for s in samples:
            Image.fromarray(s.image).save(path)
            subprocess.run([program, str(path), "stdout", "-l", "fra", "--psm", "7"], capture_output=True, check=False)
        return "tesseract program", (time.perf_counter() - start) / len(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--n", type=int, default=60, help="cells per field kind")
    parser.add_argument("--engines", default=",".join(ENGINE_NAMES))
    parser.add_argument("--sure", type=float, default=0.9, help="confidence counted as 'sure'")
    parser.add_argument("--misses", action="store_true", help="print a few misread cells per row")
    args = parser.parse_args(argv)

    names = [e for e in args.engines.split(",") if e]
    engines: dict[str, OcrEngine] = {}
    for name in names:
        start = time.perf_counter()
        engines[name] = make_engine(name)
        print(f"{name}: ready in {1000 * (time.perf_counter() - start):.0f} ms")
    print(f"fonts: {', '.join(f.name for f in handwriting_fonts())}")
    print(f"seed {args.seed}, {args.n} cells per kind; 'sure' = confidence >= {args.sure}\n")
    header = f"{'engine':<20} {'kind':<10} {'exact':>7} {'CER':>7} {'cpu ms':>7} {'wall ms':>7} "
    header += f"{'sure':>7} {'sure-ok':>6}"
    print(header)
    print("-" * len(header))
    totals: dict[str, Score] = {}
    lines: list[str] = []
    cli_sample: list[Sample] = []
    for kind in KINDS:
        samples = make_samples(kind, args.n, args.seed)
        cli_sample.extend(samples[:4])
        per_engine: dict[str, list[OcrResult]] = {}
        for name, engine in engines.items():
            start, cpu = time.perf_counter(), time.process_time()
            per_engine[name] = engine.read([s.image for s in samples], kind.column)
            score = Score(seconds=time.perf_counter() - start, cpu=time.process_time() - cpu)
            for s, r in zip(samples, per_engine[name], strict=True):
                score.add(s.truth, r, args.sure)
            lines.append(score.row(name, kind.label))
            if args.misses:
                lines.append("    " + "  ".join(score.misses))
            _merge(totals.setdefault(name, Score()), score)
        if len(engines) > 1:
            score = Score()
            for i, s in enumerate(samples):
                score.add(s.truth, combine([per_engine[n][i] for n in engines], kind.column)[0], args.sure)
            lines.append(score.row("combined", kind.label))
            if args.misses:
                lines.append("    " + "  ".join(score.misses))
            _merge(totals.setdefault("combined", Score()), score)
        print("\n".join(lines))
        lines.clear()
    print("-" * len(header))
    for name, score in totals.items():
        print(score.row(name, "all"))
    cli = time_cli(cli_sample) if "tesseract" in engines else None
    if cli is not None:
        print(f"\none process per cell ({cli[0]}, {len(cli_sample)} cells): {1000 * cli[1]:.0f} ms/cell wall")
    for engine in engines.values():
        engine.close()
    return 0


def _merge(total: Score, part: Score) -> None:
    total.n += part.n
    total.exact += part.exact
    total.edits += part.edits
    total.chars += part.chars
    total.seconds += part.seconds
    total.cpu += part.cpu
    total.sure += part.sure
    total.sure_exact += part.sure_exact


if __name__ == "__main__":
    raise SystemExit(main())
