"""The table's rows and cells on a registered page.

Printed sheets: the cells come from the layout, then each cell edge is moved
onto the printed rule found within +-2 mm (paper curl and lens distortion bend
lines that a single homography cannot straighten). Foreign sheets: the ruled
table is detected, its header row found, and its columns matched to the form's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

import cv2
import numpy as np

from scanner.errors import RegistrationError
from scanner.forms import Form
from scanner.layout import Box, sheet_layout
from scanner.model import Registered, Table
from scanner.register.columns import open_columns
from scanner.register.header import HEADER_SHARE, band_words, header_bands, header_share, label_word_hits
from scanner.register.lines import Rules, find_rules_coarse

#: How far a printed rule may sit from where the layout puts it.
SEARCH_MM = 2.0
#: A rule segment is accepted when at least this share of it is dark...
MIN_RULE_COVER = 0.45
#: ...and its mean is at least this much darker than the paper (gray levels).
MIN_RULE_DEPTH = 25.0
#: Largest gap between a form's column edge and the matched detected rule (share of table width).
MAX_EDGE_DEVIATION = 0.06
#: Vertical rules beyond the form's column edges that may be ignored (split cells, stray lines).
MAX_EXTRA_RULES = 2
#: A band thinner than this share of the median row is a double rule or a scrap, not a row.
MIN_ROW_SHARE = 0.6


def find_table(reg: Registered, form: Form) -> Table:
    """Header and data-row cells of ``form``'s table on ``reg`` (registered px)."""
    if reg.method == "markers":
        lay = reg.layout or sheet_layout(form)
        k = reg.px_per_mm
        ys = [lay.header.y0 * k, *(y * k for y in lay.row_edges)]
        xs = [x * k for x in lay.col_edges]
        return _refined(reg.gray, reg.px_per_mm, ys, xs)
    split, xs = _foreign_grid(reg, form)
    table = _refined(reg.gray, reg.px_per_mm, split.ys, xs, ruled_x=not split.open_sides, twins=True)
    return Table(table.header, table.rows, split.doubtful, split.notes)


def _twin(
    lines: np.ndarray, dip: np.ndarray, strong: np.ndarray, left: int, right: int, depth: float, paper: float,
    expected: float, k: float,
) -> float | None:
    """Centre of a second printed rule on the other side of ``expected`` from the one found
    at [left, right], within 2.5 mm and as dark; None when there is none."""
    centre = (left + right) / 2
    best: float | None = None
    i, n = 0, len(strong)
    while i < n:
        if not strong[i] or left <= i <= right:
            i += 1
            continue
        j = i
        while j + 1 < n and strong[j + 1] and not (left <= j + 1 <= right):
            j += 1
        c = (i + j) / 2
        peak = i + int(np.argmax(dip[i : j + 1]))
        if (
            (c - expected) * (centre - expected) < 0
            and abs(c - centre) <= 2.5 * k
            and dip[peak] >= 0.7 * depth
            and (lines[peak].astype(np.float32) < paper - depth / 2).mean() >= MIN_RULE_COVER
        ):
            best = c if best is None or abs(c - expected) < abs(best - expected) else best
        i = j + 1
    return best


