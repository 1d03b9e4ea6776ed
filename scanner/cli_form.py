"""``petition-scan form ...``: list, check and print petition forms."""

from __future__ import annotations

from pathlib import Path

import click

from scanner.forms import FORMS_DIR, load_form_file, resolve_form
from scanner.layout import sheet_layout
from scanner.printing import PrintOptions, print_sheets


@click.group("form")
def form_group() -> None:
    """List, check and print petition forms (YAML files in forms/ or any path)."""


@form_group.command("list")
def form_list() -> None:
    """List the forms shipped in forms/."""
    for path in sorted(FORMS_DIR.glob("*.yaml")):
        form = load_form_file(path)
        click.echo(f"{form.name:24} v{form.version}  {len(form.columns)} columns  {form.title}")


@form_group.command("check")
@click.argument("form")
def form_check(form: str) -> None:
    """Validate FORM (a name from forms/ or a YAML path) and describe its sheet.

    Every problem is listed with its key path; the exit status is 2 if any.
    """
    f = resolve_form(form)
    layout = sheet_layout(f)
    row_mm = layout.row_edges[1] - layout.row_edges[0]
    click.echo(f"{f.name} v{f.version}: OK ({f.orientation}, {layout.n_rows} rows of {row_mm:.1f} mm)")
    for c in f.columns:
        click.echo(f"  {c.name:16} {c.type.value:10} {c.label}")


@form_group.command("print")
@click.argument("form")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="PDF file to write.")
@click.option(
    "--copies", type=click.IntRange(1, 10000), default=1, show_default=True, help="Sheets, each with its own serial."
)
@click.option("--campaign", default="default", show_default=True, help="Campaign identifier written in the QR code.")
def form_print(form: str, out: Path, copies: int, campaign: str) -> None:
    """Print FORM as an A4 vector PDF, designed to be read back.

    Each sheet has corner markers, a QR code (form, version, campaign, a unique
    serial, so a sheet returned twice is counted once), rows tall enough for
    handwriting and light drop-out guides.
    """
    f = resolve_form(form)
    if "|" in campaign or not campaign.strip():
        raise click.BadParameter("must be non-empty and must not contain '|'", param_hint="--campaign")
    sheets = print_sheets(f, out, PrintOptions(copies=copies, campaign=campaign))
    click.echo(f"wrote {out}: {len(sheets)} sheet(s) of form {f.name}, serials {sheets[0].serial}..{sheets[-1].serial}")
