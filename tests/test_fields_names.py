"""Name plausibility after the vote: letter model, confusions, truncations, accents."""

from __future__ import annotations

import pytest

from scanner.fields import RowContext, interpret
from scanner.fields.accents import restore_accents
from scanner.fields.namecheck import LETTERS_ENGINE, check_name, name_doubt
from scanner.forms import Form
from scanner.model import FieldResult, OcrResult
from scanner.refdata import RefData


@pytest.fixture(scope="module")
def ref() -> RefData:
    return RefData.load()


def read(form: Form, col: str, ref: RefData, text: str, conf: float = 0.99) -> FieldResult:
    column = next(c for c in form.columns if c.name == col)
    return interpret(column, [OcrResult(text=text, confidence=conf, engine="rapidocr")], ref, RowContext())


def suggestions(r: FieldResult) -> list[str]:
    return [c.text for c in r.candidates if c.engine == LETTERS_ENGINE]


# -- the letter model -----------------------------------------------------------------------


def test_letter_model_prefers_real_spellings(ref: RefData) -> None:
    model = ref.letter_model
    assert model is not None
    assert model.score("MARTIN") > model.score("MAKTIN") > model.score("BKUN")
    assert model.score("FOURNIER") > model.score("FOUKNIEK")
    assert model.score("NGUYEN") > model.score("XQZWV")


def test_best_confusion_swaps_back_up_to_two_letters(ref: RefData) -> None:
    model = ref.letter_model
    assert model is not None
    assert (c := model.best_confusion("MAKTIN")) is not None and c.variant == "MARTIN"
    assert (c := model.best_confusion("PEKKET")) is not None and c.variant == "PERRET"
    assert model.best_confusion("KLEIN") is None
    assert model.best_confusion("NGUYEN") is None


# -- doubts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reading", "likely"),
    [
        ("MAKTIN", "MARTIN"),
        ("FOUKNIEK", "FOURNIER"),
        ("BLANCHAKD", "BLANCHARD"),
        ("PEKKET", "PERRET"),
        ("LOVIS", "LOUIS"),
        ("DUVAI", "DUVAL"),
        ("KOYEK-LE GOFF", "ROYER-LE GOFF"),
    ],
)
def test_confusable_letters_of_a_known_surname_are_flagged_not_changed(
    ref: RefData, surveillance_form: Form, reading: str, likely: str
) -> None:
    r = read(surveillance_form, "nom", ref, reading)
    assert r.value == reading
    assert r.flags == ["low_confidence:nom"] and r.confidence <= 0.4
    assert suggestions(r) == [likely]


@pytest.mark.parametrize(("reading", "likely"), [("ECLERCQ", "LECLERCQ"), ("GUILLOT-BRETO", "GUILLOT-BRETON")])
def test_known_surname_missing_its_first_or_last_letter_is_flagged(
    ref: RefData, surveillance_form: Form, reading: str, likely: str
) -> None:
    r = read(surveillance_form, "nom", ref, reading)
    assert r.value == reading and r.flags == ["low_confidence:nom"]
    assert suggestions(r)[0].endswith(likely[-6:])


def test_space_between_two_surnames_is_flagged_but_particles_are_not(ref: RefData, surveillance_form: Form) -> None:
    r = read(surveillance_form, "nom", ref, "BRUNET GRONDIN")
    assert r.flags == ["low_confidence:nom"] and suggestions(r) == ["BRUNET-GRONDIN"]
    for name in ("LE GOFF", "DA SILVA", "PEREZ-DE OLIVEIRA", "VAN DAMME"):
        assert read(surveillance_form, "nom", ref, name).flags == [], name


@pytest.mark.parametrize(
    "name",
    ["MARTIN", "NGUYEN", "KLEIN", "KOCH", "DUPONT", "LE GOFF", "N'DIAYE", "SCHWARTZ", "HOARAU", "KERBRAT"],
)
def test_common_surnames_pass_untouched(ref: RefData, surveillance_form: Form, name: str) -> None:
    r = read(surveillance_form, "nom", ref, name, 0.97)
    assert r.flags == [] and r.value == name and r.confidence == pytest.approx(0.97)


