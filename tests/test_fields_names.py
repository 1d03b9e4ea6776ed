"""Name plausibility after the vote: letter model, confusions, truncations, accents."""

from __future__ import annotations

import pytest

from scanner.fields import RowContext, interpret
from scanner.fields.accents import UNKNOWN_ACCENT_PRIOR_E, UNKNOWN_ACCENT_PRIOR_OTHER, restore_accents
from scanner.fields.namecheck import ACCENT_SURE, LETTERS_ENGINE, check_name, name_doubt
from scanner.fields.plausibility import letter_model
from scanner.forms import ColumnType, Form
from scanner.model import FieldResult, OcrResult
from scanner.ocr.combine import combine
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
    model = letter_model(ref)
    assert model is not None
    assert model.score("MARTIN") > model.score("MAKTIN") > model.score("BKUN")
    assert model.score("FOURNIER") > model.score("FOUKNIEK")
    assert model.score("NGUYEN") > model.score("XQZWV")


def test_best_confusion_swaps_back_up_to_two_letters(ref: RefData) -> None:
    model = letter_model(ref)
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
    for name in ("LE GOFF", "DA SILVA", "PEREZ-DE OLIVEIRA", "VAN DAMME", "DE LA FONTAINE"):
        assert read(surveillance_form, "nom", ref, name).flags == [], name


def test_a_particle_does_not_excuse_another_space(ref: RefData, surveillance_form: Form) -> None:
    """MELYNA read as M EL YNA: the EL particle stands in it, but the first space follows no particle."""
    r = read(surveillance_form, "prenom", ref, "M EL YNA")
    assert r.flags == ["low_confidence:prenom"]


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
    # no letter model doubt; only the small chance that an unknown word lost an accent
    confidence = read(surveillance_form, "nom", ref, "XQZWV", 0.95).confidence
    assert 0.95 * (1 - UNKNOWN_ACCENT_PRIOR_OTHER) <= confidence < 0.95


def test_rare_listed_first_name_next_to_a_far_more_frequent_one_is_flagged(
    ref: RefData, surveillance_form: Form
) -> None:
    r = read(surveillance_form, "prenom", ref, "GIOVANN")
    assert r.value == "GIOVANN" and r.flags == ["low_confidence:prenom"]
    assert "GIOVANNI" in suggestions(r)


def test_a_particle_glued_to_a_known_surname_is_flagged(ref: RefData, surveillance_form: Form) -> None:
    r = read(surveillance_form, "nom", ref, "DASILVA", 0.97)
    assert r.flags == ["low_confidence:nom"] and r.value == "DASILVA" and r.confidence < 0.9
    assert name_doubt("DASILVA", ref, "last") is not None
    assert name_doubt("DASILVA", ref, "last").suggestion == "DA SILVA"  # type: ignore[union-attr]
    assert name_doubt("DA SILVA", ref, "last") is None
    assert name_doubt("LEROUX", ref, "last") is None  # glued, and known so


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
    # RapidOCR saw no accent (it misses a third of them): the list still wins, but the list
    # also knows Helene: a reviewer's call
    assert r.value == "HÉLÈNE" and r.flags == ["low_confidence:prenom"] and 0.7 < r.confidence < 0.95
    assert read(surveillance_form, "prenom", ref, "JEAN-NOEL").value == "JEAN-NOËL"


def test_first_name_with_two_common_spellings_keeps_its_reading_with_doubt(
    ref: RefData, surveillance_form: Form
) -> None:
    # Leopold and Léopold are about as frequent: nobody can tell from capitals
    r = read(surveillance_form, "prenom", ref, "LEOPOLD", 0.99)
    assert r.value == "LEOPOLD" and r.confidence < 0.9 and r.flags == ["low_confidence:prenom"]


