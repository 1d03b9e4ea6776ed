"""What the store hands back: plain frozen dataclasses, never cursors."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from scanner.model import PageRef


class SaveKind(StrEnum):
    """What ``Store.save_page`` did with a page."""

    NEW = "new"  #: first time this sheet is seen: its rows count
    ALREADY_STORED = "already_stored"  #: same file, page and pixels as a stored page: nothing added
    SAME_SHEET = "same_sheet"  #: the same sheet (pixels or QR serial) stored under another file/page
    FAILED = "failed"  #: the page could not be read; stored with its reason


class RowStatus(StrEnum):
    CLEAN = "clean"  #: no flag: goes to clean.csv and to the export
    REVIEW = "review"  #: flagged, waiting for a person
    ACCEPTED = "accepted"  #: a reviewer accepted it (possibly after corrections)
    REJECTED = "rejected"  #: a reviewer rejected it
    FORGOTTEN = "forgotten"  #: the person asked to be forgotten: no value or image kept


class Action(StrEnum):
    """Review decisions, recorded in the audit trail."""

    ACCEPT = "accept"
    REJECT = "reject"
    CORRECT = "correct"  #: new value for one field
    DUPLICATE = "duplicate"  #: confirm the row is the same person as its candidate
    NOT_DUPLICATE = "not_duplicate"  #: the row is a different person: keep it
    REOPEN = "reopen"  #: undo accept/reject


@dataclass(frozen=True)
class PageRecord:
    id: int
    run_id: int
    sha256: str
    source: str
    path: str
    page: int
    form: str | None
    serial: str | None
    campaign: str | None
    status: str  #: "ok" or "error"
    error: str | None
    saved_at: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def same_place(self, ref: PageRef) -> bool:
        return self.source == ref.source and self.page == ref.page

    def where(self) -> str:
        return f"{self.source}, page {self.page}"


@dataclass(frozen=True)
class SaveOutcome:
    kind: SaveKind
    page: PageRecord
    #: for SAME_SHEET: the page stored earlier that is the same sheet
    twin: PageRecord | None = None
    rows_saved: int = 0
    #: rows not kept because the person asked to be forgotten
    rows_forgotten: int = 0


@dataclass(frozen=True)
class RunRecord:
    id: int
    started_at: str
    finished_at: str | None
    status: str
    args: str
    tool_version: str


@dataclass(frozen=True)
class StoredField:
    column: str
    value: str
    raw: str
    confidence: float
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredRow:
    """A row with its page's coordinates, as the CSV writers and review need it."""

    id: int
    page_id: int
    source: str
    page: int
    row: int
    form: str | None
    campaign: str | None
    confidence: float
    flags: tuple[str, ...]  #: reading flags, from the page job
    status: RowStatus
    dup_flag: str | None
    duplicate_of: str
    fields: dict[str, StoredField] = field(default_factory=dict)

    @property
    def all_flags(self) -> tuple[str, ...]:
        """Reading flags then the duplicate flag: what the CSV ``flags`` column shows."""
        return self.flags + ((self.dup_flag,) if self.dup_flag else ())

    def ref(self) -> str:
        return f"{self.source}:{self.page}:{self.row}"


@dataclass(frozen=True)
class Decision:
    id: int
    row_id: int
    column: str | None
    action: str
    old_value: str | None
    new_value: str | None
    at: str
    who: str
