"""What the review page writes: decisions, each checked against the row's version.

A decision is applied through ``Store.decide`` (which writes the audit trail:
old value, new value, action, when, who) inside one outer transaction that first
compares the row's version with the one the page was rendered from. A second
tab that shows a stale row therefore gets "already decided" instead of
overwriting, and a killed browser or server leaves either the whole decision or
nothing.

Undo walks back this server's own decisions (a stack kept in memory while the
page is open) and writes its reversal to the audit trail too: the old values
back as ``correct`` decisions, then ``reopen``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum

from scanner.dedupe import decide, dedupe_rows
from scanner.forms import MARK_TYPES, ColumnType, is_true
from scanner.review.data import ReviewData, RowView
from scanner.store import Action, RowStatus, Store, StoreError
from scanner.store.identity import norm_email


class RowChoice(StrEnum):
    """What a reviewer can do with a whole row."""

    ACCEPT = "accept"  #: keep it, with the corrections typed (a duplicate candidate: different people)
    REJECT = "reject"  #: not a valid signature (crossed out, no signature, not a person...)
    DUPLICATE = "duplicate"  #: the same person as the candidate: the export leaves it out
    REOPEN = "reopen"  #: put a decided row back in the queue (its duplicate search is run again)


class OutcomeKind(StrEnum):
    SAVED = "saved"
    CONFLICT = "conflict"  #: the row changed since the page was shown: nothing written
    GONE = "gone"  #: no such row (forgotten, purged)
    INVALID = "invalid"  #: a typed value was refused; nothing written
    NOTHING = "nothing"  #: nothing to undo


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    row_id: int | None = None
    action: str = ""  #: what was done (for the message)
    where: str = ""  #: source:page:row
    detail: str = ""  #: why a value was refused
    column: str = ""
    accepted: bool = False  #: a field decision that completed (and accepted) its row

    @property
    def ok(self) -> bool:
        return self.kind is OutcomeKind.SAVED


@dataclass
class _Snapshot:
    """A row as it was before one page action, to undo it."""

    row_id: int
    where: str
    action: str
    values: dict[str, str]
    status: str
    dup: tuple[str | None, str, int | None, str | None]  #: dup_flag, duplicate_of, dup_row_id, dup_override
    columns: tuple[str, ...] = ()  #: a field-mode action: reopen these fields only
    version_after: str = ""


@dataclass
class _Undo:
    stack: list[_Snapshot] = field(default_factory=list)
    limit: int = 500


def clean_value(kind: ColumnType, value: str) -> tuple[str, str]:
    """(value to store, reason it is refused or ''). Whitespace trimmed; obvious typos refused."""
    value = " ".join(value.split())
    if kind in MARK_TYPES:
        return ("true" if is_true(value) else "false"), ""
    if kind is ColumnType.EMAIL and value:
        value = value.replace(" ", "")
        if not norm_email(value):
            return value, "not an e-mail address / pas une adresse e-mail"
    if kind is ColumnType.POSTCODE and value:
        compact = value.replace(" ", "")
        if not re.fullmatch(r"[0-9]{5}", compact):  # 'O' for '0' is the classic misreading
            return value, "a French postcode has 5 digits / un code postal a 5 chiffres"
        value = compact
    return value, ""


class ReviewDesk:
    """Write side of the review page; one instance per server, used from one thread."""

    def __init__(self, store: Store, who: str = "review") -> None:
        self.store = store
        self.data = ReviewData(store)
        self.who = who
        self._undo = _Undo()
        self._lock = threading.Lock()

    # -- helpers ---------------------------------------------------------------

    def _snapshot(self, view: RowView, action: str, columns: tuple[str, ...] = ()) -> _Snapshot:
        dup = self.store.execute(
            "SELECT dup_flag, duplicate_of, dup_row_id, dup_override FROM rows WHERE id = ?", (view.id,)
        ).fetchone()
        return _Snapshot(
            row_id=view.id,
            where=view.where(),
            action=action,
            values={f.column: f.value for f in view.fields},
            status=view.status.value,
            dup=(dup[0], str(dup[1]), dup[2], dup[3]),
            columns=columns,
        )

    def _check(self, row_id: int, version: str) -> tuple[RowView | None, Outcome | None]:
        view = self.data.row(row_id, with_candidate=False)
        if view is None:
            return None, Outcome(OutcomeKind.GONE, row_id)
        if view.version != version:
            return view, Outcome(OutcomeKind.CONFLICT, row_id, where=view.where())
        return view, None

    def _corrections(self, view: RowView, values: Mapping[str, str]) -> tuple[dict[str, str], Outcome | None]:
        """Values the reviewer changed (cleaned), or the first value that is refused.

        Every e-mail and postcode must be valid (or empty) for the row to be
        accepted, typed or not: accepting means the values are right.
        """
        changes: dict[str, str] = {}
        for fv in view.fields:
            typed = values.get(fv.column, fv.value)
            value, problem = clean_value(fv.kind, typed)
            if problem:
                return {}, Outcome(OutcomeKind.INVALID, view.id, where=view.where(), detail=problem, column=fv.column)
            if typed != fv.value and value != fv.value:
                changes[fv.column] = value
        return changes, None

    @contextmanager
    def _refreshing(self, row_id: int) -> Iterator[None]:
        """Keep the page's queue current: the row and the rows whose duplicate search it touches."""
        before = {row_id, *self.store.rows_pointing_to([row_id])}
        yield
        self.data.touch(sorted(before | {row_id, *self.store.rows_pointing_to([row_id])}))

    def _push(self, snap: _Snapshot) -> None:
        snap.version_after = self.data.version(snap.row_id) or ""
        self._undo.stack.append(snap)
        del self._undo.stack[: -self._undo.limit]

    # -- decisions ---------------------------------------------------------------

    def decide_row(
        self, row_id: int, version: str, choice: RowChoice, values: Mapping[str, str] | None = None
    ) -> Outcome:
        """Accept (with corrections), reject, or confirm a duplicate: all or nothing."""
        with self._lock, self.store.transaction(), self._refreshing(row_id):
            view, problem = self._check(row_id, version)
            if problem is not None or view is None:
                return problem or Outcome(OutcomeKind.GONE, row_id)
            if choice is RowChoice.REOPEN:
                return self._reopen(view)
            if not view.pending:
                return Outcome(OutcomeKind.CONFLICT, row_id, where=view.where())
            if choice is RowChoice.DUPLICATE and not view.dup_flag:
                return Outcome(OutcomeKind.CONFLICT, row_id, where=view.where())
            snap = self._snapshot(view, choice.value)
            if choice is RowChoice.ACCEPT:
                changes, invalid = self._corrections(view, values or {})
                if invalid is not None:
                    return invalid
                for column, value in changes.items():
                    decide(self.store, row_id, Action.CORRECT, column=column, value=value, who=self.who)
                now_dup = self._dup(row_id)
                if now_dup[0] is not None and now_dup != (view.dup_flag, view.duplicate_of):
                    # The corrected values match someone already stored: a person must
                    # compare the two before this row is kept (never decided silently).
                    self._push(snap)
                    return Outcome(OutcomeKind.SAVED, row_id, action="new_duplicate", where=view.where())
                if view.dup_flag:
                    decide(self.store, row_id, Action.NOT_DUPLICATE, who=self.who)
                decide(self.store, row_id, Action.ACCEPT, who=self.who)
            elif choice is RowChoice.REJECT:
                decide(self.store, row_id, Action.REJECT, who=self.who)
            else:
                # Settled: the export leaves rows flagged 'duplicate' out, and the queue
                # skips rows a reviewer confirmed as duplicates (see queue.PENDING_SQL).
                decide(self.store, row_id, Action.DUPLICATE, who=self.who)
            self._push(snap)
        return Outcome(OutcomeKind.SAVED, row_id, action=choice.value, where=view.where())

    def _reopen(self, view: RowView) -> Outcome:
        if view.pending or view.status not in (RowStatus.ACCEPTED, RowStatus.REJECTED, RowStatus.REVIEW):
            return Outcome(OutcomeKind.CONFLICT, view.id, where=view.where())
        snap = self._snapshot(view, RowChoice.REOPEN.value)
        if snap.dup[3] is not None:
            # The reviewer reconsiders everything, the duplicate question included.
            self.store.execute("UPDATE rows SET dup_override = NULL WHERE id = ?", (view.id,))
            dedupe_rows(self.store, [view.id])
        decide(self.store, view.id, Action.REOPEN, who=self.who)
        self._push(snap)
        return Outcome(OutcomeKind.SAVED, view.id, action=RowChoice.REOPEN.value, where=view.where())

    def decide_field(self, row_id: int, version: str, column: str, value: str) -> Outcome:
        """Confirm or correct one doubtful value (field-by-field mode).

        When that was the row's last doubt (no other unchecked doubtful value,
        no row-level flag such as unsigned, crossed out or duplicate), the row
        is accepted in the same transaction.
        """
        with self._lock, self.store.transaction(), self._refreshing(row_id):
            view, problem = self._check(row_id, version)
            if problem is not None or view is None:
                return problem or Outcome(OutcomeKind.GONE, row_id)
            fv = view.field(column)
            if fv is None or not view.pending:
                return Outcome(OutcomeKind.CONFLICT, row_id, where=view.where(), column=column)
            clean, why = clean_value(fv.kind, value)
            if why:
                return Outcome(OutcomeKind.INVALID, row_id, where=view.where(), detail=why, column=column)
            snap = self._snapshot(view, Action.CORRECT.value, columns=(column,))
            decide(self.store, row_id, Action.CORRECT, column=column, value=clean, who=self.who)
            after = self.data.row(row_id, with_candidate=False)
            accepted = False
            if (
                after is not None
                and after.pending
                and not after.row_flags
                and not after.dup_flag
                and all(f.checked for f in after.fields if f.doubtful)
            ):
                decide(self.store, row_id, Action.ACCEPT, who=self.who)
                accepted = True
            self._push(snap)
        return Outcome(
            OutcomeKind.SAVED, row_id, action=Action.CORRECT.value, where=view.where(), column=column, accepted=accepted
        )

    def _dup(self, row_id: int) -> tuple[str | None, str]:
        """(dup_flag, duplicate_of) as stored now."""
        r = self.store.execute("SELECT dup_flag, duplicate_of FROM rows WHERE id = ?", (row_id,)).fetchone()
        return (None, "") if r is None else (r[0], str(r[1]))

    # -- undo ----------------------------------------------------------------------

    def can_undo(self) -> bool:
        return bool(self._undo.stack)

    def undo(self) -> Outcome:
        """Reverse this server's last decision, if nobody changed the row since."""
        with self._lock:
            if not self._undo.stack:
                return Outcome(OutcomeKind.NOTHING)
            snap = self._undo.stack[-1]
            with self.store.transaction(), self._refreshing(snap.row_id):
                current = self.data.version(snap.row_id)
                if current is None:
                    self._undo.stack.pop()
                    return Outcome(OutcomeKind.GONE, snap.row_id, where=snap.where)
                if current != snap.version_after:
                    self._undo.stack.pop()  # changed elsewhere since: that decision is no longer ours to undo
                    return Outcome(OutcomeKind.CONFLICT, snap.row_id, where=snap.where)
                self._reverse(snap)
            self._undo.stack.pop()
        return Outcome(OutcomeKind.SAVED, snap.row_id, action=snap.action, where=snap.where)

    def _reverse(self, snap: _Snapshot) -> None:
        row = self.store.get_row(snap.row_id)
        if row is None:
            raise StoreError(f"row {snap.where} disappeared during undo")
        for column, old in snap.values.items():
            f = row.fields.get(column)
            if f is not None and f.value != old:
                decide(self.store, snap.row_id, Action.CORRECT, column=column, value=old, who=self.who)
        flag, dup_of, dup_row, override = snap.dup
        if dup_row is not None and self.store.execute("SELECT 1 FROM rows WHERE id = ?", (dup_row,)).fetchone() is None:
            dup_row = None
        self.store.execute(
            "UPDATE rows SET dup_flag = ?, duplicate_of = ?, dup_row_id = ?, dup_override = ? WHERE id = ?",
            (flag, dup_of, dup_row, override, snap.row_id),
        )
        if snap.status == RowStatus.ACCEPTED.value:  # undoing a reopen
            decide(self.store, snap.row_id, Action.ACCEPT, who=self.who)
        elif snap.status == RowStatus.REJECTED.value:
            decide(self.store, snap.row_id, Action.REJECT, who=self.who)
        elif snap.columns:
            for column in snap.columns:
                decide(self.store, snap.row_id, Action.REOPEN, column=column, who=self.who)
        else:
            decide(self.store, snap.row_id, Action.REOPEN, who=self.who)
