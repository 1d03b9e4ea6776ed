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
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from samples.gen.handwriting import handwriting_fonts
from samples.gen.pages import PX_PER_MM, CellMarks, Grid, UiFont, _ui_font, _wrap, page_px
from scanner.forms import ColumnType
from scanner.layout import Box

LAYOUTS_DIR = "samples/layouts"  #: relative to the repository root
A4 = (210.0, 297.0)
#: Handwriting fonts with accented capitals, for a sheet lettered by hand (first installed wins).
HAND_FACES = ("dkgBd.ttf", "dkg.ttf")

#: Column name -> type, as every zoo form uses them (one CSV schema for the whole zoo).
COLUMN_TYPES = {
    "nom": ColumnType.NAME,
    "prenom": ColumnType.NAME,
    "email": ColumnType.EMAIL,
    "code_postal": ColumnType.POSTCODE,
    "ville": ColumnType.TEXT,
    "signature": ColumnType.SIGNATURE,
    "infos": ColumnType.CHECKBOX,
    "numero": ColumnType.IGNORE,
    "telephone": ColumnType.IGNORE,
    "date": ColumnType.IGNORE,
}

Rgb = tuple[int, int, int]


@dataclass(frozen=True)
class ZooColumn:
    name: str  #: key of COLUMN_TYPES
    label: str  #: as printed; "\n" breaks the header label over two lines
    width: float  #: printed width in mm


@dataclass(frozen=True)
class ZooLayout:
    """One sheet design, all in millimetres on A4 paper."""

    id: str
    title: str
    text: tuple[str, ...]  #: paragraphs printed between the title and the table
    columns: tuple[ZooColumn, ...]
    rows: int
    row_h: float
    header_h: float
    x0: float  #: the table's left edge
    top: float  #: the header's top edge
    landscape: bool = False
    ink: Rgb = (12, 12, 12)  #: print colour of rules, labels and boxes
    rule_mm: float = 0.3  #: inner rules
    frame_mm: float = 0.5  #: outer frame and the rule under the header
    horizontal: str = "solid"  #: row rules: solid, dotted, wavy, none
    vertical: str = "solid"  #: column rules: solid, dotted, wavy, none
    frame: bool = True  #: an outer frame around header and rows
    boxed: bool = False  #: every cell a separate rounded box (no shared rules)
    header_fill: Rgb | None = None
    label_ink: Rgb | None = None  #: label colour when it differs from ``ink`` (on a dark header)
    row_fill: Rgb | None = None  #: fill of every other row
    label_font: str = "DejaVuSans-Bold.ttf"  #: DejaVu file name, or "hand" for a handwriting font
    label_mm: float = 3.0  #: label font size
    label_align: str = "centre"  #: centre or left
    title_font: str = "DejaVuSans-Bold.ttf"
    title_mm: float = 5.0
    text_font: str = "DejaVuSerif.ttf"
    text_mm: float = 3.1
    marks: CellMarks | None = None
    numbers: str = ""  #: "column": 1..N in the ``numero`` column; "corner": small, in the first cell
    watermark: bool = False
    footer: tuple[str, ...] = ()
    scribbled: tuple[str, ...] = ()  #: ignore columns writers sometimes fill in
    tags: tuple[str, ...] = field(default=())  #: what differs in kind (README)

    @property
    def form_name(self) -> str:
        return self.id

    @property
    def form_path(self) -> str:
        return f"{LAYOUTS_DIR}/{self.id}.yaml"

    @property
    def paper_mm(self) -> tuple[float, float]:
        return (A4[1], A4[0]) if self.landscape else A4

    @property
    def x1(self) -> float:
        return self.x0 + sum(c.width for c in self.columns)

    @property
    def bottom(self) -> float:
        return self.top + self.header_h + self.rows * self.row_h


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


def grid(lay: ZooLayout) -> Grid:
    edges = [lay.x0]
    for c in lay.columns:
        edges.append(edges[-1] + c.width)
    y0 = lay.top + lay.header_h
    return Grid(
        page_w=lay.paper_mm[0],
        page_h=lay.paper_mm[1],
        columns=tuple(c.name for c in lay.columns),
        types=tuple(COLUMN_TYPES[c.name] for c in lay.columns),
        col_edges=tuple(edges),
        row_edges=tuple(y0 + i * lay.row_h for i in range(lay.rows + 1)),
        marks=lay.marks,
        scribbled=lay.scribbled,
    )


