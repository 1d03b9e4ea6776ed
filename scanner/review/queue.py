"""The review queue as indexed TEMP tables of the page's own connection.

Why: in the store's ``rows`` table ``status`` and ``dup_override`` come after
the line image (a BLOB), so every query filtering on them reads every image
(~110 ms for 10,000 rows, linearly more for more). The page instead copies the
few columns it sorts and filters on into two TEMP tables once, with indexes,
and keeps them current:

* rows this server decides on are refreshed one by one (``touch``);
* a commit by anyone else (another review tab's server, ``process`` adding a
  batch, ``forget``) changes SQLite's ``PRAGMA data_version``, which triggers a
  full rebuild before the next request reads anything.

TEMP tables live only in this connection (nothing is written to the store
file) and take part in its transactions, so a rolled-back decision rolls them
back too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from scanner.store import Store

_CREATE = """
CREATE TEMP TABLE IF NOT EXISTS rq (
    id INTEGER PRIMARY KEY, status TEXT NOT NULL, dup_override TEXT, pending INTEGER NOT NULL,
    source TEXT NOT NULL, page INTEGER NOT NULL, row_no INTEGER NOT NULL, page_id INTEGER NOT NULL,
    flags TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS temp.rq_queue ON rq (pending, source, page, row_no, page_id);
CREATE TEMP TABLE IF NOT EXISTS fq (
    row_id INTEGER NOT NULL, col TEXT NOT NULL, checked INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL, page INTEGER NOT NULL, row_no INTEGER NOT NULL, page_id INTEGER NOT NULL,
    PRIMARY KEY (row_id, col)
);
CREATE INDEX IF NOT EXISTS temp.fq_list ON fq (col, checked, source, page, row_no, page_id);
"""

#: A row waiting for a person. A confirmed duplicate keeps status 'review' in the
#: store (the export leaves rows flagged 'duplicate' out) but is settled.
PENDING_SQL = "(r.status = 'review' AND r.dup_override IS NOT 'duplicate')"
#: Paper order, as in the CSVs (page id breaks the tie of a replaced file).
ORDER = "source, page, row_no, page_id"
#: A field counts as checked when a 'correct' decision on it is newer than any
#: 'reopen' of its row or of that field (an undo writes such a reopen).
def checked_sql(alias: str) -> str:
    """SQL: the field ``alias.row_id``/``alias.col`` was confirmed or corrected by a person."""
    return (
        f"EXISTS (SELECT 1 FROM decisions d WHERE d.row_id = {alias}.row_id AND d.col = {alias}.col"
        " AND d.action = 'correct' AND d.id > COALESCE((SELECT MAX(d2.id) FROM decisions d2"
        f" WHERE d2.row_id = {alias}.row_id AND d2.action = 'reopen' AND (d2.col IS NULL OR d2.col = {alias}.col)), 0))"
    )


def doubtful_columns_of(flags: str) -> list[str]:
    """Columns a row's flags name (``low_confidence:email`` -> ``email``).

    The store writes every field flag into the row's flags, qualified by
    column, so the row's flags alone say which values are doubtful.
    """
    out: list[str] = []
    for flag in flags.split(";"):
        column = flag.partition(":")[2]
        if column and column not in out:
            out.append(column)
    return out


class ReviewQueue:
    """Pending rows and doubtful values, sorted in paper order, for one connection."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._version: int | None = None

    def _data_version(self) -> int:
        return int(self.store.execute("PRAGMA data_version").fetchone()[0])

    def sync(self) -> None:
        """Rebuild if anyone else committed since the last look (cheap when nobody did)."""
        version = self._data_version()
        if version == self._version:
            return
        conn = self.store.conn
        own = not conn.in_transaction  # a plain read: no need to wait for the store's write lock
        if own:
            conn.execute("BEGIN")
        try:
            for statement in _CREATE.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("DELETE FROM temp.rq")
            conn.execute("DELETE FROM temp.fq")
            self._fill(None)
        except BaseException:
            if own:
                conn.execute("ROLLBACK")
            raise
        if own:
            conn.execute("COMMIT")
        self._version = self._data_version()

    def touch(self, row_ids: Iterable[int]) -> None:
        """Refresh these rows after this connection changed them (inside its transaction)."""
        ids = json.dumps(sorted(set(row_ids)))
        self.store.execute("DELETE FROM temp.rq WHERE id IN (SELECT value FROM json_each(?))", (ids,))
        self.store.execute("DELETE FROM temp.fq WHERE row_id IN (SELECT value FROM json_each(?))", (ids,))
        self._fill(ids)

    def _fill(self, ids: str | None) -> None:
        where = "" if ids is None else " WHERE r.id IN (SELECT value FROM json_each(?))"
        params: tuple[object, ...] = () if ids is None else (ids,)
        conn = self.store.conn
        conn.execute(
            "INSERT INTO temp.rq (id, status, dup_override, pending, source, page, row_no, page_id, flags)"
            f" SELECT r.id, r.status, r.dup_override, {PENDING_SQL}, p.source, p.page, r.row_no, p.id, r.flags"
            f" FROM rows r JOIN pages p ON p.id = r.page_id{where}",
            params,
        )
        pending_where = "pending = 1" + ("" if ids is None else " AND id IN (SELECT value FROM json_each(?))")
        doubts = [
            (row_id, column, source, page, row_no, page_id)
            for row_id, flags, source, page, row_no, page_id in conn.execute(
                f"SELECT id, flags, source, page, row_no, page_id FROM temp.rq WHERE {pending_where}", params
            )
            for column in doubtful_columns_of(str(flags))
        ]
        conn.executemany(
            "INSERT OR IGNORE INTO temp.fq (row_id, col, source, page, row_no, page_id) VALUES (?, ?, ?, ?, ?, ?)",
            doubts,
        )
        fq_where = "" if ids is None else " WHERE row_id IN (SELECT value FROM json_each(?))"
        conn.execute(f"UPDATE temp.fq SET checked = {checked_sql('fq')}{fq_where}", params)

    # -- reads ---------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        self.sync()
        r = self.store.execute(
            "SELECT COUNT(*) FILTER (WHERE pending), COUNT(*) FILTER (WHERE status = 'accepted'),"
            " COUNT(*) FILTER (WHERE status = 'rejected'), COUNT(*) FILTER (WHERE status = 'clean'),"
            " COUNT(*) FILTER (WHERE status = 'review' AND dup_override = 'duplicate') FROM temp.rq"
        ).fetchone()
        return {"pending": r[0], "accepted": r[1], "rejected": r[2], "clean": r[3], "duplicates": r[4]}

    def key_of(self, row_id: int) -> tuple[str, int, int, int] | None:
        self.sync()
        r = self.store.execute("SELECT source, page, row_no, page_id FROM temp.rq WHERE id = ?", (row_id,)).fetchone()
        return None if r is None else (str(r[0]), int(r[1]), int(r[2]), int(r[3]))

    def next_pending(self, after: int | None) -> int | None:
        self.sync()
        key = self.key_of(after) if after is not None else None
        if key is not None:
            hit = self.store.execute(
                f"SELECT id FROM temp.rq WHERE pending = 1 AND ({ORDER}) > (?, ?, ?, ?) ORDER BY {ORDER} LIMIT 1", key
            ).fetchone()
            if hit is not None:
                return int(hit[0])
        hit = self.store.execute(f"SELECT id FROM temp.rq WHERE pending = 1 ORDER BY {ORDER} LIMIT 1").fetchone()
        return None if hit is None else int(hit[0])

    def doubtful_counts(self) -> dict[str, int]:
        self.sync()
        return {
            str(c): int(n)
            for c, n in self.store.execute("SELECT col, COUNT(*) FROM temp.fq WHERE checked = 0 GROUP BY col")
        }

    def doubtful_rows(self, column: str, after: int | None, limit: int) -> list[int]:
        self.sync()
        sql = "SELECT row_id FROM temp.fq WHERE col = ? AND checked = 0"
        params: list[object] = [column]
        key = self.key_of(after) if after is not None else None
        if key is not None:
            sql += f" AND ({ORDER}) > (?, ?, ?, ?)"
            params.extend(key)
        return [int(r) for (r,) in self.store.execute(f"{sql} ORDER BY {ORDER} LIMIT ?", (*params, limit))]
