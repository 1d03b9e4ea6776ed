"""Form definitions: a YAML file validated by a strict schema.

A form describes the petition sheet: its text and the table's columns, left to
right as printed. Validation reports *every* bad key with its path in one
message, so a user fixes the file in one go.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scanner.errors import FormError

FORMS_DIR = Path(__file__).resolve().parent.parent / "forms"
#: Largest form file read (the shipped one is under 2 KB). Checked before parsing: a 2 MB
#: form took 16 s and a 65 MB one over 5 minutes and 4.4 GB to validate.
MAX_FORM_BYTES = 256 * 1024
#: Most columns a form may have (a printed A4 table holds about ten).
MAX_COLUMNS = 64
_LIMIT_HINT = "A form file is a short YAML text (see 'Form YAML' in README.md): check that this is the right file."


class ColumnType(StrEnum):
    NAME = "name"
    TEXT = "text"
    EMAIL = "email"
    POSTCODE = "postcode"
    PHONE = "phone"
    DATE = "date"
    CHECKBOX = "checkbox"
    SIGNATURE = "signature"
    IGNORE = "ignore"


# -- what each column type is, in one table: add a type here (and its interpreter in
# scanner.fields). A row says what a value may hold (the engines' alphabet), whether it is
# decided from ink rather than read, how the vote compares two readings, when the row's
# interpretation reaches it, and how the export's Table Schema describes it; the engines,
# the vote, the fields and the export read it instead of keeping lists of their own.

_UPPER_ACCENTS = "ÀÂÄÆÇÈÉÊËÎÏÔÖÙÛÜŸŒ"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" + _UPPER_ACCENTS + _UPPER_ACCENTS.lower()
DIGITS = "0123456789"


@dataclass(frozen=True)
class Kind:
    """One column type."""

    alphabet: str = ""  #: characters a reading may hold ("" : not read by the engines)
    spaces: bool = False  #: inner spaces are meaningful (else dropped)
    mark: bool = False  #: decided from ink (a tick, a signature): "true" or "false"
    digits: bool = False  #: the vote compares readings by their digits alone
    order: int = 1  #: interpretation order within a row, lower first
    #: its interpreter decodes against a list under the recogniser's output, so the engine
    #: keeps that output for the cell (scanner.ctc); no other type pays for it
    lattice: bool = False
    schema: dict[str, object] = field(default_factory=lambda: {"type": "string"})  #: Table Schema type/format

    @property
    def read(self) -> bool:
        """Whether the engines read this type (it has an alphabet)."""
        return bool(self.alphabet)


_BOOLEAN_SCHEMA: dict[str, object] = {"type": "boolean", "trueValues": ["true"], "falseValues": ["false"]}

#: ``date`` keeps its separators and ``phone`` its '+': the parsers downstream read them
#: ("1/3/85", "+33 6..."). The postcode comes first (the town is checked against it), the
#: e-mail after the names (checked against them), free text last (a town after its code).
KINDS: dict[ColumnType, Kind] = {
    ColumnType.NAME: Kind(LETTERS + "-' ", spaces=True, lattice=True),
    ColumnType.TEXT: Kind(LETTERS + DIGITS + "-' .,/", spaces=True, order=3),
    ColumnType.EMAIL: Kind(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" + DIGITS + "@._-+",
        order=2,
        schema={"type": "string", "format": "email"},
    ),
    ColumnType.POSTCODE: Kind(DIGITS, digits=True, order=0),
    ColumnType.PHONE: Kind(DIGITS + "+", digits=True),
    ColumnType.DATE: Kind(DIGITS + "/.-", digits=True),
    ColumnType.CHECKBOX: Kind(mark=True, schema=_BOOLEAN_SCHEMA),
    ColumnType.SIGNATURE: Kind(mark=True, schema=_BOOLEAN_SCHEMA),
    ColumnType.IGNORE: Kind(),
}

#: Column types decided from ink (a tick, a signature): their values are "true" or "false".
MARK_TYPES = tuple(t for t, k in KINDS.items() if k.mark)
#: What a person or a spreadsheet writes for yes in such a column (any case): the one
#: reading of it, for the review page and the export alike.
TRUE_WORDS = frozenset({"true", "1", "yes", "oui", "x", "y", "on"})


def is_true(text: str) -> bool:
    """Whether a mark column's value says yes (see :data:`TRUE_WORDS`)."""
    return text.strip().lower() in TRUE_WORDS


