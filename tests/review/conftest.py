"""Fixtures of the review tests: the scenario store, in memory or on disk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from review_scenario import build_scenario

from scanner.store import Store


@pytest.fixture
def scenario_path(tmp_path: Path) -> Iterator[tuple[Path, dict[str, int]]]:
    path = tmp_path / "petition.sqlite"
    with Store.open(path) as store:
        ids = build_scenario(store)
    yield path, ids


@pytest.fixture
def scenario_store() -> Iterator[tuple[Store, dict[str, int]]]:
    store = Store.memory()
    ids = build_scenario(store)
    yield store, ids
    store.close()
