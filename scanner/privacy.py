"""Privacy: forget a person, purge stored images, and a no-network guard.

``forget`` removes a person's values, crops and line images from the store (the
rows stay as bare "forgotten" markers so counts add up): every row of the
person, found as scanner/person.py says. It keeps only salted hashes of keys of
the request and of every removed row (scanner/store/suppress.py), so a sheet
read again later does not bring them back, nor a near reading of their line.
The secret key of those hashes is kept outside the store (scanner/store/keys.py),
so the store alone cannot tell whether a guessed address was forgotten. SQLite's
``secure_delete`` overwrites the freed bytes, and the write-ahead log is truncated
so no copy of the old values stays in the files.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

from scanner.dedupe import dedupe_rows
from scanner.errors import PetitionScanError, UsageError
from scanner.person import PersonRows, find_person
from scanner.store import Identity, IdentityColumns, Store
from scanner.store.identity import person_hash_input
from scanner.store.schema import now
from scanner.store.suppress import hashed_keys


@dataclass(frozen=True)
class ForgetRequest:
    email: str | None = None
    name: str | None = None  #: as the person writes it, e.g. "DUPONT Jean"
    postcode: str | None = None  #: needed with ``name``: a name alone is not a person

    def queries(self) -> list[Identity]:
        """What the request describes, checked: one identity per way of naming the person."""
        if not self.email and not self.name:
            raise UsageError("forget needs --email, or --name with --postcode")
        if self.name and not self.postcode:
            raise UsageError(
                "--name needs --postcode: a name alone could remove someone else",
                'Example: forget --name "DUPONT Jean" --postcode 75011',
            )
        identity = person_hash_input(self.email, self.name, self.postcode)
        if self.email and not identity.email:
            raise UsageError(f"'{self.email}' is not an e-mail address")
        if self.name and not identity.name:
            raise UsageError(f"'{self.name}' contains no letters")
        if self.postcode and not identity.postcode:
            raise UsageError(f"'{self.postcode}' is not a French postcode (5 digits)")
        out = []
        if identity.email:
            out.append(Identity(email=identity.email))
        if identity.name:
            out.append(Identity(name=identity.name, postcode=identity.postcode))
        return out


@dataclass(frozen=True)
class ForgetResult:
    rows: int  #: rows whose values and images were removed
    rechecked: int  #: other rows whose duplicate candidate was one of them
    keys: int = 0  #: salted keys kept so that the person's lines do not come back


def find(store: Store, request: ForgetRequest) -> PersonRows:
    """The rows ``forget`` would remove (``sure``) and those a person should look at (``possible``)."""
    return find_person(store, request.queries())


def forget(
    store: Store, request: ForgetRequest, *, rows: Iterable[int] | None = None, include_possible: bool = False
) -> ForgetResult:
    """Remove a person from the store and keep them (and their near matches) out of later readings.

    ``rows``: the row ids to remove, as listed by :func:`find` and confirmed;
    None removes every sure match (and the possible ones with ``include_possible``).
    The salted keys of the request and of every removed row, as read, are kept.
    """
    queries = request.queries()
    if rows is None:
        found = find_person(store, queries)
        chosen = found.sure + (found.possible if include_possible else [])
        rows = [c.row_id for c in chosen]
    row_ids = sorted(set(rows))
    key = store.forget_key(create=True)
    assert key is not None
    with store.transaction() as conn:
        variants = queries + _read_identities(store, row_ids)
        keys = hashed_keys(variants, key)
        selected = json.dumps(row_ids)
        conn.execute("DELETE FROM fields WHERE row_id IN (SELECT value FROM json_each(?))", (selected,))
        conn.execute("DELETE FROM row_keys WHERE row_id IN (SELECT value FROM json_each(?))", (selected,))
        conn.execute("DELETE FROM decisions WHERE row_id IN (SELECT value FROM json_each(?))", (selected,))
        conn.execute(
            "UPDATE rows SET status = 'forgotten', flags = '', line_png = NULL, confidence = 0, id_email = '',"
            " id_name = '', id_postcode = '', id_town = '', dup_flag = NULL, duplicate_of = '', dup_row_id = NULL,"
            " dup_override = NULL WHERE id IN (SELECT value FROM json_each(?))",
            (selected,),
        )
        person = conn.execute("SELECT COALESCE(MAX(person), 0) + 1 FROM forget_keys").fetchone()[0]
        conn.executemany(
            "INSERT OR IGNORE INTO forget_keys (hash, kind, person, forgotten_at) VALUES (?, ?, ?, ?)",
            [(digest, kind, person, now()) for kind, digest in sorted(keys)],
        )
        pointing = store.rows_pointing_to(row_ids)
        if pointing:
            dedupe_rows(store, pointing)
    _flush(store)
    return ForgetResult(rows=len(row_ids), rechecked=len(pointing), keys=len(keys))


def _read_identities(store: Store, row_ids: list[int]) -> list[Identity]:
    """Each row's identity from its values and from its raw readings: every variant as read."""
    out: list[Identity] = []
    for row_id in row_ids:
        row = store.get_row(row_id)
        if row is None or row.form is None:
            continue
        columns = IdentityColumns.of(store.require_form(row.form))
        for variant in ({c: f.value for c, f in row.fields.items()}, {c: f.raw for c, f in row.fields.items()}):
            identity = columns.identity(variant)
            if not identity.empty and identity not in out:
                out.append(identity)
    return out


