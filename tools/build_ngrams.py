"""Build ``scanner/data/ngrams.tsv.gz``: the letter statistics behind name plausibility.

    .venv/bin/python tools/build_ngrams.py [--out scanner/data/ngrams.tsv.gz]

Training words (upper case, accents folded, apostrophes dropped, split on
spaces and hyphens): every distinct word of the French commune names
(``postcodes.tsv.gz``), every distinct word of the first names
(``prenoms.txt.gz``), and the common surnames of :mod:`scanner.fields.surnames`
(counted :data:`SURNAME_WEIGHT` times: they are the closest to what is scored,
but few). Nothing is downloaded; the output is byte-for-byte reproducible.

Format (UTF-8, gzip, no header line): ``gram<TAB>count``, one line per
distinct :data:`~scanner.fields.plausibility.ORDER`-gram, words padded with
``^`` before and ``$`` after, sorted by gram. The lower orders are derived at
load time (:class:`scanner.fields.plausibility.LetterModel`).
"""

from __future__ import annotations

import argparse
import gzip
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner.fields.plausibility import ORDER, padded, words  # noqa: E402
from scanner.fields.surnames import COMMON_SURNAMES  # noqa: E402
from scanner.refdata import DATA_DIR, FIRSTNAMES_FILE, NGRAMS_FILE, POSTCODES_FILE  # noqa: E402

SURNAME_WEIGHT = 3


def training_words(data_dir: Path) -> Counter[str]:
    """Word -> weight over the three sources."""
    weights: Counter[str] = Counter()
    communes = gzip.decompress((data_dir / POSTCODES_FILE).read_bytes()).decode("utf-8")
    weights.update({w: 1 for w in {w for line in communes.splitlines() for w in words(line[6:])}})
    firsts = gzip.decompress((data_dir / FIRSTNAMES_FILE).read_bytes()).decode("utf-8")
    weights.update({w: 1 for w in {w for line in firsts.splitlines() for w in words(line.rpartition("\t")[0])}})
    for name in COMMON_SURNAMES:
        for w in words(name):
            weights[w] += SURNAME_WEIGHT
    return weights


def count_grams(weights: Counter[str], order: int = ORDER) -> Counter[str]:
    grams: Counter[str] = Counter()
    for word, weight in weights.items():
        s = padded(word, order)
        for i in range(order - 1, len(s)):
            grams[s[i - order + 1 : i + 1]] += weight
    return grams


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA_DIR, help="folder holding the reference lists")
    ap.add_argument("--out", type=Path, default=DATA_DIR / NGRAMS_FILE)
    args = ap.parse_args()
    grams = count_grams(training_words(args.data))
    text = "".join(f"{g}\t{c}\n" for g, c in sorted(grams.items()))
    args.out.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    print(f"{args.out}: {len(grams)} {ORDER}-grams, {args.out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
