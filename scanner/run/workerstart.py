"""How the pool's worker processes are started: forked from a server that has
already imported them, started as soon as the command knows it will need a pool.

A spawned worker is a new interpreter: it imports the whole reading stack
(OpenCV, NumPy, pydantic, the fields code...: about 0.3 s) before it builds its
engines, and it can only start once the command has itself imported enough to
list the pages (another 0.35 s). Python's fork server does the imports once, in
a process started at the very beginning of ``process`` while the command does
its own; the workers are then forked from it ready-made. On the 24-page bench
the workers were ready 0.75 s after the command started, against 1.0 s spawned.

Forking is only safe from a process with a single thread: a thread holding a
lock at the moment of the fork leaves it locked forever in the child. The
server is a fresh interpreter that only imports :data:`PRELOAD`, with the
maths libraries told to use one thread (so NumPy's BLAS starts no pool);
ONNX Runtime, which starts a thread when imported, is imported by each worker
after the fork instead. A test checks that importing :data:`PRELOAD` this way
leaves one thread. Where there is no fork server (Windows), workers are spawned.
This module imports nothing heavy, so the command can call it first.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os

from scanner.ocr.registry import ENGINES

#: Imported once by the fork server; each forked worker has them ready.
PRELOAD = ("scanner.run.forkserver_lifeline", "scanner.run.executors", *(e.module for e in ENGINES))
#: Environment that keeps the maths libraries to one thread: the pool gives the parallelism.
THREAD_LIMITS = ("OMP_THREAD_LIMIT", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def single_threaded_maths() -> None:
    """Set before the libraries are imported (they read it once, at load)."""
    for var in THREAD_LIMITS:
        os.environ[var] = "1"


def start_method() -> str:
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def worker_context() -> multiprocessing.context.BaseContext:
    """The context the pool starts its workers with (the fork server started if needed)."""
    start_workers_early()
    return multiprocessing.get_context(start_method())


def start_workers_early() -> None:
    """Start the fork server now, importing :data:`PRELOAD` while the caller goes on.

    Idempotent and cheap (it does not wait for the imports); a no-op where
    workers are spawned.
    """
    if start_method() != "forkserver":
        return
    import multiprocessing.forkserver as forkserver

    single_threaded_maths()  # inherited by the server and every worker forked from it
    forkserver.set_forkserver_preload(list(PRELOAD))
    forkserver.ensure_running()
