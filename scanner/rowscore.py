"""Row confidence and the flags that send a row to review.

Rule: the row's confidence is the *minimum* of its fields' confidences. An
empty field takes part with the confidence that it is empty (high when the
cell has no ink, low and already flagged when ink was seen but nothing read),
so blank optional columns do not drag a row down while an unreadable one does.
A field whose confidence is under the threshold of its column type gets
``low_confidence:<column>``. A row goes to clean.csv only if it has no flag.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from scanner.errors import UsageError
from scanner.flags import CROSSED_OUT, UNSIGNED, Flag, FlagKind, has
from scanner.forms import ColumnType, Form
from scanner.model import FieldResult

THRESHOLDS_FILE = Path(__file__).resolve().parent / "data" / "thresholds.json"


@dataclass(frozen=True)
class Thresholds:
    """Minimum field confidence, per column type, for a row to go to clean.csv.

    Defaults are deliberately strict; an evaluation on generated sheets
    calibrates them and ships the result as ``scanner/data/thresholds.json``.
    """

    name: float = 0.7
    text: float = 0.7
    email: float = 0.75
    postcode: float = 0.75
    phone: float = 0.75
    date: float = 0.75
    checkbox: float = 0.6
    signature: float = 0.6

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
                raise UsageError(f"threshold '{f.name}' must be a number from 0 to 1, not {value!r}")

    def for_type(self, column_type: ColumnType) -> float:
        """The minimum for ``column_type`` (``ignore`` columns never hold a row back)."""
        if column_type == ColumnType.IGNORE:
            return 0.0
        return float(getattr(self, column_type.value))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Thresholds:
        """Parse thresholds; keys left out keep their defaults, unknown keys are an error."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"thresholds file is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise UsageError("thresholds file must hold a JSON object of column type -> minimum confidence")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise UsageError(
                f"unknown column type(s) in thresholds file: {', '.join(unknown)}",
                f"Known: {', '.join(sorted(known))}.",
            )
        return cls(**data)

    @classmethod
    def default(cls, path: Path = THRESHOLDS_FILE) -> Thresholds:
        """The calibrated thresholds shipped with the tool, or the defaults before calibration."""
        if path.exists():
            return cls.from_json(path.read_text(encoding="utf-8"))
        return cls()


def _add(flags: list[str], flag: str) -> None:
    if flag not in flags:
        flags.append(flag)


def score_row(
    fields: dict[str, FieldResult], form: Form, crossed_out: bool, thresholds: Thresholds
) -> tuple[float, list[str]]:
    """(row confidence 0..1, flags) for one non-empty line.

    Flags: every field's own flags, ``low_confidence:<col>`` under the column
    type's threshold, ``missing:<col>`` when every name column is empty (a
    signature without a name cannot be used unchecked), ``unsigned`` when the form
    has a signature column that is not "true", ``crossed_out``.
    """
    flags: list[str] = []
    confidence = 1.0
    for column in form.output_columns:
        result = fields.get(column.name)
        if result is None:
            if column.type != ColumnType.SIGNATURE:  # unsigned covers a missing signature
                _add(flags, Flag.missing(column.name))
            confidence = 0.0
            continue
        for flag in result.flags:
            _add(flags, flag)
        confidence = min(confidence, result.confidence)
        invalid = has(result.flags, FlagKind.INVALID, column.name)
        if not invalid and result.confidence < thresholds.for_type(column.type):
            _add(flags, Flag.low(column.name))
    name_columns = [c for c in form.output_columns if c.type == ColumnType.NAME]
    if name_columns and all(not (r := fields.get(c.name)) or not r.value for c in name_columns):
        for c in name_columns:
            _add(flags, Flag.missing(c.name))
    sig = form.signature_column
    if sig is not None and (sig.name not in fields or fields[sig.name].value != "true"):
        _add(flags, UNSIGNED)
    if crossed_out:
        _add(flags, CROSSED_OUT)
    return round(max(0.0, min(1.0, confidence)), 4), flags