@pytest.mark.parametrize(
    "name", ["KOWALSKI", "BEKKOUCHE", "DIAKITE", "KOUCHNER", "SARKOZY", "TAKAHASHI", "OUEDRAOGO", "ZEMMOUR"]
)
def test_real_names_the_tool_does_not_know_are_not_flagged(ref: RefData, surveillance_form: Form, name: str) -> None:
    # rich in K, far from French spelling: at most a lower confidence, never a flag
    r = read(surveillance_form, "nom", ref, name)
    assert r.flags == [] and r.value == name and r.confidence > 0.5


def test_smaller_letter_model_gain_only_lowers_the_confidence(ref: RefData, surveillance_form: Form) -> None:
    r = read(surveillance_form, "nom", ref, "KOWALSKI", 0.95)  # ROWALSKI would look more French
    assert r.flags == [] and 0.75 < r.confidence < 0.95
    assert read(surveillance_form, "nom", ref, "XQZWV", 0.95).confidence == pytest.approx(0.95)


def test_rare_listed_first_name_next_to_a_far_more_frequent_one_is_flagged(
    ref: RefData, surveillance_form: Form
) -> None:
    r = read(surveillance_form, "prenom", ref, "GIOVANN")
    assert r.value == "GIOVANN" and r.flags == ["low_confidence:prenom"]
    assert "GIOVANNI" in suggestions(r)


def test_full_name_column_is_not_doubted_for_its_space(ref: RefData) -> None:
    assert name_doubt("JEAN DUPONT", ref, "other") is None
    assert name_doubt("JEAN DUPONT", ref, "last") is not None


def test_invalid_or_empty_results_are_left_alone(ref: RefData) -> None:
    empty = FieldResult(column="nom", value="", confidence=1.0)
    assert check_name(empty, ref, "last") == FieldResult(column="nom", value="", confidence=1.0)
    bad = FieldResult(column="nom", value="MAKT1N", confidence=0.3, flags=["invalid:nom"])
    assert check_name(bad, ref, "last").flags == ["invalid:nom"]


# -- accents ---------------------------------------------------------------------------------


def test_first_name_takes_its_usual_accents_when_clearly_usual(ref: RefData, surveillance_form: Form) -> None:
    r = read(surveillance_form, "prenom", ref, "HELENE", 0.99)
    assert r.value == "HÉLÈNE" and r.flags == [] and r.confidence > 0.95
    assert read(surveillance_form, "prenom", ref, "JEAN-NOEL").value == "JEAN-NOËL"


def test_first_name_with_two_common_spellings_keeps_its_reading_with_doubt(
    ref: RefData, surveillance_form: Form
) -> None:
    # Leopold and Léopold are about as frequent: nobody can tell from capitals
    r = read(surveillance_form, "prenom", ref, "LEOPOLD", 0.99)
    assert r.value == "LEOPOLD" and r.confidence < 0.7


def test_accent_read_is_the_writers(ref: RefData) -> None:
    assert restore_accents("HÈLENE", ref, first=True) == ("HÈLENE", 1.0)
    assert restore_accents("Noël".upper(), ref, first=False) == ("NOËL", 1.0)


def test_common_surname_takes_its_usual_accents_unknown_one_is_kept(ref: RefData) -> None:
    value, p = restore_accents("HEBERT", ref, first=False)
    assert value == "HÉBERT" and 0.85 < p < 1.0
    assert restore_accents("MERCIER-LEGER", ref, first=False)[0] == "MERCIER-LÉGER"
    assert restore_accents("DUPONTEL", ref, first=False) == ("DUPONTEL", 1.0)


def test_apostrophe_after_a_letter_never_elided_is_flagged(ref: RefData, surveillance_form: Form) -> None:
    assert read(surveillance_form, "nom", ref, "U'DIAYE").flags == ["low_confidence:nom"]
    for name in ("N'DIAYE", "D'ALMEIDA", "O'NEILL", "LE GALL-D'HÉROUVILLE"):
        assert read(surveillance_form, "nom", ref, name).flags == [], name


def test_compound_first_name_missing_a_letter_is_flagged(ref: RefData, surveillance_form: Form) -> None:
    r = read(surveillance_form, "prenom", ref, "JEANNE-MARI")
    assert r.flags == ["low_confidence:prenom"] and suggestions(r) == ["JEANNE-MARIE"]
    assert read(surveillance_form, "prenom", ref, "JEAN-PIERRE").flags == []