@dataclass(frozen=True)
class PurgeResult:
    pages: int
    images: int
    bytes: int


_PURGEABLE = (
    "SELECT p.id FROM pages p WHERE p.status = 'ok' AND p.images_purged_at IS NULL"
    " AND EXISTS (SELECT 1 FROM rows r WHERE r.page_id = p.id)"
    " AND NOT EXISTS (SELECT 1 FROM rows r WHERE r.page_id = p.id"
    " AND r.status IN ('clean', 'review') AND r.exported_at IS NULL)"
)


def purge_images(store: Store, *, dry_run: bool = False) -> PurgeResult:
    """Delete crops and line images of pages whose rows are all exported or decided.

    Rows still waiting for a review (or clean rows never exported) keep their
    images: a person may still need to look at them.
    """
    with store.transaction() as conn:
        pages = [int(p) for (p,) in conn.execute(_PURGEABLE)]
        selected = json.dumps(pages)
        crops = conn.execute(
            "SELECT COUNT(f.crop_png), COALESCE(SUM(LENGTH(f.crop_png)), 0)"
            " FROM fields f JOIN rows r ON r.id = f.row_id"
            " WHERE r.page_id IN (SELECT value FROM json_each(?)) AND f.crop_png IS NOT NULL",
            (selected,),
        ).fetchone()
        lines = conn.execute(
            "SELECT COUNT(line_png), COALESCE(SUM(LENGTH(line_png)), 0) FROM rows"
            " WHERE page_id IN (SELECT value FROM json_each(?)) AND line_png IS NOT NULL",
            (selected,),
        ).fetchone()
        result = PurgeResult(pages=len(pages), images=crops[0] + lines[0], bytes=crops[1] + lines[1])
        if dry_run or not pages:
            return result
        conn.execute(
            "UPDATE fields SET crop_png = NULL WHERE row_id IN"
            " (SELECT id FROM rows WHERE page_id IN (SELECT value FROM json_each(?)))",
            (selected,),
        )
        conn.execute("UPDATE rows SET line_png = NULL WHERE page_id IN (SELECT value FROM json_each(?))", (selected,))
        conn.execute(
            "UPDATE pages SET images_purged_at = ? WHERE id IN (SELECT value FROM json_each(?))", (now(), selected)
        )
        conn.execute(
            "INSERT INTO purges (at, pages, images, bytes) VALUES (?, ?, ?, ?)",
            (now(), result.pages, result.images, result.bytes),
        )
    _flush(store, vacuum=True)
    return result


def _flush(store: Store, *, vacuum: bool = False) -> None:
    """Get removed bytes out of the write-ahead log (and the file, with vacuum)."""
    if vacuum:
        store.conn.execute("VACUUM")
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class NetworkUsed(PetitionScanError):
    """Raised by :func:`forbid_network` when code tries to reach the network."""


@contextmanager
def forbid_network() -> Iterator[None]:
    """Make every network connection (and name lookup) raise, for the block's duration.

    The proof that processing stays local: tests run whole jobs inside it.
    Unix-domain sockets (inter-process pipes of worker pools) and listening on
    127.0.0.1 (the review page) are not affected. Worker processes forked
    inside the block inherit the guard.
    """
    saved = (socket.socket.connect, socket.socket.connect_ex, socket.create_connection, socket.getaddrinfo)

    def refuse(what: str, target: object) -> NoReturn:
        raise NetworkUsed(f"network access attempted ({what} {target!r})")

    def connect(self: socket.socket, address: Any) -> None:
        if self.family == socket.AF_UNIX:
            return saved[0](self, address)
        refuse("connect", address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family == socket.AF_UNIX:
            return saved[1](self, address)
        refuse("connect", address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> NoReturn:
        refuse("connect", address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> NoReturn:
        refuse("name lookup", host)

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
    socket.create_connection = create_connection
    socket.getaddrinfo = getaddrinfo
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex = saved[0], saved[1]  # type: ignore[method-assign]
        socket.create_connection, socket.getaddrinfo = saved[2], saved[3]
