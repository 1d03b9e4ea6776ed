"""What the review page reads from the store: the queue, one row, doubtful fields.

The store's API gives rows and their fields; the queries the page needs on top
(next row in paper order, doubtful values of one column, a row's version for
the optimistic check, whether an image exists without loading it) live here and
only read the store's schema. Everything is fetched a row or a page of fields at
a time, so 10,000 flagged rows cost no more than ten.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from scanner.forms import MARK_TYPES, ColumnType, Form
from scanner.review.queue import ReviewQueue, checked_sql
from scanner.safetext import shown
from scanner.store import RowStatus, Store, StoredRow


@dataclass(frozen=True)
class FieldView:
    """One value of a row as the page shows it."""

    column: str
    label: str
    kind: ColumnType
    value: str
    raw: str
    confidence: float
    flags: tuple[str, ...]  #: flags about this column (qualified, e.g. ``invalid:email``)
    has_crop: bool
    checked: bool = False  #: a person already confirmed or corrected it

    @property
    def boolean(self) -> bool:
        return self.kind in MARK_TYPES

    @property
    def doubtful(self) -> bool:
        return bool(self.flags)


@dataclass(frozen=True)
class RowView:
    """A row with everything its review card shows."""

    id: int
    source: str
    page: int
    row: int
    status: RowStatus
    confidence: float
    flags: tuple[str, ...]  #: reading flags and the duplicate flag
    dup_flag: str | None
    duplicate_of: str
    fields: tuple[FieldView, ...]
    has_line: bool
    version: str
    candidate: RowView | None = None  #: the earlier row it may duplicate
    dup_override: str | None = None  #: a reviewer's word on the duplicate

    @property
    def pending(self) -> bool:
        """Waiting for a person (see queue.PENDING_SQL)."""
        return self.status is RowStatus.REVIEW and self.dup_override != "duplicate"

    def where(self) -> str:
        return f"{shown(self.source)}:{self.page}:{self.row}"  # a name's control characters escaped

    @property
    def row_flags(self) -> tuple[str, ...]:
        """Flags not about one column (unsigned, crossed out, duplicate...)."""
        return tuple(f for f in self.flags if ":" not in f)

    def field(self, column: str) -> FieldView | None:
        return next((f for f in self.fields if f.column == column), None)


@dataclass(frozen=True)
class Counts:
    review: int  #: still waiting for a person
    accepted: int
    rejected: int
    clean: int
    duplicates: int  #: confirmed as duplicates in review


@dataclass(frozen=True)
class FieldItem:
    """One doubtful value in the field-by-field list."""

    row_id: int
    source: str
    page: int
    row: int
    version: str
    field: FieldView

    def where(self) -> str:
        return f"{shown(self.source)}:{self.page}:{self.row}"  # a name's control characters escaped


@dataclass(frozen=True)
class ColumnDoubts:
    column: str
    label: str
    count: int


def _labels(form: Form | None) -> dict[str, str]:
    if form is None:
        return {}
    return {c.name: (c.label or c.name) for c in form.columns}


class ReviewData:
    """Read side of the review page over one open store (one thread uses it)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.queue = ReviewQueue(store)

    def touch(self, row_ids: list[int]) -> None:
        """This connection changed these rows: refresh them in the queue."""
        self.queue.sync()
        self.queue.touch(row_ids)

    # -- forms and labels -------------------------------------------------

    def form_of(self, form_name: str | None) -> Form | None:
        return None if not form_name else self.store.form(form_name)

    def labels(self) -> dict[str, str]:
        """Column labels of every form in the store (for flags in plain words)."""
        out: dict[str, str] = {}
        for (name,) in self.store.execute("SELECT DISTINCT form FROM pages WHERE form IS NOT NULL").fetchall():
            out.update({k: v for k, v in _labels(self.form_of(str(name))).items() if k not in out})
        return out

    # -- counts and queue ---------------------------------------------------

    def counts(self) -> Counts:
        n = self.queue.counts()
        return Counts(review=n["pending"], accepted=n["accepted"], rejected=n["rejected"], clean=n["clean"],
                      duplicates=n["duplicates"])

    def key_of(self, row_id: int) -> tuple[str, int, int, int] | None:
        return self.queue.key_of(row_id)

    def next_pending(self, after: int | None = None) -> int | None:
        """The next row to review in paper order after row ``after``, wrapping round.

        Skipping a row is just asking for the one after it, so skipped rows come
        back once the end of the queue is reached.
        """
        return self.queue.next_pending(after)

    # -- one row --------------------------------------------------------------

    def version(self, row_id: int) -> str | None:
        """Changes whenever anything a reviewer decides on changes (optimistic check)."""
        r = self.store.execute(
            "SELECT r.status, COALESCE(r.dup_flag, ''), r.duplicate_of, r.flags,"
            " COALESCE((SELECT MAX(id) FROM decisions WHERE row_id = r.id), 0) FROM rows r WHERE r.id = ?",
            (row_id,),
        ).fetchone()
        if r is None:
            return None
        digest = hashlib.sha1("\x1f".join(str(x) for x in r[:4]).encode()).hexdigest()[:10]
        return f"{r[4]}-{digest}"

    def row(self, row_id: int, *, with_candidate: bool = True) -> RowView | None:
        stored = self.store.get_row(row_id)
        if stored is None or stored.status is RowStatus.FORGOTTEN:
            return None
        return self._view(stored, with_candidate=with_candidate)

    def _view(self, stored: StoredRow, *, with_candidate: bool) -> RowView:
        form = self.form_of(stored.form)
        labels = _labels(form)
        kinds = {c.name: c.type for c in form.columns} if form else {}
        order = [c.name for c in form.output_columns] if form else sorted(stored.fields)
        order += [c for c in sorted(stored.fields) if c not in order]
        crops = {
            str(c): bool(has)
            for c, has in self.store.execute(
                "SELECT col, crop_png IS NOT NULL FROM fields WHERE row_id = ?", (stored.id,)
            )
        }
        checked = self._checked_columns(stored.id)
        fields = []
        for column in order:
            f = stored.fields.get(column)
            if f is None:
                continue
            own = tuple(flag if ":" in flag else f"{flag}:{column}" for flag in f.flags)
            named = tuple(flag for flag in stored.flags if flag.partition(":")[2] == column)
            fields.append(
                FieldView(
                    column=column,
                    label=labels.get(column, column),
                    kind=kinds.get(column, ColumnType.TEXT),
                    value=f.value,
                    raw=f.raw,
                    confidence=f.confidence,
                    flags=tuple(dict.fromkeys(own + named)),
                    has_crop=crops.get(column, False),
                    checked=column in checked,
                )
            )
        line = self.store.execute(
            "SELECT line_png IS NOT NULL, dup_row_id, dup_override FROM rows WHERE id = ?", (stored.id,)
        )
        has_line, dup_row_id, dup_override = line.fetchone()
        candidate = None
        if with_candidate and stored.dup_flag and dup_row_id is not None:
            other = self.store.get_row(int(dup_row_id))
            if other is not None and other.status is not RowStatus.FORGOTTEN:
                candidate = self._view(other, with_candidate=False)
        return RowView(
            id=stored.id,
            source=stored.source,
            page=stored.page,
            row=stored.row,
            status=stored.status,
            confidence=stored.confidence,
            flags=stored.all_flags,
            dup_flag=stored.dup_flag,
            duplicate_of=stored.duplicate_of,
            fields=tuple(fields),
            has_line=bool(has_line),
            version=self.version(stored.id) or "",
            candidate=candidate,
            dup_override=dup_override,
        )

    def _checked_columns(self, row_id: int) -> set[str]:
        return {
            str(c)
            for (c,) in self.store.execute(
                f"SELECT f.col FROM fields f WHERE f.row_id = ? AND {checked_sql('f')}", (row_id,)
            )
        }

    # -- images ---------------------------------------------------------------

    def crop_png(self, row_id: int, column: str) -> bytes | None:
        r = self.store.execute("SELECT crop_png FROM fields WHERE row_id = ? AND col = ?", (row_id, column)).fetchone()
        return None if r is None or r[0] is None else bytes(r[0])

    def line_png(self, row_id: int) -> bytes | None:
        r = self.store.execute("SELECT line_png FROM rows WHERE id = ?", (row_id,)).fetchone()
        return None if r is None or r[0] is None else bytes(r[0])

    # -- field by field ---------------------------------------------------------

    def doubtful_columns(self) -> list[ColumnDoubts]:
        """Columns with values still to check, with how many, in form order."""
        labels = self.labels()
        counts = self.queue.doubtful_counts()
        order = list(labels) + sorted(c for c in counts if c not in labels)
        return [ColumnDoubts(c, labels.get(c, c), counts[c]) for c in order if counts.get(c)]

    def doubtful_fields(self, column: str, *, after: int | None = None, limit: int = 40) -> list[FieldItem]:
        """Up to ``limit`` unchecked doubtful values of ``column``, in paper order after row ``after``."""
        items = []
        for row_id in self.queue.doubtful_rows(column, after, limit):
            view = self.row(row_id, with_candidate=False)
            fv = view.field(column) if view else None
            if view is not None and fv is not None:
                items.append(FieldItem(view.id, view.source, view.page, view.row, view.version, fv))
        return items
