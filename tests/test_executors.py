"""The same pages give the same CSVs in one process, a local pool and on Dask."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import main
from scanner.ingest import iter_inputs, page_refs
from scanner.model import PageRef
from scanner.run.executors import InlineExecutor, make_executor
from scanner.run.pagejob import JobSettings
from scanner.run.schedule import order_for_pool

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "samples" / "demo"


def _inputs(tmp: Path) -> Path:
    """A small batch: a fax-like scan and two phone photos (3 pages, which a pool takes out of order)."""
    folder = tmp / "batch"
    folder.mkdir()
    for name in ("fax-001.png", "photo-002.jpg", "photo-003.jpg"):
        (folder / name).symlink_to(DEMO / name)
    return folder


def _csvs(out: Path) -> tuple[str, str]:
    return (out / "clean.csv").read_text(), (out / "review.csv").read_text()


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _inputs(tmp_path_factory.mktemp("exec"))


@pytest.fixture(scope="module")
def single(batch: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("w1")
    assert main(["process", str(batch), "--out", str(out), "--workers", "1", "-q"]) == 0
    return out


def test_pool_output_is_identical_to_single_worker(batch: Path, single: Path, tmp_path: Path) -> None:
    refs = [r for f in iter_inputs([batch]) for r in page_refs(f) if isinstance(r, PageRef)]
    assert [r.source for r in order_for_pool(refs, 2)] == ["photo-002.jpg", "photo-003.jpg", "fax-001.png"]
    out = tmp_path / "w2"
    assert main(["process", str(batch), "--out", str(out), "--workers", "2", "-q"]) == 0
    assert _csvs(out) == _csvs(single)
    assert _csvs(single)[1].count("\n") + _csvs(single)[0].count("\n") > 5


def test_dask_cluster_output_is_identical(batch: Path, single: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    ) as cluster:
        out = tmp_path / "dask"
        code = main(["process", str(batch), "--out", str(out), "--dask-scheduler", cluster.scheduler_address, "-q"])
    assert code == 0
    assert _csvs(out) == _csvs(single)


def test_make_executor_picks_inline_for_one_worker() -> None:
    assert isinstance(make_executor(JobSettings(), 1, None), InlineExecutor)


def test_unreachable_dask_scheduler_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("distributed")
    code = main(["process", str(DEMO / "fax-001.png"), "--out", str(tmp_path / "o"),
                 "--dask-scheduler", "tcp://127.0.0.1:9", "-q"])
    assert code == 2
    assert "Dask scheduler" in capsys.readouterr().err


def test_a_page_that_fails_in_a_worker_is_reported_not_fatal(tmp_path: Path) -> None:
    bad = tmp_path / "notes.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)  # a PNG signature and nothing readable
    settings = JobSettings(engines=("tesseract",))
    results = list(InlineExecutor(settings).run([PageRef(source="notes.png", path=str(bad), page=1)]))
    assert len(results) == 1 and results[0].error


def test_default_workers_fit_the_memory(
    batch: Path, single: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """No --workers on a machine with room for one worker: one, said, and the same output."""
    from scanner.run import machine

    monkeypatch.setattr(machine, "cores", lambda: 8)
    monkeypatch.setattr(machine, "available_memory_mb", lambda: 800)
    out = tmp_path / "default"
    with caplog.at_level("WARNING", logger="scanner.run.machine"):
        assert main(["process", str(batch), "--out", str(out), "-q"]) == 0
    assert "1 worker(s), not 8: 800 MB" in caplog.text
    assert _csvs(out) == _csvs(single)