def test_two_silent_readers_do_not_settle_a_name_spelt_both_ways(ref: RefData, surveillance_form: Form) -> None:
    """ÉLODIE / ELODIE (1,114 / 1,404): both engines drawing no accent is weaker evidence
    than their separate rates say, as they miss the same accents."""
    both_silent = [("rapidocr", "ELODIE"), ("tesseract", "ELODIE")]
    value, p = restore_accents("ELODIE", ref, True, both_silent)
    assert value == "ELODIE" and p < ACCENT_SURE
    # and flagged in the field, with the letters read well
    voted = combine(
        [OcrResult("ELODIE", 0.99, engine="rapidocr"), OcrResult("ELODIE", 0.95, engine="tesseract")],
        ColumnType.NAME,
    )
    r = interpret(next(c for c in surveillance_form.columns if c.name == "prenom"), voted, ref, RowContext())
    assert r.value == "ELODIE" and r.flags == ["low_confidence:prenom"]
    # a first name the list spells one way only is not doubted for its accents
    assert restore_accents("HASSAN", ref, True, [("rapidocr", "HASSAN"), ("tesseract", "HASSAN")]) == ("HASSAN", 1.0)


def test_accent_read_by_the_main_reader_is_the_writers(ref: RefData, surveillance_form: Form) -> None:
    # RapidOCR draws accents on lower-case letters only: mixed-case writing, the writer's spelling
    assert read(surveillance_form, "prenom", ref, "Hèlene", 0.9).value == "HÈLENE"
    r = read(surveillance_form, "nom", ref, "Noël", 0.9)
    assert r.value == "NOËL" and r.confidence == pytest.approx(0.9)


def test_each_readers_accents_are_weighed_with_its_own_rates(ref: RefData) -> None:
    rapid_plain, tess_plain = ("rapidocr", "BEGUIN"), ("tesseract", "BEGUIN")
    # an unknown surname with no reader's word: its E may well have lost an accent
    plain, p_alone = restore_accents("BEGUIN", ref, first=False)
    assert plain == "BEGUIN" and p_alone == pytest.approx(1 - UNKNOWN_ACCENT_PRIOR_E)
    # both readers saw none: probably none
    value, p_none = restore_accents("BEGUIN", ref, False, [rapid_plain, tess_plain])
    assert value == "BEGUIN" and p_alone < p_none and p_none > 0.95
    # Tesseract alone drew one (it draws false ones): a doubt either way, review
    value, p_tess = restore_accents("BEGUIN", ref, False, [rapid_plain, ("tesseract", "BÉGUIN")])
    assert p_tess < 0.9 < p_none
    # RapidOCR drew one (it almost never draws a false one): likely, though Tesseract, which
    # draws 92% of the accents RapidOCR draws, did not
    value, p_rapid = restore_accents("BEGUIN", ref, False, [("rapidocr", "BÉGUIN"), tess_plain])
    assert value == "BÉGUIN" and p_rapid > 0.9
    # a reader whose letters differ says nothing
    assert restore_accents("BEGUIN", ref, False, [("tesseract", "BÉGUEN")]) == (plain, p_alone)


def test_tesseract_accents_reach_the_name_check_through_the_vote(ref: RefData, surveillance_form: Form) -> None:
    column = next(c for c in surveillance_form.columns if c.name == "nom")
    voted = combine(
        [OcrResult("BEGUIN", 0.95, engine="rapidocr"), OcrResult("BÉGUIN", 0.8, engine="tesseract")], ColumnType.NAME
    )
    r = interpret(column, voted, ref, RowContext())
    alone = combine([OcrResult("BEGUIN", 0.95, engine="rapidocr")], ColumnType.NAME)
    silent = interpret(column, alone, ref, RowContext())
    assert r.accent_probability < 0.95 and r.accent_probability < silent.accent_probability


