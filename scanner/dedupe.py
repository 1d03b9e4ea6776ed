"""Duplicate signatures: within a batch, across batches in the store, against a list.

Rows are compared only when they share a blocking key (same e-mail, same full
name, or same postcode or town, a name word that sounds alike and a letter of
another; see ``scanner.store.identity``), so a million stored rows stay fast. Each candidate
pair is then judged on the written values (never on images):

* **sure** (flag ``duplicate``): same e-mail and compatible names; or the same
  full name (case, accents, hyphens, spacing and word order aside) with the same
  postcode and no conflicting e-mail. The row is left out of the final export.
* **unsure** (flag ``possible_duplicate``): same e-mail but different names (a
  shared family address), same name but different e-mails or a missing
  postcode, similar names at the same postcode, names that could be misreadings
  of each other in the same town (a letter off) whatever the postcodes (a first
  line misread must not let the well-read repeat through). A person decides:
  two different people are never merged silently.

``duplicate_of`` is ``source:page:row`` of the earliest matching row, rows being
ordered by the run that first ordered their page, then source, page and row, so
the result does not depend on the order worker processes finished in, nor on a
run killed half-way. A whole sheet scanned twice (same pixels or QR serial) is
recognised as such: its lines point to the same lines of the first scan.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from scanner.against import AgainstList
from scanner.store import Action, Identity, Store
from scanner.store.identity import MAX_BLOCK, towns_alike

#: Pages whose run has not ordered them yet sort after every ordered page.
_UNORDERED = 1 << 62
#: Name similarity (0-100) at the same postcode worth a person's look, when the
#: names are not already a typo apart (see names_compatible).
SIMILAR_NAME_MIN = 90.0


class Verdict(IntEnum):
    NONE = 0
    POSSIBLE = 1
    SURE = 2


def name_similarity(a: str, b: str) -> float:
    """0-100; words matched pairwise so a typo or swapped order costs little."""
    ta, tb = a.split(), b.split()
    if not ta or not tb:
        return 0.0
    if len(ta) > len(tb):
        ta, tb = tb, ta
    free = list(tb)
    matched = 0.0
    for word in sorted(ta, key=len, reverse=True):
        best = max(free, key=lambda w: Levenshtein.normalized_similarity(word, w))
        matched += Levenshtein.normalized_similarity(word, best) * max(len(word), len(best))
        free.remove(best)
    total = sum(len(w) for w in ta) + sum(len(w) for w in tb)
    # Unmatched words of the longer name count as misses.
    return 100.0 * 2 * matched / total if total else 0.0


def names_compatible(a: str, b: str) -> bool:
    """Every word of the shorter name is a word of the other, up to one typo.

    One typo is one edit (two in words over six letters): 'Dupont'/'Dupond'
    pass, 'Jean'/'Jeanne' (a couple sharing an address) do not. An extra word
    (a middle name, a surname written alone) is allowed, and so is a lost or
    added space ('Pierre Yves'/'Pierreyves').
    """
    if Levenshtein.distance(a.replace(" ", ""), b.replace(" ", "")) <= 1:
        return True
    ta, tb = a.split(), b.split()
    if len(ta) > len(tb):
        ta, tb = tb, ta
    free = list(tb)
    for word in sorted(ta, key=len, reverse=True):
        best = min(free, key=lambda w: Levenshtein.distance(word, w))
        if Levenshtein.distance(word, best) > (1 if max(len(word), len(best)) <= 6 else 2):
            return False
        free.remove(best)
    return True


def compare(a: Identity, b: Identity) -> Verdict:
    """Is ``a`` the same signatory as ``b``? Sure, possibly, or no."""
    if a.empty or b.empty:
        return Verdict.NONE
    both_named = bool(a.name and b.name)
    if a.email and a.email == b.email:
        if not both_named or a.name == b.name or names_compatible(a.name, b.name):
            return Verdict.SURE
        return Verdict.POSSIBLE  # one address for a couple or a family
    if not both_named:
        return Verdict.NONE
    same_postcode = bool(a.postcode) and a.postcode == b.postcode
    if a.postcode and b.postcode and not same_postcode:
        # namesakes in two towns, unless the town says one postcode was misread
        # (or it is one of a city's several postcodes): a person decides
        misread = towns_alike(a.town, b.town) and names_misread(a.name, b.name)
        return Verdict.POSSIBLE if misread else Verdict.NONE
    if a.name == b.name:
        email_conflict = bool(a.email and b.email)
        if same_postcode and not email_conflict and a.n_words >= 2:
            return Verdict.SURE
        return Verdict.POSSIBLE
    if same_postcode and (names_compatible(a.name, b.name) or name_similarity(a.name, b.name) >= SIMILAR_NAME_MIN):
        return Verdict.POSSIBLE
    if towns_alike(a.town, b.town) and names_misread(a.name, b.name):
        return Verdict.POSSIBLE
    return Verdict.NONE


def names_misread(a: str, b: str) -> bool:
    """Could one name be a misreading of the other? Typos, or the same letters split
    or joined differently ('GAU HIER HAMED' for 'GAUTHIER HAMED': one letter apart).

    Only ever grounds for ``possible_duplicate`` (a person looks), never for a merge.
    """
    if names_compatible(a, b):
        return True
    bag_a, bag_b = Counter(a.replace(" ", "")), Counter(b.replace(" ", ""))
    differ = sum((bag_a - bag_b).values()) + sum((bag_b - bag_a).values())
    return differ <= (1 if max(bag_a.total(), bag_b.total()) <= 12 else 2)


@dataclass
class DedupeStats:
    rows_checked: int = 0
    duplicates: int = 0
    possible: int = 0
    same_sheet_rows: int = 0
    against_matches: int = 0
    large_keys_skipped: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class _Match:
    verdict: Verdict
    ref: str
    row_id: int | None


def dedupe_run(store: Store, run_id: int, against: AgainstList | None = None) -> DedupeStats:
    """Find the duplicates of every row of this run's pages (one transaction).

    Call it once all pages of the run are saved, before writing the CSVs. It
    first gives every page not yet ordered (this run's, and those a killed run
    left behind) its place in the order, the run id, so a later run never
    changes who is the "first" occurrence and a resumed run orders its pages
    exactly as an uninterrupted one.
    """
    with store.transaction():
        unordered = [int(p) for (p,) in store.conn.execute("SELECT id FROM pages WHERE batch IS NULL")]
        store.conn.execute("UPDATE pages SET batch = ? WHERE batch IS NULL", (run_id,))
        page_ids = sorted(set(store.run_page_ids(run_id)) | set(unordered))
        _mark_same_sheets(store, page_ids)
        rows = [
            int(r)
            for (r,) in store.conn.execute(
                "SELECT id FROM rows WHERE page_id IN (SELECT value FROM json_each(?))", (json.dumps(page_ids),)
            )
        ]
        return dedupe_rows(store, rows, against)


def dedupe_rows(
    store: Store, row_ids: Iterable[int] | None, against: AgainstList | None = None, *, max_block: int = MAX_BLOCK
) -> DedupeStats:
    """Recompute the duplicate flags of these rows (None: every stored row).

    Rows a reviewer settled (``duplicate`` / ``not_duplicate``) keep the
    reviewer's word; forgotten rows are skipped.
    """
    started = time.perf_counter()
    stats = DedupeStats()
    with store.transaction() as conn:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS dd_target (row_id INTEGER PRIMARY KEY)")
        conn.execute("DELETE FROM dd_target")
        live = "status <> 'forgotten' AND dup_override IS NULL"
        if row_ids is None:
            conn.execute(f"INSERT INTO dd_target SELECT id FROM rows WHERE {live}")
        else:
            conn.execute(
                f"INSERT OR IGNORE INTO dd_target SELECT id FROM rows WHERE {live}"
                " AND id IN (SELECT value FROM json_each(?))",
                (json.dumps(list(row_ids)),),
            )
        stats.rows_checked = conn.execute("SELECT COUNT(*) FROM dd_target").fetchone()[0]
        everything = row_ids is None
        matches = _search_store(store, max_block, stats, everything)
        if against is not None:
            _search_against(store, against, matches, stats)
        same_sheet = _same_sheet_matches(store)
        stats.same_sheet_rows = len(same_sheet)
        matches.update(same_sheet)
        conn.execute(
            "UPDATE rows SET dup_flag = NULL, duplicate_of = '', dup_row_id = NULL"
            " WHERE id IN (SELECT row_id FROM dd_target)"
            " AND (dup_flag IS NOT NULL OR duplicate_of <> '' OR dup_row_id IS NOT NULL)"
        )
        conn.executemany(
            "UPDATE rows SET dup_flag = ?, duplicate_of = ?, dup_row_id = ? WHERE id = ?",
            [
                ("duplicate" if m.verdict is Verdict.SURE else "possible_duplicate", m.ref, m.row_id, row_id)
                for row_id, m in sorted(matches.items())
            ],
        )
        undecided = "CASE WHEN flags <> '' OR dup_flag IS NOT NULL THEN 'review' ELSE 'clean' END"
        conn.execute(
            f"UPDATE rows SET status = {undecided} WHERE id IN (SELECT row_id FROM dd_target)"
            f" AND status IN ('clean', 'review') AND status <> {undecided}"
        )
        conn.execute("DELETE FROM dd_target")
    stats.duplicates = sum(m.verdict is Verdict.SURE for m in matches.values())
    stats.possible = len(matches) - stats.duplicates
    stats.seconds = time.perf_counter() - started
    return stats


def open_store(path: Path, *, create: bool = True) -> Store:
    """The store at ``path``, its duplicates searched anew if it was re-keyed on opening
    (an older version's identity rules; see ``ReviewOps.refresh_identities``). Every
    command opens its store through this, so no one reads a re-keyed store unsearched."""
    store = Store.open(path, create=create)
    try:
        settle_duplicates(store)
    except BaseException:
        store.close()
        raise
    return store


def settle_duplicates(store: Store) -> None:
    """Search every stored row's duplicates if the store was re-keyed since the last search."""
    if store.duplicates_stale:
        with store.transaction():
            dedupe_rows(store, None)
            store.duplicates_settled()


def decide(
    store: Store, row_id: int, action: Action | str, *, column: str | None = None, value: str | None = None,
    who: str = "",
) -> None:
    """Apply and record one review decision, and search again, in the same transaction, the
    duplicates of the rows it concerns (a corrected e-mail or name changes who the row is;
    a rejected row can no longer be anyone's original)."""
    with store.transaction():
        targets = store.record_decision(row_id, action, column=column, value=value, who=who)
        if targets:
            dedupe_rows(store, targets)


def _order(alias_page: str, alias_row: str) -> str:
    p, r = alias_page, alias_row
    return f"COALESCE({p}.batch, {_UNORDERED}), {p}.source, {p}.page, {r}.row_no, {p}.id"


def _search_store(store: Store, max_block: int, stats: DedupeStats, everything: bool) -> dict[int, _Match]:
    """Earliest sure match, else earliest possible one, among rows sharing a key."""
    conn = store.conn
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS dd_pairs (a INTEGER, b INTEGER)")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS dd_rank (row_id INTEGER PRIMARY KEY, rank INTEGER)")
    conn.execute("DELETE FROM dd_pairs")
    conn.execute("DELETE FROM dd_rank")
    if everything:
        _pairs_by_scan(store, max_block, stats)
    else:
        _pairs_by_lookup(store, max_block, stats)
    # Rank only the rows involved in a pair: the order of a million rows is not needed.
    conn.execute(
        f"INSERT INTO dd_rank SELECT r.id, ROW_NUMBER() OVER (ORDER BY {_order('p', 'r')})"
        " FROM rows r JOIN pages p ON p.id = r.page_id"
        " WHERE r.id IN (SELECT a FROM dd_pairs UNION SELECT b FROM dd_pairs)"
    )
    cursor = conn.execute(
        "SELECT pr.a, ra.id_email, ra.id_name, ra.id_postcode, ra.id_town,"
        " pr.b, rb.id_email, rb.id_name, rb.id_postcode, rb.id_town, ob.rank, pb.source, pb.page, rb.row_no"
        " FROM dd_pairs pr JOIN dd_target t ON t.row_id = pr.a"
        " JOIN dd_rank oa ON oa.row_id = pr.a JOIN dd_rank ob ON ob.row_id = pr.b AND ob.rank < oa.rank"
        " JOIN rows ra ON ra.id = pr.a JOIN rows rb ON rb.id = pr.b JOIN pages pb ON pb.id = rb.page_id"
        " WHERE rb.status NOT IN ('rejected', 'forgotten')"
        # a crossed-out or unsigned line is not a signature: never the first occurrence
        " AND (';' || rb.flags || ';') NOT LIKE '%;crossed_out;%'"
        " AND (';' || rb.flags || ';') NOT LIKE '%;unsigned;%'"
    )
    best: dict[int, tuple[Verdict, int, _Match]] = {}  # a -> (verdict, rank of b, match)
    for a, ea, na, pa, ta, b, eb, nb, pb, tb, rank, source, page, row_no in cursor:
        known = best.get(a)
        if known is not None and known[0] is Verdict.SURE and known[1] < rank:
            continue  # an earlier sure match already wins
        verdict = compare(Identity(ea, na, pa, ta), Identity(eb, nb, pb, tb))
        if verdict is Verdict.NONE:
            continue
        if known is None or verdict > known[0] or (verdict == known[0] and rank < known[1]):
            best[a] = (verdict, rank, _Match(verdict, f"{source}:{page}:{row_no}", int(b)))
    return {int(a): m for a, (_, _, m) in best.items()}


