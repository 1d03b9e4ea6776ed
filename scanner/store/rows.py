"""Reading rows back: in CSV order, in chunks, so a million rows fit in memory."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from scanner.store.base import StoreBase
from scanner.store.records import RowStatus, StoredField, StoredRow

_ROW_SQL = (
    "SELECT r.id, r.page_id, p.source, p.page, r.row_no, p.form, p.campaign, r.confidence, r.flags, r.status,"
    " r.dup_flag, r.duplicate_of FROM rows r JOIN pages p ON p.id = r.page_id"
)
#: Order of every CSV: source, page, row (page id breaks the tie of a replaced file).
ROW_ORDER = "p.source, p.page, r.row_no, p.id"
_CHUNK = 2000


def _split(flags: str) -> tuple[str, ...]:
    return tuple(f for f in flags.split(";") if f)


class RowOps(StoreBase):
    def iter_rows(
        self,
        page_ids: Iterable[int] | None = None,
        *,
        statuses: Iterable[RowStatus] | None = None,
        include_forgotten: bool = False,
    ) -> Iterator[StoredRow]:
        """Rows with their fields, sorted by source, page, row.

        ``page_ids`` None means every page; forgotten rows (no values) are left
        out unless asked for.
        """
        where: list[str] = []
        params: list[object] = []
        if page_ids is not None:
            where.append("p.id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(sorted(set(page_ids))))
        if statuses is not None:
            wanted = [s.value for s in statuses]
            where.append(f"r.status IN ({','.join('?' * len(wanted))})")
            params.extend(wanted)
        elif not include_forgotten:
            where.append("r.status <> 'forgotten'")
        sql = _ROW_SQL + (" WHERE " + " AND ".join(where) if where else "") + f" ORDER BY {ROW_ORDER}"
        cursor = self.conn.execute(sql, params)
        while True:
            chunk = cursor.fetchmany(_CHUNK)
            if not chunk:
                return
            fields = self._fields_of([int(r[0]) for r in chunk])
            for r in chunk:
                yield self._row(r, fields.get(int(r[0]), {}))

    def get_row(self, row_id: int) -> StoredRow | None:
        r = self.conn.execute(_ROW_SQL + " WHERE r.id = ?", (row_id,)).fetchone()
        if r is None:
            return None
        return self._row(r, self._fields_of([row_id]).get(row_id, {}))

    def row_images(self, row_id: int) -> tuple[bytes | None, dict[str, bytes]]:
        """The line image and the field crops (PNG) of a row, for the review page."""
        line = self.conn.execute("SELECT line_png FROM rows WHERE id = ?", (row_id,)).fetchone()
        crops = {
            str(c): bytes(b)
            for c, b in self.conn.execute(
                "SELECT col, crop_png FROM fields WHERE row_id = ? AND crop_png IS NOT NULL", (row_id,)
            )
        }
        return (bytes(line[0]) if line and line[0] is not None else None), crops

    def _fields_of(self, row_ids: Sequence[int]) -> dict[int, dict[str, StoredField]]:
        out: dict[int, dict[str, StoredField]] = {}
        for row_id, col, value, raw, conf, flags in self.conn.execute(
            "SELECT row_id, col, value, raw, confidence, flags FROM fields "
            "WHERE row_id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(row_ids)),),
        ):
            out.setdefault(int(row_id), {})[str(col)] = StoredField(
                column=str(col), value=str(value), raw=str(raw), confidence=float(conf), flags=_split(flags)
            )
        return out

    @staticmethod
    def _row(r: Sequence[Any], fields: dict[str, StoredField]) -> StoredRow:
        row_id, page_id, source, page, row_no, form, campaign, conf, flags, status, dup_flag, dup_of = r
        return StoredRow(
            id=int(row_id),
            page_id=int(page_id),
            source=str(source),
            page=int(page),
            row=int(row_no),
            form=form,
            campaign=campaign,
            confidence=float(conf),
            flags=_split(str(flags)),
            status=RowStatus(status),
            dup_flag=dup_flag,
            duplicate_of=str(dup_of),
            fields=fields,
        )

    def count_rows(self, page_ids: Iterable[int] | None = None) -> dict[str, int]:
        """Rows per status (forgotten included) over the given pages or the whole store."""
        sql = "SELECT r.status, COUNT(*) FROM rows r"
        params: list[object] = []
        if page_ids is not None:
            sql += " WHERE r.page_id IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(sorted(set(page_ids))))
        return {str(s): int(n) for s, n in self.conn.execute(sql + " GROUP BY r.status", params)}
