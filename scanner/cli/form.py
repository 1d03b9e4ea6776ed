"""``petition-scan form ...``: list, check and print petition forms."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scanner.errors import ExitCode, UsageError
from scanner.forms import FORMS_DIR, Form, FormRegistry, load_form_file, resolve_form
from scanner.layout import sheet_layout
from scanner.printing import PrintOptions, print_sheets

if TYPE_CHECKING:
    import numpy as np

    from scanner.cells import LineCells
    from scanner.debug import Seen
    from scanner.errors import PageError
    from scanner.model import PageImage, Registered, Table

log = logging.getLogger(__name__)


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
@click.option("--sample", "sample", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="SCAN",
              help="A scan of a sheet (PDF, JPEG, PNG or TIFF) to read with FORM, as 'process --form FORM' "
              "would: says what was found on it and writes a picture of it.")
@click.option("--page", type=click.IntRange(min=1), default=None, metavar="N",
              help="Page of SCAN to read (default: the first).")
@click.option("--debug-out", "debug_out", type=click.Path(dir_okay=False, path_type=Path), metavar="PATH",
              help="Picture (PNG) to write for --sample; default: SCAN's name followed by -check.png, "
              "in the current folder.")
def form_check(form: str, sample: Path | None, page: int | None, debug_out: Path | None) -> int:
    """Validate FORM (a name from forms/ or a YAML path) and describe its sheet.

    Every problem is listed with its key path. With --sample SCAN, one page of
    a scan is also read with FORM and the command says what it found: how the
    page was matched (corner markers or ruled table) and turned, the columns on
    the sheet and where each of FORM's columns was found, the number of lines,
    how many are written, empty or crossed out, and writes a picture of the
    page (--debug-out). When the page cannot be read with FORM it says why,
    and the picture shows the ruled lines and markers the tool saw.

    \b
    Exit status:
      0  FORM is valid (and the sample page was read with it)
      1  the sample page was not read with FORM: refused (the reason is
         printed), SCAN cannot be opened, or SCAN is a sheet petition-scan
         printed for another form
      2  FORM has problems, or bad usage (e.g. --page beyond the end of SCAN)
    """
    if sample is None and (page is not None or debug_out is not None):
        raise UsageError("--page and --debug-out go with --sample SCAN", "Add --sample with a scan of a sheet.")
    f = resolve_form(form)
    layout = sheet_layout(f)
    row_mm = layout.row_edges[1] - layout.row_edges[0]
    # a sheet other groups made is read whichever way it lies: orientation only prints the tool's own
    turn = f.orientation if "orientation" in f.model_fields_set else f"printed {f.orientation}, read either way"
    click.echo(f"{f.name} v{f.version}: OK ({turn}, {layout.n_rows} rows of {row_mm:.1f} mm when printed)")
    for c in f.columns:
        click.echo(f"  {c.name:16} {c.type.value:10} {c.label}")
    if sample is None:
        return int(ExitCode.OK)
    out = debug_out if debug_out is not None else Path(f"{sample.stem}-check.png")
    return int(_check_sample(form, f, sample, page or 1, out))


def _check_sample(spec: str, form: Form, sample: Path, page_no: int, out: Path) -> ExitCode:
    """Read one page of ``sample`` with ``form`` and say what was found (see ``form check --help``)."""
    from scanner.errors import PageError
    from scanner.ingest import SUPPORTED_SUFFIXES, InputFile, load_page, page_refs
    from scanner.model import PageRef
    from scanner.sheet import read_layout

    if sample.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UsageError(f"{sample}: not a scan petition-scan reads", "Give a PDF, JPEG, PNG or TIFF file.")
    source = InputFile(sample.resolve(), sample.name)
    where = f"{sample.name}, page {page_no}"
    click.echo("")
    pages = 0
    for item in page_refs(source):
        if isinstance(item, PageRef):
            pages = max(pages, item.page)
        elif item.page is None:  # the whole file
            return _refused(f"Sample {sample.name}: the file cannot be opened.", item.reason, item.hint)
        else:
            pages = max(pages, item.page)
    if page_no > pages:
        raise UsageError(f"--page {page_no}: {sample.name} has only {pages} page(s)")
    try:
        page = load_page(PageRef(source.source, str(source.path), page_no))
    except PageError as exc:
        return _refused(f"Sample {where}: the page cannot be opened.", exc.reason, exc.hint)
    registry = FormRegistry.load(spec)
    try:
        reg, table, lines = read_layout(page, registry)
    except PageError as exc:
        status = _refused(f"Sample {where}: NOT read with form {form.name}.", exc.reason, exc.hint)
        seen = _look(page)
        if seen is not None:
            click.echo(f"  found        {seen.summary(form)}")
        _picture(out, partial(_refused_png, page, exc, form, seen), "the page as scanned, with the ruled lines "
                 "(blue: horizontal, orange: vertical) and corner markers (magenta) found, and the reason")
        return status

    used = registry.get(reg.form_name) or form
    status = ExitCode.OK
    if used.name != form.name:
        click.echo(f"Sample {where}: read, but with form {used.name}, not {form.name}.")
        click.echo(f"  This is a sheet petition-scan printed for form '{used.name}' (its corner markers and QR code "
                   "say so): it is always read with that form, so it does not test this one.")
        status = ExitCode.PARTIAL
    else:
        click.echo(f"Sample {where}: read with form {form.name}.")
    _describe_read(reg, table, lines, used)
    _picture(out, partial(_read_png, reg, table, lines), "the table, its header (blue) and lines found: written "
             "(green), empty (grey), crossed out (red)")
    return status


def _describe_read(reg: Registered, table: Table, lines: list[LineCells], form: Form) -> None:
    from scanner.register.lines import find_rules_coarse

    k = reg.px_per_mm
    if reg.method == "markers":
        click.echo("  method       markers: a sheet printed by petition-scan, placed by its corner markers")
    else:
        click.echo("  method       table: no corner markers, the page was matched to the form by its ruled table")
    turned = [n for n in reg.notes if n.startswith("turned ")]
    others = [n for n in reg.notes if not n.startswith("turned ")]
    if reg.method == "markers":
        orientation = "set by the corner markers"
    elif turned:
        orientation = _explain_turn(turned[0])
    else:
        orientation = "upright as scanned"
    click.echo(f"  orientation  {orientation}")
    for note in others:
        click.echo(f"  note         {note}")

    if reg.method == "markers":
        click.echo(f"  columns      {len(form.columns)}, as printed (a printed sheet's table is not searched for)")
    else:
        rules = find_rules_coarse(reg.gray, k)  # as the table reader finds them
        on_sheet = len(rules.xs) - 1
        click.echo(f"  columns      {on_sheet} on the sheet, {len(form.columns)} in the form")
        if on_sheet > len(form.columns):
            click.echo("               (the extra lines were taken as split cells or stray lines: the form's "
                       "columns were chosen by their widths)")
    if table.rows:
        first = table.rows[0]
        x0, x1 = first[0].x0, first[-1].x1
        total = sum(c.width for c in form.columns)
        click.echo("               where each form column was found (mm from the left edge of the page):")
        for box, col in zip(first, form.columns, strict=True):
            share = (box.x1 - box.x0) / max(1e-9, x1 - x0)
            click.echo(f"                 {col.name:16} {box.x0 / k:6.1f} - {box.x1 / k:6.1f} mm  "
                       f"{(box.x1 - box.x0) / k:5.1f} mm wide, {share:4.0%} of the table "
                       f"(form: width {col.width:g}, {col.width / total:4.0%})")

    hint = form.rows_per_page
    found = f"  lines        {table.n_rows} found"
    if reg.method == "markers":
        click.echo(f"{found} (as printed)")
    elif hint is None:
        click.echo(f"{found} (the form gives no rows_per_page)")
    elif hint == table.n_rows:
        click.echo(f"{found}, as the form's rows_per_page says")
    else:
        click.echo(f"{found}, the form's rows_per_page says {hint}: it is only a hint, every line found is read")
    crossed = sum(ln.crossed_out for ln in lines)
    empty = sum(ln.empty and not ln.crossed_out for ln in lines)
    written = len(lines) - crossed - empty
    click.echo(f"  content      {written} written, {empty} empty, {crossed} crossed out")


_HOW = {
    "table": "the form's column widths fit only that way",
    "labels": "the form's column labels read that way up in the header",
    "osd": "the printed text reads that way up",
    "tie": "a guess: the form's column widths fit as well another way; check the picture",
}


def _explain_turn(note: str) -> str:
    """'turned 180 degrees clockwise (table)' with the reason in words."""
    text, _, how = note.partition(" (")
    how = how.rstrip(")")
    return f"{text}: {_HOW[how]}" if how in _HOW else note


def _refused(headline: str, reason: str, hint: str) -> ExitCode:
    click.echo(headline)
    click.echo(f"  reason       {reason}")
    if hint:
        click.echo(f"  hint         {hint}")
    return ExitCode.PARTIAL


def _read_png(reg: Registered, table: Table, lines: list[LineCells]) -> np.ndarray:
    from scanner.debug import render_debug

    return render_debug(reg, table, lines)


def _look(page: PageImage) -> Seen | None:
    """The lines and markers on a refused page; None (said at -v) if the look itself fails."""
    from scanner.debug import look_at

    try:
        return look_at(page)
    except Exception:  # an aid to the reason above, which stands without it
        log.info("could not look for the lines and markers of %s", page.ref, exc_info=True)
        return None


def _refused_png(page: PageImage, exc: PageError, form: Form, seen: Seen | None) -> np.ndarray:
    from scanner.debug import render_refused

    return render_refused(page, exc.reason, exc.hint, form, seen)


def _picture(out: Path, render: Callable[[], np.ndarray], what: str) -> None:
    """Write the picture to ``out``; a failure is said, never raised (the check's result stands)."""
    from scanner.debug import write_png

    try:
        write_png(render(), out)
    except Exception as exc:  # the picture is an aid: the result above stands without it
        log.debug("picture not written", exc_info=True)
        click.echo(f"  picture      not written ({type(exc).__name__}: {exc})", err=True)
        return
    click.echo(f"  picture      {out}: {what}")


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
