"""Synthetic signatories: names, e-mail, postcode and town, and how they write them.

Nobody here is a real person: first names are drawn from the INSEE frequency
list, surnames from a list of common French surnames, towns from the postcode
list, e-mail addresses are built from the name. What is *written* on paper
(mixed case, an accent dropped, the e-mail in capitals) is kept apart from the
*truth* (the normalised value the tool should output).
"""

from __future__ import annotations

import gzip
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parents[2] / "scanner" / "data"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SURNAMES = (
    "MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT SIMON MICHEL LEFÈVRE LEROY "
    "ROUX DAVID BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT FONTAINE ROUSSEAU VINCENT MULLER "
    "LEFEBVRE FAURE ANDRÉ MERCIER BLANC GUÉRIN BOYER GARNIER CHEVALIER FRANÇOIS LEGRAND GAUTHIER GARCIA "
    "PERRIN ROBIN CLÉMENT MORIN NICOLAS HENRY ROUSSEL MATHIEU GAUTIER MASSON MARCHAND DUVAL DENIS DUMONT "
    "LEMAIRE NOËL MEYER DUFOUR MEUNIER BRUN BLANCHARD GIRAUD JOLY RIVIÈRE LUCAS BRUNET GAILLARD BARBIER "
    "ARNAUD MARTINEZ GÉRARD ROCHE RENARD SCHMITT ROY LEROUX COLIN VIDAL CARON PICARD ROGER FABRE AUBERT "
    "LEMOINE RENAUD DUMAS LACROIX OLIVIER PHILIPPE BOURGEOIS PIERRE BENOÎT REY LECLERC PAYET ROLLAND "
    "LECLERCQ GUILLAUME LECOMTE LOPEZ JEAN DUPUY GUILLOT HUBERT BERGER CARPENTIER SANCHEZ DUPUIS MOULIN "
    "LOUIS DESCHAMPS HUET VASSEUR PEREZ BOUCHER FLEURY ROYER KLEIN JACQUET ADAM POIRIER MARTY AUBRY GUYOT "
    "CARRÉ CHARLES RENAULT CHARPENTIER MÉNARD MAILLARD BARON BERTIN BAILLY HERVÉ SCHNEIDER FERNANDEZ "
    "LE_GALL COLLET LÉGER BOUVIER JULIEN PRÉVOST MILLET PERROT DANIEL LE_ROUX COUSIN GERMAIN BRETON "
    "BESSON LANGLOIS RÉMY LE_GOFF PELLETIER LÉVÊQUE PERRIER LEBLANC BARRÉ LEBRUN MARCHAL WEBER MALLET "
    "HAMON BOULANGER JACOB MONNIER MICHAUD RODRIGUEZ GUICHARD GILLET ÉTIENNE GRONDIN POULAIN TESSIER "
    "CHEVALLIER COLLIN CHAUVIN DA_SILVA BOUCHET GAY LEMAÎTRE BÉNARD MARÉCHAL HUMBERT REYNAUD ANTOINE "
    "HOARAU PERRET BARTHÉLEMY CORDIER PICHON LEJEUNE GILBERT LAMY DELAUNAY PASQUIER CARLIER LAPORTE "
    "N'DIAYE DIALLO TRAORÉ NGUYEN BENALI HADDAD D'ALMEIDA DE_OLIVEIRA LE_BIHAN DUCHÊNE CRÉPIN HÉBERT "
    "BÉGUIN FÉVRIER THÉRY DELÉPINE"
)
#: Spaces inside a surname are written "_" here.
SURNAME_LIST = tuple(s.replace("_", " ") for s in _words(SURNAMES))