# --- drawing ---------------------------------------------------------------------


def _px(v: float) -> float:
    return v * PX_PER_MM


def _font(name: str, size_mm: float) -> UiFont:
    size = max(8, round(_px(size_mm)))
    if name == "hand":
        return _hand_font(size)
    return _ui_font(name, size)


@lru_cache(maxsize=16)
def _hand_font(size: int) -> UiFont:
    """The marker a volunteer letters a sheet with: a handwriting font that has French accents."""
    fonts = {f.name: f for f in handwriting_fonts()}
    pick = next((fonts[n] for n in HAND_FACES if n in fonts), None)
    return ImageFont.truetype(str(pick), size) if pick else _ui_font("DejaVuSans.ttf", size)


class Pen:
    """Rules as a printer draws them, or as a hand draws them with a ruler."""

    def __init__(self, d: ImageDraw.ImageDraw, ink: Rgb, rng: np.random.Generator) -> None:
        self.d, self.ink, self.rng = d, ink, rng

    def line(self, p0: tuple[float, float], p1: tuple[float, float], w_mm: float, style: str) -> None:
        if style == "none":
            return
        if style == "dotted":
            self._dotted(p0, p1, w_mm)
        elif style == "wavy":
            self._wavy(p0, p1, w_mm)
        else:
            self.d.line((_px(p0[0]), _px(p0[1]), _px(p1[0]), _px(p1[1])), fill=self.ink, width=max(1, round(_px(w_mm))))

    def _dotted(self, p0: tuple[float, float], p1: tuple[float, float], w_mm: float) -> None:
        length = float(np.hypot(p1[0] - p0[0], p1[1] - p0[1]))
        r = _px(max(w_mm, 0.32)) / 2
        for t in np.arange(0.0, length + 1e-6, 1.05) / max(length, 1e-6):
            x, y = _px(p0[0] + t * (p1[0] - p0[0])), _px(p0[1] + t * (p1[1] - p0[1]))
            self.d.ellipse((x - r, y - r, x + r, y + r), fill=self.ink)

    def _wavy(self, p0: tuple[float, float], p1: tuple[float, float], w_mm: float) -> None:
        """A pen stroke along a ruler that slips: a slow wave, ends off by up to a millimetre,
        overshooting a little at the corners, the width changing with the pressure."""
        r = self.rng
        a, b = np.array(p0, dtype=np.float64), np.array(p1, dtype=np.float64)
        length = float(np.hypot(*(b - a)))
        u = (b - a) / max(length, 1e-6)
        n = np.array([-u[1], u[0]])
        a = a - u * r.uniform(-0.3, 1.6) + n * r.uniform(-0.6, 0.6)
        b = b + u * r.uniform(-0.3, 1.6) + n * r.uniform(-0.6, 0.6)
        steps = max(8, int(length / 1.5))
        t = np.linspace(0.0, 1.0, steps)
        amp = r.uniform(0.2, 0.5)
        wave = amp * (0.65 * np.sin(2 * np.pi * (r.uniform(0.4, 1.3) * t + r.random()))
                      + 0.35 * np.sin(2 * np.pi * (r.uniform(2.0, 4.5) * t + r.random())))  # fmt: skip
        wave += np.cumsum(r.normal(0.0, 0.02, steps))
        pts = a[None, :] + t[:, None] * (b - a)[None, :] + wave[:, None] * n[None, :]
        press = 0.8 + 0.45 * np.sin(2 * np.pi * (r.uniform(0.5, 2.0) * t + r.random())) + r.normal(0, 0.05, steps)
        for i in range(steps - 1):
            w = max(1, round(_px(w_mm) * float(np.clip(press[i], 0.45, 1.5))))
            x0, y0 = _px(pts[i, 0]), _px(pts[i, 1])
            x1, y1 = _px(pts[i + 1, 0]), _px(pts[i + 1, 1])
            self.d.line((x0, y0, x1, y1), fill=self.ink, width=w)
            rr = w / 2
            self.d.ellipse((x1 - rr, y1 - rr, x1 + rr, y1 + rr), fill=self.ink)

    def rect(self, box: Box, w_mm: float) -> None:
        self.d.rectangle((_px(box.x0), _px(box.y0), _px(box.x1), _px(box.y1)), outline=self.ink,
                         width=max(1, round(_px(w_mm))))  # fmt: skip


