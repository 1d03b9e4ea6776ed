"""Benchmark of the duplicate search on a large synthetic store.

    .venv/bin/python tools/bench_dedupe.py --rows 1000000 --seed 3

Builds a store of synthetic signatures (through Store.save_page, 10 rows per
page) where a share of rows are the same person signing again with the
variations handwriting and OCR produce: case, accents, swapped first/last name,
e-mail case, Gmail dots, a typo in a name, a missing e-mail. Then runs the full
duplicate search over every stored row in a fresh process and reports its time,
its peak memory (max RSS of that process, SQLite included), recall and false
merges against the known truth.

Truth: a row is a duplicate when the same person already has a row earlier in
the store's order. Distinct people who happen to share first name, last name
and postcode with no e-mail to tell them apart ("namesakes") are counted
separately: no written value can separate them.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scanner.dedupe import dedupe_rows, dedupe_run
from scanner.forms import resolve_form
from scanner.model import FieldResult, PageRef, PageResult, RowResult
from scanner.store import Store

FIRST = [
    "Marie",
    "Jean",
    "Pierre",
    "Michel",
    "Nathalie",
    "Isabelle",
    "Philippe",
    "Sylvie",
    "Catherine",
    "Nicolas",
    "Christophe",
    "Sophie",
    "Stéphane",
    "Françoise",
    "Frédéric",
    "Sandrine",
    "Laurent",
    "Valérie",
    "Éric",
    "Christine",
    "Julien",
    "Céline",
    "Sébastien",
    "Aurélie",
    "David",
    "Émilie",
    "Thomas",
    "Camille",
    "Léa",
    "Chloé",
    "Manon",
    "Hugo",
    "Lucas",
    "Théo",
    "Zoé",
    "Inès",
    "Noé",
    "Jérôme",
    "Hélène",
    "Agnès",
    "Thérèse",
    "Gaël",
    "Maël",
    "Loïc",
    "Anaïs",
    "Clément",
    "Benoît",
    "Joël",
    "Noël",
    "Aïcha",
    "Yasmine",
    "Mohamed",
    "Karim",
    "Fatima",
    "Mehdi",
    "Nour",
    "Ibrahim",
    "Jean-Pierre",
    "Marie-Claire",
    "Jean-Luc",
    "Anne-Sophie",
    "Pierre-Yves",
    "Marie-Hélène",
]
SYLLABLES = [
    "ber",
    "dur",
    "mar",
    "tin",
    "lef",
    "ran",
    "rou",
    "sse",
    "mor",
    "eau",
    "gar",
    "nier",
    "fau",
    "bon",
    "lam",
    "bert",
    "dup",
    "ont",
    "gui",
    "chard",
    "bla",
    "per",
    "rin",
    "le",
    "mai",
    "fon",
    "ain",
    "cha",
    "val",
    "ier",
    "des",
    "mou",
    "lin",
    "roc",
    "her",
    "vin",
    "cent",
    "bou",
    "rg",
    "pet",
    "it",
    "ro",
    "ux",
    "ge",
    "ard",
    "mich",
    "aud",
    "tho",
    "mas",
]
DOMAINS = ("gmail.com", "orange.fr", "free.fr", "laposte.net", "yahoo.fr", "hotmail.fr", "sfr.fr", "proton.me")
ACCENTS = str.maketrans("eaiouc", "éàïôùç")


@dataclass
class Person:
    pid: int
    first: str
    last: str
    email: str
    postcode: str
    city: str


class Zipf:
    """Zipf-Mandelbrot draws: a few very common values and a long tail, like names."""

    def __init__(self, items: list[str], offset: float) -> None:
        self.items = items
        total = 0.0
        self.cum: list[float] = []
        for k in range(len(items)):
            total += 1.0 / (k + 1 + offset)
            self.cum.append(total)

    def __call__(self, rng: random.Random, n: int) -> list[str]:
        return rng.choices(self.items, cum_weights=self.cum, k=n)


def word(rng: random.Random, lo: int, hi: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(lo, hi)))


def make_people(rng: random.Random, n: int) -> list[Person]:
    # ~2,000 first names (real ones first) and ~60,000 surnames; top surname ~0.3 %.
    firsts = list(dict.fromkeys(FIRST + [word(rng, 2, 2).title() for _ in range(2500)]))[:2000]
    surnames = sorted({word(rng, 2, 3).upper() for _ in range(80000)})[:60000]
    rng.shuffle(surnames)
    postcodes = sorted({f"{rng.randint(1, 95):02d}{rng.randint(0, 999):03d}" for _ in range(6500)})[:6000]
    rng.shuffle(postcodes)
    first_of = Zipf(firsts, 10)(rng, n)
    last_of = Zipf(surnames, 50)(rng, n)
    postcode_of = Zipf(postcodes, 20)(rng, n)
    people = []
    emails: set[str] = set()  # two different people never share an address here (families are not modelled)
    for pid in range(n):
        first, last = first_of[pid], last_of[pid]
        email = ""
        while rng.random() < 0.75 and (not email or email in emails):
            local = rng.choice((f"{fold(first)}.{last.lower()}", f"{fold(first)[0]}{last.lower()}", f"{last.lower()}"))
            email = f"{local}{rng.randint(1, 9999)}@{rng.choice(DOMAINS)}"
        if email in emails:
            email = ""
        emails.add(email)
        people.append(Person(pid, first, last, email, postcode_of[pid], "Ville"))
    return people


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(len(word))
    kind = rng.randrange(3)
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    if kind == 0:
        return word[:i] + letter + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    return word[:i] + letter + word[i:]


VARIATIONS = ("case", "accents", "swap", "email_case", "gmail_dots", "typo", "no_email")


def variant(rng: random.Random, p: Person) -> tuple[dict[str, str], list[str]]:
    """The same person written again, with one or two variations."""
    first, last, email = p.first, p.last, p.email
    applied = rng.sample(VARIATIONS, rng.choice((1, 1, 2)))
    for v in applied:
        if v == "case":
            first, last = first.upper(), last.title()
        elif v == "accents":
            first = fold(first) if fold(first) != first.lower() else first.translate(ACCENTS)
        elif v == "swap":
            first, last = last, first
        elif v == "email_case" and email:
            email = email.upper()
        elif v == "gmail_dots" and email.endswith("@gmail.com"):
            local = email.split("@")[0]
            email = f"{local[:2]}.{local[2:]}+petition@gmail.com"
        elif v == "typo":
            if rng.random() < 0.5:
                last = typo(rng, last)
            else:
                first = typo(rng, first)
        elif v == "no_email":
            email = ""
    return {"nom": last, "prenom": first, "email": email, "code_postal": p.postcode, "ville": p.city}, applied


def generate(rows: int, seed: int, dup_rate: float) -> list[tuple[dict[str, str], int, list[str]]]:
    """Rows in store order: (values, person id, variations applied)."""
    rng = random.Random(seed)
    n_people = int(rows * (1 - dup_rate))
    people = make_people(rng, n_people)
    plan: list[tuple[Person, bool]] = [(p, False) for p in people]
    plan += [(rng.choice(people), True) for _ in range(rows - n_people)]
    rng.shuffle(plan)
    out = []
    for person, is_copy in plan:
        if is_copy:
            values, applied = variant(rng, person)
        else:
            values, applied = {"nom": person.last, "prenom": person.first, "email": person.email,
                               "code_postal": person.postcode, "ville": person.city}, []  # fmt: skip
        out.append((values | {"signature": "true", "infos": "false"}, person.pid, applied))
    return out


def build(path: Path, rows: int, seed: int, dup_rate: float) -> dict[int, int]:
    """Write the store; return row number (1-based, in store order) -> person id."""
    plan = generate(rows, seed, dup_rate)
    form = resolve_form("surveillance-fr")
    store = Store.open(path)
    run = store.start_run(["bench"], "bench", forms=[form])
    started = time.perf_counter()
    per_page = 10
    with store.transaction():
        for start in range(0, rows, per_page):
            page_no = start // per_page + 1
            results = []
            for k, (values, _, _) in enumerate(plan[start : start + per_page]):
                fields = {c: FieldResult(column=c, value=v, raw=v, confidence=0.99) for c, v in values.items()}
                results.append(RowResult(row=k + 1, fields=fields, confidence=0.99))
            source = f"batch/{page_no // 1000:04d}.pdf"
            ref = PageRef(source=source, path=source, page=page_no % 1000 + 1)
            store.save_page(run, PageResult(ref=ref, sha256=f"{page_no:064x}", form_name=form.name, rows=results))
            if page_no % 5000 == 0:
                store.conn.execute("COMMIT")
                store.conn.execute("BEGIN IMMEDIATE")
                print(f"  {start + per_page} rows stored ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    store.conn.execute("UPDATE pages SET batch = 1")  # one batch, ordered by source, page, row
    store.close()
    print(f"store built: {rows} rows in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return {i + 1: pid for i, (_, pid, _) in enumerate(plan)}


def peak_mb() -> float:
    """Peak resident memory of this process (VmHWM: unlike ru_maxrss, not inherited across exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def search(path: Path) -> None:
    """Child process: the duplicate search alone, so max RSS is its own."""
    store = Store.open(path)
    started = time.perf_counter()
    stats = dedupe_rows(store, None)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb(), "stats": stats.__dict__}))


