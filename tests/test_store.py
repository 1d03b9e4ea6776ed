"""The batch store: migrations, atomic pages, re-runs, same sheet twice, kill -9."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from _store_fixtures import FORM, PNG, page, person, row

from scanner.dedupe import decide
from scanner.forms import Form
from scanner.store import Action, RowStatus, SaveKind, Store, StoreError
from scanner.store.schema import MIGRATIONS, Migration, migrate

WRITER = Path(__file__).resolve().parent / "_store_writer.py"


def test_fresh_store_records_every_migration_in_order(store: Store) -> None:
    applied = store.migrations()
    assert [(v, n) for v, n, _ in applied] == [(m.version, m.name) for m in MIGRATIONS]
    assert all(at.endswith("+00:00") for _, _, at in applied)
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_older_store_is_upgraded_once(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, MIGRATIONS[:1]) == [1]
    conn.close()
    with Store.open(path) as s:
        assert [v for v, _, _ in s.migrations()] == [m.version for m in MIGRATIONS]
    with Store.open(path) as s:  # nothing left to apply
        assert len(s.migrations()) == len(MIGRATIONS)
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_store_from_a_newer_tool_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, (*MIGRATIONS, Migration(99, "future", "CREATE TABLE future (x)")))
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store.open(path)


def test_a_failing_migration_leaves_no_trace(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "s.sqlite", isolation_level=None)
    last = MIGRATIONS[-1].version
    broken = (*MIGRATIONS, Migration(last + 1, "broken", "CREATE TABLE ok_part (x); CREATE TABLE runs (x);"))
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, broken)
    assert [v for (v,) in conn.execute("SELECT version FROM migrations")] == [m.version for m in MIGRATIONS]
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'ok_part'").fetchone() is None


def test_missing_store_is_an_error_when_not_creating(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no batch store"):
        Store.open(tmp_path / "nothing.sqlite", create=False)
    (tmp_path / "junk.sqlite").write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a petition-scan store"):
        Store.open(tmp_path / "junk.sqlite")


def test_save_page_stores_rows_fields_images_and_flags(store: Store) -> None:
    run = store.start_run({"inputs": ["a.pdf"]}, "0.1", forms=[FORM])
    values = person("DUPONT", "Jean", "jean@example.org", "75011", "Paris")
    outcome = store.save_page(
        run,
        page(
            "a.pdf",
            1,
            [row(2, values, flags=("unsigned",), field_flags={"email": ["low_confidence:email"], "nom": ["invalid"]})],
        ),
    )
    assert outcome.kind is SaveKind.NEW and outcome.rows_saved == 1
    [stored] = list(store.iter_rows())
    assert (stored.source, stored.page, stored.row) == ("a.pdf", 1, 2)
    assert stored.flags == ("unsigned", "invalid:nom", "low_confidence:email")
    assert stored.status is RowStatus.REVIEW
    assert stored.fields["email"].value == "jean@example.org"
    line, crops = store.row_images(stored.id)
    assert line == PNG * 2 and crops["nom"] == PNG
    assert store.form("surveillance-fr") == FORM


def test_saving_the_same_page_again_adds_nothing(store: Store) -> None:
    run = store.start_run(forms=[FORM])
    result = page("a.pdf", 1, [row(1, person("A", "B"))])
    assert store.save_page(run, result).kind is SaveKind.NEW
    run2 = store.start_run(forms=[FORM])
    again = store.save_page(run2, result)
    assert again.kind is SaveKind.ALREADY_STORED and again.rows_saved == 0
    assert store.count_rows() == {"clean": 1}
    assert store.run_page_ids(run2) == store.run_page_ids(run)


def test_reuse_page_by_pixels_or_file_hash_links_the_page_to_the_run(store: Store) -> None:
    run = store.start_run(forms=[FORM])
    result = page("a.pdf", 1, [row(1, person("A", "B"))])
    store.save_page(run, result, file_sha256="f" * 64)
    run2 = store.start_run(forms=[FORM])
    assert store.reuse_page(run2, result.ref, "0" * 64) is None  # other pixels: read it again
    assert store.reuse_page(run2, result.ref, file_sha256="f" * 64) is not None
    assert [(p.source, reused) for p, reused in store.run_pages(run2)] == [("a.pdf", True)]


def test_same_sheet_scanned_twice_is_reported_by_pixels_and_by_serial(store: Store) -> None:
    run = store.start_run(forms=[FORM])
    first = store.save_page(run, page("a.pdf", 1, [row(1, person("A", "B"))], serial="K7P2"))
    copy = store.save_page(run, page("copy.pdf", 3, [row(1, person("A", "B"))], sha=first.page.sha256))
    rescan = store.save_page(run, page("b.pdf", 1, [row(1, person("A", "B"))], serial="K7P2"))
    other = store.save_page(run, page("c.pdf", 1, [row(1, person("A", "B"))], serial="ZZZZ"))
    assert copy.kind is SaveKind.SAME_SHEET and copy.twin == first.page
    assert rescan.kind is SaveKind.SAME_SHEET and rescan.twin == first.page
    assert other.kind is SaveKind.NEW
    assert store.lookup_page(first.page.sha256) == first.page
    assert store.lookup_page("nope", "K7P2", form="surveillance-fr", campaign="test") == first.page
    assert store.lookup_page("nope", "K7P2", campaign="other") is None


def test_failed_page_is_kept_with_its_reason_and_read_again_next_time(store: Store) -> None:
    run = store.start_run(forms=[FORM])
    failed = page("bad.pdf", 2, [], error="no table found", sha="ab" * 32)
    assert store.save_page(run, failed).kind is SaveKind.FAILED
    store.record_failure(run, "gone.pdf", "/scans/gone.pdf", None, "cannot open the file")
    assert [(f.source, f.page, f.reason) for f in store.page_failures(run)] == [
        ("bad.pdf", 2, "no table found"),
        ("gone.pdf", None, "cannot open the file"),
    ]
    assert store.reuse_page(run, failed.ref, failed.sha256) is None  # failures are retried
    run2 = store.start_run(forms=[FORM])
    fixed = page("bad.pdf", 2, [row(1, person("A", "B"))], sha="ab" * 32)
    assert store.save_page(run2, fixed).kind is SaveKind.NEW
    assert store.page_failures(run2) == []
    assert store.execute("SELECT COUNT(*) FROM pages WHERE source = 'bad.pdf'").fetchone()[0] == 1


def test_save_page_is_all_or_nothing(store: Store) -> None:
    """An error in the middle of a page's rows leaves no trace of the page."""
    run = store.start_run(forms=[FORM])
    duplicated_row_number = [row(1, person("A", "B")), row(1, person("C", "D"))]
    with pytest.raises(sqlite3.IntegrityError):
        store.save_page(run, page("a.pdf", 1, duplicated_row_number))
    assert store.execute("SELECT COUNT(*) FROM pages").fetchone()[0] == 0
    assert store.execute("SELECT COUNT(*) FROM fields").fetchone()[0] == 0
    assert store.save_page(run, page("a.pdf", 1, [row(1, person("A", "B"))])).kind is SaveKind.NEW


