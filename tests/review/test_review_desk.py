"""Review decisions on the store: version checks, the audit trail, undo, field mode, export."""

from __future__ import annotations

import csv
from pathlib import Path

from scanner.dedupe import decide
from scanner.forms import ColumnType
from scanner.output.export import ExportOptions, export_final
from scanner.review.data import ReviewData
from scanner.review.desk import OutcomeKind, ReviewDesk, RowChoice, clean_value
from scanner.store import RowStatus, Store


def _version(store: Store, row_id: int) -> str:
    version = ReviewData(store).version(row_id)
    assert version is not None
    return version


def test_queue_is_in_paper_order_and_skipping_wraps_round(scenario_store: tuple[Store, dict[str, int]]) -> None:
    store, ids = scenario_store
    data = ReviewData(store)
    order = [ids[k] for k in ("martin", "leroy", "bernard", "dupont2", "petit")]
    assert data.next_pending() == order[0]
    assert [data.next_pending(i) for i in order] == [*order[1:], order[0]]
    assert data.counts().review == 5 and data.counts().clean == 1


def test_accept_with_a_correction_writes_the_audit_trail(scenario_store: tuple[Store, dict[str, int]]) -> None:
    store, ids = scenario_store
    desk = ReviewDesk(store, who="tester")
    row = ids["martin"]
    out = desk.decide_row(row, _version(store, row), RowChoice.ACCEPT, {"code_postal": " 69003 ", "nom": "MARTIN"})
    assert out.ok
    stored = store.get_row(row)
    assert stored is not None and stored.status is RowStatus.ACCEPTED
    assert stored.fields["code_postal"].value == "69003"
    trail = [(d.action, d.column, d.old_value, d.new_value, d.who) for d in store.decisions(row)]
    assert trail == [
        ("correct", "code_postal", "69008", "69003", "tester"),
        ("accept", None, "review", "accepted", "tester"),
    ]
    assert all(d.at for d in store.decisions(row))


def test_a_stale_tab_gets_already_decided_and_overwrites_nothing(
    scenario_store: tuple[Store, dict[str, int]],
) -> None:
    store, ids = scenario_store
    row = ids["martin"]
    seen_by_both = _version(store, row)
    first, second = ReviewDesk(store), ReviewDesk(store)
    assert first.decide_row(row, seen_by_both, RowChoice.REJECT).ok
    out = second.decide_row(row, seen_by_both, RowChoice.ACCEPT, {"code_postal": "69001"})
    assert out.kind is OutcomeKind.CONFLICT
    stored = store.get_row(row)
    assert stored is not None and stored.status is RowStatus.REJECTED
    assert stored.fields["code_postal"].value == "69008"
    assert [d.action for d in store.decisions(row)] == ["reject"]


def test_an_invalid_correction_is_refused_whole(scenario_store: tuple[Store, dict[str, int]]) -> None:
    store, ids = scenario_store
    row = ids["martin"]
    out = ReviewDesk(store).decide_row(row, _version(store, row), RowChoice.ACCEPT,
                                       {"nom": "MARTINE", "code_postal": "6903"})
    assert out.kind is OutcomeKind.INVALID and out.column == "code_postal"
    stored = store.get_row(row)
    assert stored is not None and stored.status is RowStatus.REVIEW and stored.fields["nom"].value == "MARTIN"
    assert store.decisions(row) == []


def test_clean_value_normalises_and_refuses() -> None:
    assert clean_value(ColumnType.POSTCODE, " 69 003") == ("69003", "")
    assert clean_value(ColumnType.POSTCODE, "6900O")[1]  # a letter O, not a zero
    assert clean_value(ColumnType.EMAIL, "a @b.fr") == ("a@b.fr", "")
    assert clean_value(ColumnType.EMAIL, "ab.fr")[1]
    assert clean_value(ColumnType.SIGNATURE, "on") == ("true", "")
    assert clean_value(ColumnType.CHECKBOX, "") == ("false", "")
    assert clean_value(ColumnType.NAME, "  Jean   Pierre ") == ("Jean Pierre", "")