#: Used when scanner/data/prenoms.txt.gz is absent (a fresh checkout without data).
FALLBACK_FIRST = _words(
    "Marie Jean Pierre Françoise Monique Michel Philippe Nathalie Isabelle Catherine André Sylvie René "
    "Louis Jacqueline Martine Jacques Anne Hélène Élodie Loïc Gaëlle Noël Joël Zoé Chloé Léa Théo Jérôme "
    "Cécile Stéphane Frédéric Aurélie Benoît Maëlle Anaïs Raphaël Céline Valérie Jean-Pierre Marie-Claire "
    "Lucas Emma Hugo Inès Karim Fatima Mohamed Amélie Clément Agnès Thérèse Gérard"
)
#: Big towns, drawn more often than their share of the postcode list (most signatories live in towns).
CITY_CODES = _words(
    "75011 75018 75020 75005 75013 69003 69007 13008 13001 31000 33000 44000 59000 67000 34000 35000 "
    "06000 38000 42000 21000 49000 37000 76000 57000 63000 29200 87000 30000 25000 64000 14000 45000 "
    "93200 92100 94000 80000 51100 72000 86000 66000 84000 17000 56100 22000"
)
FALLBACK_TOWNS = {
    "75011": "Paris",
    "75018": "Paris",
    "75020": "Paris",
    "75005": "Paris",
    "75013": "Paris",
    "69003": "Lyon",
    "69007": "Lyon",
    "13008": "Marseille",
    "13001": "Marseille",
    "31000": "Toulouse",
    "33000": "Bordeaux",
    "44000": "Nantes",
    "59000": "Lille",
    "67000": "Strasbourg",
    "34000": "Montpellier",
    "35000": "Rennes",
    "06000": "Nice",
    "38000": "Grenoble",
    "42000": "Saint-Étienne",
    "21000": "Dijon",
    "49000": "Angers",
    "37000": "Tours",
    "76000": "Rouen",
    "57000": "Metz",
    "63000": "Clermont-Ferrand",
    "29200": "Brest",
    "87000": "Limoges",
    "30000": "Nîmes",
    "25000": "Besançon",
    "64000": "Pau",
    "14000": "Caen",
    "45000": "Orléans",
    "93200": "Saint-Denis",
    "92100": "Boulogne-Billancourt",
    "94000": "Créteil",
    "80000": "Amiens",
    "51100": "Reims",
    "72000": "Le Mans",
    "86000": "Poitiers",
    "66000": "Perpignan",
    "84000": "Avignon",
    "17000": "La Rochelle",
    "56100": "Lorient",
    "22000": "Saint-Brieuc",
    "01090": "Guéreins",
    "07200": "Saint-Étienne-de-Boulogne",
    "29870": "Landéda",
    "68500": "Guebwiller",
}
MAIL_DOMAINS = (
    ("gmail.com", 30), ("orange.fr", 15), ("free.fr", 10), ("hotmail.fr", 8), ("yahoo.fr", 7),
    ("laposte.net", 6), ("sfr.fr", 5), ("wanadoo.fr", 4), ("outlook.fr", 4), ("icloud.com", 3),
    ("proton.me", 2), ("gmx.fr", 2),
)  # fmt: skip


@dataclass(frozen=True)
class Person:
    """A synthetic signatory, values in their normalised (truth) form."""

    pid: int
    nom: str
    prenom: str
    email: str
    code_postal: str
    ville: str
    infos: bool


@dataclass(frozen=True)
class Writing:
    """One line as a person writes it: the text drawn and the truth behind it."""

    drawn: dict[str, str]  #: text columns -> characters put on paper ("" = left empty)
    truth: dict[str, str]  #: text columns -> normalised expected value


@dataclass(frozen=True)
class RefLists:
    first_names: tuple[str, ...]
    first_weights: np.ndarray
    postcodes: tuple[str, ...]  #: one entry per (code, town) pair of the list
    towns: tuple[str, ...]
    town_of: dict[str, tuple[str, ...]]


def upper_fr(text: str) -> str:
    """Upper case keeping accents (the truth form of names and towns)."""
    return text.replace("œ", "oe").replace("Œ", "OE").upper()


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


_PARTICLES = frozenset({"sur", "sous", "le", "la", "les", "de", "du", "des", "en", "lès", "et", "aux"})


def title_fr(text: str) -> str:
    """'JEAN-PIERRE' -> 'Jean-Pierre', 'SAINT-DENIS-SUR-LE-LAY' -> 'Saint-Denis-sur-le-Lay'."""
    out, start = [], True
    for ch in text:
        out.append(ch.upper() if start else ch.lower())
        start = ch in " -'"
    words = "".join(out).split("-")
    return "-".join(w.lower() if i and w.lower() in _PARTICLES else w for i, w in enumerate(words))


@lru_cache(maxsize=2)
def reference_lists(data_dir: Path = DATA_DIR) -> RefLists:
    """First names and postcodes from scanner/data, or the small built-in lists."""
    names: list[str] = []
    weights: list[float] = []
    pn = data_dir / "prenoms.txt.gz"
    if pn.exists():
        with gzip.open(pn, "rt", encoding="utf-8") as fh:
            for line in fh:
                name, _, count = line.rstrip("\n").partition("\t")
                # Rare spellings make poor test data (nobody can tell a misread from the truth).
                if name and count.isdigit() and int(count) >= 300 and "œ" not in name.lower():
                    names.append(name)
                    weights.append(float(count) ** 3)  # favour the common names
    if not names:
        names, weights = list(FALLBACK_FIRST), [1.0] * len(FALLBACK_FIRST)
    codes: list[str] = []
    towns: list[str] = []
    pc = data_dir / "postcodes.tsv.gz"
    if pc.exists():
        with gzip.open(pc, "rt", encoding="utf-8") as fh:
            for line in fh:
                code, _, town = line.rstrip("\n").partition("\t")
                if len(code) == 5 and code.isdigit() and town and not code.startswith("98"):
                    codes.append(code)
                    towns.append(town.replace("œ", "oe").replace("Œ", "OE"))
    if not codes:
        codes, towns = list(FALLBACK_TOWNS), list(FALLBACK_TOWNS.values())
    town_of: dict[str, list[str]] = {}
    for code, town in zip(codes, towns, strict=True):
        town_of.setdefault(code, []).append(town)
    w = np.asarray(weights, dtype=np.float64)
    return RefLists(
        first_names=tuple(names),
        first_weights=w / w.sum(),
        postcodes=tuple(codes),
        towns=tuple(towns),
        town_of={k: tuple(v) for k, v in town_of.items()},
    )


