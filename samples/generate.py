"""Generate sample sets of filled, returned and scanned petition sheets.

A development tool (not a user command): real petition scans carry personal
data and cannot ship with the project, so the tests, the demo run and the
accuracy evaluation use synthetic sheets whose every value is known. Each set
comes with ``truth.json`` (schema in samples/README.md).

    python -m samples.generate --out samples/demo --seed 1 --preset demo
    python -m samples.generate --out /tmp/eval --seed 7 --preset eval --sheets 120
    python -m samples.generate --out /tmp/bench --seed 3 --preset bench --sheets 200
    python -m samples.generate --out /tmp/zoo --seed 11 --preset zoo --sheets 6 [--layouts dotted,wavy]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from samples.gen.handwriting import handwriting_fonts
from samples.gen.output import PdfWriter, jpeg_bytes, to_pil, write_corrupt, write_jpeg, write_png, write_tiff
from samples.gen.pages import PX_PER_MM, render_printed
from samples.gen.plan import (
    FORM_PATHS,
    GENERATOR_VERSION,
    FilePlan,
    PagePlan,
    SetPlan,
    is_fax,
    is_gray,
    stored_dpi,
)
from samples.gen.presets import PRESETS, plan_set
from samples.gen.render import render_page
from samples.gen.zoo import BY_ID as ZOO_LAYOUTS
from scanner.forms import resolve_form

__all__ = ["GenerateOptions", "generate", "main", "truth_of", "write_set"]


@dataclass(frozen=True)
class GenerateOptions:
    out: Path
    seed: int
    preset: str = "demo"
    sheets: int | None = None  #: pages (eval), sheets (bench) or sheets per layout (zoo); the demo set is fixed
    layouts: tuple[str, ...] | None = None  #: zoo: the layouts to draw (None: all)


def _num(v: float) -> float:
    return float(f"{v:.10g}")


def page_truth(page: PagePlan, number: int, exif: int | None = None) -> dict[str, object]:
    size, h = page.geometry()
    grid = page.grid
    rows = []
    for r in page.rows:
        assert grid is not None
        values: dict[str, object] = {}
        for col, typ in zip(grid.columns, grid.types, strict=True):
            if typ.value == "ignore":  # not in the CSV, so not in the truth (even when someone wrote in it)
                continue
            if typ.value == "signature":
                values[col] = r.signed
            elif typ.value == "checkbox":
                values[col] = r.tick is not None
            else:
                values[col] = r.writing.truth.get(col, "")
        rows.append({"row": r.row, "crossed_out": r.crossed_out, "person": r.person, "values": values})
    layout = {"layout": page.layout} if page.layout else {}
    return {
        "page": number,
        **layout,
        "form": page.form,
        "serial": page.serial,
        "readable": page.readable,
        "distortions": page.tags() + ([f"exif:{exif}"] if exif else []),
        "image_size": [size[0], size[1]],
        "to_image": [[_num(v) for v in line] for line in h.tolist()],
        "row_edges_mm": [_num(v) for v in grid.row_edges] if grid else [],
        "col_edges_mm": [_num(v) for v in grid.col_edges] if grid else [],
        "rows": rows,
    }


def truth_of(plan: SetPlan) -> dict[str, Any]:
    """truth.json's content; it depends on the plan only, never on rendering."""
    files = [
        {"file": f.name, "kind": f.kind, "pages": [page_truth(p, i + 1, f.exif) for i, p in enumerate(f.pages)]}
        for f in plan.files
    ]
    forms = dict(plan.forms if plan.forms is not None else FORM_PATHS)
    return {"seed": plan.seed, "generator_version": GENERATOR_VERSION, "forms": forms, "files": files}


def _store_mode(page: PagePlan) -> str:
    return "1" if is_fax(page) else ("L" if is_gray(page) else "RGB")


def _printed_images(f: FilePlan) -> dict[int, np.ndarray]:
    """Render the file's printed sheets in one go (one printer run per file)."""
    idx = [i for i, p in enumerate(f.pages) if p.source == "printed"]
    form = resolve_form("surveillance-fr")
    images = render_printed(form, [f.pages[i].serial or "" for i in idx])
    return dict(zip(idx, images, strict=True))