class Column(BaseModel):
    """One printed column of the table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: ColumnType
    label: str = ""
    #: Relative printed width; the printer shares the table width by these.
    width: float = Field(default=1.0, gt=0, le=20)
    #: ``name`` columns: ``first`` checks values against the first-name list.
    role: Literal["last", "first", "other"] = "other"

    @property
    def is_text(self) -> bool:
        return self.type not in (*MARK_TYPES, ColumnType.IGNORE)


class Form(BaseModel):
    """A petition form, as loaded from ``forms/<name>.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)
    version: int = Field(default=1, ge=1)
    title: str = ""
    text: str = ""
    #: Data-protection notice printed under the table.
    notice: str = ""
    rows_per_page: int | None = Field(default=None, ge=1, le=40)
    orientation: Literal["portrait", "landscape"] = "landscape"
    columns: list[Column] = Field(min_length=1, max_length=MAX_COLUMNS)

    @field_validator("columns")
    @classmethod
    def _unique_names(cls, columns: list[Column]) -> list[Column]:
        seen: set[str] = set()
        for col in columns:
            if col.name in seen:
                raise ValueError(f"column name '{col.name}' is used twice")
            if col.name in ("source", "page", "row", "confidence", "flags", "duplicate_of"):
                raise ValueError(f"column name '{col.name}' is reserved for the CSV")
            seen.add(col.name)
        return columns

    @model_validator(mode="after")
    def _at_most_one_signature(self) -> Form:
        if sum(c.type == ColumnType.SIGNATURE for c in self.columns) > 1:
            raise ValueError("at most one column may have type 'signature'")
        return self

    @property
    def output_columns(self) -> list[Column]:
        """The columns that appear in the CSVs (every one except ``ignore``)."""
        return [c for c in self.columns if c.type != ColumnType.IGNORE]

    @property
    def signature_column(self) -> Column | None:
        return next((c for c in self.columns if c.type == ColumnType.SIGNATURE), None)

    def fingerprint(self) -> str:
        """Short hash of everything that changes the printed geometry.

        It goes into the QR code so a sheet printed from an older version of the
        form is not read against a newer layout.
        """
        geo = {
            "o": self.orientation,
            "r": self.rows_per_page,
            "c": [(c.name, c.type.value, c.width) for c in self.columns],
            "t": self.title,
            "x": self.text,
        }
        return hashlib.sha256(json.dumps(geo, sort_keys=True).encode()).hexdigest()[:8]


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _explain(err: ValidationError) -> list[str]:
    lines = []
    for e in err.errors():
        path = _loc(tuple(e["loc"]))
        if e["type"] == "extra_forbidden":
            lines.append(f"{path}: unknown key")
        elif e["type"] == "enum":
            allowed = ", ".join(t.value for t in ColumnType)
            lines.append(f"{path}: unknown type {e['input']!r} (allowed: {allowed})")
        else:
            lines.append(f"{path}: {e['msg']}")
    return lines


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases: a few aliases nest into billions of nodes to check."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (&name, *name) are not allowed in a form file", event.start_mark
            )
        return super().compose_node(parent, index)


def parse_form(data: object, origin: str) -> Form:
    """Validate already-parsed YAML data; raise FormError listing every problem."""
    if not isinstance(data, dict):
        raise FormError(f"{origin}: a form file must be a YAML mapping (name:, columns:, ...)")
    columns = data.get("columns")
    if isinstance(columns, list) and len(columns) > MAX_COLUMNS:
        # before validation, whose cost grows with every column
        raise FormError(f"{origin}: {len(columns)} columns, more than the {MAX_COLUMNS} a form may have", _LIMIT_HINT)
    try:
        return Form.model_validate(data)
    except ValidationError as err:
        problems = _explain(err)
        msg = f"{origin}: {len(problems)} problem(s) in the form file:\n" + "\n".join(
            f"  - {p}" for p in problems
        )
        raise FormError(msg) from None


def load_form_file(path: Path) -> Form:
    """Read, bound and validate one form file; FormError names the file and what is wrong."""
    try:
        with path.open("rb") as fh:
            raw_bytes = fh.read(MAX_FORM_BYTES + 1)  # never more, whatever stat says (pipes, growing files)
    except OSError as exc:
        raise FormError(f"{path}: cannot read the form file ({exc.strerror})") from None
    if len(raw_bytes) > MAX_FORM_BYTES:
        limit = f"{MAX_FORM_BYTES // 1024} KB"
        raise FormError(f"{path}: form file larger than {limit}, the most a form may be", _LIMIT_HINT)
    try:
        raw = raw_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormError(f"{path}: not UTF-8 text (byte {exc.start})", _LIMIT_HINT) from None
    try:
        data = yaml.load(raw, Loader=_NoAliasLoader)  # a SafeLoader: no Python objects
    except yaml.YAMLError as exc:
        raise FormError(f"{path}: not valid YAML: {exc}") from None
    return parse_form(data, str(path))


def resolve_form(spec: str, forms_dir: Path = FORMS_DIR) -> Form:
    """A form by name (from ``forms/``) or by path to a YAML file."""
    path = Path(spec)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return load_form_file(path)
    candidate = forms_dir / f"{spec}.yaml"
    if candidate.exists():
        return load_form_file(candidate)
    known = ", ".join(sorted(p.stem for p in forms_dir.glob("*.yaml"))) or "none"
    raise FormError(f"unknown form '{spec}' (forms shipped: {known})", "Give a form name or a path to a YAML file.")


class FormRegistry:
    """Forms the tool can recognise on a page: shipped forms plus ``--form``.

    Picklable, so it crosses process boundaries with the page jobs.
    """

    def __init__(self, forms: list[Form], default: Form | None = None) -> None:
        self.by_name = {f.name: f for f in forms}
        self.default = default
        if default is not None:
            self.by_name[default.name] = default

    @classmethod
    def load(cls, default_spec: str | None = None, forms_dir: Path = FORMS_DIR) -> FormRegistry:
        forms = [load_form_file(p) for p in sorted(forms_dir.glob("*.yaml"))]
        default = resolve_form(default_spec, forms_dir) if default_spec else None
        return cls(forms, default)

    def get(self, name: str) -> Form | None:
        return self.by_name.get(name)
