"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.forms import Form, resolve_form
from scanner.store import Store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def surveillance_form() -> Form:
    return resolve_form("surveillance-fr")


@pytest.fixture(autouse=True)
def forget_key_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Forget keys (scanner/store/keys.py) go to a fresh folder, never the user's data folder."""
    folder = tmp_path_factory.mktemp("keys")
    monkeypatch.setenv("PETITION_SCAN_KEY_DIR", str(folder))
    return folder


@pytest.fixture
def store() -> Iterator[Store]:
    """A store in memory: a fresh schema, migrations applied, nothing on disk."""
    s = Store.memory()
    yield s
    s.close()
