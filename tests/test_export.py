"""clean.csv / review.csv per CONTRACT.md, the final export, formulas, presets."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from _store_fixtures import FORM, page, person, row
from click.testing import CliRunner

from scanner.cli.store import export_cmd
from scanner.dedupe import decide, dedupe_run
from scanner.forms import Form
from scanner.model import PageRef
from scanner.output.csvtext import neutralise
from scanner.output.export import ExportOptions, export_final, write_run_csvs
from scanner.output.presets import PRESETS
from scanner.store import Action, Store

PETITION_B = Form.model_validate(
    {
        "name": "petition-b",
        "columns": [
            {"name": "email", "type": "email"},
            {"name": "telephone", "type": "phone"},
            {"name": "note", "type": "ignore"},
            {"name": "nom", "type": "name"},
        ],
    }
)


def read(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def batch(store: Store) -> int:
    run = store.start_run(forms=[FORM, PETITION_B])
    store.save_page(
        run,
        page(
            "lot/b.pdf",
            1,
            [
                row(3, person("PETIT", "Anne", "anne@x.fr", "35000", "Rennes", infos="true"), confidence=0.9876),
                row(1, person("Roux", "Paul", "", "35000", "Rennes", signature="false"), flags=("unsigned",)),
            ],
        ),
    )
    store.save_page(run, page("lot/a.pdf", 2, [row(2, person("Petit", "Anne", "ANNE@x.fr", "35000", "Rennes"))]))
    b_values = {"email": "lea@x.fr", "telephone": "+33 6 12 34 56 78", "nom": "Léa Blanc"}
    store.save_page(run, page("lot/c.pdf", 1, [row(1, b_values)], form="petition-b"))
    store.save_page(run, page("lot/d.pdf", 1, [], error="not a petition sheet"))
    dedupe_run(store, run)
    return run


def test_run_csvs_follow_the_contract(store: Store, tmp_path: Path) -> None:
    run = batch(store)
    counts = write_run_csvs(store, run, None, tmp_path)
    header = (tmp_path / "clean.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == (
        "source,page,row,nom,prenom,email,code_postal,ville,signature,infos,telephone,confidence,flags,duplicate_of"
    )
    assert (tmp_path / "review.csv").read_text(encoding="utf-8").splitlines()[0] == header
    clean, review = read(tmp_path / "clean.csv"), read(tmp_path / "review.csv")
    assert (counts.clean, counts.review) == (len(clean), len(review)) == (2, 2)
    assert [(r["source"], r["page"], r["row"]) for r in clean] == [("lot/a.pdf", "2", "2"), ("lot/c.pdf", "1", "1")]
    assert [(r["source"], r["row"], r["flags"], r["duplicate_of"]) for r in review] == [
        ("lot/b.pdf", "1", "unsigned", ""),
        ("lot/b.pdf", "3", "duplicate", "lot/a.pdf:2:2"),
    ]
    anne = review[1]
    assert anne["confidence"] == "0.988" and anne["infos"] == "true" and anne["signature"] == "true"
    assert review[0]["signature"] == "false"
    other_form = clean[1]
    assert other_form["telephone"] == "+33 6 12 34 56 78" and other_form["prenom"] == "" and "note" not in other_form
    assert all(r["flags"] == "" for r in clean)


def test_rerunning_the_same_files_writes_the_same_csvs(store: Store, tmp_path: Path) -> None:
    run = batch(store)
    write_run_csvs(store, run, None, tmp_path / "first")
    run2 = store.start_run(forms=[FORM, PETITION_B])
    for p, _ in store.run_pages(run):
        if p.ok:
            assert store.reuse_page(run2, PageRef(p.source, p.path, p.page), p.sha256) is not None
    store.save_page(run2, page("lot/d.pdf", 1, [], error="not a petition sheet"))
    dedupe_run(store, run2)
    write_run_csvs(store, run2, None, tmp_path / "second")
    for name in ("clean.csv", "review.csv"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()
    by_pairs = write_run_csvs(store, [("lot/a.pdf", 2), ("lot/b.pdf", 1)], None, tmp_path / "pairs")
    assert (by_pairs.clean, by_pairs.review) == (1, 2)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tx", "'\tx"),
        ("\r=1", "'\r=1"),
        ("+33 6 12 34 56 78", "+33 6 12 34 56 78"),
        ("+33 (0)6.12.34.56.78", "+33 (0)6.12.34.56.78"),
        ("-12", "-12"),
        ("Jean-Pierre", "Jean-Pierre"),
        ("", ""),
    ],
)
def test_formula_cells_are_neutralised_but_phone_numbers_kept(value: str, written: str) -> None:
    assert neutralise(value) == written


def test_injected_formula_never_reaches_a_file_raw(store: Store, tmp_path: Path) -> None:
    run = store.start_run(forms=[FORM])
    store.save_page(run, page("=evil.pdf", 1, [row(1, person("=1+1", "@A1", "e@x.fr", "35000", "-cmd|x"))]))
    dedupe_run(store, run)
    write_run_csvs(store, run, None, tmp_path)
    [line] = read(tmp_path / "clean.csv")
    assert (line["source"], line["nom"], line["prenom"], line["ville"]) == ("'=evil.pdf", "'=1+1", "'@A1", "'-cmd|x")
    export_final(store, ExportOptions(out=tmp_path / "final.csv"))
    [final] = read(tmp_path / "final.csv")
    assert final["nom"] == "'=1+1"


def test_final_export_keeps_clean_and_accepted_rows_only(store: Store, tmp_path: Path) -> None:
    run = batch(store)
    store.save_page(run, page("lot/e.pdf", 1, [row(1, person("Rejet", "Ron", "r@x.fr"), flags=("crossed_out",))]))
    rows = {r.ref(): r for r in store.iter_rows()}
    decide(store, rows["lot/b.pdf:1:1"].id, Action.ACCEPT, who="t")  # unsigned, but a person accepted it
    decide(store, rows["lot/b.pdf:1:3"].id, Action.ACCEPT, who="t")  # accepted but still a duplicate
    decide(store, rows["lot/e.pdf:1:1"].id, Action.REJECT, who="t")
    out = tmp_path / "final.csv"
    summary = export_final(store, ExportOptions(out=out))
    lines = read(out)
    assert [(r["source"], r["row"]) for r in lines] == [("lot/a.pdf", "2"), ("lot/b.pdf", "1"), ("lot/c.pdf", "1")]
    assert list(lines[0]) == ["source", "page", "row", "nom", "prenom", "email", "code_postal", "ville",
                              "signature", "infos", "telephone"]  # fmt: skip
    assert (summary.exported, summary.duplicates, summary.rejected, summary.waiting_review) == (3, 1, 1, 0)
    exported = store.execute("SELECT COUNT(*) FROM rows WHERE exported_at IS NOT NULL").fetchone()[0]
    assert exported == 3


def test_bom_semicolon_and_descriptor(store: Store, tmp_path: Path) -> None:
    batch(store)
    out = tmp_path / "final.csv"
    export_final(store, ExportOptions(out=out, bom=True, delimiter=";"))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"lot/a.pdf;2;2;Petit;Anne" in raw
    package = json.loads((tmp_path / "final.datapackage.json").read_text(encoding="utf-8"))
    resource = package["resources"][0]
    assert resource["path"] == "final.csv" and resource["encoding"] == "utf-8-sig"
    assert resource["dialect"]["delimiter"] == ";"
    fields = resource["schema"]["fields"]
    header = raw.decode("utf-8-sig").splitlines()[0].split(";")
    assert [f["name"] for f in fields] == header
    by_name = {f["name"]: f for f in fields}
    assert by_name["page"]["type"] == "integer" and by_name["email"]["format"] == "email"
    assert by_name["infos"]["type"] == "boolean" and by_name["infos"]["trueValues"] == ["true"]
    assert by_name["nom"]["title"] == "NOM"


def test_civicrm_preset(store: Store, tmp_path: Path) -> None:
    batch(store)
    rows = {r.ref(): r for r in store.iter_rows()}
    decide(store, rows["lot/b.pdf:1:1"].id, Action.ACCEPT, who="t")
    out = tmp_path / "crm.csv"
    export_final(store, ExportOptions(out=out, preset=PRESETS["civicrm"]))
    lines = read(out)
    assert list(lines[0]) == [
        "first_name",
        "last_name",
        "email",
        "postal_code",
        "city",
        "is_opt_out",
        "group",
        "source",
    ]
    anne, paul, lea = lines
    assert (anne["first_name"], anne["last_name"], anne["email"], anne["postal_code"], anne["city"]) == (
        "Anne", "Petit", "ANNE@x.fr", "35000", "Rennes"
    )  # fmt: skip
    assert anne["is_opt_out"] == "1"  # this copy did not tick the box
    assert paul["last_name"] == "Roux" and paul["group"] == "surveillance-fr"
    assert lea["last_name"] == "Léa Blanc" and lea["is_opt_out"] == "1"  # form without opt-in box
    assert paul["source"] == "petition-scan surveillance-fr lot/b.pdf p.1 l.1"
    package = json.loads((tmp_path / "crm.datapackage.json").read_text(encoding="utf-8"))
    assert package["resources"][0]["schema"]["fields"][5]["type"] == "boolean"


def test_export_command(tmp_path: Path) -> None:
    with Store.open(tmp_path) as s:
        batch(s)
    listing = tmp_path / "online.csv"
    listing.write_text("Email,Nom\nlea@x.fr,Blanc\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(
        export_cmd,
        ["--store", str(tmp_path), "--out", str(tmp_path / "f.csv"), "--delimiter", ";", "--against", str(listing),
         "--map", "email=Email,nom=Nom"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "left out: 1 already on online.csv" in result.output
    assert [r["source"] for r in read(tmp_path / "f.csv", ";")] == ["lot/a.pdf"]
    missing = runner.invoke(export_cmd, ["--store", str(tmp_path / "none"), "--out", str(tmp_path / "x.csv")])
    assert missing.exit_code != 0 and "no batch store" in str(missing.exception)
