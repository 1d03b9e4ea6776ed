"""Runs and pages: saving one page job's result atomically, finding pages seen before.

A page is identified by (source, page, sha256 of its pixels). Saving the same
page again adds nothing, so a batch re-run after a crash (or on purpose) ends
with exactly the rows of one uninterrupted run.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence

from scanner.forms import Form
from scanner.model import PageFailure, PageRef, PageResult, RowResult
from scanner.safetext import fs_text
from scanner.store.base import StoreBase
from scanner.store.identity import Identity, IdentityColumns
from scanner.store.records import PageRecord, RowStatus, RunRecord, SaveKind, SaveOutcome
from scanner.store.schema import now
from scanner.store.suppress import MAYBE_FORGOTTEN, Suppress, hashed_keys, judge

_PAGE_COLS = "id, run_id, sha256, source, path, page, form, serial, campaign, status, error, saved_at"


def _page(row: Sequence[object] | None) -> PageRecord | None:
    if row is None:
        return None
    return PageRecord(*row)  # type: ignore[arg-type]


def row_flags(row: RowResult) -> list[str]:
    """The row's flags then its fields' flags (qualified by column), without repeats."""
    out: list[str] = []
    for flag in row.flags:
        if flag and flag not in out:
            out.append(flag)
    for column, result in row.fields.items():
        for flag in result.flags:
            qualified = flag if ":" in flag else f"{flag}:{column}"
            if qualified not in out:
                out.append(qualified)
    return out


class PageOps(StoreBase):
    def start_run(
        self,
        args: str | Mapping[str, object] | Sequence[str] = (),
        tool_version: str = "",
        forms: Iterable[Form] = (),
    ) -> int:
        """Record a new run (its arguments, the tool version) and the forms it may meet.

        Pass every form of the run's FormRegistry: saving a page needs its
        form's column types, and later commands read the definitions from here.
        A store that forgot people needs its forget key to save rows: a missing
        key stops the run here, before any page is read.
        """
        if self.has_forgotten():
            self.forget_key(create=False)
        self.register_forms(forms)
        described = args if isinstance(args, str | Mapping) else list(args)
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO runs (started_at, args, tool_version) VALUES (?, ?, ?)",
                (now(), json.dumps(described, default=str), tool_version),
            )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def finish_run(self, run_id: int, status: str = "ok") -> None:
        """Mark the run finished (``ok``, ``partial`` when pages failed, ``failed``)."""
        with self.transaction():
            self.conn.execute("UPDATE runs SET finished_at = ?, status = ? WHERE id = ?", (now(), status, run_id))

    def run(self, run_id: int) -> RunRecord | None:
        row = self.conn.execute(
            "SELECT id, started_at, finished_at, status, args, tool_version FROM runs WHERE id = ?", (run_id,)
        ).fetchone()
        return None if row is None else RunRecord(*row)

    def last_run_id(self) -> int | None:
        row = self.conn.execute("SELECT MAX(id) FROM runs").fetchone()
        return None if row[0] is None else int(row[0])

    def page(self, page_id: int) -> PageRecord | None:
        return _page(self.conn.execute(f"SELECT {_PAGE_COLS} FROM pages WHERE id = ?", (page_id,)).fetchone())

    def lookup_page(
        self, sha256: str, serial: str | None = None, *, form: str | None = None, campaign: str | None = None
    ) -> PageRecord | None:
        """The first readable page stored with these pixels or this QR serial, if any.

        ``form``/``campaign`` narrow the serial match (serials are unique per
        printing, but a reprint could reuse one in another campaign).
        """
        if sha256:
            found = _page(
                self.conn.execute(
                    f"SELECT {_PAGE_COLS} FROM pages WHERE sha256 = ? AND status = 'ok' ORDER BY id LIMIT 1",
                    (sha256,),
                ).fetchone()
            )
            if found is not None:
                return found
        if serial:
            return _page(
                self.conn.execute(
                    f"SELECT {_PAGE_COLS} FROM pages WHERE serial = ? AND status = 'ok' "
                    "AND (? IS NULL OR form = ?) AND (? IS NULL OR campaign = ?) ORDER BY id LIMIT 1",
                    (serial, form, form, campaign, campaign),
                ).fetchone()
            )
        return None

    def stored_page(
        self, ref: PageRef, sha256: str | None = None, *, file_sha256: str | None = None
    ) -> PageRecord | None:
        """The readable page stored for this file and page, with these pixels or file bytes."""
        if not sha256 and not file_sha256:
            raise ValueError("stored_page needs sha256 (pixels) or file_sha256 (file bytes)")
        return _page(
            self.conn.execute(
                f"SELECT {_PAGE_COLS} FROM pages WHERE source = ? AND page = ? AND status = 'ok'"
                " AND (sha256 = ? OR file_sha256 = ?) ORDER BY id DESC LIMIT 1",
                (ref.source, ref.page, sha256 or "", file_sha256 or ""),
            ).fetchone()
        )

    def reuse_page(
        self, run_id: int, ref: PageRef, sha256: str | None = None, *, file_sha256: str | None = None
    ) -> PageRecord | None:
        """If this page is already stored, count it in ``run_id`` and return it.

        The orchestrator calls this before the expensive reading (``file_sha256``
        needs no decoding): a hit means the page's rows are stored and only need
        to be in this run's CSVs and report. Failed pages are never reused: they
        are read again (the user may have added ``--form`` or rescanned).
        """
        found = self.stored_page(ref, sha256, file_sha256=file_sha256)
        if found is not None:
            with self.transaction():
                self._link(run_id, found.id, reused=True)
        return found

    def _link(self, run_id: int, page_id: int, *, reused: bool) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO run_pages (run_id, page_id, reused) VALUES (?, ?, ?)", (run_id, page_id, int(reused))
        )

    def record_failure(self, run_id: int, source: str, path: str, page: int | None, reason: str) -> SaveOutcome:
        """A file or page that could not even be enumerated (page None: the whole file)."""
        ref = PageRef(source=source, path=path, page=page or 0)
        return self.save_page(run_id, PageResult(ref=ref, sha256="", error=reason))

    def save_page(self, run_id: int, result: PageResult, *, file_sha256: str | None = None) -> SaveOutcome:
        """Store one page and all its rows in a single transaction.

        Idempotent: a page already stored (same file, page, pixels) is only
        linked to the run. A failed page is stored with its reason and tried
        again by the next run. Rows of people who asked to be forgotten are kept
        as bare 'forgotten' markers (row number only, no value, no image).
        """
        ref = result.ref
        with self.transaction():
            existing = _page(
                self.conn.execute(
                    f"SELECT {_PAGE_COLS} FROM pages WHERE source = ? AND page = ? AND sha256 = ?",
                    (ref.source, ref.page, result.sha256),
                ).fetchone()
            )
            if existing is not None and existing.ok:
                self._link(run_id, existing.id, reused=existing.run_id != run_id)
                return SaveOutcome(SaveKind.ALREADY_STORED, existing)
            if existing is not None:  # a failure being retried: the new result replaces it
                self.conn.execute("DELETE FROM pages WHERE id = ?", (existing.id,))
            if not result.ok:
                record = self._insert_page(run_id, result, file_sha256)
                return SaveOutcome(SaveKind.FAILED, record)
            sheet = result.sheet
            twin = self.lookup_page(
                result.sha256,
                sheet.serial if sheet else None,
                form=sheet.form if sheet else None,
                campaign=sheet.campaign if sheet else None,
            )
            record = self._insert_page(run_id, result, file_sha256)
            saved, forgotten = self._insert_rows(record.id, result)
        kind = SaveKind.SAME_SHEET if twin is not None else SaveKind.NEW
        return SaveOutcome(kind, record, twin=twin, rows_saved=saved, rows_forgotten=forgotten)

    def _insert_page(self, run_id: int, result: PageResult, file_sha256: str | None) -> PageRecord:
        ref, sheet = result.ref, result.sheet
        cur = self.conn.execute(
            "INSERT INTO pages (run_id, sha256, file_sha256, source, path, page, form, serial, campaign, status,"
            " error, method, empty_rows, timings, saved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                result.sha256,
                file_sha256,
                ref.source,
                fs_text(ref.path),  # the real path may hold bytes that are not UTF-8
                ref.page,
                result.form_name,
                sheet.serial if sheet else None,
                sheet.campaign if sheet else None,
                "ok" if result.ok else "error",
                result.error,
                result.method,
                json.dumps(sorted(result.empty_rows)),
                json.dumps(result.timings),
                now(),
            ),
        )
        assert cur.lastrowid is not None
        self._link(run_id, cur.lastrowid, reused=False)
        record = self.page(cur.lastrowid)
        assert record is not None
        return record

    def _insert_rows(self, page_id: int, result: PageResult) -> tuple[int, int]:
        if not result.rows:
            return 0, 0
        form = self.require_form(result.form_name or "")
        columns = IdentityColumns.of(form)
        key = self.forget_key(create=False) if self.has_forgotten() else None
        forgotten_lines = self._forgotten_lines(page_id, result) if key is not None else set()
        saved = forgotten = 0
        for row in result.rows:
            identity = columns.identity({c: f.value for c, f in row.fields.items()})
            verdict = Suppress.NO
            if key is not None:
                verdict = Suppress.YES if row.row in forgotten_lines else self._suppression(identity, key)
            if verdict is Suppress.YES:
                self.conn.execute(
                    "INSERT INTO rows (page_id, row_no, confidence, status) VALUES (?, ?, 0, ?)",
                    (page_id, row.row, RowStatus.FORGOTTEN.value),
                )
                forgotten += 1
                continue
            flags = row_flags(row) + ([MAYBE_FORGOTTEN] if verdict is Suppress.MAYBE else [])
            cur = self.conn.execute(
                "INSERT INTO rows (page_id, row_no, confidence, flags, line_png, status,"
                " id_email, id_name, id_postcode, id_town) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    page_id,
                    row.row,
                    float(row.confidence),
                    ";".join(flags),
                    row.line_png or None,
                    (RowStatus.REVIEW if flags else RowStatus.CLEAN).value,
                    identity.email,
                    identity.name,
                    identity.postcode,
                    identity.town,
                ),
            )
            row_id = cur.lastrowid
            self.conn.executemany(
                "INSERT INTO fields (row_id, col, value, raw, confidence, flags, crop_png)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (row_id, col, f.value, f.raw, float(f.confidence), ";".join(f.flags), f.crop_png or None)
                    for col, f in row.fields.items()
                ],
            )
            keys = sorted(identity.blocking_keys())
            self.conn.executemany("INSERT INTO row_keys (key, row_id) VALUES (?, ?)", [(k, row_id) for k in keys])
            saved += 1
        return saved, forgotten

    def _suppression(self, identity: Identity, key: bytes) -> Suppress:
        """Does this reading belong to a forgotten person? See scanner/store/suppress.py."""
        hashes = {h: kind for kind, h in hashed_keys([identity], key)}
        if not hashes:
            return Suppress.NO
        hits: dict[int, set[str]] = {}
        for digest, person in self.conn.execute(
            "SELECT hash, person FROM forget_keys WHERE hash IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(hashes)),),
        ):
            hits.setdefault(int(person), set()).add(hashes[str(digest)])
        return judge(identity, hits)

    def _forgotten_lines(self, page_id: int, result: PageResult) -> set[int]:
        """Line numbers forgotten on an earlier scan of the same sheet (same pixels or QR serial).

        The same line of the same sheet is the same person whatever this
        reading makes of it: no hash is needed to know.
        """
        sheet = result.sheet
        return {
            int(n)
            for (n,) in self.conn.execute(
                "SELECT DISTINCT r.row_no FROM rows r JOIN pages q ON q.id = r.page_id"
                " WHERE r.status = 'forgotten' AND q.id <> ? AND q.status = 'ok'"
                " AND ((? <> '' AND q.sha256 = ?)"
                " OR (? IS NOT NULL AND q.serial = ? AND q.form IS ? AND q.campaign IS ?))",
                (
                    page_id,
                    result.sha256,
                    result.sha256,
                    sheet.serial if sheet else None,
                    sheet.serial if sheet else None,
                    sheet.form if sheet else None,
                    sheet.campaign if sheet else None,
                ),
            )
        }

    def run_page_ids(self, run_id: int) -> list[int]:
        """Every page of this run's inputs, read now or reused from an earlier run."""
        return [int(p) for (p,) in self.conn.execute("SELECT page_id FROM run_pages WHERE run_id = ?", (run_id,))]

    def run_pages(self, run_id: int) -> list[tuple[PageRecord, bool]]:
        """(page, reused) for every page of the run, by source then page."""
        cols = ", ".join(f"p.{c.strip()}" for c in _PAGE_COLS.split(","))
        out: list[tuple[PageRecord, bool]] = []
        for row in self.conn.execute(
            f"SELECT {cols}, rp.reused FROM run_pages rp JOIN pages p ON p.id = rp.page_id "
            "WHERE rp.run_id = ? ORDER BY p.source, p.page, p.id",
            (run_id,),
        ):
            record = _page(row[:-1])
            assert record is not None
            out.append((record, bool(row[-1])))
        return out

    def page_failures(self, run_id: int) -> list[PageFailure]:
        """Pages of the run that could not be read, with the reason, by source and page."""
        return [
            PageFailure(PageRef(s, "", int(p or 0)), str(e or "unreadable"))
            for s, p, e in self.conn.execute(
                "SELECT p.source, p.page, p.error FROM run_pages rp JOIN pages p ON p.id = rp.page_id "
                "WHERE rp.run_id = ? AND p.status = 'error' ORDER BY p.source, p.page",
                (run_id,),
            )
        ]

    def execute(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        """Read-only helper for reports and tests."""
        return self.conn.execute(sql, params)
