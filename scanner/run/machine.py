"""What this machine offers the pool: its cores, and the memory to run a worker on each.

Every worker holds its own engines, models and reference lists: about 340-390 MB
at its busiest (the bench's peak of one process, a 10- and a 200-page PDF). A
worker per core is right on a workstation, but on a 16-core laptop with 8 GB, or
in a container allowed 2 GB, sixteen workers would swap or be killed by the
system half-way through a batch. So the default is capped by the memory
available now (and by a container's limit), and says so; ``--workers N`` is
taken as given.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

#: Memory budgeted per worker (MB): the measured 340-390 MB peak, with headroom
#: for larger photos than the bench's scans.
WORKER_MEMORY_MB = 450
#: Memory left to the process that writes the store and to the rest of the machine (MB).
RESERVED_MEMORY_MB = 300
#: A cgroup limit at or above this is "no limit" (cgroup v1 reports 2^63 rounded to a page).
_NO_LIMIT = 1 << 60


def cores() -> int:
    """Cores this process may run on (its CPU affinity, as a container or taskset sets it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdecimal() else None  # "max" (cgroup v2 without a limit) -> None


def _meminfo_available_mb(meminfo: Path) -> int | None:
    try:
        lines = meminfo.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("MemAvailable:"):
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdecimal():
                return int(parts[1]) // 1024  # kB
    return None


def _cgroup_room_mb(cgroup: Path) -> int | None:
    """Room left under this container's memory limit (cgroup v2, else v1); None without a limit."""
    for limit_file, usage_file in (
        (cgroup / "memory.max", cgroup / "memory.current"),
        (cgroup / "memory" / "memory.limit_in_bytes", cgroup / "memory" / "memory.usage_in_bytes"),
    ):
        limit = _read_int(limit_file)
        if limit is None or limit >= _NO_LIMIT:
            continue
        usage = _read_int(usage_file) or 0
        return max(0, limit - usage) // (1 << 20)
    return None


def available_memory_mb(meminfo: Path = Path("/proc/meminfo"), cgroup: Path = Path("/sys/fs/cgroup")) -> int | None:
    """Memory that new processes can use now without swapping (MB), or None if unknown."""
    known = [mb for mb in (_meminfo_available_mb(meminfo), _cgroup_room_mb(cgroup)) if mb is not None]
    return min(known) if known else None


@dataclass(frozen=True)
class WorkerPlan:
    workers: int
    cores: int
    memory_mb: int | None  #: available when planned; None if unknown

    @property
    def capped(self) -> bool:
        return self.workers < self.cores


def plan_workers(n_cores: int | None = None, memory_mb: int | None = None) -> WorkerPlan:
    """A worker per core, as many as the available memory holds (at least one)."""
    n_cores = cores() if n_cores is None else n_cores
    memory_mb = available_memory_mb() if memory_mb is None else memory_mb
    workers = n_cores
    if memory_mb is not None:
        workers = min(n_cores, max(1, (memory_mb - RESERVED_MEMORY_MB) // WORKER_MEMORY_MB))
    return WorkerPlan(workers=workers, cores=n_cores, memory_mb=memory_mb)


def default_workers() -> int:
    """The default for ``--workers``: every core the memory allows, said when it is fewer."""
    plan = plan_workers()
    if plan.capped:
        log.warning(
            "%d worker(s), not %d: %d MB of memory available, about %d MB per worker "
            "(--workers N to choose)",
            plan.workers, plan.cores, plan.memory_mb, WORKER_MEMORY_MB,
        )
    return plan.workers