def test_unknown_form_is_a_clear_error(store: Store) -> None:
    run = store.start_run()
    with pytest.raises(StoreError, match="form 'mystery'"):
        store.save_page(run, page("a.pdf", 1, [row(1, person("A", "B"))], form="mystery"))


def test_registered_custom_form_survives_reopening(tmp_path: Path) -> None:
    custom = Form.model_validate(
        {"name": "custom", "columns": [{"name": "email", "type": "email"}, {"name": "x", "type": "ignore"}]}
    )
    with Store.open(tmp_path) as s:
        s.start_run(forms=[custom])
    with Store.open(tmp_path / "petition.sqlite") as s:
        assert s.form("custom") == custom
        assert [f.name for f in s.known_forms()] == ["custom"]


def test_review_decisions_are_applied_and_audited(store: Store) -> None:
    run = store.start_run(forms=[FORM])
    store.save_page(run, page("a.pdf", 1, [row(1, person("DUPONT", "Jean", "jean@example.org"), flags=("x",))]))
    [r] = list(store.iter_rows())
    decide(store, r.id, Action.CORRECT, column="email", value="jean.d@example.org", who="tab-1")
    decide(store, r.id, "accept", who="tab-1")
    after = store.get_row(r.id)
    assert after is not None and after.status is RowStatus.ACCEPTED
    assert after.fields["email"].value == "jean.d@example.org"
    trail = [(d.action, d.column, d.old_value, d.new_value, d.who) for d in store.decisions(r.id)]
    assert trail == [
        ("correct", "email", "jean@example.org", "jean.d@example.org", "tab-1"),
        ("accept", None, "review", "accepted", "tab-1"),
    ]
    keys = {k for (k,) in store.execute("SELECT key FROM row_keys WHERE row_id = ?", (r.id,))}
    assert "e:jean.d@example.org" in keys and "e:jean@example.org" not in keys
    with pytest.raises(StoreError):
        decide(store, r.id, Action.CORRECT, column="nope", value="x")


def _run_writer(store_path: Path, seed: int, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(WRITER), str(store_path), "--seed", str(seed), *extra],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


def _kill_when(store_path: Path, seed: int, line: str, *extra: str) -> None:
    """Start the writer and kill -9 it as soon as it prints ``line``."""
    child = subprocess.Popen(
        [sys.executable, str(WRITER), str(store_path), "--seed", str(seed), *extra],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    for out in child.stdout:
        if out.strip() == line:
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL, "the writer finished before it could be killed"


def test_killed_runs_resume_to_exactly_the_uninterrupted_result(tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    _run_writer(reference / "petition.sqlite", 1, "--finish", str(reference))

    resumed = tmp_path / "resumed"
    db = resumed / "petition.sqlite"
    resumed.mkdir()
    _kill_when(db, 2, "inside", "--hang-at", "5")  # inside the 5th page's transaction
    _kill_when(db, 3, "saved 9")  # between two pages, in another order
    _run_writer(db, 4, "--finish", str(resumed))

    for name in ("clean.csv", "review.csv"):
        assert (resumed / name).read_text() == (reference / name).read_text(), name
    review = (reference / "review.csv").read_text()
    assert ",duplicate," in review  # the batch does contain duplicates to order
    with Store.open(db) as s:
        assert s.execute("SELECT COUNT(*) FROM pages").fetchone()[0] == 25
        assert s.execute("SELECT COUNT(*) FROM rows").fetchone()[0] == 24 * 6
        assert s.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
