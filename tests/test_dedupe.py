"""Duplicates: normalisation, sure vs unsure pairs, order, batches, rescans (lists: test_against)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _store_fixtures import FORM, flags_by_ref, page, person, row

from scanner.dedupe import Verdict, compare, decide, dedupe_run, open_store
from scanner.model import PageResult
from scanner.store import Action, Identity, IdentityColumns, Store
from scanner.store.identity import norm_email, norm_name, norm_postcode, norm_town, phonetic


def ident(nom: str = "", prenom: str = "", email: str = "", cp: str = "", ville: str = "") -> Identity:
    return IdentityColumns.of(FORM).identity(person(nom, prenom, email, cp, ville))


def run_batch(store: Store, pages: list[PageResult]) -> int:
    run = store.start_run(forms=[FORM])
    for p in pages:
        store.save_page(run, p)
    dedupe_run(store, run)
    store.finish_run(run)
    return run


def test_normalisation() -> None:
    assert norm_email("  Jean.Dupont+petition@GoogleMail.com ") == "jeandupont@gmail.com"
    assert norm_email("Jean.Dupont+x@orange.fr") == "jean.dupont+x@orange.fr"  # dots matter elsewhere
    assert norm_email("jean.dupont.orange.fr") == ""
    assert norm_name("  DUPONT-MOREAU ", "Élodie") == norm_name("elodie", "dupont moreau") == "dupont elodie moreau"
    assert norm_name("Œillet", "Noël") == "noel oeillet"
    assert norm_postcode("1000") == "01000" and norm_postcode("75 011") == "75011" and norm_postcode("7501") == "07501"
    assert norm_postcode("750") == ""
    assert phonetic("Dupont") == phonetic("DUPOND") == phonetic("Duppont")
    assert norm_town("ST-ÉTIENNE") == norm_town("Saint Etienne") == "saintetienne"
    assert norm_town("DOING7") == "doing" and norm_town("") == ""


@pytest.mark.parametrize(
    ("a", "b", "verdict"),
    [
        # same e-mail, names compatible (case, accents, swapped, small typo): sure
        (ident("DUPONT", "Jean", "j@x.fr"), ident("Jean", "Dupont", "J@X.FR"), Verdict.SURE),
        (ident("Lefèvre", "Hélène", "h@x.fr"), ident("LEFEVRE", "Helene", "h@x.fr"), Verdict.SURE),
        (ident("Dupont", "Jean", "j@x.fr"), ident("Dupond", "Jean", "j@x.fr"), Verdict.SURE),
        # same e-mail, clearly other person (shared family address): unsure
        (ident("Dupont", "Jean", "famille@x.fr"), ident("Martin", "Chloé", "famille@x.fr"), Verdict.POSSIBLE),
        (ident("Martin", "Jean", "jmartin@x.fr"), ident("Martin", "Jeanne", "jmartin@x.fr"), Verdict.POSSIBLE),
        (ident("Martin", "", "jmartin@x.fr"), ident("Martin", "Jeanne", "jmartin@x.fr"), Verdict.SURE),
        # same full name and postcode, no conflicting e-mail: sure
        (ident("Jean-Pierre", "Martin", "", "75011"), ident("martin", "jean pierre", "jp@x.fr", "75011"), Verdict.SURE),
        # same name and postcode but two different e-mails: unsure
        (ident("Martin", "Marie", "m1@x.fr", "69001"), ident("Martin", "Marie", "m2@x.fr", "69001"), Verdict.POSSIBLE),
        # same name, one postcode missing: unsure
        (ident("Martin", "Marie", "", ""), ident("Martin", "Marie", "", "69001"), Verdict.POSSIBLE),
        # namesakes in two towns: not the same
        (ident("Martin", "Marie", "", "69001"), ident("Martin", "Marie", "", "13001"), Verdict.NONE),
        # a typo at the same postcode without e-mail: unsure, never merged
        (ident("Dupont", "Jean", "", "75011"), ident("Dupond", "Jean", "", "75011"), Verdict.POSSIBLE),
        # different people at the same postcode
        (ident("Dupont", "Jean", "", "75011"), ident("Bernard", "Luc", "", "75011"), Verdict.NONE),
        # one word only: never sure
        (ident("Dupont", "", "", "75011"), ident("Dupont", "", "", "75011"), Verdict.POSSIBLE),
        (ident(), ident(), Verdict.NONE),
        # a first line misread (postcode and town a letter off, name split): a person looks
        (
            ident("GAU HIER", "HAMED", "", "8020", "DOING7"),
            ident("GAUTHIER", "HAMED", "h@x.fr", "80200", "DOINGT"),
            Verdict.POSSIBLE,
        ),
        (
            ident("MULLE", "AMBROISINE", "", "54250", "GÈRE-BÉLESTEN"),
            ident("MULLER", "Ambroisine", "m@x.fr", "64260", "Gère-Bélesten"),
            Verdict.POSSIBLE,
        ),
        # same town, postcode unread: a typo apart is worth a look
        (ident("Dupont", "Jean", "", "", "Lyon"), ident("Dupond", "Jean", "", "69001", "LYON"), Verdict.POSSIBLE),
        # same town (a city's two postcodes), other people: not the same
        (ident("Martin", "Marie", "", "69001", "Lyon"), ident("Bernard", "Marie", "", "69008", "Lyon"), Verdict.NONE),
        # namesakes in two towns with postcodes that differ: still not the same
        (
            ident("Martin", "Marie", "", "69001", "Lyon"),
            ident("Martin", "Marie", "", "13001", "Marseille"),
            Verdict.NONE,
        ),
    ],
)
def test_compare(a: Identity, b: Identity, verdict: Verdict) -> None:
    assert compare(a, b) is verdict
    assert compare(b, a) is verdict


def test_duplicates_within_a_batch_point_to_the_earliest_row(store: Store) -> None:
    jean = person("DUPONT", "Jean", "jean.dupont@gmail.com", "75011")
    run_batch(
        store,
        [
            page("b.pdf", 1, [row(4, person("Dupont", "Jean", "JeanDupont+a@gmail.com", "75011"))]),
            page("a.pdf", 2, [row(1, jean), row(3, person("Bernard", "Luc", "", "75011"))]),
            page("a.pdf", 1, [row(7, person("jean", "DUPONT", "", "75011"))]),
        ],
    )
    assert flags_by_ref(store) == {
        "a.pdf:1:7": (None, ""),
        "a.pdf:2:1": ("duplicate", "a.pdf:1:7"),
        "a.pdf:2:3": (None, ""),
        "b.pdf:1:4": ("duplicate", "a.pdf:1:7"),
    }


def test_result_does_not_depend_on_the_order_pages_were_saved(store: Store) -> None:
    pages = [page(f"s{i}.pdf", 1, [row(1, person("Martin", "Marie", f"m{i % 2}@x.fr", "69001"))]) for i in range(5)]
    run_batch(store, pages)
    other = Store.memory()
    run_batch(other, list(reversed(pages)))
    assert flags_by_ref(store) == flags_by_ref(other)
    assert flags_by_ref(store)["s2.pdf:1:1"] == ("duplicate", "s0.pdf:1:1")
    assert flags_by_ref(store)["s1.pdf:1:1"] == ("possible_duplicate", "s0.pdf:1:1")


def test_across_batches_the_earlier_batch_wins(store: Store) -> None:
    run_batch(store, [page("z-late-name.pdf", 1, [row(1, person("Petit", "Anne", "anne@x.fr"))])])
    run_batch(store, [page("a-early-name.pdf", 1, [row(1, person("PETIT", "Anne", "Anne@X.fr"))])])
    flags = flags_by_ref(store)
    assert flags["z-late-name.pdf:1:1"] == (None, "")
    assert flags["a-early-name.pdf:1:1"] == ("duplicate", "z-late-name.pdf:1:1")


def test_unsure_pairs_go_to_review_and_people_are_never_merged_silently(store: Store) -> None:
    run_batch(
        store,
        [
            page(
                "a.pdf",
                1,
                [
                    row(1, person("Dupont", "Jean", "", "75011")),
                    row(2, person("Dupond", "Jean", "", "75011")),
                    row(3, person("Dupont", "Jeanne", "famille@x.fr", "75011")),
                    row(4, person("Dupont", "Paul", "famille@x.fr", "75011")),
                ],
            )
        ],
    )
    flags = flags_by_ref(store)
    assert flags["a.pdf:1:2"] == ("possible_duplicate", "a.pdf:1:1")
    assert flags["a.pdf:1:4"] == ("possible_duplicate", "a.pdf:1:3")
    statuses = {r.ref(): r.status.value for r in store.iter_rows()}
    assert statuses["a.pdf:1:2"] == statuses["a.pdf:1:4"] == "review"
    assert "duplicate" not in {f for f, _ in flags.values()}


def test_reviewer_word_survives_a_new_search(store: Store) -> None:
    pages = [page("a.pdf", 1, [row(1, person("Martin", "Marie", "", "")), row(2, person("Martin", "Marie", "", ""))])]
    run = run_batch(store, pages)
    second = next(r for r in store.iter_rows() if r.row == 2)
    assert second.dup_flag == "possible_duplicate"
    decide(store, second.id, Action.NOT_DUPLICATE, who="tab-2")
    dedupe_run(store, run)
    after = store.get_row(second.id)
    assert after is not None and after.dup_flag is None and after.status.value == "clean"


def test_same_sheet_rescanned_points_line_to_line_but_new_lines_count(store: Store) -> None:
    first = [row(1, person("Petit", "Anne", "anne@x.fr", "35000")), row(2, person("Roux", "Paul", "", "35000"))]
    later = [
        row(1, person("Petit", "Anne", "anne@x.fr", "35000")),
        row(2, person("Roux", "Paule", "", "35000")),  # read a little differently this time
        row(5, person("Neuf", "Nina", "nina@x.fr", "35000")),  # written after the first scan
    ]
    run_batch(store, [page("a.pdf", 1, first, serial="K7"), page("b.pdf", 4, later, serial="K7")])
    flags = flags_by_ref(store)
    assert flags["b.pdf:4:1"] == ("duplicate", "a.pdf:1:1")
    assert flags["b.pdf:4:2"] == ("duplicate", "a.pdf:1:2")
    assert flags["b.pdf:4:5"] == (None, "")
    twin = store.execute("SELECT same_as FROM pages WHERE source = 'b.pdf'").fetchone()[0]
    assert twin == store.execute("SELECT id FROM pages WHERE source = 'a.pdf'").fetchone()[0]


def test_correcting_an_email_moves_the_duplicate(store: Store) -> None:
    run_batch(
        store,
        [
            page(
                "a.pdf", 1, [row(1, person("Petit", "Anne", "anne@x.fr")), row(2, person("Petit", "Anne", "anne@x.fr"))]
            )
        ],
    )
    second = next(r for r in store.iter_rows() if r.row == 2)
    assert second.dup_flag == "duplicate"
    first = next(r for r in store.iter_rows() if r.row == 1)
    decide(store, first.id, Action.CORRECT, column="email", value="anne.petit@x.fr", who="t")
    # same name, now two different e-mails: a person decides
    assert flags_by_ref(store)["a.pdf:1:2"] == ("possible_duplicate", "a.pdf:1:1")


def test_a_misread_first_line_still_holds_back_the_well_read_repeat(store: Store) -> None:
    """The first line went to review misread (name split, postcode short, a digit for a
    letter); the person's second line, read perfectly, must not reach clean.csv as new."""
    run_batch(
        store,
        [
            page(
                "a.pdf", 1, [row(2, person("GAU HIER", "HAMED", "", "8020", "DOING7"), flags=("low_confidence:nom",))]
            ),
            page("b.pdf", 1, [row(9, person("GAUTHIER", "HAMED", "hamed.gauthier@gmx.fr", "80200", "DOINGT"))]),
        ],
    )
    assert flags_by_ref(store)["b.pdf:1:9"] == ("possible_duplicate", "a.pdf:1:2")
    repeat = next(r for r in store.iter_rows() if r.ref() == "b.pdf:1:9")
    assert repeat.status.value == "review"


