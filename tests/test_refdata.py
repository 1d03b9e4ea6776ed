from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from scanner.errors import MissingDependencyError
from scanner.fields.plausibility import letter_model
from scanner.refdata import DATA_DIR, RefData
from scanner.textfold import fold, name_key, place_key


def _write(path: Path, text: str) -> Path:
    path.write_bytes(gzip.compress(text.encode("utf-8")))
    return path


@pytest.fixture(scope="module")
def ref() -> RefData:
    return RefData.load()


@pytest.fixture()
def tiny(tmp_path: Path) -> RefData:
    postcodes = _write(
        tmp_path / "pc.tsv.gz",
        "42000\tSaint-Étienne\n"
        "42000\tSaint-Etienne\n"  # same commune spelled without accent: one entry
        "01400\tChâtillon-sur-Chalaronne\n"
        "01400\tL'Abergement-Clémenciat\n"
        "75011\tParis\n"
        "bad line without tab\n"
        "123\tToo short\n",
    )
    firstnames = _write(
        tmp_path / "fn.txt.gz",
        "Marie\t1000\nHélène\t600\nHelene\t100\nJean-Pierre\t400\nKyllian\t5\nnot a count\tx\n",
    )
    return RefData(postcodes, firstnames)


def test_keys_ignore_accents_case_separators_and_saint() -> None:
    assert fold("Cœur d'Hélène") == "COEUR D'HELENE"
    assert place_key("St-Étienne") == place_key("SAINT ETIENNE") == "SAINT ETIENNE"
    assert place_key("Ste Foy-lès-Lyon") == "SAINTE FOY LES LYON"
    assert place_key("Paris 11e") == place_key("PARIS") == "PARIS"
    assert place_key("Lyon 3ème") == "LYON"
    assert name_key("jean pierre") == name_key("Jean-Pierre") == "JEAN-PIERRE"


def test_loader_reads_the_format_and_skips_bad_lines(tiny: RefData) -> None:
    assert tiny.communes_for("42000") == ["Saint-Étienne"]
    assert tiny.communes_for("01400") == ["Châtillon-sur-Chalaronne", "L'Abergement-Clémenciat"]
    assert tiny.is_postcode("75011") and not tiny.is_postcode("123") and not tiny.is_postcode("99999")
    assert tiny.n_postcodes == 3
    # accent variants are one name, their counts summed; the first (most frequent) spelling is shown
    assert tiny.firstname_count("HELENE") == 700
    assert tiny.display_firstname("helene") == "Hélène"
    assert tiny.n_firstnames == 4


def test_firstname_score_follows_frequency(tiny: RefData) -> None:
    assert tiny.firstname_score("Marie") > tiny.firstname_score("Jean-Pierre") > tiny.firstname_score("Kyllian") > 0
    assert tiny.firstname_score("Zorglub") == 0.0
    assert tiny.firstname_score("") == 0.0
    # a compound not listed as such scores as its rarer part
    assert tiny.firstname_score("Marie-Hélène") == pytest.approx(tiny.firstname_score("Hélène"))


def test_real_postcode_list(ref: RefData) -> None:
    assert ref.communes_for("75011") == ["Paris"]
    assert ref.communes_for("42000") == ["Saint-Étienne"]
    assert "Châtillon-sur-Chalaronne" in ref.communes_for("01400")
    assert ref.is_postcode("13008") and ref.is_postcode("20000")  # Ajaccio: Corsica is numeric
    assert not ref.is_postcode("99999") and not ref.is_postcode("7501") and not ref.is_postcode("75O11")
    assert ref.n_postcodes > 6000
    assert ref.communes_for("00000") == []


def test_match_commune_is_insensitive_to_spelling_habits(ref: RefData) -> None:
    for text in ("ST ETIENNE", "saint-étienne", "St-Etienne", "SAINT ETIENNE"):
        assert ref.match_commune(text, "42000") == ("Saint-Étienne", 1.0)
    assert ref.match_commune("Paris 11e", "75011") == ("Paris", 1.0)
    name, score = ref.match_commune("chatillon s chalaronne", "01400")
    assert name == "Châtillon-sur-Chalaronne" and 0.9 < score < 1.0
    name, score = ref.match_commune("Lyon", "42000")
    assert score < 0.6
    assert ref.match_commune("Paris", "99999") == (None, 0.0)
    assert ref.match_commune("", "75011") == (None, 0.0)


