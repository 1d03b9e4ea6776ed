"""Forget a person, purge images, and no network connection during processing."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from _store_fixtures import FORM, PNG, page, person, row
from click.testing import CliRunner

from scanner.cli.store import forget_cmd, purge_cmd
from scanner.dedupe import decide, dedupe_run
from scanner.errors import UsageError
from scanner.output.export import ExportOptions, export_final, write_run_csvs
from scanner.output.report import write_report
from scanner.privacy import ForgetRequest, NetworkUsed, forbid_network, forget, purge_images
from scanner.store import Action, SaveKind, Store

ANNE = person("PETIT", "Anne", "Anne.Petit@gmail.com", "35000", "Rennes")


def fill(store: Store) -> int:
    run = store.start_run(forms=[FORM])
    store.save_page(
        run,
        page("a.pdf", 1, [row(1, ANNE, flags=("unsigned",)), row(2, person("Roux", "Paul", "paul@x.fr", "35000"))]),
    )
    store.save_page(run, page("b.pdf", 1, [row(1, person("Petit", "Anne", "anne.petit@gmail.com"))]))
    dedupe_run(store, run)
    return run


def test_forget_by_email_removes_values_images_and_history(tmp_path: Path) -> None:
    db = tmp_path / "petition.sqlite"
    with Store.open(db) as s:  # a first session: the values reach the main file
        run = fill(s)
        anne = next(r for r in s.iter_rows() if r.source == "a.pdf" and r.row == 1)
        decide(s, anne.id, Action.CORRECT, column="ville", value="RENNES CEDEX", who="t")
    assert b"RENNES CEDEX" in db.read_bytes()
    with Store.open(db) as s:
        result = forget(s, ForgetRequest(email="annepetit+x@googlemail.com"))
        assert result.rows == 2
        assert [r.ref() for r in s.iter_rows()] == ["a.pdf:1:2"]
        assert s.count_rows() == {"clean": 1, "forgotten": 2}
        assert s.decisions() == []
        assert s.row_images(anne.id) == (None, {})
        stored = b"".join(p.read_bytes() for p in tmp_path.glob("petition.sqlite*"))  # while still open
        write_run_csvs(s, run, None, tmp_path)
        export_final(s, ExportOptions(out=tmp_path / "final.csv"))
    stored += db.read_bytes()
    for name in ("clean.csv", "review.csv", "final.csv"):
        assert "Petit" not in (tmp_path / name).read_text(encoding="utf-8")
    for secret in (b"Anne.Petit", b"anne.petit", b"annepetit", b"PETIT", b"RENNES CEDEX"):
        assert secret not in stored, secret


def test_forgotten_person_does_not_come_back_with_a_rescan(store: Store) -> None:
    fill(store)
    forget(store, ForgetRequest(name="anne PETIT", postcode="35000"))
    # b.pdf has no postcode, but the e-mail and name of the row that matched: the same person
    assert [r.ref() for r in store.iter_rows()] == ["a.pdf:1:2"]
    run = store.start_run(forms=[FORM])
    rescan = page("c.pdf", 1, [row(1, person("Petit", "Anne", "", "35000")), row(2, person("Neuf", "Nina"))])
    outcome = store.save_page(run, rescan)
    assert outcome.kind is SaveKind.NEW and (outcome.rows_saved, outcome.rows_forgotten) == (1, 1)
    assert [r.ref() for r in store.iter_rows([outcome.page.id])] == ["c.pdf:1:2"]
    # the e-mail of a removed row was kept too, though the request named no e-mail
    again = store.save_page(run, page("d.pdf", 1, [row(1, person("Autre", "Nom", "ANNEPETIT@gmail.com"))]))
    assert again.rows_forgotten == 1
    kinds = {k for (k,) in store.execute("SELECT kind FROM forget_keys")}
    assert {"email", "name_postcode", "email_folded", "email_near", "name_town"} <= kinds
    assert all(len(h) == 64 for (h,) in store.execute("SELECT hash FROM forget_keys"))


def test_forgotten_hashes_are_salted_per_store(store: Store) -> None:
    other = Store.memory()
    for s in (store, other):
        forget(s, ForgetRequest(email="x@y.fr"))
    assert (
        store.execute("SELECT hash FROM forget_keys").fetchall()
        != other.execute("SELECT hash FROM forget_keys").fetchall()
    )


def test_forget_rechecks_rows_that_pointed_to_the_removed_one(store: Store) -> None:
    run = store.start_run(forms=[FORM])
    store.save_page(
        run,
        page(
            "a.pdf",
            1,
            [
                row(1, person("Martin", "Marie", "m1@x.fr", "69001")),
                row(2, person("Martin", "Marie", "m2@x.fr", "69001")),
                row(3, person("Martin", "Marie", "m3@x.fr", "69001")),
            ],
        ),
    )
    dedupe_run(store, run)
    result = forget(store, ForgetRequest(email="m1@x.fr"))
    assert result.rechecked == 2
    assert {r.ref(): r.duplicate_of for r in store.iter_rows()} == {"a.pdf:1:2": "", "a.pdf:1:3": "a.pdf:1:2"}


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (ForgetRequest(), "needs --email"),
        (ForgetRequest(name="Anne Petit"), "needs --postcode"),
        (ForgetRequest(email="not-an-address"), "not an e-mail"),
        (ForgetRequest(name="Anne", postcode="350"), "not a French postcode"),
    ],
)
def test_forget_refuses_vague_requests(store: Store, request_: ForgetRequest, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        forget(store, request_)


def test_purge_only_touches_pages_whose_rows_are_all_done(store: Store) -> None:
    fill(store)
    assert purge_images(store) == purge_images(store, dry_run=True)
    assert purge_images(store).pages == 0  # nothing exported or decided yet
    rows = {r.ref(): r for r in store.iter_rows()}
    decide(store, rows["b.pdf:1:1"].id, Action.REJECT, who="t")
    dry = purge_images(store, dry_run=True)
    assert (dry.pages, dry.images) == (1, 1 + 7)  # b.pdf: one line image and seven crops
    assert store.row_images(rows["b.pdf:1:1"].id)[0] is not None
    done = purge_images(store)
    assert done == dry and done.bytes == len(PNG) * 2 + len(PNG) * 7
    assert store.row_images(rows["b.pdf:1:1"].id) == (None, {})
    assert store.row_images(rows["a.pdf:1:1"].id)[0] is not None  # still waiting for a review
    assert store.execute("SELECT COUNT(*) FROM purges").fetchone()[0] == 1


def test_forget_and_purge_commands(tmp_path: Path) -> None:
    with Store.open(tmp_path) as s:
        fill(s)
    runner = CliRunner()
    result = runner.invoke(forget_cmd, ["--store", str(tmp_path), "--email", "anne.petit@gmail.com"], input="y\n")
    assert result.exit_code == 0, result.output
    assert "removed 2 row(s)" in result.output
    declined = runner.invoke(forget_cmd, ["--store", str(tmp_path), "--email", "paul@x.fr"], input="n\n")
    assert declined.exit_code != 0
    bad = runner.invoke(forget_cmd, ["--store", str(tmp_path), "--name", "Paul Roux", "--yes"])
    assert isinstance(bad.exception, UsageError)
    with Store.open(tmp_path) as s:
        export_final(s, ExportOptions(out=tmp_path / "final.csv"))
    purge = runner.invoke(purge_cmd, ["--store", str(tmp_path)])
    # Paul's line and 7 crops; Anne's images went with 'forget'
    assert purge.exit_code == 0 and "deleted 8 image(s) (0.0 MB) of 2 page(s)" in purge.output


def test_network_guard_blocks_connections() -> None:
    with forbid_network():
        with pytest.raises(NetworkUsed):
            socket.create_connection(("127.0.0.1", 9))
        with pytest.raises(NetworkUsed), socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.connect(("192.0.2.1", 80))
        with pytest.raises(NetworkUsed):
            socket.getaddrinfo("example.org", 80)
    a, b = socket.socketpair()  # restored afterwards
    a.close()
    b.close()


def test_a_whole_processing_run_opens_no_connection_and_reruns_identically(tmp_path: Path) -> None:
    from scanner.run.process import ProcessOptions, run_process

    sheet = Path(__file__).resolve().parent.parent / "samples" / "demo" / "fax-001.png"
    with forbid_network():
        first = run_process(ProcessOptions(inputs=(sheet,), out_dir=tmp_path / "1", workers=1, quiet=True))
        store = tmp_path / "1" / "petition.sqlite"
        again = run_process(
            ProcessOptions(inputs=(sheet,), out_dir=tmp_path / "2", store_path=store, workers=1, quiet=True)
        )
    assert first.rows > 0 and again.pages_skipped == 1
    for name in ("clean.csv", "review.csv"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()


def test_storing_deduplicating_exporting_and_reporting_stay_offline(tmp_path: Path) -> None:
    with forbid_network(), Store.open(tmp_path) as s:
        run = fill(s)
        write_run_csvs(s, run, None, tmp_path)
        write_report(s, run, tmp_path)
        export_final(s, ExportOptions(out=tmp_path / "final.csv"))
        forget(s, ForgetRequest(email="paul@x.fr"))
        purge_images(s)
        s.finish_run(run)
    assert (tmp_path / "report.html").exists()
