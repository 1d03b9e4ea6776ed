"""E-mail local parts: digits and letters that look alike, and the e-mail against the row's names."""

from __future__ import annotations

import pytest

from scanner.fields import interpret_row, interpretation_order
from scanner.fields.crosscheck import cross_check, locate, name_in_address
from scanner.fields.emails import mixed_digits_letters, odd_separators
from scanner.forms import Column, ColumnType, Form
from scanner.model import FieldResult, OcrResult
from scanner.refdata import RefData


@pytest.fixture(scope="module")
def ref() -> RefData:
    return RefData.load()


def row(form: Form, ref: RefData, nom: str, prenom: str, email: str, conf: float = 0.95) -> dict[str, FieldResult]:
    cells = {"nom": nom, "prenom": prenom, "email": email}
    candidates = {k: [OcrResult(text=v, confidence=conf, engine="rapidocr")] for k, v in cells.items()}
    return interpret_row(form, candidates, ref)


# -- digits and letters in the local part ------------------------------------------------------


@pytest.mark.parametrize(
    "local",
    [
        *("1.payet", "2.brun", "terence.rollandi4", "mathilde.boulanger7o", "eva.mass0n71", "hoarau3u"),
        *("cecilei993", "martinzool", "lea.gerardzoos"),  # the last two: a year read as letters
        "160.collet39",  # a number before the name: ugo read as digits
    ],
)
def test_digits_and_letters_mixed_like_a_misreading(local: str) -> None:
    assert mixed_digits_letters(local) is not None


@pytest.mark.parametrize(
    "local",
    [
        *("raoul1964", "yvon.dupuis1", "naima.sanchez24", "jean.dupont", "marie75", "j.martin"),
        *("dupont.marie2008", "francois.dubois", "bourgeois", "isabelle.lebois"),  # -ois only looks like digits
    ],
)
def test_usual_name_and_number_shapes_pass(local: str) -> None:
    assert mixed_digits_letters(local) is None


def test_mixed_local_part_is_flagged(ref: RefData, surveillance_form: Form) -> None:
    r = row(surveillance_form, ref, "PAYET", "HUGO", "1.payet@gmail.com")["email"]
    assert r.value == "1.payet@gmail.com" and r.flags == ["low_confidence:email"] and r.confidence <= 0.45


@pytest.mark.parametrize("local", ["+.deoliveira", "jean..dupont", "jean.-dupont", "dupont_", "a+.b"])
def test_separators_at_an_end_or_side_by_side_are_flagged(ref: RefData, surveillance_form: Form, local: str) -> None:
    assert odd_separators(local)
    r = row(surveillance_form, ref, "DE OLIVEIRA", "ANNA", f"{local}@free.fr")["email"]
    # syntax already refuses some (jean..dupont); the others are doubted
    assert r.flags in (["low_confidence:email"], ["invalid:email"]) and r.confidence <= 0.45


def test_a_leading_dot_is_dropped_but_doubted(ref: RefData, surveillance_form: Form) -> None:
    """.dupont: a speck, or the dot after an initial the engines lost (j.dupont)."""
    r = row(surveillance_form, ref, "DUPONT", "JEAN", ".dupont@free.fr")["email"]
    assert r.value == "dupont@free.fr" and r.flags == ["low_confidence:email"]


@pytest.mark.parametrize("local", ["a.deoliveira", "jean-pierre.martin", "marie_dupont+petition", "j.b.martin"])
def test_separators_between_words_pass(local: str) -> None:
    assert not odd_separators(local)


# -- finding a name in an address ----------------------------------------------------------------


def test_locate_finds_the_closest_substring() -> None:
    assert locate("hebert", "hebektline") == (1, "hebekt")
    assert locate("renault", "valerierenaul") == (1, "renaul")
    assert locate("dupont", "mariedupont75") == (0, "dupont")


def test_name_in_address() -> None:
    assert name_in_address("DUPONT", "marie.dupont").kind == "exact"
    assert name_in_address("LE GOFF", "yann.legoff").kind == "exact"
    near = name_in_address("FERNANDEZ", "talha.fernande225")
    assert (near.kind, near.token) == ("near", "fernandez")
    assert name_in_address("MARIE", "jp.durand").kind == "absent"


# -- the row: e-mail and names vouch for or contradict each other ---------------------------------


def test_agreeing_names_and_address_support_each_other(ref: RefData, surveillance_form: Form) -> None:
    res = row(surveillance_form, ref, "DUPONT", "MARIE", "marie.dupont@gmail.com", 0.9)
    assert all(not r.flags for r in res.values())
    assert res["nom"].confidence > 0.9 and res["prenom"].confidence > 0.9 and res["email"].confidence > 0.9


@pytest.mark.parametrize(
    ("nom", "prenom", "email"),
    [
        ("HEBERT", "LINE", "hebekt.line@gmail.com"),
        ("RENAULT", "VALERIE", "valerie.renaul@orange.fr"),
        ("PHILIPPE", "MARIA", "makia.philippe@laposte.net"),
        ("THOMAS", "EDOUARD", "edovard1977@free.fr"),
        ("FERNANDEZ", "TALHA", "talha.fernande225@free.fr"),
        ("HENRY", "MANOLITA", "manditahenry@laposte.net"),
        ("FLEURY", "JULIE", "t.fleury@gmail.com"),
        ("CLEMENT", "GUY", "uyclement@laposte.net"),
        ("LE BIHAN", "CATHY", "cathy.lebihanlo@icloud.com"),
        ("CHARLES", "FARAH", "farah.charlesu@laposte.net"),
        ("CHARLES", "FARAH", "farah.charlesu2@laposte.net"),
    ],
)
def test_address_contradicting_a_known_name_is_flagged(
    ref: RefData, surveillance_form: Form, nom: str, prenom: str, email: str
) -> None:
    res = row(surveillance_form, ref, nom, prenom, email)
    assert res["email"].flags == ["low_confidence:email"] and res["email"].confidence <= 0.45
    assert res["email"].value == email  # never rewritten from the names
    assert not res["nom"].flags