def _refine_positions(
    gray: np.ndarray, rules: list[float], spans: list[float], k: float, axis: int, twins: bool = False
) -> np.ndarray:
    """Local position of each rule in each span between the crossing rules.

    ``axis`` 0: horizontal rules (positions are y, spans along x); 1: vertical.
    The rule is the darkest line of the window across the span, accepted when
    it is clearly darker than the paper over most of the span (blurred photos
    leave a rule at mid-grey, so the test is relative). Returns [rule, span]
    positions; spans where the rule is not found, or found implausibly far
    from the rest of it, take the rule's median offset.
    """
    r = round(SEARCH_MM * k)
    pad = round(1.0 * k)
    n_rules, n_spans = len(rules), len(spans) - 1
    found = np.full((n_rules, n_spans), np.nan)
    limit, length = gray.shape if axis == 0 else gray.shape[::-1]
    a_all = np.array([max(0, round(spans[j]) + pad) for j in range(n_spans)], dtype=np.intp)
    b_all = np.array([min(length, round(spans[j + 1]) - pad) for j in range(n_spans)], dtype=np.intp)
    usable = np.flatnonzero(b_all - a_all >= 4)
    a_use, b_use = a_all[usable], b_all[usable]
    width = (b_use - a_use).astype(np.float32)
    for i, pos in enumerate(rules):
        lo, hi = max(0, round(pos) - r), min(limit, round(pos) + r + 1)
        if hi - lo < 3 or usable.size == 0:
            continue
        # the window as rows across the span direction, contiguous (a strided column strip is slow)
        strip = gray[lo:hi] if axis == 0 else np.ascontiguousarray(gray[:, lo:hi].T)
        # mean of every line of the window over every span at once, from a summed-area table
        # (integer sums: exact, as float32 running sums of 8-bit values are)
        summed = cv2.integral(strip, sdepth=cv2.CV_32S)
        sums = np.diff(summed[:, b_use] - summed[:, a_use], axis=0)
        profs = sums.astype(np.float32) / width  # [line, span]
        papers = np.sort(profs, axis=0)[(3 * (hi - lo)) // 4]
        dips = papers - profs
        limits = np.maximum(MIN_RULE_DEPTH, 0.6 * dips.max(axis=0).astype(np.float64)).astype(np.float32)
        strongs = dips >= limits
        for u in np.flatnonzero(strongs.any(axis=0)).tolist():
            a, b = int(a_use[u]), int(b_use[u])
            prof, dip, paper = profs[:, u], dips[:, u], float(papers[u])
            # of the dark lines in the window (a rule; maybe a guide or a stroke nearby),
            # take the one nearest to where the rule is expected
            strong = np.flatnonzero(strongs[:, u])
            best = int(strong[np.abs(strong - (pos - lo)).argmin()])
            d = dip.tolist()
            while best > 0 and d[best - 1] > d[best]:
                best -= 1
            while best + 1 < len(d) and d[best + 1] > d[best]:
                best += 1
            depth = float(dip[best])
            if (strip[best, a:b].astype(np.float32) < paper - depth / 2).mean() < MIN_RULE_COVER:
                continue
            sel = (dip >= 0.5 * depth).tolist()
            left = best
            while left > 0 and sel[left - 1]:
                left -= 1
            right = best
            while right + 1 < len(sel) and sel[right + 1]:
                right += 1
            w = paper - prof[left : right + 1]
            at = lo + float((np.arange(left, right + 1) * w).sum() / w.sum())
            # a pair of rules astride the place (boxes drawn apart, a double rule): the
            # boundary is between them, not whichever is a pixel nearer
            # (a sheet the tool printed has neither, and its drop-out guides could pass for one)
            twin = _twin(strip[:, a:b], dip, strongs[:, u], left, right, depth, paper, pos - lo, k) if twins else None
            found[i, int(usable[u])] = at if twin is None else (at + lo + twin) / 2
    out = np.empty_like(found)
    offsets = found - np.asarray(rules, dtype=np.float64)[:, None]
    global_off = float(np.nanmedian(offsets)) if np.isfinite(offsets).any() else 0.0
    for i, pos in enumerate(rules):
        row = offsets[i]
        med = float(np.nanmedian(row)) if np.isfinite(row).any() else global_off
        for j in range(n_spans):
            off = row[j]
            if not np.isfinite(off) or abs(off - med) > 0.8 * k:
                off = med
            out[i, j] = pos + off
    return out


def _refined(
    gray: np.ndarray, k: float, ys: list[float], xs: list[float], ruled_x: bool = True, twins: bool = False
) -> Table:
    """Cells whose edges follow the rules actually printed near ``ys``/``xs``."""
    ry = _refine_positions(gray, ys, xs, k, axis=0, twins=twins)  # [h-rule, column]
    if ruled_x:
        rx = _refine_positions(gray, xs, ys, k, axis=1, twins=twins)  # [v-rule, band]
    else:  # no vertical rules to follow (and the nearest dark line would be a letter)
        rx = np.repeat(np.asarray(xs, dtype=np.float64)[:, None], len(ys) - 1, axis=1)
    header = Box(float(rx[0, 0]), float(ry[0].mean()), float(rx[-1, 0]), float(ry[1].mean()))
    rows: list[list[Box]] = []
    for i in range(1, len(ys) - 1):
        rows.append(
            [
                Box(float(rx[j, i]), float(ry[i, j]), float(rx[j + 1, i]), float(ry[i + 1, j]))
                for j in range(len(xs) - 1)
            ]
        )
    return Table(header=header, rows=rows)


# --- tables on sheets the tool did not print --------------------------------------------


@dataclass(frozen=True)
class RowSplit:
    """The horizontal rules of a foreign table, one per row boundary, and what is unsure."""

    ys: list[float]  #: header top, header bottom, then every data row's bottom edge
    doubtful: frozenset[int] = frozenset()  #: 0-based data rows whose number is not settled
    notes: tuple[str, ...] = ()
    open_sides: bool = False  #: no vertical rules: the column edges are not printed


def _foreign_grid(reg: Registered, form: Form) -> tuple[RowSplit, list[float]]:
    """Rule positions (header top, header bottom, data rows...; column edges) of a foreign table."""
    src, pg = reg.ref.source, reg.ref.page
    # found at half resolution: _refined then places every rule on the full-resolution page
    rules = find_rules_coarse(reg.gray, reg.px_per_mm)
    if not rules.ok:
        raise RegistrationError(
            src, pg, "no ruled table found on the page", "Only sheets with a table drawn with lines can be read."
        )
    split = _header_above(reg, split_rows(rules, reg.px_per_mm, form.rows_per_page), rules, form)
    if len(split.ys) < 3:
        raise RegistrationError(src, pg, "the table has no data rows below its header")
    n = len(split.ys) - 2
    if form.rows_per_page and n != form.rows_per_page:
        # only a hint: a table that goes on, or a sheet printed with another line count
        split = RowSplit(split.ys, split.doubtful,
                         (*split.notes, f"{n} lines found where the form's hint says {form.rows_per_page}"))
    if rules.open_sides:
        xs = open_columns(reg.gray, split.ys, rules.xs[0], rules.xs[-1], form, reg.px_per_mm)
        if xs is None:
            raise RegistrationError(
                src, pg,
                f"a table without vertical rules whose header does not show the {len(form.columns)} columns "
                f"of form '{form.name}'",
                "Give the columns' printed widths in the form file (width: for each column).",
            )
        notes = (*split.notes, "no vertical rules: columns placed by the header")
        return RowSplit(split.ys, split.doubtful, notes, open_sides=True), xs
    xs = match_columns(list(rules.xs), form) or _completed_columns(reg, split.ys, list(rules.xs), form)
    if xs is None:
        raise RegistrationError(
            src,
            pg,
            f"the table has {len(rules.xs) - 1} columns that do not match the {len(form.columns)} columns "
            f"of form '{form.name}'",
            "Check that --form names the layout of these sheets (columns in order, with their relative widths).",
        )
    return split, xs


def _header_above(reg: Registered, split: RowSplit, rules: Rules, form: Form) -> RowSplit:
    """The split with the header placed where the labels are printed.

    Many sheets print the labels over the table with no rule above them: the first
    band is then the first line, not the header. Labels on two lines, or under a group
    title, leave a rule (or the labels' own baseline, a row of serifs) across the
    header: its first band then holds part of the labels and the next band the rest.
    The labels, read, tell.
    """
    ys, k = split.ys, reg.px_per_mm
    if len(ys) < 3:
        return split
    x0, x1 = rules.xs[0], rules.xs[-1]
    bands = header_bands(reg.gray, Rules(tuple(ys), rules.xs), k)
    # each band is read (20 to 70 ms) only when a test below needs it, the shorter first
    inside = cache(lambda: header_share(reg.gray, ys[0], ys[1], x0, x1, form, k, ruled=True))
    doubtful = frozenset(range(len(ys) - 1)) if split.doubtful else frozenset()
    if len(bands) >= 2:
        above = cache(lambda: header_share(reg.gray, bands[1][0], bands[1][1], x0, x1, form, k))
        # a share is at most 1: with over 0.8 read inside, the band above cannot win
        first_above = bands[1][1] - bands[1][0] < ys[1] - ys[0]
        if (first_above or inside() + 0.2 <= 1.0) and above() >= HEADER_SHARE and above() >= inside() + 0.2:
            # split again with the labels' top as the header's: the first rule found is then
            # the first line's top, and a stroke through that line (a crossing-out) is judged
            # like one through any other line instead of passing for the header's bottom
            top, note = bands[1][0], "the labels stand above the table's first rule"
            framed = replace(rules, ys=(top, *rules.ys), cover=(1.0, *rules.cover))
            again = split_rows(framed, k, form.rows_per_page, header_top=True)
            if again.ys[:2] == [top, ys[0]]:
                return replace(again, notes=(*again.notes, note))
            return RowSplit([top, *ys], doubtful, (*split.notes, note))
    if len(ys) >= 4 and (_partial(rules, ys[1], k) or inside() < HEADER_SHARE):
        # the second band holds the labels' other line when most words read there are label
        # words (handwriting read by Tesseract gives none)
        words = [w for w in band_words(reg.gray, ys[1], ys[2], x0, x1, k, ruled=True) if len(w) >= 3]
        hits = label_word_hits(words, form)
        if hits >= 2 and hits >= 0.5 * len(words):
            # the lines are split again without that rule: the gap it made no longer counts
            keep = [i for i, y in enumerate(rules.ys) if abs(y - ys[1]) > 0.5]
            if len(keep) == len(rules.ys):  # a boundary put back at the pitch, not a rule found
                return split
            fewer = replace(rules, ys=tuple(rules.ys[i] for i in keep), cover=tuple(rules.cover[i] for i in keep))
            again = split_rows(fewer, k, form.rows_per_page)
            return replace(again, notes=(*again.notes, "the labels fill the table's first two bands"))
    return split


def _partial(rules: Rules, y: float, k: float) -> bool:
    """Whether the rule found at ``y`` runs across only part of the table (a group title's rule,
    the baseline of a row of bold labels)."""
    if not rules.cover:
        return False
    i = int(np.argmin([abs(r - y) for r in rules.ys]))
    return abs(rules.ys[i] - y) <= 1.5 * k and rules.cover[i] < FULL_RULE_SHARE * max(rules.cover)


def _completed_columns(reg: Registered, ys: list[float], found: list[float], form: Form) -> list[float] | None:
    """Column edges where vertical rules were lost (a fax, a light scan): the header's labels
    place every edge, and each rule still found must sit on one of them (then it is used)."""
    if len(found) < 2 or len(found) >= len(form.columns) + 1:
        return None
    edges = open_columns(reg.gray, ys, found[0], found[-1], form, reg.px_per_mm)
    if edges is None:
        return None
    tol = 2.0 * reg.px_per_mm
    for x in found:
        j = int(np.argmin([abs(e - x) for e in edges]))
        if abs(edges[j] - x) > tol:
            return None
        edges[j] = x
    return edges


#: A rule covering at least this share of what the longest rule covers is printed across the
#: table; one covering less is partial (a group title's rule, a row of bold labels, a stroke).
FULL_RULE_SHARE = 0.8
#: A gap this far (in pitches) from a whole number of lines leaves its line count unsure.
PITCH_DOUBT = 0.22
#: Cost of each rule a pitch candidate says was lost (against the misfit it explains).
LOST_RULE_COST = 0.35


def row_pitch(gaps: list[float], min_pitch: float) -> float:
    """The table's line pitch: the one explaining every gap as whole lines with fewest lost rules.

    A plain median fails on a fax that lost many rules (it finds twice the pitch) or on
    a table with extra rules; each gap divided by 1 to 3 is a candidate, scored by how far
    the gaps fall from whole multiples plus a cost per rule it says was lost (so half the
    true pitch, which fits every gap too, loses).
    """
    best, best_cost = 0.0, float("inf")
    for g in gaps:
        for m in (1, 2, 3):
            p = g / m
            if p < min_pitch:
                continue
            r = np.asarray(gaps) / p
            n = np.maximum(1, np.round(r))
            # a gap well under one line contradicts the pitch outright: no rule is printed mid-line
            cost = float(np.abs(r - n).sum() + (r < 0.75).sum() + LOST_RULE_COST * (n - 1).sum())
            if cost < best_cost - 1e-9:
                best, best_cost = p, cost
    if best <= 0:
        return float(np.median(gaps)) if gaps else 0.0
    n = np.maximum(1, np.round(np.asarray(gaps) / best))
    return float(np.sum(gaps) / n.sum())  # least squares over every line


def _off_grid(d: float, pitch: float) -> float:
    """How far (in pitches) a distance ``d`` is from a whole number of at least one line."""
    r = d / pitch
    return abs(r - max(1, round(r)))


def _hinted_pitch(
    out: list[float], cover: list[float], pitch: float, v_span: tuple[float, float] | None, hint: int | None,
    k: float,
) -> float | None:
    """The pitch of ``hint`` lines when the printed rules found fit it (None: keep ``pitch``).

    A fax that lost most rules leaves gaps that are whole multiples of twice the
    pitch as well as of the pitch, and strokes of writing that pass for rules: the
    rules alone then prefer the larger pitch. Rules covering the whole table
    (printed ones) must all fall on the hinted grid.
    """
    if not hint or len(out) < 3:
        return None
    bottom = out[-1]
    if v_span is not None and v_span[1] - bottom > 0.6 * pitch:
        bottom = v_span[1]
    hp = (bottom - out[1]) / hint
    if hp < 4.0 * k or abs(hp - pitch) < 0.1 * pitch:
        return None
    full = max(cover[1:])
    printed = [y for y, c in zip(out[2:], cover[2:], strict=True) if c >= FULL_RULE_SHARE * full]
    # the lines the rules found, or the hint's when more (a table without one inner rule left)
    lines = max(round((bottom - out[1]) / pitch), hint)
    if len(printed) - 1 >= 0.5 * (lines - 1):  # most rules are there: they decide, not the hint
        return None
    if all(_off_grid(y - out[1], hp) <= PITCH_DOUBT for y in printed):
        return float(hp)
    return None


def _without_midline_strokes(ys: list[float], cover: list[float]) -> tuple[list[float], list[float]]:
    """Leave out the long strokes half-way between two rules a line apart (a line crossed out with
    a ruler runs the table's width, like a rule, but through the middle of a line)."""
    if len(ys) < 4:
        return ys, cover
    # the usual line: the gap length that covers most of the table (strokes leave short gaps)
    d = np.diff(ys)
    near = np.abs(d[:, None] - d[None, :]) <= 0.08 * d[None, :]
    mass = (near * d[None, :]).sum(axis=1)
    med = float(np.median(d[near[int(np.argmax(mass))]]))
    keep = [True] * len(ys)
    for i in range(2, len(ys) - 1):  # never the header's top or bottom
        span = ys[i + 1] - ys[i - 1]
        at = (ys[i] - ys[i - 1]) / span
        if abs(span - med) < 0.15 * med and 0.35 < at < 0.65:
            keep[i] = False
    return [y for y, k in zip(ys, keep, strict=True) if k], [c for c, k in zip(cover, keep, strict=True) if k]


def split_rows(rules: Rules, k: float, hint: int | None = None, header_top: bool = False) -> RowSplit:
    """Horizontal rules from the header's top down, one per row boundary.

    Two candidates closer than a line (a crossing-out or an underline running
    along a rule) are one boundary: the one covering more of the table wins,
    since a printed rule runs edge to edge and a pen stroke rarely does. Gaps
    holding several lines (rules lost to a fax or a light scan) are split at the
    table's pitch, and the frame's vertical rules reaching below the last rule
    found add the lines whose bottom rule was lost. Where a gap is not close to
    a whole number of lines, every line from it down is doubtful. ``header_top``:
    the first rule is known to be the header's top (the labels' band, found above).
    """
    ys, cover = list(rules.ys), list(rules.cover)
    if len(ys) < 3:
        return RowSplit(ys)
    heights = np.diff(ys)
    med = float(np.median(heights))
    hint_line = (ys[-1] - ys[1]) / hint if hint else None
    if hint_line is not None and med > 2.0 * hint_line:
        med = hint_line  # most inner rules lost (a fax): a few gaps of many lines each
    if heights[0] < 0.35 * med and not header_top:  # a rule just above the header (an underlined title)
        ys, cover = ys[1:], cover[1:]
    ys, cover = _without_midline_strokes(ys, cover)
    out, out_cover = [ys[0]], [cover[0]]
    for y, c in zip(ys[1:], cover[1:], strict=True):
        if y - out[-1] < MIN_ROW_SHARE * med and len(out) > 1:
            if c > out_cover[-1]:
                out[-1], out_cover[-1] = y, c
            continue
        out.append(y)
        out_cover.append(c)
    if len(out) < 3:
        return RowSplit(out)
    gaps = np.diff(out[1:])
    pitch = row_pitch(gaps.tolist(), 4.0 * k)
    hinted = _hinted_pitch(out, out_cover, pitch, rules.v_span, hint, k)
    if hinted is None and len(out) >= 4 and out_cover[1] < FULL_RULE_SHARE * max(out_cover[2:]):
        # a partial rule inside the header (a row of bold labels, a sub-header's rule) is
        # not its bottom when the full rule under it, less than a line below, fits the hint
        alt, alt_cover = out[:1] + out[2:], out_cover[:1] + out_cover[2:]
        h2 = _hinted_pitch(alt, alt_cover, pitch, rules.v_span, hint, k)
        if h2 is not None and out[2] - out[1] < 0.6 * h2:
            hinted, out, out_cover = h2, alt, alt_cover
    if hinted is not None:
        pitch = hinted
        # rules off the hinted grid are strokes of writing (the grid's own rules all fit it)
        out = out[:2] + [y for y in out[2:] if _off_grid(y - out[1], pitch) <= PITCH_DOUBT]
    edges = out[:2]
    doubt_from: int | None = None
    filled = 0
    for y in out[2:]:
        gap = y - edges[-1]
        n = max(1, round(gap / pitch))
        if abs(gap / pitch - n) > PITCH_DOUBT and doubt_from is None:
            doubt_from = len(edges) - 2
        base, step = edges[-1], gap / n
        edges.extend([base + step * (i + 1) for i in range(n)])
        filled += n - 1
    notes: list[str] = []
    if rules.v_span is not None:
        below = rules.v_span[1] - edges[-1]
        n = round(below / pitch)
        if n >= 1 and below > 0.6 * pitch:
            if abs(below / pitch - n) > PITCH_DOUBT and doubt_from is None:
                doubt_from = len(edges) - 2
            base = edges[-1]
            edges.extend([base + below / n * (i + 1) for i in range(n)])
            notes.append(f"{n} line(s) below the last rule found, up to the bottom of the frame")
    if filled:
        notes.append(f"{filled} lost rule(s) put back at the table's pitch")
    if hinted is not None:
        doubt_from = 0
        notes.append("most rules lost: the line pitch is the form's rows_per_page, which the rules found fit")
    header = edges[1] - edges[0]
    n_lines = len(edges) - 2
    # a header as tall as two lines may be a header whose bottom rule was lost
    if any(abs(header / pitch - m) < 0.12 for m in (2, 3)):
        doubt_from = 0
        notes.append("the header is as tall as several lines: the first line is not sure")
    # the contract: where the line count or the first line is not sure, no line of the page
    # is (the lines above a doubtful gap would be, but a person checks the page once)
    doubtful: frozenset[int] = frozenset()
    if doubt_from is not None:
        doubtful = frozenset(range(n_lines))
        notes.append(f"line numbers are not sure from line {doubt_from + 1} down: every line goes to review")
    return RowSplit(edges, doubtful, tuple(notes))


def match_columns(xs: list[float], form: Form) -> list[float] | None:
    """Choose the detected vertical rules that are the form's column edges (None if none fit).

    Equal counts match in order. With more rules than columns (split cells,
    stray lines) the inner edges are chosen to follow the form's relative widths;
    with fewer, the table cannot be read safely.
    """
    n = len(form.columns)
    if not n + 1 <= len(xs) <= n + 1 + MAX_EXTRA_RULES:
        return None
    x0, x1 = xs[0], xs[-1]
    total = sum(c.width for c in form.columns)
    expected = [x0 + (x1 - x0) * sum(c.width for c in form.columns[:j]) / total for j in range(n + 1)]
    if len(xs) == n + 1:
        return list(xs)
    inner = xs[1:-1]
    want = expected[1:-1]
    # DP: match each expected inner edge to a distinct detected one, in order, minimising distance.
    m, q = len(inner), len(want)
    inf = float("inf")
    cost = np.full((q + 1, m + 1), inf)
    cost[0, :] = 0.0
    for a in range(1, q + 1):
        for b in range(a, m + 1):
            cost[a, b] = min(cost[a, b - 1], cost[a - 1, b - 1] + abs(inner[b - 1] - want[a - 1]))
    chosen: list[float] = []
    a, b = q, m
    while a > 0:
        if b > a and cost[a, b] == cost[a, b - 1]:
            b -= 1
            continue
        chosen.append(inner[b - 1])
        a, b = a - 1, b - 1
    chosen.reverse()
    dev = max((abs(c - w) for c, w in zip(chosen, want, strict=True)), default=0.0)
    if dev > MAX_EDGE_DEVIATION * (x1 - x0):
        return None
    return [x0, *chosen, x1]
