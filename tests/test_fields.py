from __future__ import annotations

import pytest

from scanner.fields import RowContext, interpret, interpret_row, interpretation_order, is_city_column
from scanner.fields.common import BORDER_CAP, doubt_border
from scanner.forms import Column, ColumnType, Form
from scanner.model import FieldResult, OcrResult
from scanner.refdata import RefData
from scanner.rowscore import Thresholds


@pytest.fixture(scope="module")
def ref() -> RefData:
    return RefData.load()


def cands(*readings: tuple[str, float] | tuple[str, float, str]) -> list[OcrResult]:
    out = []
    for r in readings:
        engine = r[2] if len(r) == 3 else "rapidocr"
        out.append(OcrResult(text=r[0], confidence=r[1], engine=engine))
    return out


def read(
    form: Form, col: str, ref: RefData, *readings: tuple[str, float] | tuple[str, float, str], **kw: bool
) -> FieldResult:
    column = next(c for c in form.columns if c.name == col)
    return interpret(column, cands(*readings), ref, RowContext(), **kw)


# -- names --------------------------------------------------------------------------


def test_last_name_normalised_upper_with_accents_hyphens_apostrophes(ref: RefData, surveillance_form: Form) -> None:
    r = read(surveillance_form, "nom", ref, ("  le   gall-d’hérouville ", 0.9))
    assert r.value == "LE GALL-D'HÉROUVILLE"
    assert r.flags == [] and r.confidence == pytest.approx(0.9)
    assert r.raw == "  le   gall-d’hérouville "


def test_stray_punctuation_dropped_with_some_doubt(ref: RefData, surveillance_form: Form) -> None:
    r = read(surveillance_form, "nom", ref, ("Dupont.", 0.9))
    assert r.value == "DUPONT" and r.flags == [] and r.confidence < 0.9


@pytest.mark.parametrize("text", ["Dup0nt", "jean@dupont", "Дмитрий", "DU#PONT"])
def test_name_with_digits_or_symbols_is_invalid(ref: RefData, surveillance_form: Form, text: str) -> None:
    r = read(surveillance_form, "nom", ref, (text, 0.95))
    assert r.flags == ["invalid:nom"]
    assert r.confidence <= 0.3


def test_listed_first_name_is_evidence(ref: RefData, surveillance_form: Form) -> None:
    listed = read(surveillance_form, "prenom", ref, ("Hélène", 0.7))
    unlisted_last = read(surveillance_form, "nom", ref, ("Hélène", 0.7))
    assert listed.value == "HÉLÈNE" and listed.flags == []
    assert listed.confidence > unlisted_last.confidence
    # capitals read without accents take the usual spelling (the engines drop accents on
    # capitals); an accent that was read is the writer's and is kept
    assert read(surveillance_form, "prenom", ref, ("HELENE", 0.7)).value == "HÉLÈNE"
    assert read(surveillance_form, "prenom", ref, ("Hèlene", 0.7)).value == "HÈLENE"


def test_rare_but_listed_first_name_is_not_changed(ref: RefData, surveillance_form: Form) -> None:
    r = read(surveillance_form, "prenom", ref, ("Kyllian", 0.9))
    assert r.value == "KYLLIAN" and r.flags == []


def test_near_miss_of_frequent_first_name_is_a_flagged_candidate(ref: RefData, surveillance_form: Form) -> None:
    r = read(surveillance_form, "prenom", ref, ("Marif", 0.95))
    assert r.value == "MARIE"
    assert r.flags == ["low_confidence:prenom"]
    assert r.confidence <= 0.45
    assert r.raw == "Marif"
    suggested = [c.text for c in r.candidates if c.engine == "firstnames"]
    assert suggested[0] == "MARIE" and len(suggested) > 1


def test_unknown_first_name_far_from_any_keeps_its_reading(ref: RefData, surveillance_form: Form) -> None:
    r = read(surveillance_form, "prenom", ref, ("Xqzwv", 0.9))
    assert r.value == "XQZWV" and r.confidence < 0.9 and "low_confidence:prenom" not in r.flags


# -- agreement between engines --------------------------------------------------------


def test_engines_agreeing_raise_confidence_and_disagreeing_lower_it(ref: RefData, surveillance_form: Form) -> None:
    alone = read(surveillance_form, "nom", ref, ("Martin", 0.8, "a"))
    agree = read(surveillance_form, "nom", ref, ("Martin", 0.8, "a"), ("MARTIN", 0.8, "b"))
    disagree = read(surveillance_form, "nom", ref, ("Martin", 0.8, "a"), ("Marlin", 0.7, "b"))
    assert agree.value == alone.value == disagree.value == "MARTIN"
    assert agree.confidence > alone.confidence > disagree.confidence
    assert disagree.confidence < 0.6


