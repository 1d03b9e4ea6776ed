"""``petition-scan process`` and ``petition-scan eval``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scanner.ocr.registry import DEFAULT_ENGINES, ENGINE_NAMES
from scanner.safetext import shown

if TYPE_CHECKING:
    from scanner.run.process import ProcessOptions, RunSummary


def _parse_map(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for v in values:
        for item in v.split(","):
            if not item.strip():
                continue
            if "=" not in item:
                raise click.BadParameter(f"'{item}' is not COLUMN=HEADER", param_hint="--map")
            k, h = item.split("=", 1)
            pairs.append((k.strip(), h.strip()))
    return tuple(pairs)


@click.command("process")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for clean.csv, review.csv, report.md/html and (by default) the store.")
@click.option("--form", help="Form name from forms/ or a form YAML path; needed only for sheets "
              "petition-scan did not print (printed sheets name their form in the QR code).")
@click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Batch store (SQLite) to use; default OUT/petition.sqlite. Reuse one store across batches "
              "to find duplicates across them.")
@click.option("--workers", type=click.IntRange(0, 512), default=0, show_default=True,
              help="Worker processes; 0 = every core, as many as the memory holds (about 450 MB each).")
@click.option("--dask-scheduler", metavar="ADDRESS", help="Run the page jobs on an existing Dask cluster "
              "(e.g. tcp://10.0.0.5:8786); the input files must be readable at the same paths on the workers.")
@click.option("--debug", "debug_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write, per page, a PNG with the table, rows and cells the tool found; a page it "
              "could not read gets NAME-pNNN-refused.png: the lines and markers found, and why.")
@click.option("--engines", default=",".join(DEFAULT_ENGINES), show_default=True,
              help=f"Recognition engines, comma-separated ({', '.join(ENGINE_NAMES)}).")
@click.option("--against", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="An existing list (CSV, e.g. the online petition's export) to find duplicates against.")
@click.option("--map", "maps", multiple=True, metavar="COL=HEADER,...",
              help="Column mapping for --against: form column = header in that CSV (e.g. email=Email).")
@click.option("--no-images", is_flag=True, help="Keep no cell images in the store (the review page then "
              "shows values only).")
@click.option("--thresholds", "thresholds_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Confidence thresholds (JSON) to use instead of the calibrated defaults.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
def process_cmd(inputs: tuple[Path, ...], out_dir: Path, form: str | None,
                store_path: Path | None, workers: int, dask_scheduler: str | None, debug_dir: Path | None,
                engines: str, against: Path | None, maps: tuple[str, ...], no_images: bool,
                thresholds_path: Path | None, quiet: bool) -> int:
    """Read scanned petition sheets (INPUT: PDF, JPEG, PNG, TIFF files or folders).

    Writes OUT/clean.csv (rows the tool is sure of), OUT/review.csv (rows a person
    must check, with the reasons in 'flags'), OUT/report.md and OUT/report.html.
    Exit status: 0 all pages read, 1 some pages could not be read (the report
    says which and why), 2 bad usage or a bad form file.
    """
    if dask_scheduler is None and workers != 1:
        from scanner.run.machine import cores
        from scanner.run.workerstart import start_workers_early

        if workers > 1 or cores() > 1:
            start_workers_early()  # before the imports below: the workers' own overlap them
    from scanner.run.process import ProcessOptions

    names = tuple(e.strip() for e in engines.split(",") if e.strip())
    bad = [n for n in names if n not in ENGINE_NAMES]
    if bad or not names:
        raise click.BadParameter(f"unknown engine(s) {', '.join(bad) or '(none)'}", param_hint="--engines")
    opts = ProcessOptions(
        inputs=inputs, out_dir=out_dir, form=form, store_path=store_path, workers=workers,
        dask_scheduler=dask_scheduler, debug_dir=debug_dir, engines=names, against=against,
        against_map=_parse_map(maps), keep_images=not no_images, quiet=quiet, thresholds_path=thresholds_path,
    )
    summary = _run(opts)
    click.echo(
        f"{summary.files} file(s), {summary.pages} page(s): {summary.rows} row(s), "
        f"{summary.clean} clean, {summary.review} to review"
        + (f"; {summary.pages_skipped} page(s) already in the store" if summary.pages_skipped else "")
    )
    for f in summary.failures:
        where = f"{f.source}" if f.page is None else f"{f.source}, page {f.page}"
        picture = None
        if debug_dir is not None and f.page:
            from scanner.debug import find_debug_png

            picture = find_debug_png(debug_dir, f.source, f.page)
        line = f"unreadable: {where}: {f.reason}" + (f" (picture: {picture})" if picture else "")
        click.echo(shown(line), err=True)  # a newline or ESC in a name cannot forge a line
    for s in summary.skipped:
        click.echo(shown(f"skipped: {s.source}: {s.reason}"), err=True)
    click.echo(f"wrote {out_dir / 'clean.csv'}, {out_dir / 'review.csv'}, {out_dir / 'report.md'}")
    return int(summary.exit_code)


def _run(opts: ProcessOptions) -> RunSummary:
    """run_process, with a folder or disk that cannot be written named with its cause (exit 2)."""
    import sqlite3

    from scanner.diskerrors import OutputError, output_error
    from scanner.run.process import run_process

    store_path = opts.store
    try:
        return run_process(opts)
    except (OSError, sqlite3.Error) as exc:
        err = output_error(exc, store_path, opts.out_dir)
        if err is None:
            raise
        kept = store_path.exists() and err.cause != "disk full"  # the disk-full hint says it already
        extra = " Pages already read are kept in the store and are not read again." if kept else ""
        raise OutputError(err.path, err.cause, err.hint + extra) from exc


@click.command("eval")
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--truth", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="truth.json written by the sample generator.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
def eval_cmd(out_dir: Path, truth: Path, as_json: bool) -> None:
    """Compare OUT_DIR/clean.csv and review.csv with a generated set's truth.

    Prints row recall, phantom rows, per-column exact match and character error
    rate, checkbox and signature accuracy, auto rate, silent error rate and
    duplicate precision/recall.
    """
    from scanner.evaluate import evaluate, format_metrics

    metrics = evaluate(out_dir, truth)
    click.echo(json.dumps(metrics.as_dict(), indent=2) if as_json else format_metrics(metrics))