def test_confirmed_duplicate_leaves_the_queue_and_undo_brings_it_back(
    scenario_store: tuple[Store, dict[str, int]],
) -> None:
    store, ids = scenario_store
    data, desk = ReviewData(store), ReviewDesk(store)
    row = ids["dupont2"]
    view = data.row(row)
    assert view is not None and view.candidate is not None and view.candidate.id == ids["dupont"]
    assert desk.decide_row(row, view.version, RowChoice.DUPLICATE).ok
    assert row not in _queue(data)
    assert data.counts().duplicates == 1
    undone = desk.undo()
    assert undone.ok and undone.row_id == row
    assert row in _queue(data)
    again = data.row(row)
    assert again is not None and again.dup_flag == "duplicate" and again.dup_override is None
    assert [d.action for d in store.decisions(row)] == ["duplicate", "reopen"]


def test_accepting_a_duplicate_candidate_records_different_people(
    scenario_store: tuple[Store, dict[str, int]],
) -> None:
    store, ids = scenario_store
    row = ids["dupont2"]
    assert ReviewDesk(store).decide_row(row, _version(store, row), RowChoice.ACCEPT).ok
    assert [d.action for d in store.decisions(row)] == ["not_duplicate", "accept"]


def test_undo_restores_values_and_status(scenario_store: tuple[Store, dict[str, int]]) -> None:
    store, ids = scenario_store
    desk = ReviewDesk(store)
    row = ids["martin"]
    desk.decide_row(row, _version(store, row), RowChoice.ACCEPT, {"code_postal": "69003"})
    assert desk.undo().ok
    stored = store.get_row(row)
    assert stored is not None and stored.status is RowStatus.REVIEW
    assert stored.fields["code_postal"].value == "69008"
    assert [(d.action, d.new_value) for d in store.decisions(row)] == [
        ("correct", "69003"), ("accept", "accepted"), ("correct", "69008"), ("reopen", None)
    ]
    assert desk.undo().kind is OutcomeKind.NOTHING


def test_undo_refuses_when_another_tab_changed_the_row(scenario_store: tuple[Store, dict[str, int]]) -> None:
    store, ids = scenario_store
    mine, other = ReviewDesk(store), ReviewDesk(store)
    row = ids["bernard"]
    mine.decide_field(row, _version(store, row), "email", "louise.bernard@exemple.fr")
    other.undo()  # nothing of its own
    assert other.decide_row(row, _version(store, row), RowChoice.REJECT).kind is OutcomeKind.CONFLICT  # accepted
    assert other.undo().kind is OutcomeKind.NOTHING
    # another reviewer reopens it by hand: my undo must not overwrite what they did
    decide(store, row, "reopen", who="someone else")
    assert mine.undo().kind is OutcomeKind.CONFLICT
    stored = store.get_row(row)
    assert stored is not None and stored.fields["email"].value == "louise.bernard@exemple.fr"


def test_field_mode_lists_doubtful_values_and_accepts_a_row_when_its_last_doubt_is_settled(
    scenario_store: tuple[Store, dict[str, int]],
) -> None:
    store, ids = scenario_store
    data, desk = ReviewData(store), ReviewDesk(store)
    columns = {c.column: c.count for c in data.doubtful_columns()}
    assert columns == {"email": 1, "code_postal": 1}
    (item,) = data.doubtful_fields("email")
    assert item.row_id == ids["bernard"] and item.field.value == "louise.bernardexemple.fr"
    assert item.field.has_crop
    out = desk.decide_field(item.row_id, item.version, "email", "louise.bernard@exemple.fr")
    assert out.ok and out.accepted
    assert data.doubtful_fields("email") == []
    stored = store.get_row(item.row_id)
    assert stored is not None and stored.status is RowStatus.ACCEPTED
    # undo: value, status and the field's place in the list come back
    assert desk.undo().ok
    assert [i.row_id for i in data.doubtful_fields("email")] == [ids["bernard"]]
    stored = store.get_row(item.row_id)
    assert stored is not None and stored.status is RowStatus.REVIEW
    assert stored.fields["email"].value == "louise.bernardexemple.fr"


def test_field_mode_keeps_a_row_with_another_flag_in_the_queue(scenario_store: tuple[Store, dict[str, int]]) -> None:
    store, ids = scenario_store
    row = ids["petit"]
    desk = ReviewDesk(store)
    # PETIT has no doubtful value, only 'unsigned': a field decision never accepts it
    out = desk.decide_field(row, _version(store, row), "nom", "PETIT")
    assert out.ok and not out.accepted
    stored = store.get_row(row)
    assert stored is not None and stored.status is RowStatus.REVIEW