def _pairs_by_lookup(store: Store, max_block: int, stats: DedupeStats) -> None:
    """Pairs for a few target rows: look their keys up in the index."""
    conn = store.conn
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS dd_big (key TEXT PRIMARY KEY)")
    conn.execute("DELETE FROM dd_big")
    conn.execute(
        "INSERT INTO dd_big SELECT key FROM (SELECT DISTINCT k.key FROM dd_target t"
        " JOIN row_keys k ON k.row_id = t.row_id) AS tk"
        " WHERE (SELECT COUNT(*) FROM (SELECT 1 FROM row_keys WHERE key = tk.key LIMIT ?)) > ?",
        (max_block + 1, max_block),
    )
    stats.large_keys_skipped = conn.execute("SELECT COUNT(*) FROM dd_big").fetchone()[0]
    conn.execute(
        "INSERT INTO dd_pairs SELECT DISTINCT ka.row_id, kb.row_id FROM dd_target t"
        " JOIN row_keys ka ON ka.row_id = t.row_id"
        " JOIN row_keys kb ON kb.key = ka.key AND kb.row_id <> ka.row_id"
        " WHERE ka.key NOT IN (SELECT key FROM dd_big)"
    )


def _pairs_by_scan(store: Store, max_block: int, stats: DedupeStats) -> None:
    """Pairs for every stored row: one pass over the key index, in key order.

    Pairs stream into a temporary table, so Python never holds them all; a
    pair sharing several keys is listed (and compared) several times, which
    is cheaper than removing the repeats.
    """

    def pairs() -> Iterator[tuple[int, int]]:
        block: list[int] = []
        current = None
        # The primary key (key, row_id) gives key order without sorting; pairs
        # whose first row is not a target are dropped by the final join.
        for key, row_id in store.conn.execute("SELECT key, row_id FROM row_keys ORDER BY key"):
            if key != current:
                yield from _block_pairs(block, max_block, stats)
                block, current = [], key
            block.append(row_id)
        yield from _block_pairs(block, max_block, stats)

    store.conn.executemany("INSERT INTO dd_pairs (a, b) VALUES (?, ?)", pairs())


