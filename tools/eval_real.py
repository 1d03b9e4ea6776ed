"""How the tool reads real handwriting, per field kind, writer-held-out (issue 20 item 1).

    .venv/bin/python tools/eval_real.py [--split test|tune|both] [--limit N] [--json OUT]
    make eval-real      # the full run, both splits, figures in gen/eval-real.json

Crops are built from ../shared/handwriting only (tools/realhw: words cut from the
real lines at their CTC alignment, real MNIST digits, e-mails joined from real
pieces) and each goes through the tool's own reading of a cell: every engine,
``combine``, ``scanner.fields.interpret``, then the shipped thresholds decide
whether the value would go to clean.csv unflagged ("accepted"). The test
split's figures are the ones that count; tune is for development.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz.distance import Levenshtein  # noqa: E402

from scanner.forms import Column, ColumnType  # noqa: E402
from scanner.refdata import RefData  # noqa: E402
from scanner.rowscore import Thresholds  # noqa: E402
from scanner.textfold import fold  # noqa: E402
from tools.realhw import compose, words  # noqa: E402
from tools.realhw.align import Aligner  # noqa: E402
from tools.realhw.data import SPLITS, Line, data_dir, load_lines, load_mnist, mnist_split  # noqa: E402

#: Composed crops per split for the kinds not limited by the data (postcodes, e-mails).
COMPOSED = 400
COVERAGES = (0.25, 0.5, 0.75, 1.0)
#: Below this many crops a kind's figures are printed with a warning: they measure nothing.
FEW = 30
Crops = dict[tuple[str, str], list[compose.FieldCrop]]

_worker: dict[str, Any] = {}


def _init_aligner(root: str) -> None:
    _worker["aligner"] = Aligner()
    _worker["root"] = Path(root)


def _cut(line: Line) -> words.LinePieces:
    return words.line_pieces(_worker["aligner"], line, _worker["root"])


def _init_reader(engines: tuple[str, ...]) -> None:
    from scanner.ocr import make_engine

    _worker["engines"] = [make_engine(name) for name in engines]
    _worker["ref"] = RefData.load()
    _worker["thresholds"] = Thresholds.default()


@dataclass(frozen=True)
class Outcome:
    kind: str
    split: str
    truth: str
    value: str
    confidence: float
    accepted: bool
    flags: tuple[str, ...]


def same(kind: str, value: str, truth: str) -> bool:
    """Exact match as ``petition-scan eval`` judges it (a town may come in its official spelling,
    accents and case aside)."""
    if kind in ("town", "town_code"):
        return fold(value) == fold(truth)
    return value == truth


def _read(batch: list[compose.FieldCrop]) -> list[Outcome]:
    """The tool's reading of one kind's crops, as PageReader reads a column of cells."""
    from scanner.fields import interpret
    from scanner.ocr.combine import combine

    if not batch:
        return []
    name, type_, role = compose.COLUMNS[batch[0].kind]
    col = Column(name=name, type=ColumnType(type_), role=role, label=name.upper())  # type: ignore[arg-type]
    images = [c.image for c in batch]
    per_engine = [engine.read(images, col.type) for engine in _worker["engines"]]
    th = _worker["thresholds"].for_type(col.type)
    out: list[Outcome] = []
    for n, crop in enumerate(batch):
        candidates = combine([res[n] for res in per_engine], col.type)
        fr = interpret(col, candidates, _worker["ref"], _context(crop), has_ink=True)
        accepted = not fr.flags and fr.confidence >= th and bool(fr.value)
        out.append(Outcome(crop.kind, crop.split, crop.truth, fr.value, fr.confidence, accepted, tuple(fr.flags)))
    return out


def _context(crop: compose.FieldCrop) -> Any:
    """The row a crop is read on: empty, but for town_code a postcode of the town read right
    (as on a row whose postcode reads; postcodes alone read 93-95% right)."""
    from scanner.fields import RowContext
    from scanner.model import FieldResult

    ctx = RowContext()
    if crop.kind == "town_code":
        codes = _worker["ref"].postcodes_of(crop.truth)
        if codes:
            col = Column(name="code_postal", type=ColumnType.POSTCODE, label="CODE POSTAL")
            ctx.record(col, FieldResult(column=col.name, value=codes[0], raw=codes[0], confidence=1.0), [])
    return ctx


def _core(token: str) -> str:
    return token.strip(".,;:!?()«»\"")


def build_crops(
    root: Path, splits: Sequence[str], limit: int | None, lines_cap: int | None, seed: int, workers: int
) -> tuple[Crops, dict[str, int]]:
    """Crops per (kind, split), and the counts of words cut/kept for the report."""
    lines = [ln for ln in load_lines(root) if ln.split in splits]
    if lines_cap is not None:
        by_split = {s: [ln for ln in lines if ln.split == s][:lines_cap] for s in splits}
        lines = [ln for s in splits for ln in by_split[s]]
    with mp.get_context("spawn").Pool(workers, _init_aligner, (str(root),)) as pool:
        pieces = pool.map(_cut, lines, chunksize=16)
    ref = RefData.load()
    cores = [_core(t) for ln in lines for t in ln.text.split()]
    stats = {
        "lines": len(lines),
        "aligned": sum(1 for p in pieces if p.aligned),
        "alpha_tokens": sum(1 for c in cores if c.isalpha()),
        "caps_tokens": sum(1 for c in cores if compose.block_capitals(c)),
        "words_kept": sum(len(p.words) for p in pieces),
        "dots": sum(len(p.dots) for p in pieces),
        "tlds": sum(len(p.tlds) for p in pieces),
    }
    crops: Crops = {}
    images, labels = load_mnist(root)
    codes = compose.all_postcodes(ref)
    n_comp = min(COMPOSED, limit) if limit else COMPOSED
    for split in splits:
        for kind, lst in compose.word_crops(pieces, split, ref, seed).items():
            crops[(kind, split)] = lst
        crops[("town_code", split)] = [replace(c, kind="town_code") for c in crops[("town", split)]]
        idx = [i for i in range(len(labels)) if mnist_split(i) == split]
        for kind, lst in compose.postcode_crops(images, labels, idx, split, codes, n_comp, seed).items():
            crops[(kind, split)] = lst
        crops[("email", split)] = compose.email_crops(pieces, split, n_comp, seed)
    rng = random.Random(seed)
    for key, lst in crops.items():
        rng.shuffle(lst)
        if limit:
            crops[key] = lst[:limit]
    return crops, stats


def _chunks(crops: list[compose.FieldCrop], size: int = 32) -> list[list[compose.FieldCrop]]:
    return [crops[i : i + size] for i in range(0, len(crops), size)]


def read_all(crops: Crops, engines: tuple[str, ...], workers: int) -> list[Outcome]:
    jobs = [chunk for lst in crops.values() for chunk in _chunks(lst)]
    with mp.get_context("spawn").Pool(workers, _init_reader, (engines,)) as pool:
        return [o for res in pool.map(_read, jobs, chunksize=1) for o in res]


def figures(outcomes: list[Outcome]) -> dict[str, Any]:
    n = len(outcomes)
    if not n:
        return {"n": 0}
    right = [same(o.kind, o.value, o.truth) for o in outcomes]
    cer = sum(Levenshtein.distance(o.value.upper(), o.truth.upper()) for o in outcomes) / max(
        1, sum(len(o.truth) for o in outcomes)
    )
    acc = [r for o, r in zip(outcomes, right, strict=True) if o.accepted]
    ranked = [r for _, r in sorted(zip([o.confidence for o in outcomes], right, strict=True), key=lambda t: -t[0])]
    tops = {c: max(1, round(c * n)) for c in COVERAGES}
    curve = {f"{int(c * 100)}%": round(sum(ranked[:top]) / top, 4) for c, top in tops.items()}
    return {
        "n": n,
        "exact": round(sum(right) / n, 4),
        "cer": round(cer, 4),
        "coverage": round(len(acc) / n, 4),
        "accepted": len(acc),
        "accuracy_accepted": round(sum(acc) / len(acc), 4) if acc else None,
        "silent_error_rate": round(1 - sum(acc) / len(acc), 4) if acc else None,
        "curve": curve,
    }


def report(outcomes: list[Outcome], splits: Sequence[str]) -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    for split in splits:
        for kind in compose.KINDS:
            mine = [o for o in outcomes if o.split == split and o.kind == kind]
            table.setdefault(split, {})[kind] = figures(mine)
    return table


def _fmt(v: float | None) -> str:
    return "   -  " if v is None else f"{100 * v:5.1f}%"


def print_table(table: dict[str, dict[str, Any]]) -> None:
    head = f"{'kind':<14}{'n':>5} {'exact':>7} {'CER':>7} {'cover':>7} {'acc@acc':>8} {'silent':>7}"
    head += "   curve 25/50/75/100%"
    for split, kinds in table.items():
        print(f"\n== split {split} ==\n{head}")
        for kind, f in kinds.items():
            if not f["n"]:
                print(f"{kind:<14}{0:>5}   (no crops: not measured)")
                continue
            curve = " ".join(_fmt(v) for v in f["curve"].values())
            few = f"   (only {f['n']} crops: not a measurement)" if f["n"] < FEW else ""
            print(
                f"{kind:<14}{f['n']:>5} {_fmt(f['exact'])} {_fmt(f['cer'])} {_fmt(f['coverage'])}  "
                f"{_fmt(f['accuracy_accepted'])} {_fmt(f['silent_error_rate'])}   {curve}{few}"
            )


def warnings(table: dict[str, dict[str, Any]], stats: dict[str, int]) -> list[str]:
    """What the table cannot say, in words (printed under it and kept in the JSON)."""
    out: list[str] = []
    caps = {split: kinds["surname_caps"]["n"] for split, kinds in table.items()}
    # always said: whatever its figures, that row is not a surname measurement
    counts = ", ".join(f"{n} ({split})" for split, n in caps.items())
    out.append(
        f"surname_caps is not a surname measurement: block-capital words are rare in the lines "
        f"({stats['caps_tokens']} of {stats['alpha_tokens']} alphabetic tokens; in this data mostly "
        f"acronyms and numerals such as FC, ABC, III, DVD), so there are only {counts} crops, short ones. "
        "Real block-capital surnames need other data."
    )
    for split, kinds in table.items():
        for kind, f in kinds.items():
            if kind != "surname_caps" and 0 < f["n"] < FEW:
                out.append(f"{kind} ({split}): only {f['n']} crops, the figures are anecdotal")
    return out


NOTE = (
    "Real handwriting only: words cut from Copiste d'un jour (BAnQ, CC BY 4.0) lines at the "
    "recogniser's CTC alignment (pieces kept when every character's posterior >= "
    f"{words.MIN_POSTERIOR} and their mean >= {words.MEAN_POSTERIOR}); postcodes of MNIST digits "
    "(LeCun, Cortes, Burges, CC BY-SA 3.0), free and in a comb whose outline is dropped out; e-mails "
    "word.word@word.tld joined from real pieces of one writer where possible, '.' cut from real "
    "lines, '@' = a real 'a' with a drawn circle, tld cut from the start of real words; towns and "
    "names read alone (no postcode or row cross-checks), postcodes at the postcode threshold with no town "
    "to vouch for them. Words are kept only where the recogniser's own network was sure of every letter at "
    "its aligned place, so the word crops lean towards words it reads well: the name and town figures are "
    "an upper bound for those writers. curve = exact match among the most confident 25/50/75/100%."
)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=None, help="handwriting folder (default ../shared/handwriting)")
    ap.add_argument("--split", choices=("test", "tune", "both"), default="test")
    ap.add_argument("--limit", type=int, default=None, help="at most N crops per kind and split")
    ap.add_argument("--lines", type=int, default=None, help="align at most N lines per split (quick runs)")
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--engines", default="rapidocr,tesseract")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    ap.add_argument("--outcomes", type=Path, default=None, help="write every crop's reading here (JSON lines), "
                    "for tools/calibrate_real.py")
    args = ap.parse_args(argv)
    root = data_dir(args.data)
    if not (root / "copiste-lines" / "lines.jsonl").exists():
        raise SystemExit(f"no handwriting data in {root} (set --data or PETITION_HANDWRITING)")
    splits = SPLITS if args.split == "both" else (args.split,)
    t0 = time.perf_counter()
    crops, stats = build_crops(root, splits, args.limit, args.lines, args.seed, args.workers)
    t1 = time.perf_counter()
    outcomes = read_all(crops, tuple(args.engines.split(",")), args.workers)
    t2 = time.perf_counter()
    table = report(outcomes, splits)
    print(NOTE)
    print(
        f"lines {stats['lines']} (aligned {stats['aligned']}), alphabetic tokens {stats['alpha_tokens']} "
        f"(block capitals {stats['caps_tokens']}), confident words kept {stats['words_kept']}, "
        f"dots {stats['dots']}, tld pieces {stats['tlds']}"
    )
    print_table(table)
    notes = warnings(table, stats)
    for w in notes:
        print(f"WARNING: {w}")
    print(f"\ncrops built in {t1 - t0:.0f} s, read in {t2 - t1:.0f} s ({args.workers} workers)")
    result = {
        "command": " ".join(["tools/eval_real.py", *(argv if argv is not None else sys.argv[1:])]),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "note": NOTE,
        "warnings": notes,
        "stats": stats,
        "splits": table,
        "seconds": {"build": round(t1 - t0, 1), "read": round(t2 - t1, 1)},
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.outcomes:
        args.outcomes.parent.mkdir(parents=True, exist_ok=True)
        with args.outcomes.open("w", encoding="utf-8") as fh:
            for o in outcomes:
                row = {**asdict(o), "right": same(o.kind, o.value, o.truth)}
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return result


if __name__ == "__main__":
    main()
