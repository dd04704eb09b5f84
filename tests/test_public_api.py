"""Each package's public surface is its `__all__`: sorted, and every name in it importable."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("package", ["mockserver", "contracts"])
def test_all_is_sorted_and_every_name_exists(package: str) -> None:
    module = importlib.import_module(package)
    names = list(module.__all__)
    assert names == sorted(names)
    assert names, f"{package} exports nothing"
    for name in names:
        assert hasattr(module, name), f"{package}.__all__ names {name}, which it does not define"


def test_the_mock_and_the_suite_do_not_import_each_other() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for package, other in (("mockserver", "contracts"), ("contracts", "mockserver")):
        for source in (root / package).rglob("*.py"):
            text = source.read_text(encoding="utf-8")
            assert f"import {other}" not in text and f"from {other}" not in text, source
