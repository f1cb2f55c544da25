"""Materialise the code location into a given warehouse, in process.

Shared by `make run`, the end-to-end tests and the benchmarks, so all of them exercise
exactly what the UI runs. Unpartitioned assets (sources, geography, indicators) run once;
scenario-partitioned assets (index, sensitivity, release) run once per scenario, the default
scenario last so that `exports/latest` points to it.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.definitions import defs
from pipelines.partitions import DEFAULT_SCENARIO, SCENARIOS
from pipelines.resources_dask import DaskResource


def partitioned_keys() -> list[dg.AssetKey]:
    return [n.key for n in defs.resolve_asset_graph().asset_nodes if n.partitions_def is not None]


UNPARTITIONED = dg.AssetSelection.all() - dg.AssetSelection.assets(*partitioned_keys())
PARTITIONED = dg.AssetSelection.assets(*partitioned_keys())


def materialise(
    warehouse: Path,
    selection: str | dg.AssetSelection = UNPARTITIONED,
    partition_key: str | None = None,
    **kwargs,
) -> dg.ExecuteInProcessResult:
    """One in-process run of `selection` (default: every unpartitioned asset and its checks)."""
    assets = [*defs.assets, *(defs.asset_checks or [])]
    return dg.materialize(
        assets,
        selection=selection,
        partition_key=partition_key,
        resources={
            "duckdb": DuckDBResource(database=str(warehouse)),
            "dask": DaskResource(),
            **kwargs.pop("resources", {}),
        },
        instance=kwargs.pop("instance", None) or dg.DagsterInstance.ephemeral(),
        **kwargs,
    )


def scenario_order() -> list[str]:
    """Every scenario partition, the default last (the newest release becomes `latest`)."""
    return [s for s in SCENARIOS if s != DEFAULT_SCENARIO] + [DEFAULT_SCENARIO]


def materialise_everything(warehouse: Path, **kwargs) -> list[dg.ExecuteInProcessResult]:
    """Unpartitioned assets, then every scenario partition; stops at the first failed run."""
    results = [materialise(warehouse, **kwargs)]
    for scenario in scenario_order():
        if not results[-1].success:
            break
        results.append(materialise(warehouse, PARTITIONED, partition_key=scenario, **kwargs))
    return results
