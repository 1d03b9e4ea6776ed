"""The default pool: a worker per core, as many as the memory holds, and said when fewer."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from scanner.run import machine
from scanner.run.machine import available_memory_mb, plan_workers


def _meminfo(tmp_path: Path, available_kb: int) -> Path:
    path = tmp_path / "meminfo"
    path.write_text(f"MemTotal:       24683784 kB\nMemFree:        22000000 kB\nMemAvailable:   {available_kb} kB\n")
    return path


def test_a_worker_per_core_when_memory_allows() -> None:
    assert plan_workers(n_cores=8, memory_mb=16_000).workers == 8
    assert not plan_workers(n_cores=8, memory_mb=16_000).capped
    assert plan_workers(n_cores=4, memory_mb=None).workers == 4  # unknown memory: every core


def test_a_small_machine_gets_fewer_workers_but_always_one() -> None:
    # 16 cores, 4 GB free: 16 workers of ~400 MB would swap
    plan = plan_workers(n_cores=16, memory_mb=4_000)
    assert plan.capped and plan.workers == (4_000 - machine.RESERVED_MEMORY_MB) // machine.WORKER_MEMORY_MB == 8
    assert plan_workers(n_cores=16, memory_mb=100).workers == 1


def test_available_memory_reads_meminfo(tmp_path: Path) -> None:
    assert available_memory_mb(_meminfo(tmp_path, 2_048_000), tmp_path / "no-cgroup") == 2_000
    assert available_memory_mb(tmp_path / "missing", tmp_path / "no-cgroup") is None


def test_a_containers_limit_counts(tmp_path: Path) -> None:
    """In a container meminfo shows the host's memory; the cgroup limit is what the system enforces."""
    v2 = tmp_path / "v2"
    v2.mkdir()
    (v2 / "memory.max").write_text(f"{2 << 30}\n")
    (v2 / "memory.current").write_text(f"{512 << 20}\n")
    assert available_memory_mb(_meminfo(tmp_path, 20_000_000), v2) == 1_536
    (v2 / "memory.max").write_text("max\n")  # v2 without a limit
    assert available_memory_mb(_meminfo(tmp_path, 20_000_000), v2) == 19_531
    v1 = tmp_path / "v1"
    (v1 / "memory").mkdir(parents=True)
    (v1 / "memory" / "memory.limit_in_bytes").write_text(f"{1 << 30}\n")
    (v1 / "memory" / "memory.usage_in_bytes").write_text(f"{256 << 20}\n")
    assert available_memory_mb(_meminfo(tmp_path, 20_000_000), v1) == 768
    (v1 / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")  # v1 without a limit
    assert available_memory_mb(_meminfo(tmp_path, 20_000_000), v1) == 19_531


def test_the_default_says_why_it_uses_fewer_workers(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(machine, "cores", lambda: 16)
    monkeypatch.setattr(machine, "available_memory_mb", lambda: 3_000)
    with caplog.at_level(logging.WARNING, logger="scanner.run.machine"):
        assert machine.default_workers() == 6
    assert "6 worker(s), not 16: 3000 MB of memory available" in caplog.text
    assert "--workers N" in caplog.text


def test_this_machine_is_read() -> None:
    plan = plan_workers()
    assert plan.cores >= 1 and 1 <= plan.workers <= plan.cores
    assert plan.memory_mb is not None and plan.memory_mb > 0  # Linux: /proc/meminfo is there
