"""From recognition candidates to values the tool is sure of, or flags.

:func:`interpret` reads one cell given what the row already holds
(:class:`RowContext`) and records its result there; :func:`interpret_row` does a
whole row in the right order (code postal before ville). When the ville is
interpreted, code postal and ville vouch for, or cast doubt on, each other.
Names are then checked for plausibility (:mod:`scanner.fields.namecheck`) and
the e-mail against the row's names (:mod:`scanner.fields.crosscheck`): e-mails
are interpreted after names for that. Checkbox and signature cells are decided
from ink by :mod:`scanner.marks`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from scanner.fields.common import Vote, add_flag, empty_result, finish, flag_low, interpret_text, is_blank
from scanner.fields.crosscheck import cross_check
from scanner.fields.emails import check_email, interpret_email
from scanner.fields.namecheck import check_name
from scanner.fields.names import interpret_name
from scanner.fields.numbers import interpret_date, interpret_phone
from scanner.fields.places import (
    CLOSE_MATCH,
    corroborated_postcode_confidence,
    interpret_city,
    interpret_postcode,
    is_city_column,
)
from scanner.flags import Flag, FlagKind, has
from scanner.forms import KINDS, Column, ColumnType, Form
from scanner.model import FieldResult, OcrResult
from scanner.refdata import RefData

__all__ = ["RowContext", "interpret", "interpret_row", "interpretation_order", "is_city_column"]

#: Ceiling on a postcode that only another engine's reading made consistent with the city.
SWAPPED_POSTCODE_CAP = 0.45
#: A postcode with an empty town cell beside it has nothing to vouch for it: below this
#: it is flagged. The postcode threshold (0.6) was calibrated on rows whose town mostly
#: checks the code; alone, read at 0.70-0.86, one of nine such codes in clean.csv was
#: wrong (the demo's 40300 for 46300; seeds 2718, 4099, 5087, 6151, 9241 and demo).
UNVOUCHED_POSTCODE_SURE = 0.9


@dataclass
class RowContext:
    """What was already interpreted on the row, for cross-checks between columns.

    :func:`interpret` fills it; use one per row.
    """

    results: dict[str, FieldResult] = field(default_factory=dict)
    columns: dict[str, Column] = field(default_factory=dict)
    candidates: dict[str, list[OcrResult]] = field(default_factory=dict)

    def record(self, column: Column, result: FieldResult, candidates: list[OcrResult]) -> None:
        self.results[column.name] = result
        self.columns[column.name] = column
        self.candidates[column.name] = list(candidates)

    @property
    def postcode_column(self) -> Column | None:
        return next((c for c in self.columns.values() if c.type == ColumnType.POSTCODE), None)

    @property
    def postcode(self) -> str | None:
        """The valid code postal read on this row, if any."""
        col = self.postcode_column
        if col is None:
            return None
        result = self.results[col.name]
        if not result.value or has(result.flags, FlagKind.INVALID):
            return None
        return result.value


def interpretation_order(columns: list[Column]) -> list[Column]:
    """The text columns in the order they must be interpreted (stable otherwise)."""
    text_columns = [c for c in columns if c.is_text]
    return sorted(text_columns, key=lambda c: KINDS[c.type].order)  # the postcode first, names before the e-mail


def interpret(
    column: Column,
    candidates: list[OcrResult],
    ref: RefData,
    context: RowContext,
    has_ink: bool | None = None,
) -> FieldResult:
    """The value of one text cell from its candidates (best first, any engines).

    ``has_ink`` (the cell's ink measure, e.g. ``cell.ink > 0``) separates a truly
    empty cell (confidence 1) from one whose writing no engine could read
    (flagged). Without it an empty reading scores 0.5, under every threshold.
    The result is recorded in ``context``; interpreting a ville after the code
    postal also updates the code postal's result there (same object) with what
    the ville says about it, and interpreting an e-mail updates the name results
    (same objects) with what the address says about them.
    """
    result = _interpret_alone(column, candidates, ref, context, has_ink)
    pc_col = context.postcode_column
    if is_city_column(column) and pc_col is not None:
        if result.value:
            result = _cross_check(pc_col, column, candidates, ref, context, has_ink, result)
        elif context.postcode is not None:
            # a code with no town written beside it stands on its reading alone
            pc = context.results[pc_col.name]
            if pc.confidence < UNVOUCHED_POSTCODE_SURE:
                flag_low(pc, pc.confidence)
    if column.type == ColumnType.EMAIL:
        names = [(context.results[c.name], c.role) for c in context.columns.values() if c.type == ColumnType.NAME]
        cross_check(result, names, ref)
    context.record(column, result, candidates)
    return result


def _text(column: Column, readable: list[OcrResult], ref: RefData, context: RowContext) -> Vote | None:
    """Free text; a town column is read against the communes of the row's postcode."""
    if is_city_column(column):
        return interpret_city(readable, ref, context.postcode)
    return interpret_text(readable)


Interpreter = Callable[[Column, list[OcrResult], RefData, "RowContext"], Vote | None]
#: Each read column type's interpreter: the engines' readings to a value and its confidence
#: (add a type's row here when adding it to scanner.forms.KINDS).
INTERPRETERS: dict[ColumnType, Interpreter] = {
    ColumnType.NAME: lambda col, readable, ref, _: interpret_name(readable, ref, first=col.role == "first"),
    ColumnType.EMAIL: lambda _col, readable, _ref, _ctx: interpret_email(readable),
    ColumnType.POSTCODE: lambda _col, readable, ref, _ctx: interpret_postcode(readable, ref),
    ColumnType.PHONE: lambda _col, readable, _ref, _ctx: interpret_phone(readable),
    ColumnType.DATE: lambda _col, readable, _ref, _ctx: interpret_date(readable),
    ColumnType.TEXT: _text,
}
#: Checks run on a type's value once chosen (plausibility of a name, shape of an address).
CHECKS: dict[ColumnType, Callable[[FieldResult, Column, RefData], FieldResult]] = {
    ColumnType.NAME: lambda result, col, ref: check_name(result, ref, col.role),
    ColumnType.EMAIL: lambda result, _col, _ref: check_email(result),
}


def _interpret_alone(
    column: Column, candidates: list[OcrResult], ref: RefData, context: RowContext, has_ink: bool | None
) -> FieldResult:
    if not column.is_text:
        raise ValueError(f"column '{column.name}' ({column.type.value}) is decided from ink, not text")
    readable = [c for c in candidates if not is_blank(c.text)]
    if not readable:
        return empty_result(column.name, list(candidates), has_ink)
    outcome = INTERPRETERS[column.type](column, readable, ref, context)
    assert outcome is not None, "readable is not empty"
    result = finish(column.name, outcome, list(candidates))
    check = CHECKS.get(column.type)
    return check(result, column, ref) if check is not None else result


def _sibling_codes(code: str, commune: str | None, ref: RefData) -> bool:
    """``commune`` also has a postcode one digit away from ``code``."""
    if commune is None:
        return False
    return any(
        other != code and sum(a != b for a, b in zip(other, code, strict=False)) == 1
        for other in ref.postcodes_of(commune)
    )


def _nearly_read_sibling(code: str, commune: str | None, candidates: list[OcrResult], ref: RefData) -> bool:
    """An engine nearly read another code of the same commune (75018 for 75013): the
    town, which fits both, cannot settle it, so a person must."""
    if commune is None:
        return False
    siblings = set(ref.postcodes_of(commune)) - {code}
    return any(miss in siblings for cand in candidates for miss in cand.near_misses)


def _cross_check(
    pc_col: Column,
    city_col: Column,
    city_candidates: list[OcrResult],
    ref: RefData,
    context: RowContext,
    has_ink: bool | None,
    city: FieldResult,
) -> FieldResult:
    """Postcode and city vouch for each other; returns the (possibly re-read) city.

    A city matching one of the code's communes halves the doubt about the code.
    A real commune that is not one of the code's casts doubt on the code too,
    unless another engine's candidate code fits the city: that code is then
    proposed, flagged.
    """
    pc = context.results[pc_col.name]
    code = context.postcode
    if code is None:
        return city
    flag = Flag.low(pc_col.name)
    others: list[FieldResult] = []  # other valid codes the engines read that fit this city too
    for cand in context.candidates.get(pc_col.name, []):
        alt = _interpret_alone(pc_col, [cand], ref, RowContext(), None)
        if not alt.flags and alt.value != code and ref.match_commune(city.raw, alt.value)[1] >= CLOSE_MATCH:
            others.append(alt)
    if (commune := ref.match_commune(city.raw, code))[1] >= CLOSE_MATCH:
        # The city only vouches for the code if it does not fit a rival code equally well
        # (69003 vs 69008 are both LYON), read or not: a city with several codes one
        # digit apart (NANTES 44000, 44100) cannot tell which one was written.
        if not others and not _sibling_codes(code, commune[0], ref):
            pc.confidence = round(corroborated_postcode_confidence(pc.confidence, True), 4)
        elif _nearly_read_sibling(code, commune[0], context.candidates.get(pc_col.name, []), ref):
            flag_low(pc, SWAPPED_POSTCODE_CAP)
        return city
    if others:
        alt = others[0]
        pc.value, pc.raw = alt.value, alt.raw
        pc.confidence = min(alt.confidence, SWAPPED_POSTCODE_CAP)
        add_flag(pc, flag)
        alt_context = RowContext()
        alt_context.record(pc_col, pc, [])
        return _interpret_alone(city_col, city_candidates, ref, alt_context, has_ink)
    if has(city.flags, FlagKind.INVALID, city_col.name):
        return city  # an unreadable city says nothing about the code
    pc.confidence = round(corroborated_postcode_confidence(pc.confidence, False), 4)
    add_flag(pc, flag)
    return city


def interpret_row(
    form: Form,
    candidates: dict[str, list[OcrResult]],
    ref: RefData,
    has_ink: dict[str, bool] | None = None,
) -> dict[str, FieldResult]:
    """Every text column of a row (in form order), interpreted in dependency order."""
    ink = has_ink or {}
    context = RowContext()
    for column in interpretation_order(form.columns):
        interpret(column, candidates.get(column.name, []), ref, context, ink.get(column.name))
    return {c.name: context.results[c.name] for c in form.columns if c.name in context.results}
