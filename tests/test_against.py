"""An existing list of signatories (--against): reading it, mapping its columns, matching it."""

from __future__ import annotations

from pathlib import Path

import pytest
from _store_fixtures import FORM, flags_by_ref, page, person, row

from scanner.against import load_against, parse_mapping
from scanner.dedupe import dedupe_run
from scanner.errors import UsageError
from scanner.store import Store


def test_against_an_existing_list(store: Store, tmp_path: Path) -> None:
    listing = tmp_path / "online.csv"
    listing.write_text(
        "\ufeffE-mail;Last name;First name;Zip\n"
        "ANNE@X.FR;Petit;Anne;35000\n"
        ";Roux;Paul;1000\n"
        "x@y.fr;Autre;Personne;75001\n",
        encoding="utf-8",
    )
    against = load_against(
        listing, parse_mapping("email=E-mail,nom=Last name,prenom=First name,code_postal=Zip"), [FORM]
    )
    assert len(against) == 3
    run = store.start_run(forms=[FORM])
    store.save_page(
        run,
        page(
            "a.pdf",
            1,
            [
                row(1, person("Petit", "Anne", "anne@x.fr", "35000")),
                row(2, person("ROUX", "Paul", "", "01000")),
                row(3, person("Roux", "Paula", "", "01000")),
                row(4, person("Neuf", "Nina", "nina@x.fr", "35000")),
            ],
        ),
    )
    stats = dedupe_run(store, run, against)
    flags = flags_by_ref(store)
    assert flags["a.pdf:1:1"] == ("duplicate", "online.csv:1:1")
    assert flags["a.pdf:1:2"] == ("duplicate", "online.csv:1:2")
    assert flags["a.pdf:1:3"] == ("possible_duplicate", "online.csv:1:2")
    assert flags["a.pdf:1:4"] == (None, "")
    assert stats.against_matches == 3


def test_mapping_errors_are_explained(tmp_path: Path) -> None:
    listing = tmp_path / "l.csv"
    listing.write_text("Email,Name\na@b.fr,X\n", encoding="utf-8")
    with pytest.raises(UsageError, match="not COLUMN=CSV header"):
        parse_mapping("email")
    with pytest.raises(UsageError, match="no column 'Mail'"):
        load_against(listing, {"email": "Mail"}, [FORM])
    with pytest.raises(UsageError, match="checkbox column"):
        load_against(listing, {"infos": "Email"}, [FORM])
    with pytest.raises(UsageError, match="neither a column"):
        load_against(listing, {"telephone": "Email"}, [FORM])
    assert len(load_against(listing, {"email": "Email", "name": "Name"})) == 1


def test_against_a_list_with_towns(store: Store, tmp_path: Path) -> None:
    listing = tmp_path / "online.csv"
    listing.write_text("Nom,Prénom,CP,Ville\nMuller,Ambroisine,64260,Gère-Bélesten\n", encoding="utf-8")
    against = load_against(listing, parse_mapping("nom=Nom,prenom=Prénom,code_postal=CP,ville=Ville"), [FORM])
    assert against.people[0].identity.town == "gerebelesten"
    run = store.start_run(forms=[FORM])
    # the scanned line's postcode was misread: the town still finds the person on the list
    store.save_page(run, page("a.pdf", 1, [row(1, person("MULLER", "AMBROISINE", "", "54260", "GÈRE-BÉLESTEN"))]))
    dedupe_run(store, run, against)
    assert flags_by_ref(store)["a.pdf:1:1"] == ("possible_duplicate", "online.csv:1:1")
