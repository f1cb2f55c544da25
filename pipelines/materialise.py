"""Materialise a selection of the code location into a given warehouse, in process.

Shared by the end-to-end tests and the benchmarks, so both exercise exactly what `make run`
and the UI run, only pointed at a temporary DuckDB file.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.definitions import defs


def materialise(
    warehouse: Path, selection: str | dg.AssetSelection = "*", **kwargs
) -> dg.ExecuteInProcessResult:
    assets = [*defs.assets, *(defs.asset_checks or [])]
    return dg.materialize(
        assets,
        selection=selection,
        resources={
            "duckdb": DuckDBResource(database=str(warehouse)),
            **kwargs.pop("resources", {}),
        },
        instance=kwargs.pop("instance", None) or dg.DagsterInstance.ephemeral(),
        **kwargs,
    )
