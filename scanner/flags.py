"""The flags that send a row to review: one spelling, made and read here.

A flag is stored and shown as text ("low_confidence:nom", "unsigned"): that is
what review.csv holds and what people filter on. :class:`Flag` is that text (a
``str``), built by one constructor per kind and parsed back into its kind and
column, so no module spells ``f"invalid:{col}"`` itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class FlagKind(StrEnum):
    LOW_CONFIDENCE = "low_confidence"  #: a value the tool is not sure of (per column)
    INVALID = "invalid"  #: a value that is not one of its kind (per column)
    MISSING = "missing"  #: a value the row needs and has not (per column)
    UNSIGNED = "unsigned"
    CROSSED_OUT = "crossed_out"
    ROW_UNCERTAIN = "row_uncertain"  #: the line's number on paper is not sure


class Flag(str):
    """One flag as its text; ``kind`` and ``column`` read it back."""

    __slots__ = ()

    @classmethod
    def of(cls, kind: FlagKind, column: str = "") -> Flag:
        return cls(f"{kind.value}:{column}" if column else kind.value)

    @classmethod
    def low(cls, column: str) -> Flag:
        return cls.of(FlagKind.LOW_CONFIDENCE, column)

    @classmethod
    def invalid(cls, column: str) -> Flag:
        return cls.of(FlagKind.INVALID, column)

    @classmethod
    def missing(cls, column: str) -> Flag:
        return cls.of(FlagKind.MISSING, column)

    @property
    def kind(self) -> str:
        """The kind's text (a :class:`FlagKind` value for the tool's own flags)."""
        return self.partition(":")[0]

    @property
    def column(self) -> str:
        return self.partition(":")[2]


UNSIGNED = Flag.of(FlagKind.UNSIGNED)
CROSSED_OUT = Flag.of(FlagKind.CROSSED_OUT)
ROW_UNCERTAIN = Flag.of(FlagKind.ROW_UNCERTAIN)


def has(flags: Iterable[str], kind: FlagKind, column: str | None = None) -> bool:
    """Whether ``flags`` hold one of ``kind`` (of ``column``, when given)."""
    for f in flags:
        k, _, c = f.partition(":")
        if k == kind.value and (column is None or c == column):
            return True
    return False
