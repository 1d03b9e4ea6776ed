"""A zoo of petition sheets other groups made: layouts that differ in kind.

The reader was tuned on two layouts (the tool's own printed sheet and the
foreign sheet of pages.py). Each layout here changes something a reader may
rely on: orientation, row count and pitch, column order, columns to ignore,
rules (none, vertical ones missing, dotted, hand-drawn), shaded rows, boxes
printed in the cells, the table's place on the page.

Every layout is a frozen :class:`ZooLayout`: where everything is printed, in
millimetres. Its form file ``samples/layouts/<id>.yaml`` holds only what a user
would write (name, title, rows per page, columns with their types and labels,
sometimes rough relative widths): the reader never learns the geometry kept here.

This module is the table of layouts; the type and the drawing are in
:mod:`samples.gen.zoo_sheet`, whose public names are re-exported here.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from samples.gen.pages import CellMarks
from samples.gen.zoo_sheet import (
    A4,
    A5,
    COLUMN_TYPES,
    HAND_FACES,
    LAYOUTS_DIR,
    Pen,
    ZooColumn,
    ZooLayout,
    draw_sheet,
    grid,
)

__all__ = [
    "A4",
    "A5",
    "BY_ID",
    "COLUMN_TYPES",
    "HAND_FACES",
    "LAYOUTS",
    "LAYOUTS_DIR",
    "Pen",
    "ZooColumn",
    "ZooLayout",
    "draw",
    "form_paths",
    "grid",
    "layout",
]


def _cols(*spec: tuple[str, str, float]) -> tuple[ZooColumn, ...]:
    return tuple(ZooColumn(n, label, w) for n, label, w in spec)


# fmt: off
LAYOUTS: tuple[ZooLayout, ...] = (
    ZooLayout(
        id="portrait-checkbox",
        title="Pour des pistes cyclables sûres sur la route de Lyon",
        text=(
            "Chaque matin, des centaines d'élèves et de salariés longent la route de Lyon à vélo, entre les "
            "camions et les voitures garées. Nous demandons au conseil départemental une piste cyclable "
            "séparée de la chaussée, du rond-point des Tilleuls jusqu'à la gare.",
            "Depuis trois ans, onze accidents impliquant des cyclistes ont eu lieu sur ce tronçon. Une piste "
            "protégée, c'est aussi moins de voitures aux heures de pointe et un air plus sain pour tous.",
        ),
        columns=_cols(("nom", "NOM", 30), ("prenom", "PRÉNOM", 26), ("email", "ADRESSE E-MAIL", 46),
                      ("code_postal", "CODE POSTAL", 19), ("ville", "VILLE", 28), ("signature", "SIGNATURE", 24),
                      ("infos", "INFOS", 17)),
        rows=14, row_h=14.0, header_h=12.0, x0=10.0, top=60.0,
        rule_mm=0.35, frame_mm=0.6, header_fill=(228, 228, 228), label_mm=2.8,
        marks=CellMarks(checkbox=5.0),
        footer=("INFOS : cochez la case pour recevoir des nouvelles de la campagne.",
                "Feuille à rendre au local de l'association, 12 rue des Écoles."),
        tags=("portrait", "7 columns", "printed black tick boxes"),
    ),
    ZooLayout(
        id="landscape-numbered",
        title="Sauvons la ligne de bus 42",
        text=(
            "La métropole envisage de supprimer la ligne 42 à la rentrée. Pour les habitants des hameaux, "
            "c'est le seul transport en commun vers le collège, le marché et le centre de santé. Signez pour "
            "son maintien, avec un bus toutes les trente minutes.",
        ),
        columns=_cols(("numero", "N°", 10), ("nom", "NOM", 42), ("prenom", "PRÉNOM", 38), ("email", "E-MAIL", 70),
                      ("code_postal", "CODE POSTAL", 24), ("ville", "VILLE", 44), ("signature", "SIGNATURE", 47)),
        rows=12, row_h=12.0, header_h=10.0, x0=11.0, top=38.0, landscape=True,
        ink=(70, 70, 70), rule_mm=0.3, frame_mm=0.45, label_font="DejaVuSerif-Bold.ttf", label_mm=3.0,
        title_font="DejaVuSerif-Bold.ttf", title_mm=6.0, numbers="column",
        footer=("Collectif des usagers de la ligne 42 — feuilles à déposer à la mairie annexe.",),
        tags=("landscape", "pre-printed line numbers (ignore column)", "grey print", "serif"),
    ),
    ZooLayout(
        id="no-vertical-rules",
        title="NON À LA FERMETURE DU BUREAU DE POSTE DU QUARTIER GARE",
        text=(
            "La Poste annonce la fermeture de notre bureau et son remplacement par un relais dans une "
            "supérette, sans guichet financier. Nous refusons que les personnes âgées et sans voiture "
            "soient privées d'un service public de proximité.",
        ),
        columns=_cols(("nom", "Nom", 36), ("prenom", "Prénom", 30), ("code_postal", "Code postal", 22),
                      ("ville", "Ville", 34), ("email", "Courriel", 50), ("signature", "Signature", 26)),
        rows=15, row_h=13.0, header_h=9.0, x0=6.0, top=46.0,
        ink=(40, 40, 40), rule_mm=0.25, frame_mm=0.6, vertical="none", frame=False,
        label_font="DejaVuSans.ttf", label_mm=3.2, label_align="left", title_mm=4.6,
        text_font="DejaVuSans.ttf", text_mm=3.0,
        footer=("Merci de retourner cette feuille avant le 30 du mois au comité de quartier Gare-Sud, "
                "ou de la déposer chez le boulanger de la place.", "Collecteur : ........................"),
        tags=("no vertical rules, no frame", "labels left-aligned", "narrow margins"),
    ),
    ZooLayout(
        id="reordered-extra",
        title="Pétition pour la rénovation du gymnase Jean-Moulin",
        text=(
            "Toiture qui fuit, vestiaires fermés, chauffage en panne : les clubs et les écoles ne peuvent plus "
            "utiliser le gymnase dans de bonnes conditions. Nous demandons à la commune d'inscrire sa "
            "rénovation au budget de l'an prochain.",
        ),
        columns=_cols(("prenom", "PRÉNOM", 34), ("nom", "NOM", 38), ("code_postal", "CODE POSTAL", 22),
                      ("ville", "VILLE", 38), ("telephone", "TÉLÉPHONE", 34), ("date", "DATE", 22),
                      ("email", "E-MAIL", 56), ("signature", "SIGNATURE", 36)),
        rows=10, row_h=14.5, header_h=11.0, x0=8.5, top=42.0, landscape=True,
        rule_mm=0.4, frame_mm=0.6, header_fill=(22, 86, 98), label_ink=(255, 255, 255), label_mm=2.9,
        title_mm=5.4, footer=("Les numéros de téléphone ne seront pas conservés.",),
        scribbled=("telephone", "date"),
        tags=("other column order", "phone and date columns to ignore", "dark header, white labels"),
    ),
    ZooLayout(
        id="two-line-header",
        title="Pour une bibliothèque ouverte le dimanche",
        text=(
            "Étudiants, familles, salariés : beaucoup ne peuvent venir à la médiathèque qu'en fin de semaine. "
            "Nous demandons une ouverture le dimanche après-midi, comme dans les villes voisines.",
            "Une médiathèque ouverte quand les habitants sont libres, c'est un lieu de lecture, de travail et "
            "de rencontre pour tout le quartier, et un service public qui sert vraiment.",
        ),
        columns=_cols(("nom", "NOM", 33), ("prenom", "PRÉNOM", 29), ("email", "ADRESSE\nE-MAIL", 48),
                      ("code_postal", "CODE\nPOSTAL", 17), ("ville", "VILLE DE\nRÉSIDENCE", 30),
                      ("signature", "SIGNATURE", 29)),
        rows=13, row_h=15.0, header_h=18.0, x0=12.0, top=60.0,
        rule_mm=0.3, frame_mm=0.8, label_font="DejaVuSerif-Bold.ttf", label_mm=3.0,
        title_font="DejaVuSerif-Bold.ttf", title_mm=5.6, text_font="DejaVuSerif-Italic.ttf",
        tags=("labels on two lines, tall header", "thick frame", "serif"),
    ),
    ZooLayout(
        id="dotted",
        title="Gardons les platanes de la place du Marché",
        text=(
            "Le projet de parking souterrain prévoit l'abattage des vingt-trois platanes centenaires de la "
            "place. Nous demandons un autre projet qui garde les arbres, l'ombre et le marché.",
        ),
        columns=_cols(("nom", "NOM", 44), ("prenom", "PRÉNOM", 38), ("email", "ADRESSE E-MAIL", 72),
                      ("code_postal", "CODE POSTAL", 26), ("ville", "VILLE", 46), ("signature", "SIGNATURE", 44)),
        rows=11, row_h=13.0, header_h=9.0, x0=14.0, top=44.0, landscape=True,
        rule_mm=0.3, frame_mm=0.5, horizontal="dotted", vertical="dotted", label_mm=2.8,
        label_font="DejaVuSansCondensed-Bold.ttf",
        footer=("Association Place du Marché Vivante", ),
        tags=("dotted row and column rules", "solid frame"),
    ),
    ZooLayout(
        id="shaded",
        title="Une maternité à moins de 45 minutes",
        text=(
            "Avec la fermeture de la maternité de l'hôpital de la vallée, des femmes devront faire plus d'une "
            "heure de route pour accoucher. Nous demandons à l'Agence régionale de santé de revenir sur "
            "cette décision.",
        ),
        columns=_cols(("nom", "NOM", 32), ("prenom", "PRÉNOM", 28), ("email", "E-MAIL", 44),
                      ("code_postal", "CODE POSTAL", 20), ("ville", "VILLE", 30), ("signature", "SIGNATURE", 24),
                      ("infos", "TENEZ-MOI\nINFORMÉ(E)", 16)),
        rows=18, row_h=12.0, header_h=11.0, x0=8.0, top=46.0,
        ink=(90, 90, 90), rule_mm=0.2, frame_mm=0.3, header_fill=(200, 200, 200), row_fill=(224, 224, 224),
        label_ink=(20, 20, 20), label_mm=2.4, title_mm=5.2,
        footer=("Comité de défense de l'hôpital de la vallée — contact@exemple.org",),
        tags=("alternating grey rows", "thin grey rules", "tick column without a printed box"),
    ),
    ZooLayout(
        id="mid-page",
        title="Appel pour un parc au bord du canal",
        text=(
            "Depuis la fermeture de l'usine textile, le terrain du bord du canal est à l'abandon. La "
            "municipalité étudie plusieurs projets pour ce site : des immeubles de bureaux, un centre "
            "commercial, ou un parc ouvert à tous.",
            "Le quartier compte très peu d'espaces verts. Les enfants jouent sur les parkings, les anciens "
            "n'ont aucun banc à l'ombre, et les jardins familiaux ont une liste d'attente de plusieurs années. "
            "Un parc au bord de l'eau rafraîchirait le quartier pendant les étés de plus en plus chauds.",
            "Nous, habitantes et habitants du quartier du canal et des environs, demandons au conseil "
            "municipal de consacrer le terrain à un parc public, avec des jeux pour enfants, des jardins "
            "partagés et une promenade le long de l'eau, et d'associer les habitants à sa conception.",
            "Les signatures seront remises au maire lors du conseil municipal de juin. Vous pouvez aussi "
            "signer en ligne et faire signer vos voisins : chaque voix compte.",
        ),
        columns=_cols(("nom", "NOM", 30), ("prenom", "PRÉNOM", 27), ("code_postal", "CODE POSTAL", 20),
                      ("ville", "VILLE", 30), ("email", "E-MAIL", 45), ("signature", "SIGNATURE", 26)),
        rows=8, row_h=13.5, header_h=10.0, x0=16.0, top=128.0,
        rule_mm=0.3, frame_mm=0.5, header_fill=(235, 235, 235), label_mm=2.8,
        title_mm=6.2, text_mm=3.4, watermark=True,
        footer=("Collectif Canal Vert — réunion publique chaque premier mardi du mois, salle des fêtes.",
                "Vos coordonnées ne servent qu'à compter les signatures et à vous informer des suites de "
                "l'appel ; elles ne sont ni vendues ni cédées. Vous pouvez demander à les consulter ou à les "
                "faire effacer en écrivant au collectif."),
        tags=("short table under a long text", "light grey logo behind the table"),
    ),
    ZooLayout(
        id="dense-25",
        title="Pétition : un passage piéton devant l'école Paul-Bert",
        text=("Nous demandons un passage piéton éclairé et un ralentisseur devant l'entrée de l'école.",),
        columns=_cols(("nom", "NOM", 32), ("prenom", "PRÉNOM", 28), ("email", "E-MAIL", 50),
                      ("code_postal", "C. POSTAL", 18), ("ville", "VILLE", 30), ("signature", "SIGNATURE", 26)),
        rows=25, row_h=8.0, header_h=8.0, x0=13.0, top=36.0,
        rule_mm=0.2, frame_mm=0.35, label_font="DejaVuSansCondensed-Bold.ttf", label_mm=2.5, title_mm=4.4,
        text_font="DejaVuSansCondensed.ttf", text_mm=2.9,
        footer=("Parents d'élèves de l'école Paul-Bert.",),
        tags=("25 thin lines of 8 mm", "thin rules"),
    ),
    ZooLayout(
        id="big-8",
        title="NON AU PROJET D'INCINÉRATEUR",
        text=(),
        columns=_cols(("nom", "NOM", 46), ("prenom", "PRÉNOM", 40), ("code_postal", "CODE POSTAL", 28),
                      ("ville", "VILLE", 46), ("email", "E-MAIL", 74), ("signature", "SIGNATURE", 46)),
        rows=8, row_h=20.0, header_h=10.0, x0=8.5, top=26.0, landscape=True,
        ink=(0, 0, 0), rule_mm=0.7, frame_mm=1.0, label_mm=4.0, title_mm=7.5,
        footer=("Signez pour demander l'abandon du projet et une vraie politique de réduction des déchets.",),
        tags=("8 tall lines of 20 mm", "thick rules", "big labels"),
    ),
    ZooLayout(
        id="wavy",
        title="Pétition pour un marché de producteurs le samedi",
        text=("Nous voulons des fruits et légumes de la région, vendus par celles et ceux qui les cultivent.",),
        columns=_cols(("nom", "NOM", 35), ("prenom", "PRÉNOM", 30), ("email", "MAIL", 48),
                      ("code_postal", "CODE POSTAL", 22), ("ville", "VILLE", 30), ("signature", "SIGNATURE", 27)),
        rows=14, row_h=14.0, header_h=13.0, x0=9.0, top=50.0,
        ink=(35, 35, 45), rule_mm=0.45, frame_mm=0.6, horizontal="wavy", vertical="wavy",
        label_font="hand", label_mm=5.0, title_font="hand", title_mm=7.5, text_font="hand", text_mm=5.0,
        footer=("merci !! à rendre à Sophie ou à Karim",),
        tags=("hand-drawn rules (wavy, uneven, not parallel)", "handwritten labels", "photocopied"),
    ),
    ZooLayout(
        id="comb-postcode",
        title="Pour le maintien du centre de santé des Glycines",
        text=(
            "Le centre de santé municipal accueille chaque année plus de 8 000 patients sans dépassement "
            "d'honoraires. Sa fermeture laisserait le quartier sans médecin généraliste.",
        ),
        columns=_cols(("nom", "NOM", 46), ("prenom", "PRÉNOM", 40), ("code_postal", "CODE POSTAL", 34),
                      ("ville", "VILLE", 44), ("email", "E-MAIL", 70), ("signature", "SIGNATURE", 38)),
        rows=10, row_h=14.0, header_h=10.0, x0=12.0, top=46.0, landscape=True,
        rule_mm=0.35, frame_mm=0.5, header_fill=(215, 215, 215), label_mm=2.9,
        marks=CellMarks(comb=5, comb_box=(5.6, 8.0), comb_gap=0.6, comb_left=1.8), numbers="corner",
        footer=("Un chiffre par case pour le code postal.",),
        tags=("postcode comb: 5 printed boxes", "small line numbers inside the NOM cells"),
    ),
    ZooLayout(
        id="boxed-cells",
        title="Pour des repas bio et locaux à la cantine",
        text=(
            "Nous, parents et habitants, demandons que la cantine scolaire serve au moins la moitié de "
            "produits bio et locaux, comme la loi le prévoit.",
        ),
        columns=_cols(("nom", "Nom", 30), ("prenom", "Prénom", 26), ("email", "E-mail", 44),
                      ("code_postal", "Code postal", 20), ("ville", "Ville", 28), ("signature", "Signature", 22),
                      ("infos", "Infos ?", 12)),
        rows=12, row_h=16.0, header_h=9.0, x0=14.0, top=54.0,
        ink=(60, 60, 60), rule_mm=0.3, boxed=True, frame=False, horizontal="none", vertical="none",
        label_font="DejaVuSans-Oblique.ttf", label_mm=3.0, label_align="left", title_mm=5.0,
        marks=CellMarks(checkbox=4.2),
        footer=("Infos ? : cochez pour recevoir le compte rendu des réunions.",),
        tags=("every cell a separate rounded box, gaps between cells", "no shared rules"),
    ),
    # Session 11 (issue 17): layouts added after the reader's development, held out from it.
    ZooLayout(
        id="blue-yellow",
        title="Non à la fermeture d'une classe à l'école des Acacias",
        text=(
            "L'inspection académique veut fermer une classe à la rentrée : vingt-neuf élèves par classe et des "
            "doubles niveaux partout. Parents, enseignants, habitants : signez pour garder nos trois classes.",
        ),
        columns=_cols(("nom", "NOM", 34), ("prenom", "PRÉNOM", 28), ("code_postal", "CODE POSTAL", 21),
                      ("ville", "VILLE", 31), ("email", "E-MAIL", 48), ("signature", "SIGNATURE", 26)),
        rows=16, row_h=12.5, header_h=10.0, x0=11.0, top=52.0,
        paper_rgb=(250, 236, 158), ink=(28, 70, 170), rule_mm=0.3, frame_mm=0.5, label_mm=2.9, title_mm=5.2,
        text_font="DejaVuSans.ttf",
        footer=("Feuilles à rapporter à l'école ou au collectif des parents d'élèves.",),
        tags=("printed in one colour, blue (rules, labels, text), on yellow paper",),
    ),
    ZooLayout(
        id="rounded-ticks",
        title="Sauvegardons la halle du marché couvert",
        text=(
            "La halle de 1902 est menacée de démolition pour agrandir le parking. Nous demandons sa "
            "restauration et son inscription aux monuments historiques, pour que le marché du jeudi y reste.",
        ),
        columns=_cols(("nom", "Nom", 40), ("prenom", "Prénom", 36), ("email", "Adresse e-mail", 66),
                      ("code_postal", "Code postal", 26), ("ville", "Ville", 44), ("signature", "Signature", 50)),
        rows=11, row_h=13.0, header_h=11.0, x0=17.5, top=40.0, landscape=True,
        ink=(25, 25, 25), rule_mm=0.25, frame_mm=0.6, vertical="none", corner_mm=6.0, header_ticks=3.5,
        label_font="DejaVuSans.ttf", label_mm=3.2, title_mm=5.6,
        footer=("Les Amis de la halle — permanence le jeudi matin, sous la halle.",),
        tags=("frame with rounded corners", "no column rules: each column boundary only a short tick in the header"),
    ),
    ZooLayout(
        id="seyes-notebook",
        title="Pétition pour un abri à l'arrêt de car du Bourg",
        text=(
            "Les collégiens attendent le car de 7 h 10 sous la pluie, sans abri ni lumière. Nous demandons "
            "au département d'installer un abri avant l'hiver.",
        ),
        columns=_cols(("nom", "NOM", 32), ("prenom", "PRÉNOM", 24), ("email", "MAIL", 48),
                      ("code_postal", "CODE POSTAL", 24), ("ville", "VILLE", 24), ("signature", "SIGNATURE", 24)),
        rows=12, row_h=16.0, header_h=16.0, x0=26.0, top=57.0,
        ruling="seyes", ink=(28, 28, 34), rule_mm=0.45, frame_mm=0.55, horizontal="ruled", vertical="ruled",
        label_font="hand", label_mm=4.6, title_font="hand", title_mm=7.0, text_font="hand", text_mm=4.8,
        footer=("feuilles à rendre à Mme Caradec (boulangerie du Bourg) merci !",),
        tags=("French Seyès notebook paper: lilac lines every 2 and 8 mm over the whole page, red margin",
              "table ruled by hand along the notebook's lines, 16 mm lines (a notebook line across each)",
              "hand-lettered title and labels"),
    ),
    ZooLayout(
        id="a5-guides",
        title="Pour un local associatif au Clos-Fleuri",
        text=(
            "Le local du Clos-Fleuri ferme en juin. Nous demandons à la mairie une salle pour les associations "
            "du quartier : aide aux devoirs, couture, jardin partagé, club des anciens.",
        ),
        columns=_cols(("nom", "NOM", 24), ("prenom", "PRÉNOM", 21), ("code_postal", "CODE POSTAL", 23),
                      ("email", "E-MAIL", 44), ("signature", "SIGNATURE", 20)),
        rows=9, row_h=12.0, header_h=8.0, x0=8.0, top=40.0, paper=A5,
        rule_mm=0.25, frame_mm=0.45, label_font="DejaVuSansCondensed-Bold.ttf", label_mm=2.5, title_mm=4.4,
        text_font="DejaVuSans.ttf", text_mm=2.8,
        marks=CellMarks(comb=5, comb_box=(3.2, 6.0), comb_gap=1.0, comb_left=1.8, comb_style="underline",
                        at_sign=0.42),
        footer=("Une demi-feuille par personne qui fait signer. Merci !",),
        tags=("A5 half-sheet (148 x 210 mm)", "an '@' printed in every e-mail cell: writers write around it",
              "postcode guides: five short underlines"),
    ),
    ZooLayout(
        id="hand-ruled",
        title="Un cinéma au village !",
        text=(
            "Le dernier cinéma du canton a fermé il y a dix ans. L'ancienne salle des fêtes pourrait accueillir "
            "des séances deux soirs par semaine : nous demandons à la commune de l'équiper.",
        ),
        columns=_cols(("nom", "NOM", 35), ("prenom", "PRÉNOM", 29), ("email", "E-MAIL", 47),
                      ("code_postal", "CODE POSTAL", 21), ("ville", "VILLE", 33), ("signature", "SIGNATURE", 27)),
        rows=13, row_h=13.46, header_h=15.0, x0=9.0, top=62.0,
        row_hs=(13.5, 14.0, 12.5, 13.0, 14.5, 13.5, 12.0, 14.0, 13.0, 15.0, 13.5, 12.5, 14.0),
        ink=(22, 22, 26), rule_mm=0.5, frame_mm=0.6, horizontal="ruled", vertical="ruled", ruled_off_mm=0.8,
        label_font="hand", label_mm=4.4, title_font="hand", title_mm=7.0, text_font="hand", text_mm=4.6,
        footer=("à rendre au café de la Place avant la fin du mois",),
        tags=("ruled by hand with a ruler on plain paper: straight rules a little slanted, of uneven length",
              "lines of unequal height (12 to 15 mm)", "hand-lettered title and labels"),
    ),
)
# fmt: on
BY_ID = {lay.id: lay for lay in LAYOUTS}


def layout(layout_id: str) -> ZooLayout:
    try:
        return BY_ID[layout_id]
    except KeyError:
        raise ValueError(f"unknown layout {layout_id!r} (choose from {', '.join(BY_ID)})") from None


def form_paths(layouts: tuple[ZooLayout, ...] = LAYOUTS) -> dict[str, str]:
    """Form name -> form file, relative to the repository root."""
    return {lay.form_name: lay.form_path for lay in layouts}


@lru_cache(maxsize=2)
def _drawn(layout_id: str) -> np.ndarray:
    return draw_sheet(layout(layout_id))


def draw(layout_id: str) -> np.ndarray:
    """The layout's blank sheet at 300 DPI (RGB), as photocopied by the group that made it."""
    return _drawn(layout_id).copy()
