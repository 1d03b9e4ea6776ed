"""Page results as the page job produces them, for the store/dedupe/export tests.

The values are what a reading would give; building them directly keeps these
tests about storage, duplicates and files (the readers have their own tests).
"""

from __future__ import annotations

import hashlib

from scanner.forms import Form, resolve_form
from scanner.model import FieldResult, PageRef, PageResult, RowResult, SheetId
from scanner.store import Store

FORM: Form = resolve_form("surveillance-fr")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40  # stands for a crop: the store treats it as opaque bytes


def person(
    nom: str = "",
    prenom: str = "",
    email: str = "",
    code_postal: str = "",
    ville: str = "",
    signature: str = "true",
    infos: str = "false",
) -> dict[str, str]:
    return {
        "nom": nom,
        "prenom": prenom,
        "email": email,
        "code_postal": code_postal,
        "ville": ville,
        "signature": signature,
        "infos": infos,
    }


def row(
    number: int,
    values: dict[str, str],
    *,
    flags: tuple[str, ...] = (),
    confidence: float = 0.97,
    field_flags: dict[str, list[str]] | None = None,
) -> RowResult:
    field_flags = field_flags or {}
    fields = {
        col: FieldResult(
            column=col,
            value=value,
            raw=value,
            confidence=confidence,
            flags=list(field_flags.get(col, [])),
            crop_png=PNG,
        )
        for col, value in values.items()
    }
    return RowResult(row=number, fields=fields, confidence=confidence, flags=list(flags), line_png=PNG * 2)


def page(
    source: str,
    number: int,
    rows: list[RowResult],
    *,
    sha: str | None = None,
    serial: str | None = None,
    error: str | None = None,
    form: str = "surveillance-fr",
) -> PageResult:
    digest = sha if sha is not None else hashlib.sha256(f"{source}#{number}".encode()).hexdigest()
    sheet = SheetId(form=form, fingerprint="f", campaign="test", serial=serial) if serial else None
    return PageResult(
        ref=PageRef(source=source, path=f"/scans/{source}", page=number),
        sha256=digest,
        form_name=None if error else form,
        sheet=sheet,
        rows=[] if error else rows,
        error=error,
        method="markers",
    )


def flags_by_ref(store: Store) -> dict[str, tuple[str | None, str]]:
    """Each stored row's duplicate flag and what it points to, by ``source:page:row``."""
    return {r.ref(): (r.dup_flag, r.duplicate_of) for r in store.iter_rows()}