def test_rank_communes_gives_the_runner_up(ref: RefData) -> None:
    ranked = ref.rank_communes("Sandrans", "01400", 2)
    assert ranked[0] == ("Sandrans", 1.0)
    assert len(ranked) == 2 and ranked[1][1] < 1.0


def test_commune_lookup_without_postcode(ref: RefData) -> None:
    assert ref.is_commune("bourg en bresse")
    assert not ref.is_commune("Bruxelles")
    assert ref.find_commune("bourg-en-brese")[0] == "Bourg-en-Bresse"
    assert "42000" in ref.postcodes_of("St Etienne")


def test_real_firstname_list(ref: RefData) -> None:
    assert ref.n_firstnames > 20000
    for common in ("Marie", "JEAN", "Hélène", "HELENE", "Jean-Pierre", "Mohamed", "Kylian", "Kyllian"):
        assert ref.firstname_score(common) > 0.6, common
    assert ref.firstname_score("Marif") == 0.0
    assert ref.firstname_score("Marie") > ref.firstname_score("Marise")


def test_closest_firstnames(ref: RefData) -> None:
    near = ref.closest_firstnames("Marif", 5)
    assert len(near) == 5
    assert "Marie" in [n for n, _ in near]
    sims = [s for _, s in near]
    assert sims == sorted(sims, reverse=True) and all(0.5 <= s < 1.0 for s in sims)
    assert ref.closest_firstnames("Hélène", 1) == [("Hélène", 1.0)]
    assert ref.closest_firstnames("", 3) == []


def test_shipped_files_are_where_load_looks() -> None:
    assert (DATA_DIR / "postcodes.tsv.gz").exists() and (DATA_DIR / "prenoms.txt.gz").exists()


def test_missing_or_corrupt_list_is_a_clear_error(tmp_path: Path) -> None:
    good = _write(tmp_path / "fn.txt.gz", "Marie\t10\n")
    with pytest.raises(MissingDependencyError, match=r"absent\.tsv\.gz"):
        RefData(tmp_path / "absent.tsv.gz", good)
    corrupt = tmp_path / "corrupt.tsv.gz"
    corrupt.write_bytes(b"not gzip at all")
    with pytest.raises(MissingDependencyError, match="corrupt"):
        RefData(corrupt, good)


def test_firstname_spellings_and_completion(tiny: RefData) -> None:
    assert tiny.firstname_spellings("HELENE") == [("Hélène", 600), ("Helene", 100)]
    assert tiny.firstname_spellings("marie") == [("Marie", 1000)]
    assert tiny.firstname_spellings("Zorglub") == []
    assert tiny.max_firstname_count == 1000
    # a listed name with its first or last letter lost
    assert tiny.firstname_completion("KYLLIA") == "KYLLIAN"
    assert tiny.firstname_completion("yllian") == "KYLLIAN"
    assert tiny.firstname_completion("Kyllian") is None  # listed itself
    assert tiny.firstname_completion("MARI") == "MARIE"
    assert tiny.firstname_completion("ARI") is None  # too short to tell


def test_letter_model_loads_on_demand(tiny: RefData, ref: RefData, tmp_path: Path) -> None:
    assert letter_model(tiny) is None  # no statistics given: the checks are skipped
    assert (DATA_DIR / "ngrams.tsv.gz").exists()
    model = letter_model(ref)
    assert model is not None and model is letter_model(ref)  # loaded once
    assert model.score("DUPONT") > model.score("DKPQNT")
    grams = _write(tmp_path / "ng.tsv.gz", "^^^A\t3\n^^AB\t2\n^ABA\t1\nABA$\t1\n")
    small = letter_model(
        RefData(_write(tmp_path / "pc.tsv.gz", "75011\tParis\n"), _write(tmp_path / "f.txt.gz", "Ab\t1\n"), grams)
    )
    assert small is not None and small.score("ABA") > small.score("ZZZ")
    broken = tmp_path / "broken.tsv.gz"
    broken.write_bytes(b"not gzip")
    with pytest.raises(MissingDependencyError, match="broken"):
        letter_model(RefData(tmp_path / "pc.tsv.gz", tmp_path / "f.txt.gz", broken))
