"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.forms import Form, resolve_form

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def surveillance_form() -> Form:
    return resolve_form("surveillance-fr")