def test_valid_reading_wins_over_a_more_confident_invalid_one(ref: RefData, surveillance_form: Form) -> None:
    r = read(surveillance_form, "code_postal", ref, ("7501", 0.95, "a"), ("75011", 0.6, "b"))
    assert r.value == "75011" and r.flags == [] and r.confidence < 0.6


# -- e-mail -----------------------------------------------------------------------------


def test_email_lowercased_spaces_removed(ref: RefData, surveillance_form: Form) -> None:
    r = read(surveillance_form, "email", ref, (" Jean.Dupont @ Orange . fr", 0.9))
    assert r.value == "jean.dupont@orange.fr" and r.flags == [] and r.confidence == pytest.approx(0.9)


def test_email_domain_one_letter_off_is_corrected_with_less_confidence(ref: RefData, surveillance_form: Form) -> None:
    exact = read(surveillance_form, "email", ref, ("jean.dupont@gmail.com", 0.9))
    fixed = read(surveillance_form, "email", ref, ("jean.dupont@gmai1.com", 0.9))
    assert fixed.value == "jean.dupont@gmail.com" and fixed.flags == []
    assert fixed.confidence < exact.confidence
    assert read(surveillance_form, "email", ref, ("marie@wanadoo,fr", 0.9)).value == "marie@wanadoo.fr"
    assert read(surveillance_form, "email", ref, ("marie@laposte.met", 0.9)).value == "marie@laposte.net"


def test_email_missing_at_before_known_domain(ref: RefData, surveillance_form: Form) -> None:
    r = read(surveillance_form, "email", ref, ("jean.dupontgmail.com", 0.9))
    assert r.value == "jean.dupont@gmail.com" and r.flags == [] and r.confidence < 0.9


def test_email_at_read_as_a_letter_is_only_a_flagged_guess(ref: RefData, surveillance_form: Form) -> None:
    # "...dupontagmail.com": was the "a" the '@', or part of the name? Cannot know.
    r = read(surveillance_form, "email", ref, ("jean.dupontagmail.com", 0.95))
    assert r.value == "jean.dupont@gmail.com"
    assert r.flags == ["low_confidence:email"]


def test_email_ambiguous_domain_not_corrected(ref: RefData, surveillance_form: Form) -> None:
    # hotmail.fr or hotmail.com? Two edits either way: left as read, and invalid.
    assert read(surveillance_form, "email", ref, ("jean@hotmail.c", 0.9)).flags == ["invalid:email"]
    # one edit from a known domain but not long enough to be clear: flagged, not changed
    r = read(surveillance_form, "email", ref, ("jean@sfe.fr", 0.9))
    assert r.value == "jean@sfe.fr" and r.flags == ["low_confidence:email"]


def test_email_unknown_but_valid_domain_kept(ref: RefData, surveillance_form: Form) -> None:
    r = read(surveillance_form, "email", ref, ("contact@amnesty-exemple.org", 0.9))
    assert r.value == "contact@amnesty-exemple.org" and r.flags == []
    # gmail.fr is a common human slip, not an OCR error: it is not rewritten
    assert read(surveillance_form, "email", ref, ("jean@gmail.fr", 0.9)).value == "jean@gmail.fr"


def test_email_domain_that_lost_its_dot_gets_it_back_flagged(ref: RefData, surveillance_form: Form) -> None:
    # real hands: the small dot of "de.com" is often not read at all
    r = read(surveillance_form, "email", ref, ("jean.dupont@associationcom", 0.95))
    assert r.value == "jean.dupont@association.com" and r.flags == ["low_confidence:email"]
    known = read(surveillance_form, "email", ref, ("jean.dupont@orangefr", 0.95))
    assert known.value == "jean.dupont@orange.fr" and known.flags == []
    # no common ending to put a dot before: left as read, and invalid
    assert read(surveillance_form, "email", ref, ("jean@associat", 0.95)).flags == ["invalid:email"]


@pytest.mark.parametrize("text", ["jean@", "jean.dupont", "a@b@gmail.com", "jé@gmail.com", "jean..d@gmail.com"])
def test_email_bad_syntax_is_invalid(ref: RefData, surveillance_form: Form, text: str) -> None:
    assert read(surveillance_form, "email", ref, (text, 0.9)).flags == ["invalid:email"]


