"""Shared fixtures. The end-to-end warehouse is materialised once per test session."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

SOURCE_LAYERS = dg.AssetSelection.key_prefixes(["raw"], ["staged"], ["quality"])


@pytest.fixture(scope="session")
def source_warehouse(tmp_path_factory) -> tuple[Path, dg.ExecuteInProcessResult]:
    """Every source, geography and quality asset (with their checks) materialised into a
    temporary DuckDB from the vendored publisher files: exactly what `make run` does first."""
    from pipelines.materialise import materialise

    path = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    result = materialise(path, selection=SOURCE_LAYERS)
    return path, result
