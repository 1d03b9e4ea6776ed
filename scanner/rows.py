"""The lines of a table the tool did not print, from its horizontal rules.

One rule per row boundary: rules lost to a fax or a light scan are put back at
the table's regular pitch, extra ones (a stroke along a line, a shaded band's
edge, a ruler's crossing-out) dropped, and a line whose number on paper is not
settled is flagged, never dropped. ``rows_per_page`` is only a hint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scanner.register.lines import Rules

#: A band thinner than this share of the median row is a double rule or a scrap, not a row.
MIN_ROW_SHARE = 0.6


@dataclass(frozen=True)
class RowSplit:
    """The horizontal rules of a foreign table, one per row boundary, and what is unsure."""

    ys: list[float]  #: header top, header bottom, then every data row's bottom edge
    doubtful: frozenset[int] = frozenset()  #: 0-based data rows whose number is not settled
    notes: tuple[str, ...] = ()
    open_sides: bool = False  #: no vertical rules: the column edges are not printed



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
