"""An existing list of signatories (``--against``), e.g. the online petition's export.

Its people are keyed by the same identity and blocking keys as the store's
rows, so the same duplicate rules apply to both (``scanner.dedupe``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from scanner.errors import UsageError
from scanner.fields.places import is_city_column
from scanner.forms import ColumnType, Form
from scanner.store import Identity
from scanner.store.identity import MAX_BLOCK, norm_email, norm_name, norm_postcode, norm_town

#: What a ``--map`` key may name besides a form column.
_KINDS = {
    "email": "email",
    "name": "name",
    "first_name": "name",
    "last_name": "name",
    "postcode": "postcode",
    "town": "town",
}
_TYPE_KIND = {ColumnType.EMAIL: "email", ColumnType.NAME: "name", ColumnType.POSTCODE: "postcode"}


@dataclass(frozen=True)
class ExternalPerson:
    identity: Identity
    ref: str  #: ``FILE.csv:1:<data line>``, the list's place in ``duplicate_of``


class AgainstList:
    """People already on a list, indexed by the same blocking keys as the store."""

    def __init__(self, name: str, people: list[ExternalPerson]) -> None:
        self.name = name
        self.people = people
        self._index: dict[str, list[int]] = {}
        for i, person in enumerate(people):
            for key in person.identity.blocking_keys():
                self._index.setdefault(key, []).append(i)

    def __len__(self) -> int:
        return len(self.people)

    def candidates(self, identity: Identity) -> list[ExternalPerson]:
        """People sharing a key with ``identity``, in the list's order."""
        found: set[int] = set()
        for key in identity.blocking_keys():
            hits = self._index.get(key, ())
            if len(hits) <= MAX_BLOCK:
                found.update(hits)
        return [self.people[i] for i in sorted(found)]


def parse_mapping(specs: str | Iterable[str]) -> dict[str, str]:
    """``"email=Email,nom=Last name"`` (or several such strings) -> {column: CSV header}."""
    items = [specs] if isinstance(specs, str) else list(specs)
    mapping: dict[str, str] = {}
    for spec in items:
        for part in spec.split(","):
            if not part.strip():
                continue
            key, sep, header = part.partition("=")
            if not sep or not key.strip() or not header.strip():
                raise UsageError(
                    f"--map: '{part.strip()}' is not COLUMN=CSV header",
                    "Example: --map email=Email,nom=Last name,prenom=First name,code_postal=Zip",
                )
            mapping[key.strip()] = header.strip()
    return mapping


def _kind_of(key: str, forms: Iterable[Form]) -> str:
    for form in forms:
        for column in form.columns:
            if column.name == key:
                if is_city_column(column):
                    return "town"
                if column.type not in _TYPE_KIND:
                    raise UsageError(
                        f"--map: column '{key}' is a {column.type.value} column; duplicates are found"
                        " by e-mail, name, postcode and town columns only"
                    )
                return _TYPE_KIND[column.type]
    if key in _KINDS:
        return _KINDS[key]
    raise UsageError(
        f"--map: '{key}' is neither a column of the form nor one of {', '.join(sorted(_KINDS))}",
        "Use the form's column names (e.g. email, nom, prenom, code_postal) on the left of '='.",
    )


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the list ({exc.strerror})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # spreadsheets on Windows


def load_against(path: Path, mapping: Mapping[str, str], forms: Iterable[Form] = ()) -> AgainstList:
    """Read an existing list of signatories (CSV, ``,`` ``;`` or tab separated).

    ``mapping`` maps a form column (or email/name/first_name/last_name/postcode)
    to the list's header. Rows of the list are numbered from 1, header excluded.
    """
    if not mapping:
        raise UsageError("--against needs --map to say which CSV columns hold the e-mail, names and postcode")
    forms = list(forms)
    kinds = {key: _kind_of(key, forms) for key in mapping}
    text = _read_text(path)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(text.splitlines(), dialect=dialect)
    headers = reader.fieldnames or []
    missing = [h for h in mapping.values() if h not in headers]
    if missing:
        raise UsageError(
            f"{path}: no column {', '.join(repr(h) for h in missing)} in the list",
            f"Its columns are: {', '.join(headers) or '(none)'}",
        )
    people: list[ExternalPerson] = []
    for line, record in enumerate(reader, start=1):
        parts: dict[str, list[str]] = {"email": [], "name": [], "postcode": [], "town": []}
        for key, header in mapping.items():
            parts[kinds[key]].append(record.get(header) or "")
        identity = Identity(
            email=next((e for e in map(norm_email, parts["email"]) if e), ""),
            name=norm_name(*parts["name"]),
            postcode=next((p for p in map(norm_postcode, parts["postcode"]) if p), ""),
            town=next((t for t in map(norm_town, parts["town"]) if t), ""),
        )
        if not identity.empty:
            people.append(ExternalPerson(identity, f"{path.name}:1:{line}"))
    return AgainstList(path.name, people)
