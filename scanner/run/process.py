"""The main job: read every page of the inputs into the store, then export.

Pages are enumerated up front as small references, read by an executor (this
process, a local pool or Dask) and written to the store by this process alone,
one page per transaction: a run killed at any moment resumes where it stopped,
and a page already in the store is not read again.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.dedupe import settle_duplicates
from scanner.errors import ExitCode, UsageError
from scanner.forms import Form, FormRegistry
from scanner.inputs import Skipped
from scanner.model import PageFailure, PageRef
from scanner.ocr.registry import DEFAULT_ENGINES
from scanner.run.executors import make_executor
from scanner.run.machine import default_workers
from scanner.run.pagejob import JobSettings
from scanner.run.progress import Progress
from scanner.run.schedule import order_for_pool

if TYPE_CHECKING:
    from scanner.against import AgainstList
    from scanner.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProcessOptions:
    inputs: tuple[Path, ...]
    out_dir: Path
    form: str | None = None
    store_path: Path | None = None
    workers: int = 0  #: 0 = every core
    dask_scheduler: str | None = None
    debug_dir: Path | None = None
    engines: tuple[str, ...] = DEFAULT_ENGINES
    against: Path | None = None
    against_map: tuple[tuple[str, str], ...] = ()
    keep_images: bool = True
    quiet: bool = False
    thresholds_path: Path | None = None

    @property
    def store(self) -> Path:
        """The batch store the run writes: ``--store``, else the one in the output folder."""
        from scanner.store.base import DEFAULT_STORE_NAME

        return self.store_path or self.out_dir / DEFAULT_STORE_NAME


@dataclass
class RunSummary:
    run_id: int
    files: int = 0
    pages: int = 0
    pages_read: int = 0
    pages_skipped: int = 0  #: already in the store from an earlier run
    failures: list[PageFailure] = field(default_factory=list)
    #: files found in the input folders and not read that do not count as failures (notes.txt)
    skipped: list[Skipped] = field(default_factory=list)
    rows: int = 0
    clean: int = 0
    review: int = 0
    out_dir: Path = Path(".")

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.PARTIAL if self.failures else ExitCode.OK


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("petition-scan")
    except PackageNotFoundError:  # running from a checkout that was not installed
        return "unknown"


def run_process(opts: ProcessOptions) -> RunSummary:
    """Read the inputs into the store and write clean.csv, review.csv and the report."""
    from scanner.against import load_against
    from scanner.store import Store
    from scanner.store.lock import run_lock

    # Fail fast on a bad form or bad usage, before any work.
    registry = FormRegistry.load(opts.form)
    for p in opts.inputs:
        if not p.exists():
            raise UsageError(f"{p}: no such file or folder")
    opts.out_dir.mkdir(parents=True, exist_ok=True)
    store_path = opts.store
    forms = list(registry.by_name.values())
    against = load_against(opts.against, dict(opts.against_map), forms) if opts.against else None
    store = Store.open(store_path)
    with run_lock(store_path):
        settle_duplicates(store)  # a store re-keyed on opening is searched before this run adds to it
        return _run_locked(opts, registry, store, forms, against)


def _run_locked(
    opts: ProcessOptions, registry: FormRegistry, store: Store, forms: list[Form],
    against: AgainstList | None,
) -> RunSummary:
    """``run_process`` once the store is this run's alone."""
    from scanner import dedupe
    from scanner.ingest import find_inputs, page_refs
    from scanner.output import export, report

    run_id = store.start_run(args=_describe(opts), tool_version=tool_version(), forms=forms)
    summary = RunSummary(run_id=run_id, out_dir=opts.out_dir)

    found = find_inputs(list(opts.inputs))
    files = found.files
    summary.files = len(files)
    for skip in found.skipped:  # a folder or link that could not be followed may hold scans
        if skip.counts:
            summary.failures.append(PageFailure(PageRef(skip.source, str(skip.path), 0), skip.reason))
            store.record_failure(run_id, skip.source, skip.path, None, skip.reason)
        else:
            summary.skipped.append(skip)
    refs: list[PageRef] = []
    for f in files:
        for item in page_refs(f):
            if isinstance(item, PageRef):
                refs.append(item)
            else:
                summary.failures.append(item)
                store.record_failure(run_id, item.ref.source, item.ref.path, item.page, item.reason)
    summary.pages = len(refs) + len(summary.failures)
    todo: list[PageRef] = []
    file_hashes: dict[str, str] = {}
    for ref in refs:
        if ref.path not in file_hashes:
            file_hashes[ref.path] = file_sha256(Path(ref.path))
        # a page already read from the same file is linked to this run, not read again
        if store.reuse_page(run_id, ref, file_sha256=file_hashes[ref.path]) is None:
            todo.append(ref)
        else:
            summary.pages_skipped += 1

    settings = JobSettings(
        form_spec=opts.form,
        engines=opts.engines,
        debug_dir=str(opts.debug_dir) if opts.debug_dir else None,
        keep_images=opts.keep_images,
        thresholds_path=str(opts.thresholds_path) if opts.thresholds_path else None,
    )
    if opts.debug_dir:
        opts.debug_dir.mkdir(parents=True, exist_ok=True)
    workers = opts.workers or (default_workers() if len(todo) > 1 and not opts.dask_scheduler else 1)
    progress = Progress(total=len(todo), quiet=opts.quiet)
    executor = make_executor(settings, min(workers, max(1, len(todo))), opts.dask_scheduler)
    try:
        for result in executor.run(order_for_pool(todo, executor.parallelism)):
            store.save_page(run_id, result, file_sha256=file_hashes[result.ref.path])
            summary.pages_read += 1
            if result.error:
                summary.failures.append(PageFailure(result.ref, result.error))
            progress.update(len(result.rows), failed=not result.ok)
    finally:
        executor.close()
        progress.finish()

    dedupe.dedupe_run(store, run_id, against=against)
    counts = export.write_run_csvs(store, run_id, registry, opts.out_dir)
    summary.clean, summary.review = counts.clean, counts.review
    summary.rows = counts.clean + counts.review
    store.finish_run(run_id, status="partial" if summary.failures else "ok")
    report.write_report(store, run_id, opts.out_dir, opts.debug_dir, skipped=summary.skipped)
    store.close()
    return summary


def _describe(opts: ProcessOptions) -> str:
    parts = [str(p) for p in opts.inputs]
    if opts.form:
        parts += ["--form", opts.form]
    return " ".join(parts)