def test_common_surname_takes_its_usual_accents_unknown_one_is_kept(ref: RefData) -> None:
    value, p = restore_accents("HEBERT", ref, first=False)
    assert value == "HÉBERT" and 0.85 < p < 1.0
    assert restore_accents("MERCIER-LEGER", ref, first=False)[0] == "MERCIER-LÉGER"
    value, p = restore_accents("DUPONTEL", ref, first=False)  # unknown: its E may have lost an accent
    assert value == "DUPONTEL" and p == pytest.approx(1 - UNKNOWN_ACCENT_PRIOR_E)


def test_apostrophe_after_a_letter_never_elided_is_flagged(ref: RefData, surveillance_form: Form) -> None:
    assert read(surveillance_form, "nom", ref, "U'DIAYE").flags == ["low_confidence:nom"]
    for name in ("N'DIAYE", "D'ALMEIDA", "O'NEILL", "LE GALL-D'HÉROUVILLE"):
        assert read(surveillance_form, "nom", ref, name).flags == [], name


def test_compound_first_name_missing_a_letter_is_flagged(ref: RefData, surveillance_form: Form) -> None:
    r = read(surveillance_form, "prenom", ref, "JEANNE-MARI")
    assert r.flags == ["low_confidence:prenom"] and suggestions(r) == ["JEANNE-MARIE"]
    assert read(surveillance_form, "prenom", ref, "JEAN-PIERRE").flags == []


@pytest.mark.parametrize(
    ("reading", "role", "suggestion"),
    [
        ("FOURNER-VIDAL", "last", "FOURNIER-VIDAL"),  # a letter lost inside a compound
        ("BOURGEDIS", "last", "BOURGEOIS"),  # O read as D
        ("PERRIER-MUBERT", "last", "PERRIER-AUBERT"),  # a common word one letter away
    ],
)
def test_unknown_word_one_letter_from_a_known_name_is_doubted(
    ref: RefData, surveillance_form: Form, reading: str, role: str, suggestion: str
) -> None:
    doubt = name_doubt(reading, ref, role)
    assert doubt is not None and doubt.suggestion == suggestion
    r = read(surveillance_form, "nom", ref, reading, 0.99)
    assert r.flags == ["low_confidence:nom"] and suggestion in suggestions(r)


def test_known_names_and_short_words_are_not_doubted_for_a_near_neighbour(ref: RefData) -> None:
    for name in ("FOURNIER", "MARTINEZ", "LEFEBVRE", "DUPONT", "KOWALSKI"):
        assert name_doubt(name, ref, "last") is None, name
    assert name_doubt("MARTINE", ref, "first") is None  # listed itself, though MARTIN is a letter away


def test_known_surname_cut_after_a_french_particle_is_doubted(ref: RefData) -> None:
    doubt = name_doubt("DU PUIS", ref, "last")
    assert doubt is not None and doubt.suggestion == "DUPUIS"
    assert name_doubt("LE GOFF", ref, "last") is None  # LEGOFF is not a common surname glued


def test_main_readers_accents_on_capitals_are_weighed(ref: RefData, surveillance_form: Form) -> None:
    # RapidOCR read one accent of LÉVÊQUE: evidence for the usual spelling, not the writer's full one
    assert read(surveillance_form, "nom", ref, "LEVÊQUE", 0.99).value == "LÉVÊQUE"
    # an accented capital RapidOCR read on a name no list knows: it draws almost no false accents
    capitals = read(surveillance_form, "nom", ref, "BÉGUIN", 0.99)
    assert capitals.value == "BÉGUIN" and capitals.accent_probability > 0.95
    mixed = read(surveillance_form, "nom", ref, "Levêque", 0.99)
    assert mixed.value == "LEVÊQUE" and mixed.accent_probability == 1.0


def test_unaccented_spelling_keeps_a_floor_for_writers_who_drop_accents(ref: RefData) -> None:
    value, p = restore_accents("MARIE-THERESE", ref, first=True)  # the list: 1376 against 34
    assert value == "MARIE-THÉRÈSE" and p < 0.97
