"""End to end on sheets other groups made: every zoo layout read with the form file a user
would write for it (name, title, rows_per_page, columns: no orientation, no geometry).

Per layout, four sheets from the generator (a straight scan with a crossed-out line,
the blank sheet returned and scanned turned a quarter, a phone photo, a fax) go
through ``read_layout``: no page is refused, every written line is found under its
number on paper, no empty line is reported written (printed boxes, numbers, guides,
shading are not writing), the crossed-out lines are seen, and a line whose number
is not sure is flagged rather than mis-numbered.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # samples/ is a development tool, not part of the installed package
    sys.path.insert(0, str(ROOT))

from samples.gen import zoo  # noqa: E402
from samples.gen.presets import plan_set  # noqa: E402
from samples.generate import write_set  # noqa: E402
from scanner.forms import FormRegistry, load_form_file  # noqa: E402
from scanner.ingest import InputFile, iter_pages  # noqa: E402
from scanner.model import PageImage  # noqa: E402
from scanner.sheet import read_layout  # noqa: E402

SEED = 23  #: a seed no reader setting was tuned on
SHEETS = 4  #: straight scan + crossed out, blank turned 270 degrees, photo, fax


@pytest.fixture(scope="module")
def zoo_sheets(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("zoo-read")
    write_set(plan_set("zoo", SEED, SHEETS), out)
    return out, json.loads((out / "truth.json").read_text(encoding="utf-8"))


#: Known defects (issue 17 stays open on them). Layouts added in session 11 and held out from the
#: reader's development: at this seed their sheets are refused. Strict: the test fails once fixed.
KNOWN_MISSES = {
    "rounded-ticks": "held out: refused, 'the table has 1 columns' (a rounded frame whose columns are "
    "marked only by short ticks in the header)",
    "seyes-notebook": "held out: refused, 'no table matching the 6 columns' (Seyès notebook lines "
    "taken for table rules)",
}


def _layouts() -> list[object]:
    return [
        pytest.param(lay.id, marks=pytest.mark.xfail(reason=KNOWN_MISSES[lay.id], strict=True))
        if lay.id in KNOWN_MISSES
        else lay.id
        for lay in zoo.LAYOUTS
    ]


@pytest.mark.parametrize("layout", _layouts())
def test_every_layout_reads_every_written_line_and_no_empty_one(layout: str, zoo_sheets: tuple[Path, dict]) -> None:
    out, truth = zoo_sheets
    lay = zoo.layout(layout)
    forms = FormRegistry([], load_form_file(ROOT / lay.form_path))
    pages = {(f["file"], p["page"]): p for f in truth["files"] for p in f["pages"] if p["layout"] == layout}
    assert len(pages) == SHEETS
    seen_blank = seen_crossed = 0
    for name in sorted({f for f, _ in pages}):
        for item in iter_pages(InputFile(out / name, name)):
            assert isinstance(item, PageImage), f"{name}: {item}"
            want = pages[(name, item.ref.page)]
            _, table, lines = read_layout(item, forms)  # a refusal fails the test with its reason
            where = f"{layout} {name} p{item.ref.page} {want['distortions']}"
            written = sorted(ln.row for ln in lines if not ln.empty)
            rows = sorted(r["row"] for r in want["rows"])
            if table.doubtful:  # flagged for review: the line count may be off, never silently
                assert set(rows) <= set(range(1, len(lines) + 1)), where
            else:
                assert written == rows, where
                assert len(lines) == len(want["row_edges_mm"]) - 1, where
            crossed = [r["row"] for r in want["rows"] if r.get("crossed_out")]
            assert set(crossed) <= {ln.row for ln in lines if ln.crossed_out}, where
            seen_crossed += len(crossed)
            if not rows:
                seen_blank += 1
                assert written == [], where
    assert seen_blank >= 1 and seen_crossed >= 1
