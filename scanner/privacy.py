"""Privacy: forget a person, purge stored images, and a no-network guard.

``forget`` removes a person's values, crops and line images from the store (the
rows stay as bare "forgotten" markers so counts add up) and keeps only a salted
hash of the e-mail or of name + postcode, so a sheet read again later does not
bring them back. The salt is random per store: the hashes are useless outside it.
SQLite's ``secure_delete`` overwrites the freed bytes, and the write-ahead log is
truncated so no copy of the old values stays in the files.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

from scanner.dedupe import dedupe_rows
from scanner.errors import PetitionScanError, UsageError
from scanner.store import Store
from scanner.store.identity import forget_hashes, person_hash_input
from scanner.store.schema import now


@dataclass(frozen=True)
class ForgetRequest:
    email: str | None = None
    name: str | None = None  #: as the person writes it, e.g. "DUPONT Jean"
    postcode: str | None = None  #: needed with ``name``: a name alone is not a person


@dataclass(frozen=True)
class ForgetResult:
    rows: int  #: rows whose values and images were removed
    rechecked: int  #: other rows whose duplicate candidate was one of them


def forget(store: Store, request: ForgetRequest) -> ForgetResult:
    """Remove a person from the store and keep them out of later imports."""
    if not request.email and not request.name:
        raise UsageError("forget needs --email, or --name with --postcode")
    if request.name and not request.postcode:
        raise UsageError(
            "--name needs --postcode: a name alone could remove someone else",
            'Example: forget --name "DUPONT Jean" --postcode 75011',
        )
    identity = person_hash_input(request.email, request.name, request.postcode)
    if request.email and not identity.email:
        raise UsageError(f"'{request.email}' is not an e-mail address")
    if request.name and not identity.name:
        raise UsageError(f"'{request.name}' contains no letters")
    if request.postcode and not identity.postcode:
        raise UsageError(f"'{request.postcode}' is not a French postcode (5 digits)")
    conditions: list[str] = []
    params: list[object] = []
    if identity.email:
        conditions.append("id_email = ?")
        params.append(identity.email)
    if identity.name:
        conditions.append("(id_name = ? AND id_postcode = ?)")
        params.extend([identity.name, identity.postcode])
    with store.transaction() as conn:
        row_ids = [
            int(r)
            for (r,) in conn.execute(
                f"SELECT id FROM rows WHERE status <> 'forgotten' AND ({' OR '.join(conditions)})", params
            )
        ]
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
        conn.executemany(
            "INSERT OR IGNORE INTO forgotten (hash, kind, forgotten_at) VALUES (?, ?, ?)",
            [(digest, kind, now()) for kind, digest in forget_hashes(identity, store.salt)],
        )
        pointing = store.rows_pointing_to(row_ids)
        if pointing:
            dedupe_rows(store, pointing)
    _flush(store)
    return ForgetResult(rows=len(row_ids), rechecked=len(pointing))


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