def _text_block(d: ImageDraw.ImageDraw, lay: ZooLayout, x0: float, width: float) -> None:
    """Title and petition text above the table (lines that would reach the table are left out)."""
    title = _font(lay.title_font, lay.title_mm)
    y = _px(11.0)
    for line in _wrap(d, lay.title, title, _px(width)):
        d.text((_px(x0), y), line, font=title, fill=lay.ink)
        y += _px(lay.title_mm * 1.3)
    y += _px(2.5)
    body = _font(lay.text_font, lay.text_mm)
    step = _px(lay.text_mm * 1.38)
    limit = _px(lay.top - 3.0)
    for para in lay.text:
        for line in _wrap(d, para, body, _px(width)):
            if y + step > limit:
                return
            d.text((_px(x0), y), line, font=body, fill=lay.ink)
            y += step
        y += step * 0.5


def _labels(d: ImageDraw.ImageDraw, lay: ZooLayout, g: Grid) -> None:
    colour = lay.label_ink or lay.ink
    top = lay.top
    for j, col in enumerate(lay.columns):
        x0, x1 = g.col_edges[j], g.col_edges[j + 1]
        lines = col.label.split("\n")
        size = lay.label_mm
        font = _font(lay.label_font, size)
        room = _px(x1 - x0 - 1.6)
        one_line = len(lines) == 1 and " " in col.label and lay.header_h >= 2.6 * size
        if one_line and d.textlength(col.label, font=font) > room * 1.15:
            head, _, tail = col.label.rpartition(" ")
            lines = [head, tail]
        while size > 1.6 and max(d.textlength(s, font=font) for s in lines) > room:
            size -= 0.1
            font = _font(lay.label_font, size)
        step = size * 1.2
        cy = top + lay.header_h / 2 - step * (len(lines) - 1) / 2
        for k, text in enumerate(lines):
            y = _px(cy + k * step)
            if lay.label_align == "left":
                d.text((_px(x0 + 1.2), y), text, font=font, fill=colour, anchor="lm")
            else:
                d.text((_px((x0 + x1) / 2), y), text, font=font, fill=colour, anchor="mm")


def _table(d: ImageDraw.ImageDraw, lay: ZooLayout, g: Grid, pen: Pen) -> None:
    x0, x1, top, bottom = g.col_edges[0], g.col_edges[-1], lay.top, g.row_edges[-1]
    if lay.header_fill is not None:
        d.rectangle((_px(x0), _px(top), _px(x1), _px(g.row_edges[0])), fill=lay.header_fill)
    if lay.row_fill is not None:
        for i in range(1, g.n_rows, 2):
            d.rectangle((_px(x0), _px(g.row_edges[i]), _px(x1), _px(g.row_edges[i + 1])), fill=lay.row_fill)
    if lay.boxed:
        for i in range(g.n_rows):
            for j in range(len(g.columns)):
                c = g.cell(i, j).inset(0.65)
                d.rounded_rectangle((_px(c.x0), _px(c.y0), _px(c.x1), _px(c.y1)), radius=_px(1.6),
                                    outline=lay.ink, width=max(1, round(_px(lay.rule_mm))))  # fmt: skip
        return
    strong = "wavy" if lay.horizontal == "wavy" else "solid"  #: frame and header rule
    pen.line((x0, g.row_edges[0]), (x1, g.row_edges[0]), lay.frame_mm, strong)
    for y in g.row_edges[1:-1]:
        pen.line((x0, y), (x1, y), lay.rule_mm, lay.horizontal)
    if lay.frame:
        pen.line((x0, top), (x1, top), lay.frame_mm, strong)
        pen.line((x0, bottom), (x1, bottom), lay.frame_mm, strong)
        side = "wavy" if lay.vertical == "wavy" else "solid"
        for x in (x0, x1):
            pen.line((x, top), (x, bottom), lay.frame_mm, side)
    else:
        pen.line((x0, bottom), (x1, bottom), lay.rule_mm, lay.horizontal)
    for x in g.col_edges[1:-1]:
        pen.line((x, top), (x, bottom), lay.rule_mm, lay.vertical)


