"""Forget finds every line of the person, lists them, removes their images and keeps
near readings from coming back (issue 18, item 2)."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import stat
from pathlib import Path

import pytest
from _store_fixtures import FORM, page, person, row
from click.testing import CliRunner

from scanner.cli.store import forget_cmd
from scanner.dedupe import dedupe_run
from scanner.privacy import ForgetRequest, find, forget
from scanner.review.app import Request, ReviewApp, StoreWorker
from scanner.review.security import Guard
from scanner.store import SaveKind, Store
from scanner.store.keys import ForgetKeyError, key_path
from scanner.store.schema import MIGRATIONS, migrate
from scanner.store.suppress import MAYBE_FORGOTTEN

MOUNIA = person("BENALI", "Mounia", "mounia1969@gmail.com", "75011", "Paris")
#: her other line, crossed out: e-mail read 'l' for '1', postcode read '0', town unreadable
MOUNIA_CROSSED = person("BENALI", "Mounia", "mounial969@gmail.com", "0", "")
#: another person, a letter away in name, same postcode: listed as "may be", never removed unasked
MOUNIR = person("BENALI", "Mounir", "mounir.benali@free.fr", "75011", "Paris")
KARIM = person("BENALI", "Karim", "k.benali@orange.fr", "75011", "Paris")
PAUL = person("ROUX", "Paul", "paul.roux@x.fr", "35000", "Rennes")


def sheets() -> list:
    return [
        page(
            "lot1.pdf",
            1,
            [
                row(3, MOUNIA),
                row(4, PAUL),
                row(7, MOUNIA_CROSSED, flags=("crossed_out",), field_flags={"code_postal": ["invalid"]}),
            ],
            serial="S-0001",
        ),
        page("lot2.pdf", 1, [row(1, MOUNIR), row(2, KARIM)]),
    ]


def fill(path: Path) -> dict[str, int]:
    """The issue's store: row ids by source:page:row."""
    with Store.open(path) as store:
        run = store.start_run(forms=[FORM])
        for sheet in sheets():
            store.save_page(run, sheet)
        dedupe_run(store, run)
        return {r.ref(): r.id for r in store.iter_rows()}


def snapshot(path: Path) -> tuple[object, ...]:
    with Store.open(path) as store:
        return (
            store.count_rows(),
            store.execute("SELECT row_id, col, value, crop_png FROM fields ORDER BY row_id, col").fetchall(),
            store.execute("SELECT id, line_png, status, flags, dup_flag FROM rows ORDER BY id").fetchall(),
            store.execute("SELECT COUNT(*) FROM forget_keys").fetchone(),
        )


def image_status(path: Path, row_id: int) -> tuple[int, int]:
    """What the review page answers for the row's line image and its e-mail crop."""
    worker = StoreWorker(lambda: Store.open(path), who="test")
    try:
        app = ReviewApp(Guard(port=8125), worker, lang="en")
        headers = {"host": "127.0.0.1:8125", "cookie": f"{app.guard.cookie_name}={app.guard.token}"}
        line = app.handle(Request("GET", f"/img/line/{row_id}", {}, headers))
        crop = app.handle(Request("GET", f"/img/crop/{row_id}/email", {}, headers))
        return line.status, crop.status
    finally:
        worker.close()


