"""The CSV files: clean.csv / review.csv of a run, and the final export.

clean.csv and review.csv follow CONTRACT.md exactly: a row with no flag goes to
clean.csv, every other written line to review.csv, sorted by source, page, row.
They cover every page of the run's inputs, including pages reused from an
earlier run, so running the same files again writes the same files.

The final export (``petition-scan export``) is what the organisation keeps:
clean rows and rows a reviewer accepted, without duplicates, rejected or
forgotten rows, plus a Table Schema descriptor.

Every cell goes through :mod:`scanner.output.csvtext` (no spreadsheet formula runs);
the final export's shape (columns, rows, Table Schema fields) is a preset
object of :mod:`scanner.output.presets`.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from scanner.against import AgainstList
from scanner.dedupe import Verdict, compare, dedupe_rows
from scanner.forms import Column, Form, FormRegistry
from scanner.output.csvtext import cell, neutralise
from scanner.output.presets import FIXED_HEAD, PRESETS, ExportPreset
from scanner.store import Identity, RowStatus, Store, StoredRow
from scanner.store.schema import now

FIXED_TAIL = ("confidence", "flags", "duplicate_of")
FormsArg = Mapping[str, Form] | FormRegistry | None


@contextmanager
def atomic_writer(path: Path, *, bom: bool = False) -> Iterator[IO[str]]:
    """Write to a temporary file, then rename: a killed run never leaves half a CSV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
            yield handle
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)  # no half file left on a full disk
        if exc.filename is None:  # a write or flush says no file: name the one being written
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise


class _Forms:
    """Form definitions by name: the caller's, else the ones kept in the store."""

    def __init__(self, store: Store, forms: FormsArg) -> None:
        self.store = store
        self.given: Mapping[str, Form] = (
            forms.by_name if isinstance(forms, FormRegistry) else forms if forms is not None else {}
        )

    def get(self, name: str | None) -> Form | None:
        if name is None:
            return None
        return self.given.get(name) or self.store.form(name)


def union_columns(forms: Iterable[Form]) -> list[Column]:
    """Output columns of several forms, in order of first appearance (``ignore`` excluded)."""
    seen: dict[str, Column] = {}
    for form in forms:
        for column in form.output_columns:
            seen.setdefault(column.name, column)
    return list(seen.values())


def _page_forms(store: Store, page_ids: list[int] | None, forms: _Forms) -> list[Form]:
    sql = "SELECT form FROM pages WHERE status = 'ok' AND form IS NOT NULL"
    params: tuple[object, ...] = ()
    if page_ids is not None:
        sql += " AND id IN (SELECT value FROM json_each(?))"
        params = (json.dumps(page_ids),)
    names = [str(n) for (n,) in store.execute(sql + " ORDER BY source, page, id", params)]
    out: dict[str, Form] = {}
    for name in names:
        form = forms.get(name)
        if form is not None and name not in out:
            out[name] = form
    return list(out.values())


def _values(row: StoredRow, columns: list[Column], forms: _Forms) -> list[str]:
    form = forms.get(row.form)
    own = {c.name: c for c in form.output_columns} if form else {}
    out = []
    for column in columns:
        field = row.fields.get(column.name)
        if column.name not in own or field is None:
            out.append("")
        else:
            out.append(cell(own[column.name], field.value))
    return out


@dataclass(frozen=True)
class CsvCounts:
    clean: int
    review: int
    clean_path: Path
    review_path: Path


def _page_ids(store: Store, run: int | Iterable[int] | Iterable[tuple[str, int]]) -> list[int]:
    if isinstance(run, int):
        return store.run_page_ids(run)
    ids: set[int] = set()
    for item in run:
        if isinstance(item, tuple):  # (source, page): the latest stored reading of it
            found = store.execute(
                "SELECT MAX(id) FROM pages WHERE source = ? AND page = ?", (item[0], item[1])
            ).fetchone()[0]
            if found is not None:
                ids.add(int(found))
        else:
            ids.add(int(item))
    return sorted(ids)


def write_run_csvs(
    store: Store, run: int | Iterable[int] | Iterable[tuple[str, int]], forms: FormsArg, out_dir: Path
) -> CsvCounts:
    """Write ``out_dir/clean.csv`` and ``out_dir/review.csv`` for a run.

    ``run`` is a run id (every page of its inputs, see Store.reuse_page), or
    page ids, or (source, page) pairs (the latest stored reading of each).
    ``forms`` may be None: the store keeps the definitions of the forms it has seen.
    """
    page_ids = _page_ids(store, run)
    known = _Forms(store, forms)
    columns = union_columns(_page_forms(store, page_ids, known))
    header = [*FIXED_HEAD, *(c.name for c in columns), *FIXED_TAIL]
    counts = {"clean": 0, "review": 0}
    paths = {name: out_dir / f"{name}.csv" for name in counts}
    with atomic_writer(paths["clean"]) as clean_file, atomic_writer(paths["review"]) as review_file:
        writers = {"clean": csv.writer(clean_file), "review": csv.writer(review_file)}
        for writer in writers.values():
            writer.writerow(header)
        for row in store.iter_rows(page_ids):
            flags = row.all_flags
            target = "review" if flags else "clean"
            writers[target].writerow(
                [
                    neutralise(row.source),
                    row.page,
                    row.row,
                    *_values(row, columns, known),
                    f"{row.confidence:.3f}",
                    ";".join(flags),
                    neutralise(row.duplicate_of),
                ]
            )
            counts[target] += 1
    return CsvCounts(counts["clean"], counts["review"], paths["clean"], paths["review"])


