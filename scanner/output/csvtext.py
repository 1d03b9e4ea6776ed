"""The text of a CSV cell: what a spreadsheet must not run, and how a tick reads.

Spreadsheet formulas: a cell starting with ``= + - @``, a tab or a carriage
return is run as a formula by Excel/LibreOffice, so such cells get a leading
``'``. A value made only of digits, spaces and ``. ( ) / -`` after an optional
sign (a phone number ``+33 6 12 34 56 78``, a date) cannot run anything and is
left alone, so phone numbers stay usable.
"""

from __future__ import annotations

import re

from scanner.forms import MARK_TYPES, Column, is_true

_SAFE_NUMBER = re.compile(r"^[+-]?[0-9][0-9 .()/-]*$")


def neutralise(value: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would run as a formula (see module doc)."""
    if value and value[0] in "=+-@\t\r" and not _SAFE_NUMBER.match(value):
        return "'" + value
    return value


def cell(column: Column, value: str) -> str:
    """A field's CSV text: ``true``/``false`` for checkbox and signature."""
    if column.type in MARK_TYPES:
        return "true" if is_true(value) else "false"
    return neutralise(value)
