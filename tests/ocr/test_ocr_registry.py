"""The engine registry: clear, early errors when an engine cannot run; names in one place."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from scanner.errors import ExitCode, MissingDependencyError
from scanner.ocr import base, registry
from scanner.ocr.base import find_tessdata
from scanner.ocr.registry import check_engine, make_engine


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
    for name in registry.ENGINE_NAMES:
        check_engine(name)


def test_missing_rapidocr_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rapidocr", None)
    with pytest.raises(MissingDependencyError, match="rapidocr"):
        check_engine("rapidocr")


def test_a_ready_engine_object_is_used_as_it_is() -> None:
    class Fixed:
        name = "fixed"

        def read(self, images: object, kind: object) -> list[object]:
            return []

        def close(self) -> None:
            pass

    engine = Fixed()
    assert make_engine(engine) is engine  # type: ignore[arg-type]
    assert registry.priority("fixed") == len(registry.ENGINE_NAMES)  # after every built-in one


def test_the_cli_offers_exactly_the_registered_engines() -> None:
    from click.testing import CliRunner

    from pipeline import cli

    out = CliRunner().invoke(cli, ["process", "--help"]).output
    assert f"({', '.join(registry.ENGINE_NAMES)})" in " ".join(out.split())
    assert ",".join(registry.DEFAULT_ENGINES) in out
