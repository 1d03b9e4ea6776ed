"""The batch store: one SQLite file holding runs, pages, rows, review decisions.

Call sequence of a run (one writer: the orchestrator; readers may share the file)::

    store = Store.open(out_dir)                        # DIR/petition.sqlite, created or upgraded
    run_id = store.start_run(args, __version__, forms=registry.by_name.values())
    for each page ref:
        if store.reuse_page(run_id, ref, file_sha256=h) is None:   # not stored yet (or failed before)
            outcome = store.save_page(run_id, result, file_sha256=h)  # one transaction per page
    for a file that cannot be opened: store.record_failure(run_id, source, path, None, reason)
    dedupe_run(store, run_id, against)                 # scanner.dedupe
    write_run_csvs(store, run_id, registry, out_dir)   # scanner.output.export
    write_report(store, run_id, out_dir)               # scanner.output.report
    store.finish_run(run_id, "ok" | "partial")

One Store object per thread or process (sqlite3 connections are not shared).
"""

from __future__ import annotations

from scanner.store.base import DEFAULT_STORE_NAME, StoreError, resolve_store_path
from scanner.store.identity import Identity, IdentityColumns
from scanner.store.pages import PageOps
from scanner.store.records import (
    Action,
    Decision,
    PageRecord,
    RowStatus,
    RunRecord,
    SaveKind,
    SaveOutcome,
    StoredField,
    StoredRow,
)
from scanner.store.review import ReviewOps


class Store(PageOps, ReviewOps):
    """The batch store (see the module docstring for the call sequence)."""


__all__ = [
    "DEFAULT_STORE_NAME",
    "Action",
    "Decision",
    "Identity",
    "IdentityColumns",
    "PageRecord",
    "RowStatus",
    "RunRecord",
    "SaveKind",
    "SaveOutcome",
    "Store",
    "StoreError",
    "StoredField",
    "StoredRow",
    "resolve_store_path",
]