# -- postcode -----------------------------------------------------------------------------


def test_postcode_exact(ref: RefData, surveillance_form: Form) -> None:
    r = read(surveillance_form, "code_postal", ref, ("75 011", 0.9))
    assert r.value == "75011" and r.flags == [] and r.confidence == pytest.approx(0.9)


def test_postcode_letter_for_digit_fixed_only_into_a_listed_code(ref: RefData, surveillance_form: Form) -> None:
    r = read(surveillance_form, "code_postal", ref, ("75O1l", 0.9))
    assert r.value == "75011" and r.flags == [] and r.confidence < 0.9 * 0.8
    # the same kind of fix landing on a code that does not exist: invalid, shown as read
    bad = read(surveillance_form, "code_postal", ref, ("9999S", 0.9))
    assert bad.flags == ["invalid:code_postal"] and bad.value == "99995"


@pytest.mark.parametrize("text", ["99999", "7501", "750111", "PARIS"])
def test_postcode_not_in_the_official_list_is_invalid(ref: RefData, surveillance_form: Form, text: str) -> None:
    assert read(surveillance_form, "code_postal", ref, (text, 0.95)).flags == ["invalid:code_postal"]


# -- ville, alone and against the postcode ---------------------------------------------------


def _row(form: Form, ref: RefData, postcode: list[OcrResult], ville: list[OcrResult]) -> dict[str, FieldResult]:
    return interpret_row(form, {"code_postal": postcode, "ville": ville}, ref)


def test_city_corrected_to_the_official_name_of_the_postcode(ref: RefData, surveillance_form: Form) -> None:
    res = _row(surveillance_form, ref, cands(("42000", 0.8)), cands(("ST ETIENE", 0.7)))
    assert res["ville"].value == "SAINT-ÉTIENNE" and res["ville"].flags == []
    # SAINT-ÉTIENNE is also 42100: it cannot vouch for 42000 against 42100
    assert res["code_postal"].confidence == pytest.approx(0.8) and res["code_postal"].flags == []
    res = _row(surveillance_form, ref, cands(("01400", 0.8)), cands(("chatillon s chalaronne", 0.7)))
    assert res["ville"].value == "CHÂTILLON-SUR-CHALARONNE"
    assert res["code_postal"].confidence > 0.8  # a town with one code vouches for it


def test_city_of_another_postcode_flags_both(ref: RefData, surveillance_form: Form) -> None:
    res = _row(surveillance_form, ref, cands(("42000", 0.9)), cands(("Lyon", 0.9)))
    assert res["ville"].value == "LYON" and "low_confidence:ville" in res["ville"].flags
    assert "low_confidence:code_postal" in res["code_postal"].flags
    assert res["code_postal"].confidence < 0.9


def test_city_found_nowhere_is_invalid(ref: RefData, surveillance_form: Form) -> None:
    res = _row(surveillance_form, ref, cands(("42000", 0.9)), cands(("Zorglubville", 0.9)))
    assert res["ville"].flags == ["invalid:ville"]
    assert res["code_postal"].flags == [] and res["code_postal"].confidence == pytest.approx(0.9)


def test_other_engines_postcode_that_fits_the_city_is_proposed_flagged(ref: RefData, surveillance_form: Form) -> None:
    res = _row(surveillance_form, ref, cands(("42000", 0.8, "a"), ("69003", 0.7, "b")), cands(("Lyon", 0.9)))
    assert res["code_postal"].value == "69003"
    assert res["code_postal"].flags == ["low_confidence:code_postal"]
    assert res["ville"].value == "LYON" and res["ville"].flags == []


def test_city_fitting_two_candidate_postcodes_does_not_vouch(ref: RefData, surveillance_form: Form) -> None:
    both = _row(surveillance_form, ref, cands(("69003", 0.8, "a"), ("69008", 0.7, "b")), cands(("Lyon", 0.9)))
    one = _row(surveillance_form, ref, cands(("69003", 0.8, "a")), cands(("Lyon", 0.9)))
    assert both["code_postal"].value == "69003"
    assert both["code_postal"].confidence < 0.6 < one["code_postal"].confidence


