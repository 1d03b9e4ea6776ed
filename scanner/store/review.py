"""Review decisions and their audit trail.

Every change a person makes (accept, reject, correct a value, settle a
duplicate) is one line in ``decisions`` with the old and new value, when, and
who (a name or the review tab's id), written in the same transaction as the
change itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from scanner.store.base import StoreError
from scanner.store.identity import IDENTITY_VERSION, IdentityColumns
from scanner.store.records import Action, Decision, RowStatus
from scanner.store.rows import RowOps
from scanner.store.schema import now

#: meta key set while re-keyed rows wait for their duplicate search
DUPLICATES_STALE = "duplicates_stale"
_STATUS_AFTER = {Action.ACCEPT: RowStatus.ACCEPTED, Action.REJECT: RowStatus.REJECTED}


class ReviewOps(RowOps):
    def record_decision(
        self,
        row_id: int,
        action: Action | str,
        *,
        column: str | None = None,
        value: str | None = None,
        who: str = "",
    ) -> list[int]:
        """Apply one review decision and record it; the rows whose duplicates must be
        searched again (the store is storage: :func:`scanner.dedupe.decide` searches
        them in the same transaction, and is what callers use).

        ``correct`` needs ``column`` and ``value``; a corrected e-mail, name or
        postcode changes who the row is, a rejected row can no longer be anyone's
        original.
        """
        action = Action(action)
        row = self.get_row(row_id)
        if row is None:
            raise StoreError(f"no row with id {row_id} in the store")
        if row.status is RowStatus.FORGOTTEN:
            raise StoreError(f"row {row.ref()} belongs to a forgotten person and cannot be changed")
        recheck = False
        with self.transaction():
            old: str | None
            new: str | None
            if action in _STATUS_AFTER:
                old, new = row.status.value, _STATUS_AFTER[action].value
                self.conn.execute("UPDATE rows SET status = ? WHERE id = ?", (new, row_id))
            elif action is Action.REOPEN:
                old, new = row.status.value, None
                self.conn.execute("UPDATE rows SET status = 'review' WHERE id = ?", (row_id,))
                self.refresh_status([row_id])
            elif action is Action.CORRECT:
                if column is None or value is None or column not in row.fields:
                    raise StoreError(f"'correct' needs one of the row's columns and a value (got {column!r})")
                old, new = row.fields[column].value, value
                self.conn.execute("UPDATE fields SET value = ? WHERE row_id = ? AND col = ?", (value, row_id, column))
                recheck = self.update_identity(row_id)
            elif action is Action.DUPLICATE:
                old, new = row.dup_flag, "duplicate"
                self.conn.execute(
                    "UPDATE rows SET dup_override = 'duplicate', dup_flag = 'duplicate' WHERE id = ?", (row_id,)
                )
                self.refresh_status([row_id])
            else:  # NOT_DUPLICATE
                old, new = row.duplicate_of or row.dup_flag, None
                self.conn.execute(
                    "UPDATE rows SET dup_override = 'not_duplicate', dup_flag = NULL, duplicate_of = '',"
                    " dup_row_id = NULL WHERE id = ?",
                    (row_id,),
                )
                self.refresh_status([row_id])
            self.conn.execute(
                "INSERT INTO decisions (row_id, col, action, old_value, new_value, at, who)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (row_id, column, action.value, old, new, now(), who),
            )
        # A changed identity, or a row that can no longer be anyone's original,
        # moves duplicates around: search again for the rows concerned.
        targets = self.rows_pointing_to([row_id])
        if recheck:
            targets.append(row_id)
        return targets if recheck or action is Action.REJECT else []

    def decisions(self, row_id: int | None = None) -> list[Decision]:
        """The audit trail, oldest first (of one row, or of the whole store)."""
        sql = "SELECT id, row_id, col, action, old_value, new_value, at, who FROM decisions"
        params: tuple[object, ...] = ()
        if row_id is not None:
            sql += " WHERE row_id = ?"
            params = (row_id,)
        return [Decision(*r) for r in self.conn.execute(sql + " ORDER BY id", params)]

    def refresh_status(self, row_ids: Iterable[int]) -> None:
        """Undecided rows: 'review' when flagged, else 'clean'. Decisions stay."""
        self.conn.execute(
            "UPDATE rows SET status = CASE WHEN flags <> '' OR dup_flag IS NOT NULL THEN 'review' ELSE 'clean' END"
            " WHERE id IN (SELECT value FROM json_each(?)) AND status IN ('clean', 'review')",
            (json.dumps(list(row_ids)),),
        )

    def _after_open(self) -> None:
        self.refresh_identities()

    def refresh_identities(self) -> int:
        """Recompute every row's identity and blocking keys if an older version of the
        rules computed them (meta ``identity_version``); the number of rows changed.

        The new keys can link two rows already stored (a town joined the identity
        in version 2), which no later run would compare again: the store is marked
        :attr:`duplicates_stale` in the same transaction, and
        :func:`scanner.dedupe.open_store` searches every stored row's duplicates
        anew before anyone reads them, so a re-keyed store is never read unsearched.
        """
        if self.meta("identity_version") == str(IDENTITY_VERSION):
            return 0
        with self.transaction() as conn:
            ids = [int(r) for (r,) in conn.execute("SELECT id FROM rows WHERE status <> 'forgotten'")]
            changed = sum(self.update_identity(row_id, force=True) for row_id in ids)
            if ids:
                conn.execute(f"INSERT OR REPLACE INTO meta (key, value) VALUES ('{DUPLICATES_STALE}', '1')")
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('identity_version', ?)", (str(IDENTITY_VERSION),)
            )
        return changed

    @property
    def duplicates_stale(self) -> bool:
        """Rows were re-keyed and their duplicates not searched since (see :func:`scanner.dedupe.open_store`)."""
        return self.meta(DUPLICATES_STALE) == "1"

    def duplicates_settled(self) -> None:
        """Mark the re-keyed rows' duplicates as searched (call inside the search's transaction)."""
        self.conn.execute("DELETE FROM meta WHERE key = ?", (DUPLICATES_STALE,))

    def update_identity(self, row_id: int, *, force: bool = False) -> bool:
        """Recompute the row's normalised identity and keys from its values; True if it changed.

        ``force`` rewrites the keys even when the identity is unchanged (new key rules).
        """
        row = self.get_row(row_id)
        if row is None or row.form is None:
            return False
        identity = IdentityColumns.of(self.require_form(row.form)).identity({c: f.value for c, f in row.fields.items()})
        before = self.conn.execute(
            "SELECT id_email, id_name, id_postcode, id_town FROM rows WHERE id = ?", (row_id,)
        ).fetchone()
        same = tuple(before) == (identity.email, identity.name, identity.postcode, identity.town)
        if same and not force:
            return False
        self.conn.execute(
            "UPDATE rows SET id_email = ?, id_name = ?, id_postcode = ?, id_town = ? WHERE id = ?",
            (identity.email, identity.name, identity.postcode, identity.town, row_id),
        )
        self.conn.execute("DELETE FROM row_keys WHERE row_id = ?", (row_id,))
        self.conn.executemany(
            "INSERT INTO row_keys (key, row_id) VALUES (?, ?)", [(k, row_id) for k in sorted(identity.blocking_keys())]
        )
        return not same

    def rows_pointing_to(self, row_ids: Iterable[int]) -> list[int]:
        """Rows whose duplicate candidate is one of these rows."""
        return [
            int(r)
            for (r,) in self.conn.execute(
                "SELECT id FROM rows WHERE dup_row_id IN (SELECT value FROM json_each(?))", (json.dumps(list(row_ids)),)
            )
        ]