def test_a_correction_that_reveals_a_duplicate_is_shown_before_accepting(
    scenario_store: tuple[Store, dict[str, int]],
) -> None:
    store, ids = scenario_store
    row = ids["petit"]
    out = ReviewDesk(store).decide_row(
        row, _version(store, row), RowChoice.ACCEPT,
        {"nom": "DUPONT", "prenom": "Jean", "email": "jean.dupont@exemple.fr", "code_postal": "75011"},
    )
    assert out.ok and out.action == "new_duplicate"
    stored = store.get_row(row)
    assert stored is not None and stored.status is RowStatus.REVIEW and stored.dup_flag is not None


def test_export_has_the_reviewed_rows(scenario_store: tuple[Store, dict[str, int]], tmp_path: Path) -> None:
    store, ids = scenario_store
    desk = ReviewDesk(store)
    desk.decide_row(ids["martin"], _version(store, ids["martin"]), RowChoice.ACCEPT, {"code_postal": "69003"})
    desk.decide_row(ids["leroy"], _version(store, ids["leroy"]), RowChoice.REJECT)
    desk.decide_row(ids["dupont2"], _version(store, ids["dupont2"]), RowChoice.DUPLICATE)
    summary = export_final(store, ExportOptions(out=tmp_path / "final.csv", mark_exported=False))
    with (tmp_path / "final.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["source"], r["row"], r["nom"], r["code_postal"]) for r in rows] == [
        ("scan-a.pdf", "1", "DUPONT", "75011"), ("scan-a.pdf", "2", "MARTIN", "69003")
    ]
    assert (summary.rejected, summary.duplicates, summary.waiting_review) == (1, 1, 2)


def _queue(data: ReviewData) -> list[int]:
    out: list[int] = []
    row = data.next_pending()
    while row is not None and row not in out:
        out.append(row)
        row = data.next_pending(row)
    return out


def test_the_queue_follows_commits_made_by_another_connection(scenario_path: tuple[Path, dict[str, int]]) -> None:
    path, ids = scenario_path
    with Store.open(path, create=False) as mine, Store.open(path, create=False) as theirs:
        data = ReviewData(mine)
        assert data.counts().review == 5 and data.next_pending() == ids["martin"]
        assert [c.column for c in data.doubtful_columns()] == ["email", "code_postal"]
        ReviewDesk(theirs).decide_row(ids["martin"], _version(theirs, ids["martin"]), RowChoice.REJECT)
        assert data.counts().review == 4 and data.counts().rejected == 1
        assert data.next_pending() == ids["leroy"]
        assert [c.column for c in data.doubtful_columns()] == ["email"]


def test_reopen_a_decided_row_and_undo_it(scenario_store: tuple[Store, dict[str, int]]) -> None:
    store, ids = scenario_store
    data, desk = ReviewData(store), ReviewDesk(store)
    dup = ids["dupont2"]
    desk.decide_row(dup, _version(store, dup), RowChoice.DUPLICATE)
    assert desk.decide_row(dup, _version(store, dup), RowChoice.REOPEN).ok
    view = data.row(dup)
    assert view is not None and view.pending and view.dup_flag == "duplicate" and view.dup_override is None
    assert desk.decide_row(dup, view.version, RowChoice.REOPEN).kind is OutcomeKind.CONFLICT  # already open
    row = ids["leroy"]
    desk.decide_row(row, _version(store, row), RowChoice.REJECT)
    desk.decide_row(row, _version(store, row), RowChoice.REOPEN)
    assert row in _queue(data)
    assert desk.undo().ok  # undo the reopen: rejected again
    stored = store.get_row(row)
    assert stored is not None and stored.status is RowStatus.REJECTED
    assert row not in _queue(data)
    assert [d.action for d in store.decisions(row)] == ["reject", "reopen", "reject"]


def test_accepting_needs_valid_values_even_untouched(scenario_store: tuple[Store, dict[str, int]]) -> None:
    store, ids = scenario_store
    desk = ReviewDesk(store)
    row = ids["bernard"]  # e-mail read without its @
    out = desk.decide_row(row, _version(store, row), RowChoice.ACCEPT, {})
    assert out.kind is OutcomeKind.INVALID and out.column == "email"
    assert desk.decide_row(row, _version(store, row), RowChoice.ACCEPT, {"email": ""}).ok  # cleared: kept, empty
    stored = store.get_row(row)
    assert stored is not None and stored.fields["email"].value == "" and stored.status is RowStatus.ACCEPTED
