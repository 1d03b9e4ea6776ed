"""The table's rows and cells on a registered page.

Printed sheets: the cells come from the layout, then each cell edge is moved
onto the printed rule found within +-2 mm (paper curl and lens distortion bend
lines that a single homography cannot straighten). Foreign sheets: the ruled
table is detected, its header row found, and its columns matched to the form's.
"""

from __future__ import annotations

from dataclasses import replace
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
from scanner.rows import FULL_RULE_SHARE, RowSplit, split_rows

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