def _block_pairs(block: list[int], max_block: int, stats: DedupeStats) -> Iterator[tuple[int, int]]:
    if len(block) > max_block:
        stats.large_keys_skipped += 1
    elif len(block) > 1:
        yield from ((a, b) for a in block for b in block if a != b)


def _search_against(store: Store, against: AgainstList, matches: dict[int, _Match], stats: DedupeStats) -> None:
    """The existing list comes before every scanned row: its matches win."""
    for row_id, email, name, postcode, town in store.conn.execute(
        "SELECT r.id, r.id_email, r.id_name, r.id_postcode, r.id_town FROM rows r JOIN dd_target t ON t.row_id = r.id"
    ):
        identity = Identity(email=email, name=name, postcode=postcode, town=town)
        best: _Match | None = None
        for person in against.candidates(identity):
            verdict = compare(identity, person.identity)
            if verdict > (best.verdict if best else Verdict.NONE):
                best = _Match(verdict, person.ref, None)
                if verdict is Verdict.SURE:
                    break
        if best is None:
            continue
        stats.against_matches += 1
        known = matches.get(int(row_id))
        if known is None or best.verdict >= known.verdict:
            matches[int(row_id)] = best


def _mark_same_sheets(store: Store, page_ids: list[int]) -> None:
    """``pages.same_as`` = the earliest other page with the same pixels or QR serial."""
    conn = store.conn
    twin_sql = (
        "SELECT q.id FROM pages q WHERE q.status = 'ok' AND q.id <> p.id"
        " AND ((p.sha256 <> '' AND q.sha256 = p.sha256)"
        " OR (p.serial IS NOT NULL AND q.serial = p.serial AND q.form IS p.form AND q.campaign IS p.campaign))"
        f" AND (COALESCE(q.batch, {_UNORDERED}), q.source, q.page, q.id)"
        f" < (COALESCE(p.batch, {_UNORDERED}), p.source, p.page, p.id)"
        f" ORDER BY COALESCE(q.batch, {_UNORDERED}), q.source, q.page, q.id LIMIT 1"
    )
    conn.execute(
        f"UPDATE pages AS p SET same_as = ({twin_sql})"
        " WHERE p.status = 'ok' AND p.id IN (SELECT value FROM json_each(?))",
        (json.dumps(page_ids),),
    )


def _same_sheet_matches(store: Store) -> dict[int, _Match]:
    """Lines of a sheet scanned again point to the same line of the first scan.

    Only lines that were written in the first scan: a line filled in after the
    first scan (the sheet went round again) is a new signature.
    """
    return {
        int(a): _Match(Verdict.SURE, f"{source}:{page}:{row_no}", int(b))
        for a, b, source, page, row_no in store.conn.execute(
            "SELECT ra.id, rb.id, pb.source, pb.page, rb.row_no FROM dd_target t"
            " JOIN rows ra ON ra.id = t.row_id JOIN pages pa ON pa.id = ra.page_id"
            " JOIN pages pb ON pb.id = pa.same_as"
            " JOIN rows rb ON rb.page_id = pb.id AND rb.row_no = ra.row_no"
            " WHERE rb.status NOT IN ('rejected', 'forgotten')"
        )
    }