# -- the final export --------------------------------------------------------


@dataclass(frozen=True)
class ExportOptions:
    out: Path
    bom: bool = False
    delimiter: str = ","
    preset: ExportPreset = PRESETS["default"]  #: the shape of the file (scanner.output.presets)
    #: people already on this list are left out (sure matches) or counted (possible ones)
    against: AgainstList | None = None
    #: record the export time on each row (``purge`` then frees their images)
    mark_exported: bool = True


@dataclass(frozen=True)
class ExportSummary:
    exported: int
    waiting_review: int
    rejected: int
    duplicates: int
    forgotten: int
    on_list: int  #: left out: surely on the --against list
    maybe_on_list: int  #: kept: possibly on the --against list (a person may check)
    csv_path: Path
    descriptor_path: Path


def _exportable(store: Store) -> Iterator[tuple[StoredRow, str]]:
    """(row, why) for every stored row; why is '' when the row is exported."""
    for row in store.iter_rows(include_forgotten=True):
        if row.status is RowStatus.FORGOTTEN:
            yield row, "forgotten"
        elif row.status is RowStatus.REJECTED:
            yield row, "rejected"
        elif row.dup_flag == "duplicate":
            yield row, "duplicate"
        elif row.status is RowStatus.REVIEW:
            yield row, "review"
        else:
            yield row, ""


def _on_list(store: Store, row: StoredRow, against: AgainstList) -> Verdict:
    identity_row = store.execute(
        "SELECT id_email, id_name, id_postcode, id_town FROM rows WHERE id = ?", (row.id,)
    ).fetchone()
    identity = Identity(*identity_row)
    verdicts = [compare(identity, p.identity) for p in against.candidates(identity)]
    return max(verdicts, default=Verdict.NONE)


def export_final(store: Store, options: ExportOptions, forms: FormsArg = None) -> ExportSummary:
    """Write the final list and its ``.datapackage.json`` descriptor.

    Rows of interrupted runs (never searched for duplicates) are searched first.
    """
    unordered = [
        int(r)
        for (r,) in store.execute("SELECT r.id FROM rows r JOIN pages p ON p.id = r.page_id WHERE p.batch IS NULL")
    ]
    if unordered:
        dedupe_rows(store, unordered)
    known = _Forms(store, forms)
    columns = union_columns(_page_forms(store, None, known))
    header = options.preset.header(columns)
    tally = {"": 0, "review": 0, "rejected": 0, "duplicate": 0, "forgotten": 0, "on_list": 0, "maybe": 0}
    exported_ids: list[int] = []
    with atomic_writer(options.out, bom=options.bom) as handle:
        writer = csv.writer(handle, delimiter=options.delimiter)
        writer.writerow(header)
        for row, why in _exportable(store):
            if not why and options.against is not None:
                verdict = _on_list(store, row, options.against)
                why = "on_list" if verdict is Verdict.SURE else ""
                tally["maybe"] += verdict is Verdict.POSSIBLE
            tally[why] += 1
            if why:
                continue
            writer.writerow(options.preset.row(row, known.get(row.form), _values(row, columns, known)))
            exported_ids.append(row.id)
    if options.mark_exported and exported_ids:
        with store.transaction():
            store.conn.execute(
                "UPDATE rows SET exported_at = ? WHERE id IN (SELECT value FROM json_each(?))",
                (now(), json.dumps(exported_ids)),
            )
    descriptor = options.out.with_name(f"{options.out.stem}.datapackage.json")
    _write_descriptor(descriptor, options, header, columns)
    return ExportSummary(
        exported=tally[""],
        waiting_review=tally["review"],
        rejected=tally["rejected"],
        duplicates=tally["duplicate"],
        forgotten=tally["forgotten"],
        on_list=tally["on_list"],
        maybe_on_list=tally["maybe"],
        csv_path=options.out,
        descriptor_path=descriptor,
    )


def _write_descriptor(path: Path, options: ExportOptions, header: list[str], columns: list[Column]) -> None:
    """Frictionless Table Schema / data package describing the CSV."""
    fields = options.preset.schema_fields(header, columns)
    resource_name = re.sub(r"[^a-z0-9._-]+", "-", options.out.stem.lower()).strip("-") or "export"
    package = {
        "profile": "tabular-data-package",
        "name": resource_name,
        "created": now(),
        "description": "Petition signatures exported by petition-scan. Cells a spreadsheet would run as a"
        " formula start with a ' added on export.",
        "resources": [
            {
                "name": resource_name,
                "path": options.out.name,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig" if options.bom else "utf-8",
                "dialect": {"delimiter": options.delimiter, "header": True, "doubleQuote": True, "quoteChar": '"'},
                "schema": {"fields": fields, "missingValues": [""]},
            }
        ],
    }
    with atomic_writer(path) as handle:
        json.dump(package, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
