"""A small store with one row of each kind the review page handles (shared by the review tests)."""

from __future__ import annotations

from scanner.dedupe import dedupe_run
from scanner.forms import resolve_form
from scanner.review.sample import SampleRow, person, sample_page
from scanner.store import Store

DUPONT = {**person(0), "nom": "DUPONT", "prenom": "Jean", "email": "jean.dupont@exemple.fr", "code_postal": "75011",
          "ville": "Paris"}
MARTIN = {**person(1), "nom": "MARTIN", "prenom": "Claire", "email": "claire.martin@exemple.fr",
          "code_postal": "69003", "ville": "Lyon"}
LEROY = {**person(2), "nom": "LEROY", "prenom": "Paul", "email": "paul.leroy@exemple.fr", "code_postal": "35000",
         "ville": "Rennes"}
BERNARD = {**person(3), "nom": "BERNARD", "prenom": "Louise", "email": "louise.bernard@exemple.fr",
           "code_postal": "33000", "ville": "Bordeaux"}
PETIT = {**person(4), "nom": "PETIT", "prenom": "Emma", "email": "emma.petit@exemple.fr", "code_postal": "59000",
         "ville": "Lille", "signature": "false"}


def build_scenario(store: Store) -> dict[str, int]:
    """Two sheets; returns row ids by name.

    scan-a.pdf p1: DUPONT (clean), MARTIN (postcode misread 69008), LEROY (crossed
    out), BERNARD (e-mail without @). scan-b.pdf p1: DUPONT again (sure
    duplicate of scan-a:1:1), PETIT (unsigned).
    """
    form = resolve_form("surveillance-fr")
    run_id = store.start_run(args={"test": "review"}, forms=[form])
    store.save_page(run_id, sample_page(form, "scan-a.pdf", 1, [
        SampleRow(DUPONT),
        SampleRow(MARTIN, read={"code_postal": "69008"}, field_flags={"code_postal": ("low_confidence",)}),
        SampleRow(LEROY, flags=("crossed_out",)),
        SampleRow(BERNARD, read={"email": "louise.bernardexemple.fr"}, field_flags={"email": ("invalid",)}),
    ]))
    store.save_page(run_id, sample_page(form, "scan-b.pdf", 1, [
        SampleRow(DUPONT),
        SampleRow(PETIT, flags=("unsigned",)),
    ]))
    dedupe_run(store, run_id)
    store.finish_run(run_id)
    ids = {}
    for row in store.iter_rows():
        ids[f"{row.fields['nom'].value}@{row.source}"] = row.id
    return {
        "dupont": ids["DUPONT@scan-a.pdf"], "martin": ids["MARTIN@scan-a.pdf"], "leroy": ids["LEROY@scan-a.pdf"],
        "bernard": ids["BERNARD@scan-a.pdf"], "dupont2": ids["DUPONT@scan-b.pdf"], "petit": ids["PETIT@scan-b.pdf"],
    }
