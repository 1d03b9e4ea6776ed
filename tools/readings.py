"""Each engine's own reading of the cells of some rows (developers: why is this row wrong?).

    .venv/bin/python tools/readings.py SET_DIR FILE:PAGE:ROW... [--form samples/foreign.yaml]
        [--engines rapidocr,tesseract]

Reads the page again exactly as ``process`` does (same layout, same cells) and
prints, per text column, every engine's text and confidence, then the combined
ranking the fields stage starts from. Nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner.forms import FormRegistry  # noqa: E402
from scanner.ingest import iter_inputs, load_page, page_refs  # noqa: E402
from scanner.model import PageRef  # noqa: E402
from scanner.ocr import combine, make_engine  # noqa: E402
from scanner.sheet import read_layout  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("set_dir", type=Path)
    ap.add_argument("rows", nargs="+", help="FILE:PAGE:ROW as in the CSVs")
    ap.add_argument("--form", default=None)
    ap.add_argument("--engines", default="rapidocr,tesseract")
    args = ap.parse_args()
    forms = FormRegistry.load(args.form)
    engines = [make_engine(name) for name in args.engines.split(",")]
    refs = {
        (r.source, r.page): r
        for f in iter_inputs([args.set_dir])
        for r in page_refs(f)
        if isinstance(r, PageRef)
    }
    for spec in args.rows:
        source, page_no, row_no = spec.rsplit(":", 2)
        ref = refs.get((source, int(page_no)))
        if ref is None:
            print(f"{spec}: no such page in {args.set_dir}")
            continue
        _reg, _table, lines = read_layout(load_page(ref), forms)
        form = forms.get(_reg.form_name)
        assert form is not None
        line = next((ln for ln in lines if ln.row == int(row_no)), None)
        if line is None:
            print(f"{spec}: no such row")
            continue
        print(f"== {spec}")
        for j, col in enumerate(form.columns):
            if not col.is_text or line.cells[j].ink <= 0:
                continue
            per_engine = [e.read([line.cells[j].image], col.type)[0] for e in engines]
            own = "  ".join(f"{r.engine}={r.text!r}@{r.confidence:.2f}" for r in per_engine)
            ranked = "  ".join(f"{r.text!r}@{r.confidence:.2f}" for r in combine(per_engine, col.type))
            print(f"  {col.name:12} {own}\n  {'':12} -> {ranked}")
    for e in engines:
        e.close()


if __name__ == "__main__":
    main()
