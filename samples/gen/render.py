"""From a page plan to the page image: blank page, pen, then the trip back.

Only the random streams seeded by the page's ``render_seed`` are used here, so
fonts and noise never change what truth.json says.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from samples.gen import distort, zoo
from samples.gen.handwriting import (
    InkLayer,
    random_hand,
    strike,
    write_digits,
    write_signature,
    write_text,
    write_tick,
)
from samples.gen.pages import PX_PER_MM, Grid, draw_blank, draw_foreign, draw_letter
from samples.gen.paste import paste_crop, paste_digits
from samples.gen.plan import PagePlan, RowPlan, is_fax, is_photo
from scanner.forms import ColumnType
from scanner.layout import Box


def to_px(b: Box) -> Box:
    """Sheet millimetres to 300-DPI page pixels (pixel centres at integers)."""
    k = PX_PER_MM
    return Box(b.x0 * k - 0.5, b.y0 * k - 0.5, b.x1 * k - 0.5, b.y1 * k - 0.5)


def filled_columns(grid: Grid, row: RowPlan) -> list[int]:
    """Columns of the line that carry ink."""
    out = []
    for j, (col, typ) in enumerate(zip(grid.columns, grid.types, strict=True)):
        if typ == ColumnType.SIGNATURE:
            mark = row.signed
        elif typ == ColumnType.CHECKBOX:
            mark = row.tick is not None
        else:
            mark = bool(row.writing.drawn.get(col))
        if mark:
            out.append(j)
    return out


def write_row(page: np.ndarray, grid: Grid, row: RowPlan, fonts: tuple[Path, ...], rng: np.random.Generator) -> None:
    """One person's line: text, postcode digits, signature, tick, maybe a strike-through.

    Ticks go into the cell's printed box and postcode digits one per printed box
    when the sheet has them (light guides of the tool's sheet are followed three
    times in four, black boxes of another group's sheet nearly always)."""
    k = PX_PER_MM
    i = row.row - 1
    hand = random_hand(rng, fonts)
    line_h = grid.row_edges[i + 1] - grid.row_edges[i]
    if hand.cap_mm > 0.5 * line_h:  # nobody writes 5 mm capitals on an 8 mm line
        hand = replace(hand, cap_mm=0.5 * line_h)
    elif line_h >= 17.0:  # and most write bigger on a 20 mm one
        hand = replace(hand, cap_mm=hand.cap_mm * 1.3)
    y0, y1 = grid.row_edges[i] - 4.0, grid.row_edges[i + 1] + 4.0
    layer = InkLayer(page.shape[1], int(y0 * k), int(y1 * k) + 1)
    use_comb = rng.random() < (0.75 if grid.layout is not None else 0.96)
    for j, (col, typ) in enumerate(zip(grid.columns, grid.types, strict=True)):
        cell = to_px(grid.cell(i, j))
        comb = grid.comb_of(i, j) if typ == ColumnType.POSTCODE else None
        pasted = row.pasted.get(col) if row.pasted else None
        if pasted is not None and typ not in (ColumnType.SIGNATURE, ColumnType.CHECKBOX):
            # a given image (real handwriting) instead of a font; one digit per box when it has them
            if comb and use_comb and pasted.digits:
                paste_digits(layer, pasted.digits, [to_px(b) for b in comb], k, rng)
            else:
                paste_crop(layer, pasted.image, cell, k, rng)
        elif typ == ColumnType.SIGNATURE:
            if row.signed:
                write_signature(layer, cell, hand, k, row.sig_seed, rng)
        elif typ == ColumnType.CHECKBOX:
            if row.tick is not None:
                printed = grid.checkbox_of(i, j)
                box = to_px(printed) if printed else cell.inset(cell.w * 0.3, cell.h * 0.25)
                write_tick(layer, box, row.tick, hand, k, rng)
        elif comb and use_comb:
            write_digits(layer, row.writing.drawn.get(col, ""), [to_px(b) for b in comb], hand, k, rng)
        elif (at := grid.at_sign_of(i, j)) is not None and "@" in row.writing.drawn.get(col, ""):
            # the "@" is printed: the name goes before it, the domain after it
            local, _, domain = row.writing.drawn[col].partition("@")
            at_px, gap = to_px(at), 0.5 * k
            write_text(layer, local, Box(cell.x0, cell.y0, at_px.x0 - gap, cell.y1), hand, k, rng)
            write_text(layer, domain, Box(at_px.x1 + gap, cell.y0, cell.x1, cell.y1), hand, k, rng)
        else:
            write_text(layer, row.writing.drawn.get(col, ""), cell, hand, k, rng)
    if row.crossed_out:
        cols = filled_columns(grid, row)
        if cols:
            first, last = to_px(grid.cell(i, cols[0])), to_px(grid.cell(i, cols[-1]))
            x0 = first.x0 + k * rng.uniform(0.3, 1.5)
            x1 = last.x1 - k * rng.uniform(0.3, 1.5)
            strike(layer, x0, x1, to_px(grid.cell(i, 0)), k, rng)
    layer.lay_on(page, hand, rng)


def blank_page(plan: PagePlan, printed: np.ndarray | None) -> np.ndarray:
    if plan.source == "printed":
        if printed is None:
            raise ValueError("a printed page needs its rendered sheet")
        return printed.copy()
    if plan.source == "foreign":
        return draw_foreign()
    if plan.source == "zoo":
        if plan.layout is None:
            raise ValueError("a zoo page needs its layout")
        return zoo.draw(plan.layout)
    if plan.source == "letter":
        return draw_letter()
    return draw_blank()


def render_page(plan: PagePlan, printed: np.ndarray | None, fonts: tuple[Path, ...]) -> np.ndarray:
    """The page image as it will be stored (RGB uint8; grey or black-and-white
    content for grey and fax pages), upright orientation before any EXIF flip."""
    rng = np.random.default_rng([plan.render_seed, 11])
    img = blank_page(plan, printed)
    img = distort.paper(img, rng)
    if plan.grid is not None:
        for row in plan.rows:
            write_row(img, plan.grid, row, fonts, rng)
    for op in plan.ops:
        img = distort.apply(op, img, rng)
    if not is_photo(plan) and not is_fax(plan):
        img = distort.scanner_finish(img, rng)
    return img