def test_first_name_initial_after_the_surname_is_not_doubted(ref: RefData, surveillance_form: Form) -> None:
    res = row(surveillance_form, ref, "CHARLES", "FARAH", "charlesf@laposte.net", 0.9)
    assert not res["email"].flags and res["email"].confidence >= 0.9


def test_misread_name_contradicted_by_a_known_spelling_in_the_address(ref: RefData, surveillance_form: Form) -> None:
    res = row(surveillance_form, ref, "ECLERCQ", "ABDELKADER", "abdelkaderleclercq@gmail.com")
    assert "low_confidence:nom" in res["nom"].flags
    assert not res["email"].flags


def test_same_misreading_in_both_fields_flags_both(ref: RefData, surveillance_form: Form) -> None:
    res = row(surveillance_form, ref, "PEKKET", "JULIEN", "pekket.julien@laposte.net")
    assert "low_confidence:nom" in res["nom"].flags
    assert res["email"].flags == ["low_confidence:email"]


def test_lost_or_changed_separators_lower_the_address(ref: RefData, surveillance_form: Form) -> None:
    dotted = row(surveillance_form, ref, "GRONDIN", "LUC", "grondin.luc@laposte.net", 0.9)["email"]
    glued = row(surveillance_form, ref, "GRONDIN", "LUC", "grondinluc@laposte.net", 0.9)["email"]
    hyphen = row(surveillance_form, ref, "GUERIN", "RACHID", "rachid-guerin@sfr.fr", 0.9)["email"]
    assert not glued.flags and not hyphen.flags
    assert glued.confidence < 0.9 < dotted.confidence
    assert hyphen.confidence < 0.9
    compound = row(surveillance_form, ref, "MARTIN", "JEAN-PIERRE", "jean-pierre.martin@free.fr", 0.9)["email"]
    assert compound.confidence > 0.9  # a real hyphen, inside one name
    dotted_compound = row(surveillance_form, ref, "PERROT", "ANNE-LAURE", "anne.laure.perrot35@gmail.com", 0.95)
    assert dotted_compound["email"].confidence < 0.9  # the name's hyphen, read as a dot?


def test_address_without_the_names_is_left_as_read(ref: RefData, surveillance_form: Form) -> None:
    res = row(surveillance_form, ref, "DUPONT", "MARIE", "zorglub42@free.fr", 0.9)
    assert not any(r.flags for r in res.values())
    assert res["email"].confidence == pytest.approx(0.9)


def test_email_is_interpreted_after_the_names() -> None:
    columns = [
        Column(name="email", type=ColumnType.EMAIL),
        Column(name="nom", type=ColumnType.NAME, role="last"),
        Column(name="code_postal", type=ColumnType.POSTCODE),
    ]
    assert [c.name for c in interpretation_order(columns)] == ["code_postal", "nom", "email"]


def test_cross_check_ignores_empty_and_invalid_fields(ref: RefData) -> None:
    email = FieldResult(column="email", value="marie.dupont@gmail.com", confidence=0.9)
    cross_check(email, [(FieldResult(column="nom", value="", confidence=1.0), "last")], ref)
    assert email.confidence == pytest.approx(0.9) and not email.flags
    bad = FieldResult(column="email", value="jean@", confidence=0.3, flags=["invalid:email"])
    cross_check(bad, [(FieldResult(column="nom", value="JEAN", confidence=0.9), "last")], ref)
    assert bad.flags == ["invalid:email"]


def test_domain_in_a_hand_whose_r_reads_as_k_is_corrected(ref: RefData, surveillance_form: Form) -> None:
    r = row(surveillance_form, ref, "DUPONT", "ANNE", "a.dupont@fkee.fk", 0.9)["email"]
    assert r.value == "a.dupont@free.fr" and r.confidence < 0.9


def test_address_with_a_name_two_letters_off_is_doubted(ref: RefData, surveillance_form: Form) -> None:
    r = row(surveillance_form, ref, "LEBLANC", "PAOLO", "pado1981@hotmail.fr")
    assert "low_confidence:email" in r["email"].flags
    for local in ("mdupont", "paolo.leblanc", "pleblanc1981", "leblanc.p"):  # initials and concatenations
        assert (
            "low_confidence:email"
            not in row(surveillance_form, ref, "LEBLANC", "PAOLO", local + "@free.fr")["email"].flags
        ), local


def test_bare_surname_address_is_doubted_for_a_lost_initial(ref: RefData, surveillance_form: Form) -> None:
    bare = row(surveillance_form, ref, "BOUVIER", "LUC", "bouvier@hotmail.fr")["email"]
    full = row(surveillance_form, ref, "BOUVIER", "LUC", "l.bouvier@hotmail.fr")["email"]
    assert bare.confidence < full.confidence and bare.confidence < 0.9
