"""How each engine treats accents on names in capitals, alone and given the other's reading.

    .venv/bin/python tools/accent_rates.py SET_DIR [SET_DIR...] [--form samples/foreign.yaml]

Reads the name cells of generated sets again exactly as ``process`` cuts them
(same layout, same cells), with every engine, and compares with the truth
where an engine read the letters right (accents aside). Prints, per engine,
the rates of :data:`scanner.fields.accents.READER_RATES` (draws an accent that
is there, draws one that is not, draws exactly the right ones), and for the
second engine the same rates split by what the main reader (RapidOCR) did on
the same cell: the two miss the same faint or small accents, so the second
one's silence after the first one's is weaker evidence than its own rates say.
Nothing is written.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner.fields.accents import has_accent, transplant_accents  # noqa: E402
from scanner.forms import ColumnType, FormRegistry  # noqa: E402
from scanner.ingest import iter_inputs, load_page, page_refs  # noqa: E402
from scanner.model import PageRef  # noqa: E402
from scanner.ocr import make_engine  # noqa: E402
from scanner.sheet import read_layout  # noqa: E402
from scanner.textfold import fold  # noqa: E402


def _letters(text: str) -> str:
    return "".join(c for c in fold(text) if c.isalpha())


def _observe(truth: str, reading: str) -> tuple[bool, bool] | None:
    """(drew an accent, drew exactly the truth's accents), or None if the letters are wrong."""
    if not reading or _letters(reading) != _letters(truth):
        return None
    on_truth = transplant_accents(truth.upper(), reading)
    if on_truth is None:
        return None
    return has_accent(on_truth), on_truth == truth.upper()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", type=Path, nargs="+")
    ap.add_argument("--form", default=None)
    ap.add_argument("--main", default="rapidocr")
    ap.add_argument("--other", default="tesseract")
    args = ap.parse_args()
    forms = FormRegistry.load(args.form)
    engines = {name: make_engine(name) for name in (args.main, args.other)}
    single: dict[str, Counter[str]] = {name: Counter() for name in engines}
    joint: Counter[tuple[bool, str, bool]] = Counter()  # (accented, main's outcome, other drew)
    for set_dir in args.sets:
        truth = json.loads((set_dir / "truth.json").read_text(encoding="utf-8"))
        rows_of = {
            (f["file"], p["page"]): {r["row"]: r["values"] for r in p.get("rows", [])}
            for f in truth["files"]
            for p in f.get("pages", [])
            if p.get("readable", True)
        }
        for f in iter_inputs([set_dir]):
            for ref in page_refs(f):
                if not isinstance(ref, PageRef) or (ref.source, ref.page) not in rows_of:
                    continue
                try:
                    reg, _table, lines = read_layout(load_page(ref), forms)
                except Exception:  # unreadable pages are counted elsewhere (eval)
                    continue
                form = forms.get(reg.form_name)
                assert form is not None
                values = rows_of[(ref.source, ref.page)]
                for j, col in enumerate(form.columns):
                    if col.type != ColumnType.NAME:
                        continue
                    cells = [(ln, values.get(ln.row, {}).get(col.name, "")) for ln in lines if not ln.empty]
                    cells = [(ln, t) for ln, t in cells if t and t == t.upper() and ln.cells[j].ink > 0]
                    if not cells:
                        continue
                    images = [ln.cells[j].image for ln, _ in cells]
                    readings = {name: e.read(images, col.type) for name, e in engines.items()}
                    for k, (_ln, t) in enumerate(cells):
                        accented = has_accent(t)
                        seen = {name: _observe(t, readings[name][k].text) for name in engines}
                        for name, obs in seen.items():
                            if obs is None:
                                continue
                            c = single[name]
                            c["accented" if accented else "plain"] += 1
                            if obs[0]:
                                c["drew_on_accented" if accented else "drew_on_plain"] += 1
                                if accented and obs[1]:
                                    c["exact"] += 1
                        m, o = seen[args.main], seen[args.other]
                        if m is not None and o is not None:
                            joint[(accented, "saw" if m[0] else "missed", o[0])] += 1
    for name, c in single.items():
        acc, plain = max(1, c["accented"]), max(1, c["plain"])
        print(
            f"{name:10} sees {c['drew_on_accented'] / acc:.3f} ({c['drew_on_accented']}/{c['accented']})"
            f"  false {c['drew_on_plain'] / plain:.4f} ({c['drew_on_plain']}/{c['plain']})"
            f"  exact {c['exact'] / max(1, c['drew_on_accented']):.3f}"
        )
    for accented in (True, False):
        for outcome in ("saw", "missed"):
            n = joint[(accented, outcome, True)] + joint[(accented, outcome, False)]
            drew = joint[(accented, outcome, True)]
            word = "accented" if accented else "plain"
            print(f"{args.other} on {word:8} words {args.main} {outcome:6}: draws {drew}/{n} = {drew / max(1, n):.3f}")


if __name__ == "__main__":
    main()