def test_city_with_several_codes_a_digit_apart_does_not_vouch_for_one(ref: RefData, surveillance_form: Form) -> None:
    # NANTES is 44000, 44100, 44200 and 44300: the town cannot tell which one was written
    nantes = _row(surveillance_form, ref, cands(("44100", 0.9, "a")), cands(("Nantes", 0.9)))
    poitiers = _row(surveillance_form, ref, cands(("86000", 0.9, "a")), cands(("Poitiers", 0.9)))
    assert nantes["code_postal"].confidence == pytest.approx(0.9)
    assert poitiers["code_postal"].confidence > 0.9


def test_a_code_nearly_read_as_another_of_the_same_town_goes_to_review(
    ref: RefData, surveillance_form: Form
) -> None:
    # 75013 written, read 75018 with 3 the runner-up of the last digit: PARIS fits both
    near = [OcrResult("75018", 0.96, engine="rapidocr", near_misses=("75013",))]
    res = _row(surveillance_form, ref, near, cands(("PARIS", 0.95)))
    assert res["code_postal"].value == "75018" and res["code_postal"].flags == ["low_confidence:code_postal"]
    assert res["code_postal"].confidence < 0.6
    # a near miss that is another town's code is the town check's business, not this one's
    other = [OcrResult("75018", 0.96, engine="rapidocr", near_misses=("76018",))]
    assert _row(surveillance_form, ref, other, cands(("PARIS", 0.95)))["code_postal"].flags == []


def test_city_without_postcode(ref: RefData, surveillance_form: Form) -> None:
    known = read(surveillance_form, "ville", ref, ("bourg en bresse", 0.9))
    assert known.value == "BOURG-EN-BRESSE" and known.flags == []
    foreign = read(surveillance_form, "ville", ref, ("Zorglubville", 0.9))
    assert foreign.value == "ZORGLUBVILLE" and foreign.flags == ["low_confidence:ville"]


def test_postcode_with_no_town_beside_it_needs_a_sure_reading(ref: RefData, surveillance_form: Form) -> None:
    """The demo's 40300 for 46300, read at 0.72 with the town cell empty: nothing vouched for it."""
    alone = _row(surveillance_form, ref, cands(("40300", 0.72)), [])
    assert alone["code_postal"].value == "40300" and alone["code_postal"].flags == ["low_confidence:code_postal"]
    assert alone["code_postal"].confidence == pytest.approx(0.72)  # flagged, not re-scored
    sure = _row(surveillance_form, ref, cands(("40300", 0.95)), [])
    assert sure["code_postal"].flags == []
    # the same reading with its town written beside it is vouched for
    vouched = _row(surveillance_form, ref, cands(("40300", 0.72)), cands(("PEYREHORADE", 0.9)))
    assert vouched["code_postal"].flags == [] and vouched["code_postal"].confidence > 0.8


def test_interpret_records_into_the_context(ref: RefData, surveillance_form: Form) -> None:
    """The per-cell API gives the same cross-check as interpret_row when called in order."""
    cols = {c.name: c for c in surveillance_form.columns}
    ctx = RowContext()
    pc = interpret(cols["code_postal"], cands(("01400", 0.8)), ref, ctx)
    assert ctx.postcode == "01400"
    city = interpret(cols["ville"], cands(("chatillon s chalaronne", 0.7)), ref, ctx)
    assert city.value == "CHÂTILLON-SUR-CHALARONNE"
    assert ctx.results["code_postal"] is pc and pc.confidence > 0.8


def test_order_puts_postcode_before_city(surveillance_form: Form) -> None:
    names = [c.name for c in interpretation_order(surveillance_form.columns)]
    assert names.index("code_postal") < names.index("ville")
    assert "signature" not in names and "infos" not in names
    assert is_city_column(next(c for c in surveillance_form.columns if c.name == "ville"))
    assert not is_city_column(Column(name="profession", type=ColumnType.TEXT, label="PROFESSION"))
    assert not is_city_column(Column(name="cp_ville", type=ColumnType.POSTCODE, label="CODE POSTAL (VILLE)"))


def test_free_text_column_keeps_case(ref: RefData) -> None:
    col = Column(name="commentaire", type=ColumnType.TEXT)
    r = interpret(col, cands(("  Bravo   pour la campagne ", 0.8)), ref, RowContext())
    assert r.value == "Bravo pour la campagne" and r.flags == []


# -- phone and date ------------------------------------------------------------------------------


