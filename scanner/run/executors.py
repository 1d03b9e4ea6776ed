"""Where page jobs run: in this process, a local process pool, or a Dask cluster.

All three take page references (small, picklable) and yield PageResults as they
finish; the caller is the single writer to the store. Workers load their own
pages, so a decoded page never crosses a process boundary, and each worker
builds its own PageReader (OCR engines are not shared between processes).
At most ``window`` jobs are in flight, so memory stays flat whatever the batch.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Protocol

from scanner.errors import MissingDependencyError, UsageError
from scanner.model import PageRef, PageResult
from scanner.run.memory import release_freed
from scanner.run.pagejob import JobSettings, PageReader
from scanner.run.workerstart import single_threaded_maths, worker_context

#: Per-process reader, built by the pool initializer (or lazily on a Dask worker).
#: It is process-local state, never shared: each worker owns its engines.
_WORKER_READERS: dict[JobSettings, PageReader] = {}
log = logging.getLogger(__name__)


def limit_threads() -> None:
    """One thread per worker for the math libraries: the pool gives parallelism."""
    single_threaded_maths()
    import cv2

    cv2.setNumThreads(1)


def _reader(settings: JobSettings) -> PageReader:
    reader = _WORKER_READERS.get(settings)
    if reader is None:
        limit_threads()
        reader = PageReader(settings)
        _WORKER_READERS[settings] = reader
    return reader


def _init_worker(settings: JobSettings) -> None:
    from scanner.run.lifeline import die_with_parent

    die_with_parent()  # forked from the fork server, which dies with the command
    _reader(settings)


def read_page_job(settings: JobSettings, ref: PageRef) -> PageResult:
    """The job function: picklable by reference, used by the pool and by Dask.

    A bug met on one page must not sink the batch: it becomes that page's error
    (with the exception named, so it can be reported) and the run goes on.
    """
    reader = _reader(settings)
    try:
        return reader.read_ref(ref)
    except Exception as exc:  # one page's failure, reported in its result
        log.exception("unexpected error on %s", ref)
        reason = f"internal error while reading this page ({type(exc).__name__}: {exc})"
        return PageResult(ref=ref, sha256="", error=reason)
    finally:
        release_freed()


class Executor(Protocol):
    #: Pages read at once: how many of the batch's last pages to hand out heaviest first.
    parallelism: int

    def run(self, refs: Iterable[PageRef]) -> Iterator[PageResult]: ...

    def close(self) -> None: ...


class InlineExecutor:
    """Runs jobs one after the other in this process (``--workers 1``)."""

    def __init__(self, settings: JobSettings) -> None:
        self.settings = settings
        self.parallelism = 1

    def run(self, refs: Iterable[PageRef]) -> Iterator[PageResult]:
        for ref in refs:
            yield read_page_job(self.settings, ref)

    def close(self) -> None:
        pass


class PoolExecutor:
    """A local pool of worker processes with a bounded window of jobs in flight."""

    def __init__(self, settings: JobSettings, workers: int) -> None:
        self.settings = settings
        self.workers = workers
        self.parallelism = workers
        self.pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=worker_context(),
            initializer=_init_worker,
            initargs=(settings,),
        )

    def run(self, refs: Iterable[PageRef]) -> Iterator[PageResult]:
        window = 2 * self.workers
        pending: set[Future[PageResult]] = set()
        it = iter(refs)
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                try:
                    ref = next(it)
                except StopIteration:
                    exhausted = True
                    break
                pending.add(self.pool.submit(read_page_job, self.settings, ref))
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()

    def close(self) -> None:
        # Not waiting: the workers' exit (engines, interpreter teardown: about half
        # a second) overlaps the main process's dedupe and export instead of
        # preceding it; the interpreter joins them before it exits.
        self.pool.shutdown(wait=False, cancel_futures=True)


class DaskExecutor:
    """Runs the same page jobs on an existing Dask cluster (``--dask-scheduler``)."""

    def __init__(self, settings: JobSettings, address: str, window: int | None = None) -> None:
        try:
            from distributed import Client
        except ImportError as exc:
            raise MissingDependencyError(
                "--dask-scheduler needs the 'distributed' package",
                "pip install 'petition-scan[dask]' (or: .venv/bin/pip install 'dask[distributed]')",
            ) from exc
        self.settings = settings
        try:
            self.client = Client(address, timeout=10)
        except OSError as exc:
            raise UsageError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        cores = sum(self.client.nthreads().values()) or 1
        self.parallelism = cores
        self.window = window or 2 * cores

    def run(self, refs: Iterable[PageRef]) -> Iterator[PageResult]:
        from distributed import as_completed

        it = iter(refs)
        futures = as_completed()
        for ref in itertools.islice(it, self.window):
            futures.add(self.client.submit(read_page_job, self.settings, ref, pure=False))
        for fut in futures:
            yield fut.result()
            fut.release()
            nxt = next(it, None)
            if nxt is not None:
                futures.add(self.client.submit(read_page_job, self.settings, nxt, pure=False))

    def close(self) -> None:
        self.client.close()


def make_executor(settings: JobSettings, workers: int, dask_scheduler: str | None) -> Executor:
    if dask_scheduler:
        return DaskExecutor(settings, dask_scheduler)
    if workers <= 1:
        return InlineExecutor(settings)
    return PoolExecutor(settings, workers)
