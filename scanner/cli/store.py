"""``petition-scan export``, ``forget`` and ``purge``: commands on the batch store.

Attached to the main group by pipeline.py. Errors are raised as
scanner.errors subclasses; the top-level handler prints them (no traceback).
"""

from __future__ import annotations

from pathlib import Path

import click

from scanner.against import load_against, parse_mapping
from scanner.dedupe import open_store
from scanner.errors import UsageError
from scanner.output.export import ExportOptions, export_final
from scanner.output.presets import PRESETS
from scanner.person import Candidate
from scanner.privacy import ForgetRequest, find, forget, purge_images
from scanner.store import DEFAULT_STORE_NAME

_STORE_HELP = (
    f"Batch store written by 'process': a .sqlite file, or the folder holding {DEFAULT_STORE_NAME}"
    " (the --out folder of 'process')."
)


def _store_option(fn: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--store",
        "store_path",
        type=click.Path(path_type=Path),
        default=Path("out"),
        show_default=True,
        help=_STORE_HELP,
    )(fn)


@click.command("export")
@_store_option
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="CSV file to write.")
@click.option("--bom", is_flag=True, help="Begin the file with a UTF-8 byte-order mark, so Excel shows accents right.")
@click.option(
    "--delimiter",
    type=click.Choice([",", ";", "tab"]),
    default=",",
    show_default=True,
    help="Cell separator; ';' for French spreadsheets.",
)
@click.option(
    "--preset",
    type=click.Choice(list(PRESETS)),
    default="default",
    show_default=True,
    help="Column layout: 'default' (source, page, row, then the form's columns) or 'civicrm' (first_name,"
    " last_name, email, postal_code, city, is_opt_out, group, source) for a CiviCRM contact import.",
)
@click.option(
    "--against",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Leave out people already on this list (CSV, e.g. the online petition's export).",
)
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="COL=HEADER,...",
    help="Column mapping for --against: form column = header in that CSV (e.g. email=Email,nom=Last name).",
)
def export_cmd(
    store_path: Path, out: Path, bom: bool, delimiter: str, preset: str, against: Path | None, maps: tuple[str, ...]
) -> None:
    """Write the final list of signatures: clean rows and rows accepted in review.

    Left out: rows still waiting for a review, rejected rows, duplicates
    (the first occurrence is kept), people who asked to be forgotten, and, with
    --against, people already on that list. Rows are in a stable order (file,
    page, row). The file is UTF-8; a cell a spreadsheet would run as a formula
    (starting with = + - @) gets a leading ' (phone numbers such as +33 6 ...
    are left as they are). A Table Schema descriptor, OUT.datapackage.json,
    describes the columns.
    """
    if maps and against is None:
        raise UsageError("--map is only used with --against")
    with open_store(store_path, create=False) as store:
        listed = load_against(against, parse_mapping(maps), store.known_forms()) if against else None
        options = ExportOptions(
            out=out,
            bom=bom,
            delimiter="\t" if delimiter == "tab" else delimiter,
            preset=PRESETS[preset],
            against=listed,
        )
        summary = export_final(store, options)
    click.echo(f"wrote {summary.csv_path}: {summary.exported} signature(s)")
    click.echo(f"wrote {summary.descriptor_path}")
    left_out = [
        (summary.waiting_review, "waiting for a review (petition-scan review)"),
        (summary.rejected, "rejected in review"),
        (summary.duplicates, "duplicates"),
        (summary.forgotten, "forgotten on request"),
        (summary.on_list, f"already on {against.name if against else 'the list'}"),
    ]
    for count, why in left_out:
        if count:
            click.echo(f"  left out: {count} {why}")
    if summary.maybe_on_list:
        click.echo(f"  kept: {summary.maybe_on_list} that may already be on the list (names or e-mails differ)")


@click.command("forget")
@_store_option
@click.option("--email", help="The person's e-mail address.")
@click.option("--name", help='The person\'s name as written, e.g. "DUPONT Jean" (word order does not matter).')
@click.option("--postcode", help="The person's postcode; required with --name.")
@click.option("--dry-run", is_flag=True, help="Only list the rows that would be removed; change nothing.")
@click.option("--yes", is_flag=True, help="Do not ask: remove the rows that are surely the person.")
@click.option(
    "--include-possible", is_flag=True, help="With --yes, also remove the rows that may be the person."
)
def forget_cmd(
    store_path: Path,
    email: str | None,
    name: str | None,
    postcode: str | None,
    dry_run: bool,
    yes: bool,
    include_possible: bool,
) -> None:
    """Remove a person from the store and from every later export.

    Finds every row of the person: the e-mail or name + postcode given, and the
    person's other lines as the duplicate search finds them (an e-mail read a
    letter off, a postcode misread, the same line scanned twice, a crossed-out
    line), and lists them. Rows that only may be the person (a similar name at
    the same postcode...) are listed apart and kept unless you say so. Their
    values, cell and line images and review history are deleted for good; only
    salted hashes are kept (the secret key is in a separate file, see README),
    so that reading the same sheets again does not bring them back. Files
    written earlier (clean.csv, review.csv, earlier exports) are not touched:
    delete or rewrite them.
    """
    request = ForgetRequest(email=email, name=name, postcode=postcode)
    with open_store(store_path, create=False) as store:
        found = find(store, request)
        _list_rows("row(s) of this person, to remove", found.sure)
        _list_rows("row(s) that may be the same person, kept unless you say so", found.possible)
        if not found.sure and not found.possible:
            click.echo("no stored row matches")
        if dry_run:
            click.echo("dry run: nothing changed")
            return
        chosen = list(found.sure)
        if yes:
            chosen += found.possible if include_possible else []
        else:
            chosen += [c for c in found.possible if click.confirm(f"also remove {c.ref} ({c.shown})?", default=False)]
            who = " ".join(x for x in (email, name, postcode) if x)
            click.confirm(
                f"Permanently remove {len(chosen)} row(s) of {who} from {store.path}"
                " and keep them out of later readings?",
                abort=True,
            )
        result = forget(store, request, rows=[c.row_id for c in chosen])
    if result.rows:
        click.echo(f"removed {result.rows} row(s); the person will be left out of every later reading and export")
    else:
        click.echo("no row removed; the person will still be left out of every later reading and export")
    kept = len(found.possible) - (len(chosen) - len(found.sure))
    if kept:
        click.echo(f"kept {kept} row(s) that may be the same person: run forget again to remove them if they are")
    if result.rechecked:
        click.echo(f"re-checked {result.rechecked} row(s) that pointed to a removed row as a duplicate")
    click.echo("files written before (clean.csv, review.csv, exports) still contain them: delete or re-export them")


def _list_rows(title: str, rows: list[Candidate]) -> None:
    if not rows:
        return
    click.echo(f"{len(rows)} {title}:")
    for c in rows:
        flags = f" [{', '.join(c.flags)}]" if c.flags else ""
        click.echo(f"  {c.ref}{flags}  {c.shown}  ({c.why})")


@click.command("purge")
@_store_option
@click.option("--dry-run", is_flag=True, help="Only say what would be deleted.")
def purge_cmd(store_path: Path, dry_run: bool) -> None:
    """Delete stored cell and line images that are no longer needed.

    Only pages whose rows are all exported (petition-scan export) or decided in
    review (accepted, rejected, forgotten) lose their images; rows still
    waiting for a person keep theirs. Values stay. The store file then shrinks.
    """
    with open_store(store_path, create=False) as store:
        result = purge_images(store, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    click.echo(f"{verb} {result.images} image(s) ({result.bytes / 1e6:.1f} MB) of {result.pages} page(s)")