def _surname(rng: np.random.Generator) -> str:
    name = str(rng.choice(SURNAME_LIST))
    if rng.random() < 0.05:  # double-barrelled
        other = str(rng.choice(SURNAME_LIST))
        name = name if other == name else f"{name}-{other}"
    return name


def _mail_part(text: str) -> str:
    return "".join(c for c in strip_accents(text).lower() if c.isalnum() or c == "-")


def _email(rng: np.random.Generator, prenom: str, nom: str) -> str:
    p, n = _mail_part(prenom), _mail_part(nom.split("-")[0])
    pattern = int(rng.integers(7))
    local = (
        f"{p}.{n}",
        f"{p}{n}",
        f"{p[0]}.{n}",
        f"{p}.{n}{int(rng.integers(1, 99))}",
        f"{n}.{p}",
        f"{p}_{n}",
        f"{p}{int(rng.integers(1950, 2008))}",
    )[pattern]
    domains, weights = zip(*MAIL_DOMAINS, strict=True)
    w = np.asarray(weights, dtype=np.float64)
    return f"{local}@{domains[int(rng.choice(len(domains), p=w / w.sum()))]}"


def make_person(rng: np.random.Generator, pid: int, ref: RefLists) -> Person:
    prenom = upper_fr(str(ref.first_names[int(rng.choice(len(ref.first_names), p=ref.first_weights))]))
    nom = upper_fr(_surname(rng))
    if rng.random() < 0.35:
        code = str(rng.choice(CITY_CODES))
        towns = ref.town_of.get(code) or (FALLBACK_TOWNS[code],)
        town = towns[0]
    else:
        i = int(rng.integers(len(ref.postcodes)))
        code, town = ref.postcodes[i], ref.towns[i]
    email = _email(rng, prenom, nom)
    return Person(pid, nom, prenom, email, code, upper_fr(town), infos=bool(rng.random() < 0.55))


def write_person(
    rng: np.random.Generator, person: Person, columns: tuple[str, ...], second_time: bool = False
) -> Writing:
    """How ``person`` fills the text columns of one line.

    Capitals mostly, mixed case sometimes, some fields left empty. When the
    person signs a second time (another sheet), small variations: other case,
    an accent dropped, the e-mail capitalised differently.
    """
    values = {
        "nom": person.nom,
        "prenom": person.prenom,
        "email": person.email,
        "code_postal": person.code_postal,
        "ville": person.ville,
    }
    mixed = rng.random() < (0.45 if second_time else 0.22)
    drop_accents = second_time and rng.random() < 0.5
    drawn: dict[str, str] = {}
    truth: dict[str, str] = {}
    for col in columns:
        value = values[col]
        if col == "email" and not second_time and rng.random() < 0.08:
            value = ""  # no e-mail given
        elif col in ("ville", "code_postal") and not second_time and rng.random() < 0.03:
            value = ""
        if drop_accents and col in ("nom", "prenom", "ville"):
            value = strip_accents(value)
        truth[col] = value
        if col == "email":
            style = rng.random()
            if mixed or style < 0.35:
                text = value
            elif second_time and style < 0.6:
                text = "".join(title_fr(part) for part in value.partition("@"))  # Marie.Dupont@Orange.fr
            else:
                text = value.upper()
        elif col in ("nom", "prenom", "ville") and mixed:
            text = title_fr(value)
        else:
            text = value
        drawn[col] = text
    return Writing(drawn=drawn, truth=truth)


def misspelt(rng: np.random.Generator, writing: Writing) -> Writing:
    """The line a person crosses out before writing it again: a slip in one field."""
    drawn, truth = dict(writing.drawn), dict(writing.truth)
    candidates = [c for c in ("nom", "email", "ville") if drawn.get(c)]
    if candidates:
        col = str(rng.choice(candidates))
        cut = max(2, int(len(drawn[col]) * rng.uniform(0.3, 0.8)))
        drawn[col] = drawn[col][:cut]
        truth[col] = truth[col][:cut]
    # Some give up before the end of the line.
    for col in ("code_postal", "ville"):
        if col in drawn and rng.random() < 0.4:
            drawn[col], truth[col] = "", ""
    return replace(writing, drawn=drawn, truth=truth)
