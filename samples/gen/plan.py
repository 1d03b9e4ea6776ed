"""What a sample set contains, decided before a pixel is drawn.

The plan fixes every value that goes into truth.json (who wrote what on which
line, which distortions, the exact pixel mapping), drawing only from the set's
seed. Rendering then takes its own random streams (fonts, jitter, noise), so
the truth of a seed is the same on any machine, whatever fonts it has.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from samples.gen import distort, zoo
from samples.gen.distort import Fax, Fold, Gray, Op, Photo, Rescale, Rotate, Skew
from samples.gen.pages import DRAW_DPI, FOREIGN_NAME, PX_PER_MM, Grid, foreign_grid, page_px
from samples.gen.paste import Pasted
from samples.gen.people import Person, RefLists, Writing, make_person, misspelt, reference_lists, write_person
from scanner.forms import ColumnType, Form, resolve_form
from scanner.layout import sheet_layout

GENERATOR_VERSION = 1
PRINTED_FORM = "surveillance-fr"
FORM_PATHS = {PRINTED_FORM: "forms/surveillance-fr.yaml", FOREIGN_NAME: "samples/foreign.yaml"}
SERIAL_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
FILL_MODES = ("full", "most", "half", "sparse", "few")  #: drawn at random; "none" (a blank sheet) only on demand


@dataclass(frozen=True)
class Fill:
    """How a sheet gets filled."""

    mode: str | None = None  #: one of FILL_MODES or "none" (returned blank); None = drawn at random
    dup_rate: float = 0.06  #: chance that a line is written by someone who signed another sheet
    crossed_rate: float = 0.25  #: chance that the sheet has a crossed-out line
    unsigned: float = 0.08  #: chance that a line is not signed
    force_repeat: bool = False  #: the first line is someone who signed another sheet
    force_crossed: bool = False


@dataclass
class RowPlan:
    row: int  #: 1-based line on paper
    person: int
    crossed_out: bool
    writing: Writing
    signed: bool
    tick: str | None  #: "tick", "cross", "fill"; None = box left empty (or no box)
    sig_seed: int  #: the person's scribble (so a second signature looks related)
    #: column -> image to paste instead of writing ``writing.drawn`` with a font (real
    #: handwriting, tools/realhw/sheets.py); None: every field drawn by the generator
    pasted: dict[str, Pasted] | None = None


@dataclass
class PagePlan:
    source: str  #: "printed", "foreign", "zoo", "letter" or "blank"
    form: str | None
    grid: Grid | None
    serial: str | None = None
    layout: str | None = None  #: zoo pages: the layout's id
    rows: list[RowPlan] = field(default_factory=list)
    ops: list[Op] = field(default_factory=list)
    render_seed: int = 0

    @property
    def readable(self) -> bool:
        return self.form is not None

    @property
    def paper_mm(self) -> tuple[float, float]:
        return (self.grid.page_w, self.grid.page_h) if self.grid else (210.0, 297.0)

    def geometry(self) -> tuple[tuple[int, int], np.ndarray]:
        """Stored image size and the homography sheet mm -> stored pixels."""
        k = PX_PER_MM
        h = np.array([[k, 0.0, -0.5], [0.0, k, -0.5], [0.0, 0.0, 1.0]])  # pixel centres at integers
        size = page_px(*self.paper_mm)
        for op in self.ops:
            m, size = distort.geometry(op, size)
            h = m @ h
        return size, h / h[2, 2]

    def tags(self) -> list[str]:
        dpi = DRAW_DPI
        out = []
        for op in self.ops:
            t = distort.tag(op, dpi)
            if isinstance(op, Rescale):
                dpi *= op.factor
            if t:
                out.append(t)
        return out


@dataclass
class FilePlan:
    name: str
    kind: str  #: pdf, jpeg, png, tiff, corrupt
    pages: list[PagePlan]
    quality: int = 85  #: JPEG quality (pdf, jpeg, tiff)
    exif: int | None = None  #: EXIF orientation stored with a JPEG


@dataclass
class SetPlan:
    seed: int
    files: list[FilePlan]
    forms: dict[str, str] | None = None  #: form name -> YAML path; None: the printed and foreign forms


class Planner:
    """Draws pages, people and distortions from one seeded stream."""

    def __init__(self, seed: int, ref: RefLists | None = None) -> None:
        self.seed = seed
        self.rng = np.random.default_rng([seed, 7])
        self.ref = ref or reference_lists()
        self.form: Form = resolve_form(PRINTED_FORM)
        self.layout = sheet_layout(self.form)
        self.people: list[Person] = []
        self.sheets_of: dict[int, set[int]] = {}  #: person -> sheets signed (not crossed out)
        self.n_sheets = 0
        self.n_pages = 0

    # --- pages ---------------------------------------------------------------

    def _page(self, source: str, form: str | None, grid: Grid | None, ops: list[Op]) -> PagePlan:
        self.n_pages += 1
        return PagePlan(source, form, grid, ops=ops, render_seed=self.seed * 100_003 + self.n_pages)

    def printed_grid(self) -> Grid:
        lay = self.layout
        return Grid(lay.page_w, lay.page_h, tuple(c.name for c in self.form.columns),
                    tuple(c.type for c in self.form.columns), lay.col_edges, lay.row_edges, lay)  # fmt: skip

    def printed(self, ops: list[Op], fill: Fill = Fill()) -> PagePlan:
        grid = self.printed_grid()
        page = self._page("printed", PRINTED_FORM, grid, ops)
        page.serial = "".join(self.rng.choice(list(SERIAL_ALPHABET), 10))
        page.rows = self.rows(grid, fill)
        return page

    def foreign(self, ops: list[Op], fill: Fill = Fill()) -> PagePlan:
        grid = foreign_grid()
        page = self._page("foreign", FOREIGN_NAME, grid, ops)
        page.rows = self.rows(grid, fill)
        return page

    def zoo(self, layout_id: str, ops: list[Op], fill: Fill = Fill()) -> PagePlan:
        """A sheet of one of the zoo's layouts (samples/gen/zoo.py)."""
        lay = zoo.layout(layout_id)
        grid = zoo.grid(lay)
        page = self._page("zoo", lay.form_name, grid, ops)
        page.layout = lay.id
        page.rows = self.rows(grid, fill)
        return page

    def other(self, source: str, ops: list[Op]) -> PagePlan:
        return self._page(source, None, None, ops)

    # --- rows ----------------------------------------------------------------

    def _lines(self, n: int, fill: str) -> list[int]:
        r = self.rng
        if fill == "none":
            return []
        if fill == "full":
            return list(range(n))
        if fill == "most":
            skip = set(r.choice(n, size=int(r.integers(1, 3)), replace=False).tolist())
            return [i for i in range(n) if i not in skip]
        if fill == "half":
            return list(range(int(r.integers(n // 2 - 1, n // 2 + 2))))
        if fill == "sparse":
            return sorted(r.choice(n, size=max(2, int(n * r.uniform(0.3, 0.6))), replace=False).tolist())
        return list(range(int(r.integers(1, 4))))

    def _person(self, dup_rate: float, force_repeat: bool) -> tuple[Person, bool]:
        others = [p for p in self.people if self.sheets_of.get(p.pid) and self.n_sheets not in self.sheets_of[p.pid]]
        if others and (force_repeat or self.rng.random() < dup_rate):
            return others[int(self.rng.integers(len(others)))], True
        p = make_person(self.rng, len(self.people) + 1, self.ref)
        self.people.append(p)
        return p, False

    def _row(self, line: int, person: Person, writing: Writing, grid: Grid, crossed: bool, unsigned: float) -> RowPlan:
        has_box = ColumnType.CHECKBOX in grid.types
        tick = None
        if has_box and person.infos:
            tick = str(self.rng.choice(["tick", "tick", "tick", "cross", "cross", "fill"]))
        return RowPlan(
            row=line + 1,
            person=person.pid,
            crossed_out=crossed,
            writing=writing,
            signed=bool(self.rng.random() >= unsigned),
            tick=tick,
            sig_seed=self.seed * 1_000_003 + person.pid,
        )

    def rows(self, grid: Grid, fill: Fill) -> list[RowPlan]:
        """Who writes on which line of one sheet (empty lines are simply absent)."""
        self.n_sheets += 1
        mode = fill.mode or str(self.rng.choice(FILL_MODES, p=[0.3, 0.25, 0.2, 0.15, 0.1]))
        lines = self._lines(grid.n_rows, mode)
        text_cols = tuple(c for c, t in zip(grid.columns, grid.types, strict=True)
                          if t not in (ColumnType.SIGNATURE, ColumnType.CHECKBOX, ColumnType.IGNORE))  # fmt: skip
        sheet_date = self._date() if "date" in grid.scribbled else ""
        cross_at = -1
        if len(lines) >= 2 and (fill.force_crossed or self.rng.random() < fill.crossed_rate):
            cross_at = int(self.rng.integers(len(lines) - 1))
        rows: list[RowPlan] = []
        k = 0
        while k < len(lines):
            person, again = self._person(fill.dup_rate, fill.force_repeat and k == 0)
            writing = write_person(self.rng, person, text_cols, second_time=again)
            if grid.scribbled:
                writing = self._scribble(writing, grid.scribbled, sheet_date)
            if k == cross_at:
                # A slip crossed out; the same person writes the line again below when there is room.
                rows.append(self._row(lines[k], person, misspelt(self.rng, writing), grid, True, 0.6))
                rewrite = lines[k] + 1 < grid.n_rows and self.rng.random() < 0.7
                if not rewrite:
                    k += 1
                    continue
                line = lines[k] + 1
                k += 2 if k + 1 < len(lines) and lines[k + 1] == line else 1
            else:
                line = lines[k]
                k += 1
            rows.append(self._row(line, person, writing, grid, False, fill.unsigned))
            self.sheets_of.setdefault(person.pid, set()).add(self.n_sheets)
        rows.sort(key=lambda r: r.row)
        return rows

    def _date(self) -> str:
        r = self.rng
        day, month = int(r.integers(1, 29)), int(r.integers(1, 13))
        year = str(r.choice(["/2025", "/25", ""]))
        return f"{day:02d}/{month:02d}{year}" if r.random() < 0.7 else f"{day}/{month}{year}"

    def _scribble(self, writing: Writing, columns: tuple[str, ...], sheet_date: str) -> Writing:
        """Some writers fill in columns the form ignores (phone, date): drawn, never in the truth."""
        r = self.rng
        drawn = dict(writing.drawn)
        for col in columns:
            if r.random() >= 0.3:
                continue
            if col == "telephone":
                digits = "0" + str(r.choice(list("67123459"))) + "".join(str(int(d)) for d in r.integers(0, 10, 8))
                sep = str(r.choice(["", " ", ".", " "]))
                drawn[col] = sep.join(digits[i : i + 2] for i in range(0, 10, 2))
            elif col == "date":
                drawn[col] = sheet_date if r.random() < 0.8 else self._date()
        return Writing(drawn=drawn, truth=writing.truth)

    # --- distortions -----------------------------------------------------------

    def _skew(self, limit: float = 3.0) -> list[Op]:
        d = round(float(self.rng.uniform(-limit, limit)), 1)
        return [Skew(d)] if abs(d) >= 0.1 else []

    def scan_ops(
        self, rot: int | None = None, dpi200: bool | None = None, gray: bool | None = None, fold: bool | None = None
    ) -> list[Op]:
        r = self.rng
        ops: list[Op] = []
        if fold if fold is not None else r.random() < 0.25:
            ops.append(Fold((round(float(r.uniform(0.3, 0.36)), 3), round(float(r.uniform(0.64, 0.7)), 3))))
        ops += self._skew()
        quarter = rot if rot is not None else int(r.choice([0, 0, 0, 0, 1, 2, 3]))
        if quarter:
            ops.append(Rotate(quarter))
        if dpi200 if dpi200 is not None else r.random() < 0.3:
            ops.append(Rescale(2.0 / 3.0))
        if gray if gray is not None else r.random() < 0.25:
            ops.append(Gray())
        return ops

    def photo_ops(self, paper_mm: tuple[float, float], rot: int | None = None, long_side: int = 3264) -> list[Op]:
        r = self.rng
        ops: list[Op] = []
        if r.random() < 0.3:
            ops.append(Fold((round(float(r.uniform(0.3, 0.36)), 3), round(float(r.uniform(0.64, 0.7)), 3))))
        quarter = rot if rot is not None else int(r.choice([0, 0, 0, 1, 2, 3]))
        size = page_px(*paper_mm)
        if quarter:
            ops.append(Rotate(quarter))
            size = distort.geometry(Rotate(quarter), size)[1]
        ops.append(distort.plan_photo(r, size, long_side))
        return ops

    def fax_ops(self, rot: int | None = None) -> list[Op]:
        ops: list[Op] = self._skew(1.5)
        quarter = rot if rot is not None else int(self.rng.choice([0, 0, 0, 2]))
        if quarter:
            ops.append(Rotate(quarter))
        return [*ops, Rescale(2.0 / 3.0), Fax()]


def is_photo(page: PagePlan) -> bool:
    return any(isinstance(op, Photo) for op in page.ops)


def is_fax(page: PagePlan) -> bool:
    return any(isinstance(op, Fax) for op in page.ops)


def is_gray(page: PagePlan) -> bool:
    return any(isinstance(op, Gray) for op in page.ops)


def stored_dpi(page: PagePlan) -> float:
    dpi = DRAW_DPI
    for op in page.ops:
        if isinstance(op, Rescale):
            dpi *= op.factor
    return dpi