def write_file(out: Path, f: FilePlan, seed: int, fonts: tuple[Path, ...]) -> None:
    path = out / f.name
    path.parent.mkdir(parents=True, exist_ok=True)
    if f.kind == "corrupt":
        rng = np.random.default_rng([seed, 99, len(f.name)])
        template = b""
        if path.suffix.lower() in (".jpg", ".jpeg"):
            noise = rng.integers(0, 256, (600, 800, 3), dtype=np.uint8)
            template = jpeg_bytes(to_pil(noise, "RGB"), 85, 150)
        write_corrupt(path, rng, template)
        return
    if f.kind == "pdf":
        # Render sheets in small groups so a 200-page bench never holds every page at once.
        with PdfWriter(path) as pdf:
            for start in range(0, len(f.pages), 10):
                part = FilePlan(f.name, f.kind, f.pages[start : start + 10], f.quality)
                printed = _printed_images(part)
                for i, page in enumerate(part.pages):
                    im = to_pil(render_page(page, printed.get(i), fonts), _store_mode(page))
                    if im.mode == "1":
                        im = im.convert("L")
                    pdf.add_jpeg(jpeg_bytes(im, f.quality, stored_dpi(page)), im.width, im.height,
                                 im.mode == "L", stored_dpi(page))  # fmt: skip
        return
    printed = _printed_images(f)
    images = [to_pil(render_page(p, printed.get(i), fonts), _store_mode(p)) for i, p in enumerate(f.pages)]
    if f.kind == "jpeg":
        write_jpeg(path, images[0], f.quality, f.exif)
    elif f.kind == "png":
        write_png(path, images[0], stored_dpi(f.pages[0]))
    elif f.kind == "tiff":
        write_tiff(path, images, stored_dpi(f.pages[0]), f.quality)
    else:
        raise ValueError(f"unknown file kind {f.kind!r}")


def write_set(plan: SetPlan, out: Path, log: bool = False) -> None:
    """Render and write every file of ``plan`` and its truth.json into ``out``."""
    fonts = handwriting_fonts()
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for f in plan.files:
        write_file(out, f, plan.seed, fonts)
        if log:
            print(f"  {f.name}: {len(f.pages)} page(s)  [{time.perf_counter() - t0:.1f} s]", file=sys.stderr)
    truth = truth_of(plan)
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def generate(options: GenerateOptions, log: bool = False) -> SetPlan:
    """Plan and write a whole set with its truth.json; returns the plan."""
    plan = plan_set(options.preset, options.seed, options.sheets, options.layouts)
    write_set(plan, options.out, log)
    return plan


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m samples.generate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="folder to write the set into")
    ap.add_argument("--seed", type=int, required=True, help="same seed, same truth.json")
    ap.add_argument("--preset", choices=PRESETS, default="demo")
    ap.add_argument("--sheets", type=int, default=None,
                    help="eval: minimum pages (100); bench: sheets (200); zoo: sheets per layout (6)")  # fmt: skip
    ap.add_argument("--layouts", default=None,
                    help=f"zoo: comma-separated layout ids (default all: {', '.join(ZOO_LAYOUTS)})")  # fmt: skip
    args = ap.parse_args(argv)
    if args.sheets is not None and args.sheets < 1:
        ap.error("--sheets must be at least 1")
    layouts = None
    if args.layouts is not None:
        if args.preset != "zoo":
            ap.error("--layouts goes with --preset zoo")
        layouts = tuple(dict.fromkeys(s.strip() for s in args.layouts.split(",") if s.strip()))
        unknown = [s for s in layouts if s not in ZOO_LAYOUTS]
        if unknown or not layouts:
            ap.error(f"unknown layout(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(ZOO_LAYOUTS)}")
    t0 = time.perf_counter()
    plan = generate(GenerateOptions(args.out, args.seed, args.preset, args.sheets, layouts), log=True)
    n = sum(len(f.pages) for f in plan.files)
    print(f"{n} pages in {len(plan.files)} files written to {args.out} in {time.perf_counter() - t0:.1f} s "
          f"({PX_PER_MM * 25.4:.0f} DPI drawing)", file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