def _cell_marks(d: ImageDraw.ImageDraw, lay: ZooLayout, g: Grid, pen: Pen) -> None:
    for j, typ in enumerate(g.types):
        for i in range(g.n_rows):
            if typ == ColumnType.CHECKBOX and (box := g.checkbox_of(i, j)) is not None:
                pen.rect(box, 0.3)
            if typ == ColumnType.POSTCODE:
                for b in g.comb_of(i, j) or []:
                    pen.rect(b, 0.25)
    if lay.numbers == "column":
        j = g.columns.index("numero")
        font = _font(lay.label_font, lay.label_mm)
        for i in range(g.n_rows):
            c = g.cell(i, j)
            d.text((_px(c.cx), _px(c.cy)), str(i + 1), font=font, fill=lay.ink, anchor="mm")
    elif lay.numbers == "corner":
        font = _font("DejaVuSans.ttf", 2.2)
        for i in range(g.n_rows):
            c = g.cell(i, 0)
            d.text((_px(c.x0 + 0.9), _px(c.y0 + 0.8)), str(i + 1), font=font, fill=lay.ink, anchor="lt")


def _watermark(img: Image.Image, lay: ZooLayout, g: Grid) -> None:
    """A light grey logo behind the table and a small dark one by the title."""
    d = ImageDraw.Draw(img)
    cx, cy, r = (g.col_edges[0] + g.col_edges[-1]) / 2, g.row_edges[0] + 20.0, 48.0
    light = (226, 226, 226)
    d.ellipse((_px(cx - r), _px(cy - r), _px(cx + r), _px(cy + r)), outline=light, width=round(_px(7.0)))
    leaf = [(cx - 26, cy + 18), (cx - 8, cy - 30), (cx + 28, cy - 34), (cx + 14, cy + 4), (cx - 18, cy + 22)]
    d.polygon([(_px(x), _px(y)) for x, y in leaf], fill=(234, 234, 234))
    d.text((_px(cx), _px(cy + 30)), "CANAL VERT", font=_font("DejaVuSans-Bold.ttf", 9.0), fill=light, anchor="mm")
    x, y = lay.paper_mm[0] - 34.0, 9.0
    d.ellipse((_px(x), _px(y), _px(x + 20), _px(y + 20)), fill=(40, 90, 60))
    d.text((_px(x + 10), _px(y + 10)), "CV", font=_font("DejaVuSans-Bold.ttf", 7.0), fill=(255, 255, 255),
           anchor="mm")  # fmt: skip


@lru_cache(maxsize=2)
def _drawn(layout_id: str) -> np.ndarray:
    lay = layout(layout_id)
    g = grid(lay)
    img = Image.new("RGB", page_px(*lay.paper_mm), (255, 255, 255))
    if lay.watermark:
        _watermark(img, lay, g)
    d = ImageDraw.Draw(img)
    rng = np.random.default_rng(zlib.crc32(lay.id.encode()))
    pen = Pen(d, lay.ink, rng)
    text_w = min(lay.x1 - lay.x0, lay.paper_mm[0] - 2 * lay.x0 - (30.0 if lay.watermark else 0.0))
    _text_block(d, lay, lay.x0, text_w)
    _table(d, lay, g, pen)
    _labels(d, lay, g)
    _cell_marks(d, lay, g, pen)
    hand = lay.text_font == "hand"
    small = _font("hand", 4.2) if hand else _font("DejaVuSans.ttf", 2.6)
    y = g.row_edges[-1] + 4.0
    for para in lay.footer:
        for line in _wrap(d, para, small, _px(lay.x1 - lay.x0)):
            d.text((_px(lay.x0), _px(y)), line, font=small, fill=lay.ink)
            y += 6.0 if hand else 3.6
    out = np.asarray(img).copy()
    out.flags.writeable = False
    return out


def draw(layout_id: str) -> np.ndarray:
    """The layout's blank sheet at 300 DPI (RGB), as photocopied by the group that made it."""
    return _drawn(layout_id).copy()
