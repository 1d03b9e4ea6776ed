"""Accuracy of a run against a generated set's truth.json.

The numbers that matter to users: how many written lines were found (row
recall), lines invented (phantom rows), how often a field is read exactly, and
above all the *silent error rate*: rows in clean.csv with any wrong value. The
auto rate is the share of signed rows that needed no person.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz.distance import Levenshtein

BOOL_TYPES = ("signature", "infos")
CITY_COLUMNS = ("ville",)


@dataclass
class ColumnStats:
    n: int = 0
    exact: int = 0
    edits: int = 0
    chars: int = 0

    @property
    def accuracy(self) -> float:
        return self.exact / self.n if self.n else 0.0

    @property
    def cer(self) -> float:
        return self.edits / self.chars if self.chars else 0.0


@dataclass
class Metrics:
    truth_rows: int = 0
    found_rows: int = 0
    phantom_rows: int = 0
    clean_rows: int = 0
    review_rows: int = 0
    clean_wrong: int = 0
    signed_rows: int = 0
    signed_clean: int = 0
    unreadable_expected: int = 0
    truth_duplicates: int = 0
    flagged_duplicates: int = 0
    true_duplicates_flagged: int = 0
    true_duplicates_to_review: int = 0  #: flagged sure or possible
    columns: dict[str, ColumnStats] = field(default_factory=dict)
    wrong_examples: list[str] = field(default_factory=list)

    @property
    def row_recall(self) -> float:
        return self.found_rows / self.truth_rows if self.truth_rows else 0.0

    @property
    def silent_error_rate(self) -> float:
        return self.clean_wrong / self.clean_rows if self.clean_rows else 0.0

    @property
    def auto_rate(self) -> float:
        return self.signed_clean / self.signed_rows if self.signed_rows else 0.0

    @property
    def dup_precision(self) -> float:
        return self.true_duplicates_flagged / self.flagged_duplicates if self.flagged_duplicates else 1.0

    @property
    def dup_recall(self) -> float:
        return self.true_duplicates_flagged / self.truth_duplicates if self.truth_duplicates else 1.0

    def as_dict(self) -> dict[str, object]:
        d: dict[str, object] = asdict(self)
        d["columns"] = {
            k: {"n": v.n, "exact": round(v.accuracy, 4), "cer": round(v.cer, 4)} for k, v in self.columns.items()
        }
        for name in ("row_recall", "silent_error_rate", "auto_rate", "dup_precision", "dup_recall"):
            d[name] = round(getattr(self, name), 4)
        return d


def _fold(text: str) -> str:
    text = text.replace("Œ", "OE").replace("œ", "oe").replace("Æ", "AE").replace("æ", "ae")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def same(column: str, value: str, expected: str) -> bool:
    """Exact match, except that a town may come out in its official spelling.

    The tool writes the commune's official name (accents, Œ) where the writer
    left them out: that is the value staff want, not an error.
    """
    if column in CITY_COLUMNS:
        return _fold(value) == _fold(expected)
    return value == expected


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _key(source: str, page: int | str, row: int | str) -> tuple[str, int, int]:
    return (source, int(page), int(row))


def _norm_truth(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)


def evaluate(out_dir: Path, truth_path: Path) -> Metrics:
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    clean = _read_csv(out_dir / "clean.csv")
    review = _read_csv(out_dir / "review.csv")
    out: dict[tuple[str, int, int], tuple[str, dict[str, str]]] = {}
    for name, rows in (("clean", clean), ("review", review)):
        for r in rows:
            out[_key(r["source"], r["page"], r["row"])] = (name, r)

    m = Metrics(clean_rows=len(clean), review_rows=len(review))
    truth_keys: set[tuple[str, int, int]] = set()
    seen_people: set[int] = set()
    # The earlier occurrence of a person is the first in (source, page, row)
    # order: the convention of the tool's duplicate search within a batch.
    lines: list[tuple[tuple[str, int, int], dict[str, Any]]] = []
    for f in truth["files"]:
        for p in f["pages"]:
            if not p.get("form") or not p.get("readable", True):
                m.unreadable_expected += 1
                continue
            lines += [(_key(f["file"], p["page"], t["row"]), t) for t in p["rows"]]
    for key, t in sorted(lines, key=lambda kt: kt[0]):
        truth_keys.add(key)
        m.truth_rows += 1
        values = {k: _norm_truth(v) for k, v in t["values"].items()}
        person = t.get("person")
        # only a signed, not crossed-out line counts as a signature to repeat
        counts = person is not None and not t.get("crossed_out") and values.get("signature") == "true"
        # a repeat: the person already has a signed line earlier (this line signed or not)
        is_dup = person is not None and not t.get("crossed_out") and person in seen_people
        if counts and person is not None:
            seen_people.add(person)
        m.truth_duplicates += int(is_dup)
        signed = values.get("signature") == "true" and not t.get("crossed_out")
        m.signed_rows += int(signed)
        got = out.get(key)
        if got is None:
            continue
        m.found_rows += 1
        where, row = got
        flags = [x for x in row.get("flags", "").split(";") if x]
        if "duplicate" in flags or "possible_duplicate" in flags:
            m.true_duplicates_to_review += int(is_dup)
        if "duplicate" in flags:
            m.flagged_duplicates += 1
            m.true_duplicates_flagged += int(is_dup)
        wrong = []
        for col, expected in values.items():
            if col not in row:
                continue
            stats = m.columns.setdefault(col, ColumnStats())
            value = row[col]
            stats.n += 1
            stats.exact += int(same(col, value, expected))
            if col not in BOOL_TYPES:
                stats.edits += Levenshtein.distance(value, expected)
                stats.chars += max(1, len(expected))
            if not same(col, value, expected):
                wrong.append(f"{col}: {value!r} != {expected!r}")
        if where == "clean":
            if t.get("crossed_out"):
                wrong.append("crossed-out line in clean.csv")
            if is_dup:
                wrong.append("duplicate in clean.csv")
            if wrong:
                m.clean_wrong += 1
                if len(m.wrong_examples) < 20:
                    m.wrong_examples.append(f"{key[0]}:{key[1]}:{key[2]}: " + "; ".join(wrong))
            m.signed_clean += int(signed)
    for key, (_, row) in out.items():
        if key not in truth_keys:
            m.phantom_rows += 1
            if "duplicate" in row.get("flags", ""):
                m.flagged_duplicates += 1
    return m


def format_metrics(m: Metrics) -> str:
    lines = [
        f"rows in truth            {m.truth_rows}",
        f"row recall               {m.row_recall:.2%} ({m.found_rows}/{m.truth_rows})",
        f"phantom rows             {m.phantom_rows}",
        f"clean / review           {m.clean_rows} / {m.review_rows}",
        f"auto rate (signed rows)  {m.auto_rate:.2%} ({m.signed_clean}/{m.signed_rows})",
        f"silent error rate        {m.silent_error_rate:.2%} ({m.clean_wrong}/{m.clean_rows} clean rows wrong)",
        f"duplicates               precision {m.dup_precision:.2%}, recall {m.dup_recall:.2%} "
        f"({m.true_duplicates_flagged} of {m.truth_duplicates} found, {m.flagged_duplicates} flagged; "
        f"{m.true_duplicates_to_review} of {m.truth_duplicates} flagged sure or possible)",
        "",
        f"{'column':14} {'n':>5} {'exact':>8} {'CER':>7}",
    ]
    for col, s in m.columns.items():
        cer = "" if col in BOOL_TYPES else f"{s.cer:7.2%}"
        lines.append(f"{col:14} {s.n:5d} {s.accuracy:8.2%} {cer:>7}")
    if m.wrong_examples:
        lines += ["", "wrong values in clean.csv:"] + [f"  {w}" for w in m.wrong_examples]
    return "\n".join(lines)