def test_phone_to_e164(ref: RefData) -> None:
    col = Column(name="tel", type=ColumnType.PHONE)
    r = interpret(col, cands(("06 12 34 56 78", 0.9)), ref, RowContext())
    assert r.value == "+33612345678" and r.flags == []
    assert interpret(col, cands(("+33 1 42.34.56.78", 0.9)), ref, RowContext()).value == "+33142345678"
    fixed = interpret(col, cands(("O6 12 34 56 78", 0.9)), ref, RowContext())
    assert fixed.value == "+33612345678" and fixed.confidence < r.confidence
    assert interpret(col, cands(("06 12 34", 0.9)), ref, RowContext()).flags == ["invalid:tel"]


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("14/07/1989", "1989-07-14"),
        ("1.2.2024", "2024-02-01"),
        ("14-07-89", "1989-07-14"),
        ("14071989", "1989-07-14"),
        ("3 mars 2024", "2024-03-03"),
        ("1er janvier 2000", "2000-01-01"),
        ("2024-03-05", "2024-03-05"),
    ],
)
def test_date_variants_to_iso(ref: RefData, text: str, iso: str) -> None:
    col = Column(name="date", type=ColumnType.DATE)
    r = interpret(col, cands((text, 0.9)), ref, RowContext())
    assert r.value == iso and r.flags == []


@pytest.mark.parametrize("text", ["31/02/2024", "14/13/1989", "hier", "1/1/1850"])
def test_impossible_date_is_invalid(ref: RefData, text: str) -> None:
    col = Column(name="date", type=ColumnType.DATE)
    assert interpret(col, cands((text, 0.9)), ref, RowContext()).flags == ["invalid:date"]


# -- empty cells ---------------------------------------------------------------------------------


def test_empty_cell_is_an_empty_value_without_flags(ref: RefData, surveillance_form: Form) -> None:
    for col in ("nom", "email", "code_postal"):
        r = read(surveillance_form, col, ref, ("", 0.0), ("  . ", 0.2), has_ink=False)
        assert r.value == "" and r.flags == [] and r.confidence == 1.0
    # without the ink measure, an empty reading cannot be trusted to be an empty cell
    unknown = read(surveillance_form, "email", ref)
    assert unknown.value == "" and unknown.confidence < 0.6


def test_ink_that_no_engine_read_is_flagged(ref: RefData, surveillance_form: Form) -> None:
    r = read(surveillance_form, "email", ref, ("", 0.0), has_ink=True)
    assert r.value == "" and r.flags == ["low_confidence:email"] and r.confidence < 0.5


def test_checkbox_is_not_interpreted_from_text(ref: RefData, surveillance_form: Form) -> None:
    with pytest.raises(ValueError, match="ink"):
        read(surveillance_form, "infos", ref, ("x", 0.9))


def test_city_with_a_single_commune_postcode_does_not_crash() -> None:
    """Regression: a postcode serving one commune gave a one-element ranking."""
    from scanner.fields.places import read_city
    from scanner.model import OcrResult
    from scanner.refdata import RefData

    ref = RefData.load()
    single = next(pc for pc in ("29200", "44000", "87000", "25430") if len(ref.communes_for(pc)) == 1)
    name = ref.communes_for(single)[0]
    reading = read_city(OcrResult(name.upper()[:-1] + "X", 0.9), ref, single)
    assert reading.value


def test_domain_with_digits_for_letters_is_corrected_or_doubted() -> None:
    from scanner.fields.emails import _fix_domain

    assert _fix_domain("0utl00k.fr")[0] == "outlook.fr"
    assert _fix_domain("0utl00k.fr")[1] < 1.0
    assert _fix_domain("h0tma1l.fr")[2] or _fix_domain("h0tma1l.fr")[0] == "hotmail.fr"
    # three edits from a known domain: kept as read, but doubted
    value, _, doubt = _fix_domain("gnaxl.co")
    assert value == "gnaxl.co" and doubt
    # an ordinary unknown domain stays as read without doubt
    assert _fix_domain("mairie-rennes.fr") == ("mairie-rennes.fr", 1.0, False)


def test_a_letter_across_the_side_rule_sends_the_value_to_review() -> None:
    read = FieldResult(column="prenom", value="ELOAN", raw="ELOAN", confidence=0.99)
    doubt_border(read, 0.45)
    assert read.confidence == BORDER_CAP < min(Thresholds.default().name, Thresholds.default().text)
    grazed = FieldResult(column="prenom", value="ELOANE", raw="ELOANE", confidence=0.99)
    doubt_border(grazed, 0.1)  # a tail crossing the rule a little
    assert grazed.confidence == 0.99
    empty = FieldResult(column="ville", value="", confidence=1.0)
    doubt_border(empty, 0.5)
    assert empty.confidence == 1.0
