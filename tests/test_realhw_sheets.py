"""Sheets filled with real handwriting crops (tools/realhw/sheets.py): the truth written to
truth.json is the truth of the crops pasted on each line, and the page reads back with
its written lines where they are. Needs ../shared/handwriting (skipped without it)."""

from __future__ import annotations

import numpy as np
import pytest

from samples.gen.handwriting import handwriting_fonts
from samples.gen.pages import render_printed
from samples.gen.plan import FilePlan, Fill, Planner, SetPlan
from samples.gen.render import render_page
from samples.generate import truth_of
from scanner.forms import FormRegistry, resolve_form
from scanner.model import PageImage, PageRef
from scanner.refdata import RefData
from scanner.sheet import read_layout
from tools.realhw import sheets
from tools.realhw.data import data_dir, load_lines

ROOT = data_dir()
pytestmark = pytest.mark.skipif(
    not (ROOT / "copiste-lines" / "lines.jsonl").exists(), reason=f"no real handwriting data in {ROOT}"
)


@pytest.fixture(scope="module")
def maker() -> sheets.PersonMaker:
    ref = RefData.load()
    lines = sheets.few_lines([ln for ln in load_lines(ROOT) if ln.split == "tune"], ref, per_role=5)
    pieces = sheets.load_pieces(ROOT, "tune", 1, lines=lines)
    return sheets.maker_for(ROOT, "tune", pieces, seed=3)


def test_a_sheet_of_real_crops_keeps_their_truth_and_reads_back(maker: sheets.PersonMaker) -> None:
    p = Planner(41)
    page = p.printed([], Fill("most", force_crossed=True, unsigned=0.3))
    people: dict[int, sheets.RealPerson] = {}
    sheets.fill_with(page, people, maker)
    assert page.rows and any(r.crossed_out for r in page.rows)
    split_pages = {lp.page for lp in maker.pool.all["first"]}
    for row in page.rows:
        person = people[row.person]
        assert row.pasted is not None
        for col, value in row.writing.truth.items():
            if value:  # every written value is the truth of the very crop pasted there
                assert value == person.values[col]
                assert row.pasted[col] is person.crops[col]
            else:
                assert col not in row.pasted
        assert set(person.pages) & split_pages  # ink of the tune split only
        v = person.values
        assert v["email"].startswith(f"{v['prenom'].lower()}.{v['nom'].lower()}@")
        assert v["code_postal"] in maker.ref.postcodes_of(v["ville"])
    truth = truth_of(SetPlan(41, [FilePlan("s.pdf", "pdf", [page])]))
    rows = truth["files"][0]["pages"][0]["rows"]
    assert [t["values"]["nom"] for t in rows] == [r.writing.truth["nom"] for r in page.rows]

    printed = render_printed(resolve_form("surveillance-fr"), [page.serial or ""])[0]
    img = render_page(page, printed, handwriting_fonts())
    gray = np.asarray(img.mean(axis=2), dtype=np.uint8)
    _, _, lines = read_layout(PageImage(PageRef("s.png", "/s.png", 1), gray, 300.0, ""), FormRegistry.load())
    written = [ln.row for ln in lines if not ln.empty]
    assert written == [r.row for r in page.rows]
    assert [ln.row for ln in lines if ln.crossed_out] == [r.row for r in page.rows if r.crossed_out]
