"""The shapes the final export can take: one object per preset.

A preset says the file's header, turns one stored row into its cells, and
describes its columns for the Table Schema descriptor. Add one here and in
:data:`PRESETS`; ``petition-scan export --preset`` offers every key.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.fields.places import is_city_column
from scanner.forms import KINDS, Column, ColumnType, Form
from scanner.output.csvtext import cell, neutralise
from scanner.store import StoredRow

FIXED_HEAD = ("source", "page", "row")

_FIXED_FIELDS: dict[str, dict[str, object]] = {
    "source": {"type": "string", "description": "Scanned file, relative to the folder given to 'process'."},
    "page": {"type": "integer", "description": "1-based page within the file."},
    "row": {"type": "integer", "description": "1-based line of the table on that page, as on paper."},
}


def column_field(column: Column) -> dict[str, object]:
    """The Table Schema field of a form column."""
    field: dict[str, object] = {"name": column.name, "type": "string"}
    if column.label:
        field["title"] = column.label
    field.update(KINDS[column.type].schema)
    field["description"] = f"Form column of type '{column.type.value}'."
    return field


@dataclass(frozen=True)
class ExportPreset:
    """The default shape: where the row is on paper, then every form column."""

    name: str = "default"

    def header(self, columns: list[Column]) -> list[str]:
        return [*FIXED_HEAD, *(c.name for c in columns)]

    def row(self, row: StoredRow, form: Form | None, values: list[str]) -> list[str | int]:
        """The cells of ``row``; ``values`` are its cells of the header's form columns."""
        return [neutralise(row.source), row.page, row.row, *values]

    def schema_fields(self, header: list[str], columns: list[Column]) -> list[dict[str, object]]:
        by_name = {c.name: c for c in columns}
        return [column_field(by_name[n]) if n in by_name else {"name": n, **_FIXED_FIELDS[n]} for n in header]


CIVICRM_COLUMNS = ("first_name", "last_name", "email", "postal_code", "city", "is_opt_out", "group", "source")
_CIVICRM_FIELDS: dict[str, dict[str, object]] = {
    "first_name": {"type": "string"},
    "last_name": {"type": "string"},
    "email": {"type": "string", "format": "email"},
    "postal_code": {"type": "string", "description": "French code postal (5 digits)."},
    "city": {"type": "string"},
    "is_opt_out": {
        "type": "boolean",
        "trueValues": ["1"],
        "falseValues": ["0"],
        "description": "1 unless the person ticked the box asking to be kept informed.",
    },
    "group": {"type": "string", "description": "Campaign printed on the sheet, else the form's name."},
    "source": {"type": "string", "description": "Where the signature is on paper."},
}


@dataclass(frozen=True)
class CiviCrmPreset(ExportPreset):
    """CiviCRM's contact import: the opt-in box becomes ``is_opt_out`` (unticked: 1)."""

    name: str = "civicrm"

    def header(self, columns: list[Column]) -> list[str]:
        return list(CIVICRM_COLUMNS)

    def row(self, row: StoredRow, form: Form | None, values: list[str]) -> list[str | int]:
        by_type: dict[str, str] = {}
        if form is not None:
            for column in form.output_columns:
                value = row.fields[column.name].value if column.name in row.fields else ""
                if column.type == ColumnType.NAME:
                    key = {"first": "first_name", "last": "last_name"}.get(column.role, "last_name")
                    by_type[key] = (by_type.get(key, "") + " " + value).strip()
                elif column.type == ColumnType.EMAIL:
                    by_type.setdefault("email", value)
                elif column.type == ColumnType.POSTCODE:
                    by_type.setdefault("postal_code", value)
                elif is_city_column(column):
                    by_type.setdefault("city", value)
                elif column.type == ColumnType.CHECKBOX and "is_opt_out" not in by_type:
                    by_type["is_opt_out"] = "0" if cell(column, value) == "true" else "1"
        by_type.setdefault("is_opt_out", "1")  # no box ticked, no consent
        by_type["group"] = row.campaign or row.form or ""
        by_type["source"] = f"petition-scan {row.form or ''} {row.source} p.{row.page} l.{row.row}"
        return [neutralise(by_type.get(c, "")) for c in CIVICRM_COLUMNS]

    def schema_fields(self, header: list[str], columns: list[Column]) -> list[dict[str, object]]:
        return [{"name": n, **_CIVICRM_FIELDS[n]} for n in header]


#: Every preset by the name ``--preset`` takes.
PRESETS: dict[str, ExportPreset] = {p.name: p for p in (ExportPreset(), CiviCrmPreset())}
