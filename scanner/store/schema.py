"""The store's schema as an ordered list of migrations.

A migration is applied once, inside one transaction together with its line in
the ``migrations`` table, so a store is always at a known version even when the
process is killed while upgrading. Never edit a released migration: append one.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


_INITIAL = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL DEFAULT 'running',
    args TEXT NOT NULL DEFAULT '{}',
    tool_version TEXT NOT NULL DEFAULT ''
);
CREATE TABLE forms (
    name TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    definition TEXT NOT NULL,
    registered_at TEXT NOT NULL
);
CREATE TABLE pages (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    sha256 TEXT NOT NULL,
    -- hash of the whole input file: lets a re-run skip a page before decoding it
    file_sha256 TEXT,
    source TEXT NOT NULL,
    path TEXT NOT NULL,
    page INTEGER NOT NULL,
    form TEXT,
    serial TEXT,
    campaign TEXT,
    status TEXT NOT NULL CHECK (status IN ('ok', 'error')),
    error TEXT,
    method TEXT NOT NULL DEFAULT '',
    empty_rows TEXT NOT NULL DEFAULT '[]',
    timings TEXT NOT NULL DEFAULT '{}',
    saved_at TEXT NOT NULL,
    -- the run whose duplicate search first ordered this page (see dedupe.py)
    batch INTEGER,
    -- the page already stored that is the same sheet (same pixels or QR serial)
    same_as INTEGER REFERENCES pages(id) ON DELETE SET NULL,
    images_purged_at TEXT,
    UNIQUE (source, page, sha256)
);
CREATE INDEX pages_sha256 ON pages(sha256);
CREATE INDEX pages_serial ON pages(serial) WHERE serial IS NOT NULL;
CREATE TABLE run_pages (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    page_id INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    reused INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, page_id)
) WITHOUT ROWID;
CREATE INDEX run_pages_page ON run_pages(page_id);
CREATE TABLE rows (
    id INTEGER PRIMARY KEY,
    page_id INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    row_no INTEGER NOT NULL,
    confidence REAL NOT NULL,
    flags TEXT NOT NULL DEFAULT '',
    line_png BLOB,
    status TEXT NOT NULL DEFAULT 'clean'
        CHECK (status IN ('clean', 'review', 'accepted', 'rejected', 'forgotten')),
    exported_at TEXT,
    UNIQUE (page_id, row_no)
);
CREATE TABLE fields (
    row_id INTEGER NOT NULL REFERENCES rows(id) ON DELETE CASCADE,
    col TEXT NOT NULL,
    value TEXT NOT NULL,
    raw TEXT NOT NULL DEFAULT '',
    confidence REAL NOT NULL,
    flags TEXT NOT NULL DEFAULT '',
    crop_png BLOB,
    PRIMARY KEY (row_id, col)
);
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    row_id INTEGER NOT NULL REFERENCES rows(id) ON DELETE CASCADE,
    col TEXT,
    action TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    at TEXT NOT NULL,
    who TEXT NOT NULL DEFAULT ''
);
CREATE INDEX decisions_row ON decisions(row_id);
CREATE TABLE forgotten (
    hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    forgotten_at TEXT NOT NULL
);
CREATE TABLE purges (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    pages INTEGER NOT NULL,
    images INTEGER NOT NULL,
    bytes INTEGER NOT NULL
);
"""

_DUPLICATES = """
ALTER TABLE rows ADD COLUMN id_email TEXT NOT NULL DEFAULT '';
ALTER TABLE rows ADD COLUMN id_name TEXT NOT NULL DEFAULT '';
ALTER TABLE rows ADD COLUMN id_postcode TEXT NOT NULL DEFAULT '';
ALTER TABLE rows ADD COLUMN dup_flag TEXT CHECK (dup_flag IN ('duplicate', 'possible_duplicate'));
ALTER TABLE rows ADD COLUMN duplicate_of TEXT NOT NULL DEFAULT '';
ALTER TABLE rows ADD COLUMN dup_row_id INTEGER REFERENCES rows(id) ON DELETE SET NULL;
-- a reviewer's word on a duplicate: the search never overrides it
ALTER TABLE rows ADD COLUMN dup_override TEXT CHECK (dup_override IN ('duplicate', 'not_duplicate'));
CREATE INDEX rows_dup_row ON rows(dup_row_id) WHERE dup_row_id IS NOT NULL;
CREATE INDEX rows_email ON rows(id_email) WHERE id_email <> '';
CREATE TABLE row_keys (
    key TEXT NOT NULL,
    row_id INTEGER NOT NULL REFERENCES rows(id) ON DELETE CASCADE,
    PRIMARY KEY (key, row_id)
) WITHOUT ROWID;
CREATE INDEX row_keys_row ON row_keys(row_id);
"""

_TOWN = """
-- the town's key; rows stored before this are given it (and its blocking keys)
-- when the store is opened, see ReviewOps.refresh_identities
ALTER TABLE rows ADD COLUMN id_town TEXT NOT NULL DEFAULT '';
"""

_FORGET_KEYS = """
-- several kinds of salted keys per forgotten person (see store/suppress.py),
-- grouped by person so that two near keys of one person can back each other;
-- the old single-key rows become one person each. The salt leaves the store
-- for a key file (StoreBase._settle_key), done in code: it needs the disk.
CREATE TABLE forget_keys (
    hash TEXT NOT NULL,
    kind TEXT NOT NULL,
    person INTEGER NOT NULL,
    forgotten_at TEXT NOT NULL,
    PRIMARY KEY (hash, person)
) WITHOUT ROWID;
INSERT INTO forget_keys (hash, kind, person, forgotten_at) SELECT hash, kind, rowid, forgotten_at FROM forgotten;
DROP TABLE forgotten;
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", _INITIAL),
    Migration(2, "duplicate search: identity columns and blocking keys", _DUPLICATES),
    Migration(3, "duplicate search: the town in the identity", _TOWN),
    Migration(4, "forget: near-match keys per person, salt out of the store", _FORGET_KEYS),
)


def now() -> str:
    """UTC time stamp, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def applied_versions(conn: sqlite3.Connection) -> list[int]:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS migrations"
        " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    return [v for (v,) in conn.execute("SELECT version FROM migrations ORDER BY version")]


def statements(sql: str) -> list[str]:
    """Split a script into complete SQL statements (comments and all)."""
    out: list[str] = []
    buffer = ""
    for piece in sql.split(";"):  # a ';' inside a quote or comment leaves the statement incomplete
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            out.append(buffer.strip())
            buffer = ""
    rest = buffer[:-1].strip()
    if rest and not all(line.strip().startswith("--") for line in rest.splitlines() if line.strip()):
        out.append(rest)
    return out


def migrate(conn: sqlite3.Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
    """Apply the migrations not yet applied, in order; return their versions.

    Each runs in its own write transaction that first checks, under the lock,
    that no other process applied it meanwhile. Raises ValueError when the
    store was written by a newer version of the tool (it has migrations this
    code does not know). ``conn`` must be in autocommit mode (isolation_level=None).
    """
    done = applied_versions(conn)
    known = {m.version for m in migrations}
    unknown = [v for v in done if v not in known]
    if unknown:
        raise ValueError(f"the store has schema version {max(unknown)}, newer than this tool knows")
    applied: list[int] = []
    for migration in sorted(migrations, key=lambda m: m.version):
        if migration.version in done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if migration.version not in applied_versions(conn):
                for statement in statements(migration.sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, now()),
                )
                applied.append(migration.version)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # else SQLite rolled back itself (disk full): keep that error
                conn.execute("ROLLBACK")
            raise
    return applied