def test_dry_run_lists_both_lines_and_the_namesake_apart_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "petition.sqlite"
    fill(db)
    before = snapshot(db)
    out = CliRunner().invoke(forget_cmd, ["--store", str(db), "--email", "mounia1969@gmail.com", "--dry-run"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    sure_at, maybe_at = lines.index("2 row(s) of this person, to remove:"), next(
        i for i, line in enumerate(lines) if "may be the same person" in line
    )
    assert sure_at < maybe_at
    sure, maybe = lines[sure_at + 1 : maybe_at], lines[maybe_at + 1 :]
    assert [s.split()[0] for s in sure] == ["lot1.pdf:1:3", "lot1.pdf:1:7"]
    assert "crossed_out" in sure[1] and "mounial969@gmail.com" in sure[1] and "letters read as digits" in sure[1]
    assert any(m.split()[0] == "lot2.pdf:1:1" for m in maybe)  # Mounir: shown, for a person to decide
    assert "Karim" not in out.output and "ROUX" not in out.output
    assert "dry run: nothing changed" in out.output
    assert snapshot(db) == before
    with Store.open(db) as store:
        assert not key_path(store.store_id).exists()  # no key made for nothing


def test_forget_by_email_removes_both_lines_images_and_they_do_not_come_back(tmp_path: Path) -> None:
    db = tmp_path / "petition.sqlite"
    ids = fill(db)
    mounia, crossed = ids["lot1.pdf:1:3"], ids["lot1.pdf:1:7"]
    assert image_status(db, crossed) == (200, 200)
    out = CliRunner().invoke(forget_cmd, ["--store", str(db), "--email", "mounia1969@gmail.com", "--yes"])
    assert out.exit_code == 0, out.output
    assert "removed 2 row(s)" in out.output and "kept 1 row(s) that may be the same person" in out.output
    assert image_status(db, mounia) == (404, 404) and image_status(db, crossed) == (404, 404)
    with Store.open(db) as store:
        kept = {r.ref() for r in store.iter_rows()}
        assert kept == {"lot1.pdf:1:4", "lot2.pdf:1:1", "lot2.pdf:1:2"}
        assert store.count_rows()["forgotten"] == 2
        # reprocessing: the same pages saved again bring nothing back
        run = store.start_run(forms=[FORM])
        assert [store.save_page(run, s).kind for s in sheets()] == [SaveKind.ALREADY_STORED] * 2
        dedupe_run(store, run)
        assert {r.ref() for r in store.iter_rows()} == kept
        # the same sheet scanned again (same QR serial, other pixels), her lines read otherwise
        rescan = store.save_page(
            run,
            page(
                "rescan.pdf",
                1,
                [
                    row(3, person("BENALI", "Mounia", "mounia1969@gmai1.com", "75O11", "Paris")),
                    row(4, PAUL),
                    row(7, person("BENAU", "Monia", "", "", ""), flags=("crossed_out",)),
                ],
                serial="S-0001",
            ),
        )
        assert (rescan.kind, rescan.rows_saved, rescan.rows_forgotten) == (SaveKind.SAME_SHEET, 1, 2)
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("petition.sqlite*"))
    for secret in (b"mounia1969", b"mounial969", b"Mounia"):
        assert secret not in stored, secret


def test_forget_by_name_and_postcode_finds_the_line_whose_postcode_was_misread(tmp_path: Path) -> None:
    db = tmp_path / "petition.sqlite"
    ids = fill(db)
    # asked one by one: Mounir is not her (n), then the final confirmation (y)
    out = CliRunner().invoke(
        forget_cmd, ["--store", str(db), "--name", "Mounia BENALI", "--postcode", "75011"], input="n\ny\n"
    )
    assert out.exit_code == 0, out.output
    assert "also remove lot2.pdf:1:1 (BENALI | Mounir | mounir.benali@free.fr | 75011 | Paris)?" in out.output
    assert "removed 2 row(s)" in out.output
    assert image_status(db, ids["lot1.pdf:1:7"]) == (404, 404)
    with Store.open(db) as store:
        assert {r.ref() for r in store.iter_rows()} == {"lot1.pdf:1:4", "lot2.pdf:1:1", "lot2.pdf:1:2"}


def test_declining_the_confirmation_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "petition.sqlite"
    fill(db)
    before = snapshot(db)
    out = CliRunner().invoke(forget_cmd, ["--store", str(db), "--email", "mounia1969@gmail.com"], input="n\nn\n")
    assert out.exit_code != 0
    assert snapshot(db) == before


def test_include_possible_removes_the_listed_maybe_rows_too(tmp_path: Path) -> None:
    db = tmp_path / "petition.sqlite"
    fill(db)
    args = ["--store", str(db), "--name", "Mounia BENALI", "--postcode", "75011", "--yes", "--include-possible"]
    out = CliRunner().invoke(forget_cmd, args)
    assert out.exit_code == 0 and "removed 3 row(s)" in out.output
    with Store.open(db) as store:
        assert {r.ref() for r in store.iter_rows()} == {"lot1.pdf:1:4", "lot2.pdf:1:2"}  # Karim never listed


def test_new_sheets_near_readings_are_caught_from_hashes_or_sent_to_review(tmp_path: Path) -> None:
    db = tmp_path / "petition.sqlite"
    fill(db)
    with Store.open(db) as store:
        forget(store, ForgetRequest(email="mounia1969@gmail.com"))
        run = store.start_run(forms=[FORM])
        outcome = store.save_page(
            run,
            page(
                "other-sheet.pdf",
                1,
                [
                    # letters read as digits, postcode lost: her, from the hashes alone
                    row(1, person("Benali", "Mounia", "mounia1969@gmai1.com", "", "")),
                    row(2, person("Mounia", "Benali", "rnounial969@gmail.com", "0", "")),
                    # the name in the same department, no e-mail: maybe her, so review
                    row(3, person("BENALI", "Mounia", "", "75012", "")),
                    # an e-mail one character off, no name: maybe her
                    row(4, person("", "", "mounia1968@gmail.com", "", "")),
                    # the namesake in another town, and another person: no doubt
                    row(5, person("BENALI", "Mounia", "", "13001", "Marseille")),
                    row(6, MOUNIR),
                ],
            ),
        )
        assert (outcome.rows_saved, outcome.rows_forgotten) == (4, 2)
        rows = {r.row: r for r in store.iter_rows([outcome.page.id])}
        assert sorted(rows) == [3, 4, 5, 6]
        assert [n for n, r in rows.items() if MAYBE_FORGOTTEN in r.flags] == [3, 4]
        assert rows[3].status.value == "review" and rows[4].status.value == "review"
        assert MAYBE_FORGOTTEN not in rows[5].flags and MAYBE_FORGOTTEN not in rows[6].flags


def test_the_store_alone_cannot_tell_whether_an_address_was_forgotten(
    tmp_path: Path, forget_key_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "petition.sqlite"
    fill(db)
    with Store.open(db) as store:
        forget(store, ForgetRequest(email="mounia1969@gmail.com"))
        store_id = store.store_id
        path = key_path(store_id)
        key = store.forget_key(create=False)
    assert key is not None and path.parent == forget_key_dir
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = db.read_bytes()
    assert key.hex().encode() not in raw and key not in raw
    # with the key file elsewhere, reading a page refuses to go on without it...
    monkeypatch.setenv("PETITION_SCAN_KEY_DIR", str(tmp_path / "elsewhere"))
    with Store.open(db) as store:
        with pytest.raises(ForgetKeyError, match="forget key of this store is missing"):
            store.start_run(forms=[FORM])  # before any page is read
        with pytest.raises(ForgetKeyError, match="forget key of this store is missing"):
            store.save_page(store.last_run_id() or 0, page("new.pdf", 1, [row(1, MOUNIA)]))
        assert store.execute("SELECT COUNT(*) FROM pages WHERE source = 'new.pdf'").fetchone() == (0,)
    # ...and another store's key is refused, not used
    (tmp_path / "elsewhere").mkdir()
    key_path(store_id).write_text("00" * 32 + "\n")
    with Store.open(db) as store, pytest.raises(ForgetKeyError, match="key of another store"):
        forget(store, ForgetRequest(email="paul.roux@x.fr"))


def test_an_older_store_moves_its_salt_out_and_still_recognises_who_it_forgot(tmp_path: Path) -> None:
    db = tmp_path / "petition.sqlite"
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, MIGRATIONS[:3])  # schema version 3: the salt and the hashes in one file
    salt = bytes(range(32))
    old_hash = hmac.new(salt, b"email:mounia1969@gmail.com", hashlib.sha256).hexdigest()
    conn.execute("INSERT INTO meta (key, value) VALUES ('salt', ?)", (salt.hex(),))
    conn.execute("INSERT INTO forgotten (hash, kind, forgotten_at) VALUES (?, 'email', 'then')", (old_hash,))
    conn.close()
    with Store.open(db) as store:
        assert [v for v, _, _ in store.migrations()] == [1, 2, 3, 4]
        assert store.meta("salt") is None
        assert key_path(store.store_id).read_text().strip() == salt.hex()
        run = store.start_run(forms=[FORM])
        outcome = store.save_page(run, page("a.pdf", 1, [row(1, MOUNIA), row(2, PAUL)]))
        assert (outcome.rows_saved, outcome.rows_forgotten) == (1, 1)
    assert salt.hex().encode() not in b"".join(p.read_bytes() for p in tmp_path.glob("petition.sqlite*"))


def test_find_grows_from_each_sure_row_but_not_through_maybe_rows(store: Store) -> None:
    run = store.start_run(forms=[FORM])
    store.save_page(run, page("a.pdf", 1, [row(1, MOUNIA), row(2, MOUNIA_CROSSED, flags=("crossed_out",))]))
    # reached only through Mounir, who is a "may be": must not be pulled in
    store.save_page(run, page("b.pdf", 1, [row(1, MOUNIR), row(2, person("BENALI", "Mounir", "", "75011"))]))
    found = find(store, ForgetRequest(name="benali mounia", postcode="75011"))
    assert [c.ref for c in found.sure] == ["a.pdf:1:1", "a.pdf:1:2"]
    assert [c.ref for c in found.possible] == ["b.pdf:1:1", "b.pdf:1:2"]
    assert "as a.pdf:1:1" in found.sure[1].why