def incremental(path: Path, new_rows: int, seed: int) -> None:
    """Child process: a new batch against the big store, as a real run does it.

    5 % of the new rows repeat a stored person (with variations); the rest are
    new people. Saving is not timed; the duplicate search of the run is.
    """
    rng = random.Random(seed + 1)
    store = Store.open(path)
    form = resolve_form("surveillance-fr")
    total = store.execute("SELECT MAX(id) FROM rows").fetchone()[0]
    run = store.start_run(["bench-incremental"], "bench", forms=[form])
    copies: set[tuple[int, int]] = set()
    with store.transaction():
        for start in range(0, new_rows, 10):
            rows = []
            for k in range(10):
                if rng.random() < 0.05:
                    stored = store.get_row(rng.randint(1, total))
                    assert stored is not None
                    v = {c: f.value for c, f in stored.fields.items()}
                    p = Person(0, v["prenom"], v["nom"], v["email"], v["code_postal"], v["ville"])
                    values = variant(rng, p)[0]
                    copies.add((start // 10 + 1, k + 1))
                else:
                    first, last = word(rng, 2, 2).title(), word(rng, 3, 4).upper()
                    postcode = f"{rng.randint(1, 95):02d}{rng.randint(0, 999):03d}"
                    email = f"{fold(first)}.{last.lower()}@new.fr"
                    values = {"nom": last, "prenom": first, "email": email, "code_postal": postcode, "ville": "V"}
                values |= {"signature": "true", "infos": "false"}
                fields = {c: FieldResult(column=c, value=x, raw=x, confidence=0.99) for c, x in values.items()}
                rows.append(RowResult(row=k + 1, fields=fields, confidence=0.99))
            ref = PageRef(source="new.pdf", path="new.pdf", page=start // 10 + 1)
            store.save_page(run, PageResult(ref=ref, sha256=f"new{start:061x}", form_name=form.name, rows=rows))
    started = time.perf_counter()
    stats = dedupe_run(store, run)
    seconds = time.perf_counter() - started
    flagged = {
        (int(p), int(r)): f
        for p, r, f in store.execute(
            "SELECT p.page, r.row_no, r.dup_flag FROM rows r JOIN pages p ON p.id = r.page_id"
            " WHERE p.source = 'new.pdf' AND r.dup_flag IS NOT NULL"
        )
    }
    print(
        json.dumps(
            {
                "new_rows": new_rows,
                "seconds": seconds,
                "peak_mb": peak_mb(),
                "stats": stats.__dict__,
                "copies": len(copies),
                "copies_flagged": sum(c in flagged for c in copies),
                "new_people_flagged": sum(k not in copies for k in flagged),
            }
        )
    )


def evaluate(path: Path, truth: dict[int, int]) -> dict[str, object]:
    """Recall over true repeats; wrong ``duplicate`` flags split into avoidable and namesakes.

    A namesake merge joins two different people whose written values cannot
    tell them apart (same name and postcode, no two different e-mails).
    """
    store = Store.open(path)
    order = store.execute(
        "SELECT r.id, r.dup_flag, r.dup_row_id, r.id_name, r.id_postcode, r.id_email FROM rows r"
        " JOIN pages p ON p.id = r.page_id ORDER BY p.source, p.page, r.row_no"
    ).fetchall()
    store.close()
    person_of = {int(r[0]): truth[i + 1] for i, r in enumerate(order)}
    written = {int(r[0]): (r[3], r[4], r[5]) for r in order}
    seen: set[int] = set()
    dup_rows = found_any = found_sure = false_sure = false_possible = namesake_sure = 0
    for row_id, flag, target, _, _, _ in order:
        pid = person_of[int(row_id)]
        if pid in seen:
            dup_rows += 1
            if flag and target is not None and person_of[int(target)] == pid:
                found_any += 1
                found_sure += flag == "duplicate"
        seen.add(pid)
        if flag and (target is None or person_of[int(target)] != pid):
            if flag != "duplicate":
                false_possible += 1
                continue
            (na, pa, ea), (nb, pb, eb) = written[int(row_id)], written[int(target)]
            if na == nb and pa == pb and not (ea and eb and ea != eb):
                namesake_sure += 1
            else:
                false_sure += 1
    return {
        "duplicate_rows": dup_rows,
        "recall_flagged": round(found_any / max(dup_rows, 1), 4),
        "recall_sure": round(found_sure / max(dup_rows, 1), 4),
        "false_sure_merges": false_sure,
        "namesake_sure_merges": namesake_sure,
        "possible_on_non_duplicates": false_possible,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--dup-rate", type=float, default=0.05, help="share of rows that repeat a person")
    parser.add_argument("--store", type=Path, help="store file to write (default: a temporary file)")
    parser.add_argument("--new-rows", type=int, default=10000, help="then time a new batch this big against it")
    parser.add_argument("--search-only", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--incremental", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.search_only:
        search(args.search_only)
        return
    if args.incremental:
        incremental(args.incremental, args.new_rows, args.seed)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = args.store or Path(tmp) / "bench.sqlite"
        if path.exists():
            path.unlink()
        truth = build(path, args.rows, args.seed, args.dup_rate)
        child = subprocess.run(
            [sys.executable, __file__, "--search-only", str(path)], capture_output=True, text=True, check=True
        )
        measured = json.loads(child.stdout)
        quality = evaluate(path, truth)
        batch = subprocess.run(
            [sys.executable, __file__, "--incremental", str(path), "--new-rows", str(args.new_rows),
             "--seed", str(args.seed)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    report = {"rows": args.rows, "seed": args.seed, **measured, **quality, "new_batch": json.loads(batch.stdout)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