def test_a_store_keyed_by_older_rules_is_rekeyed_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "petition.sqlite"
    with Store.open(path) as s:
        run_batch(s, [page("a.pdf", 1, [row(1, person("MULLER", "Ambroisine", "", "64260", "Gère-Bélesten"))])])
        # as a version without towns left it
        s.conn.execute("UPDATE rows SET id_town = ''")
        s.conn.execute("DELETE FROM row_keys WHERE key LIKE 't:%' OR key LIKE 'u:%'")
        s.conn.execute("UPDATE meta SET value = '1' WHERE key = 'identity_version'")
    with open_store(path) as s:
        assert s.conn.execute("SELECT id_town FROM rows").fetchone()[0] == "gerebelesten"
        assert s.conn.execute("SELECT COUNT(*) FROM row_keys WHERE key LIKE 't:%'").fetchone()[0] > 0
        run_batch(s, [page("b.pdf", 1, [row(3, person("MULLE", "AMBROISINE", "", "54250", "GÈRE-BÉLESTEN"))])])
        assert flags_by_ref(s)["b.pdf:1:3"] == ("possible_duplicate", "a.pdf:1:1")


def _store_keyed_without_towns(path: Path) -> None:
    """A store as a version without town keys left it: a misread first line and its
    well-read repeat at the same town, not linked, the repeat clean."""
    misread = person("GAU HIER", "HAMED", "", "8020", "DOING7")
    with Store.open(path) as s:
        run_batch(
            s,
            [
                page("a.pdf", 1, [row(2, misread, flags=("low_confidence:nom",))]),
                page("b.pdf", 1, [row(9, person("GAUTHIER", "HAMED", "hamed.gauthier@gmx.fr", "80200", "DOINGT"))]),
            ],
        )
        s.conn.execute("UPDATE rows SET id_town = '', dup_flag = NULL, duplicate_of = '', dup_row_id = NULL")
        s.conn.execute("UPDATE rows SET status = 'clean' WHERE flags = ''")
        s.conn.execute("DELETE FROM row_keys WHERE key LIKE 't:%' OR key LIKE 'u:%'")
        s.conn.execute("UPDATE meta SET value = '1' WHERE key = 'identity_version'")
        assert flags_by_ref(s)["b.pdf:1:9"] == (None, "")


def test_rows_of_an_older_store_that_only_the_new_keys_link_are_flagged_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "petition.sqlite"
    _store_keyed_without_towns(path)
    with open_store(path) as s:  # no new run: opening it is enough
        assert flags_by_ref(s)["b.pdf:1:9"] == ("possible_duplicate", "a.pdf:1:2")
        repeat = next(r for r in s.iter_rows() if r.ref() == "b.pdf:1:9")
        assert repeat.status.value == "review"
    with open_store(path) as s:  # and once only
        assert s.meta("identity_version") == "2"


def test_a_store_rekeyed_by_a_plain_open_waits_for_its_search(tmp_path: Path) -> None:
    path = tmp_path / "petition.sqlite"
    _store_keyed_without_towns(path)
    with Store.open(path) as s:  # the store itself only re-keys, and says the search is owed
        assert s.duplicates_stale
        assert flags_by_ref(s)["b.pdf:1:9"] == (None, "")
    with open_store(path) as s:  # what every command opens with
        assert not s.duplicates_stale
        assert flags_by_ref(s)["b.pdf:1:9"] == ("possible_duplicate", "a.pdf:1:2")
