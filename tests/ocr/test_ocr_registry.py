"""make_engine / check_engine: clear, early errors when an engine cannot run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from scanner.errors import ExitCode, MissingDependencyError
from scanner.ocr import base
from scanner.ocr.base import check_engine, find_tessdata, make_engine


def test_bad_tessdata_prefix_is_reported_not_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))
    with pytest.raises(MissingDependencyError) as caught:
        make_engine("tesseract")
    assert "fra.traineddata" in caught.value.message
    assert "TESSDATA_PREFIX" in caught.value.hint
    assert caught.value.exit_code == ExitCode.MISSING_DEPENDENCY


def test_missing_french_model_gives_the_install_hint(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TESSDATA_PREFIX", raising=False)
    monkeypatch.setattr(base, "DEBIAN_TESSDATA", (tmp_path,))
    with pytest.raises(MissingDependencyError) as caught:
        check_engine("tesseract")
    assert "tesseract-ocr-fra" in caught.value.hint


def test_tessdata_prefix_may_name_tessdata_or_its_parent(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    folder = tmp_path / "tessdata"
    folder.mkdir()
    (folder / "fra.traineddata").write_bytes(b"")
    for prefix in (tmp_path, folder):
        monkeypatch.setenv("TESSDATA_PREFIX", str(prefix))
        assert find_tessdata() == folder


def test_missing_python_package_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tesserocr", None)  # as if it were not installed
    with pytest.raises(MissingDependencyError, match="tesserocr") as caught:
        make_engine("tesseract")
    assert "pip install tesserocr" in caught.value.hint


def test_unknown_engine_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="rapidocr"):
        make_engine("easyocr")


def test_both_engines_are_available_here() -> None:
    for name in base.ENGINE_NAMES:
        check_engine(name)


def test_missing_rapidocr_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rapidocr", None)
    with pytest.raises(MissingDependencyError, match="rapidocr"):
        check_engine("rapidocr")
