"""A batch writer run as a child process by the kill -9 tests (tests/test_store.py).

    python tests/_store_writer.py STORE --seed S [--hang-at K] [--finish OUTDIR]

Saves the same synthetic batch as an orchestrator would (pages in a shuffled
order, like workers finishing out of order, skipping pages already stored),
printing ``saved N`` after each commit. ``--hang-at K`` is the injected fault:
the K-th page's transaction stops after its rows are written, before the
commit, and prints ``inside``, so the parent can kill it at exactly that point.
``--finish OUTDIR`` runs the end of the run: duplicates, CSVs, report.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _store_fixtures import FORM, page, person, row

from scanner.dedupe import dedupe_run
from scanner.model import PageResult
from scanner.output.export import write_run_csvs
from scanner.output.report import write_report
from scanner.store import Store

N_PAGES = 24


def batch() -> list[PageResult]:
    """24 pages of 6 rows; some people sign twice, on other pages."""
    pages = []
    for p in range(1, N_PAGES + 1):
        rows = []
        for r in range(1, 7):
            k = (p * 7 + r) % 60  # people 0..59: some appear on two pages
            rows.append(row(r, person(f"NOM{k}", f"Prenom{k}", f"p{k}@example.org", f"{75001 + k % 20}", "Paris")))
        pages.append(page(f"scans/lot{p % 3}.pdf", p, rows))
    pages.append(page("scans/broken.pdf", 1, [], error="not a petition sheet"))
    return pages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hang-at", type=int, default=0)
    parser.add_argument("--finish", type=Path)
    args = parser.parse_args()
    pages = batch()
    random.Random(args.seed).shuffle(pages)
    store = Store.open(args.store)
    run_id = store.start_run(["process", "scans"], "test", forms=[FORM])
    if args.hang_at:
        original = store._insert_rows
        count = 0

        def hang(page_id: int, result: PageResult) -> tuple[int, int]:
            nonlocal count
            done = original(page_id, result)
            count += 1
            if count == args.hang_at:
                print("inside", flush=True)
                time.sleep(3600)
            return done

        store._insert_rows = hang  # type: ignore[method-assign]
    for n, result in enumerate(pages, start=1):
        if result.ok and store.reuse_page(run_id, result.ref, result.sha256) is not None:
            continue
        store.save_page(run_id, result)
        print(f"saved {n}", flush=True)
    if args.finish:
        dedupe_run(store, run_id)
        write_run_csvs(store, run_id, None, args.finish)
        write_report(store, run_id, args.finish)
        store.finish_run(run_id)
    store.close()


if __name__ == "__main__":
    main()
