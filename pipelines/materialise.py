"""Materialise the code location into a given warehouse, in process.

Shared by `make run`, the end-to-end tests and the benchmarks, so all of them exercise
exactly what the UI runs. Unpartitioned assets (sources, geography, indicators) run once;
scenario-partitioned assets (index, sensitivity, release) run once per scenario, the default
scenario last so that `exports/latest` points to it.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import dagster as dg
from dagster._core.definitions.observe import observe  # dagster 1.13 exports it only here

from dividend.index.definition import ConfigError, load_definition
from pipelines.assets.scenario_files import scenario_file_assets
from pipelines.console import step_console
from pipelines.definitions import (
    PARTITIONED,
    UNPARTITIONED,
    all_jobs,
    defs,
    scenario_release,
    sources_and_indicators,
)
from pipelines.partitions import DEFAULT_SCENARIO, SCENARIOS
from pipelines.resources import warehouse_db
from pipelines.resources_dask import DaskResource

__all__ = ["PARTITIONED", "UNPARTITIONED", "materialise", "materialise_everything"]


def partitioned_keys() -> list[dg.AssetKey]:
    return [n.key for n in defs.resolve_asset_graph().asset_nodes if n.partitions_def is not None]


def _resources(warehouse: Path) -> dict:
    return {"duckdb": warehouse_db(warehouse), "dask": DaskResource()}


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
        resources={**_resources(warehouse), **kwargs.pop("resources", {})},
        instance=kwargs.pop("instance", None) or dg.DagsterInstance.ephemeral(),
        **kwargs,
    )


def skipped_scenarios() -> dict[str, str]:
    """Scenario files that do not validate, with the reason (a broken framework file is not
    a scenario problem: the index step reports it)."""
    try:
        return load_definition().skipped
    except ConfigError:
        return {}


def scenario_order(skip: Collection[str] = ()) -> list[str]:
    """Every valid scenario partition, the default last."""
    order = [s for s in SCENARIOS if s != DEFAULT_SCENARIO] + [DEFAULT_SCENARIO]
    return [s for s in order if s in SCENARIOS and s not in skip]


def make_run_jobs(warehouse: Path) -> dict[str, dg.JobDefinition]:
    """The named jobs bound to `warehouse`, with `make run`'s step console as their logger."""
    bound = dg.Definitions(
        assets=defs.assets,
        asset_checks=defs.asset_checks,
        jobs=all_jobs,
        resources=_resources(warehouse),
        loggers={"console": step_console},
        executor=dg.in_process_executor,
    )
    return {job.name: bound.resolve_job_def(job.name) for job in all_jobs}


def step_count(job: dg.JobDefinition) -> int:
    """Steps of one run of `job` (assets and checks are one op each)."""
    return len(job.graph.node_dict)


def observe_scenario_files(
    instance: dg.DagsterInstance, tags: dict[str, str] | None = None
) -> None:
    """Record the framework and weight files' sha256 as data versions (staleness in the UI)."""
    quiet = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    for asset in scenario_file_assets:
        observe([asset], instance=instance, run_config=quiet, tags=tags)


def materialise_everything(
    warehouse: Path,
    *,
    instance: dg.DagsterInstance,
    run_config: dict | None = None,
    tags: dict[str, str] | None = None,
    on_plan=None,
    on_run=None,
) -> list[dg.ExecuteInProcessResult]:
    """`sources_and_indicators` once, then `scenario_release` for every scenario (the default
    last); stops at the first failed run. `on_plan(total_steps)` is told the step count first,
    `on_run(partition_key or None)` before each run."""
    jobs = make_run_jobs(warehouse)
    once, per = jobs[sources_and_indicators.name], jobs[scenario_release.name]
    order = scenario_order(skip=skipped_scenarios())  # a broken file never blocks the others
    if on_plan is not None:
        on_plan(step_count(once) + len(order) * step_count(per))
    kwargs = {"instance": instance, "run_config": run_config, "tags": tags, "raise_on_error": False}
    observe_scenario_files(instance, tags)
    if on_run is not None:
        on_run(None)
    results = [once.execute_in_process(**kwargs)]
    for scenario in order:
        if not results[-1].success:
            break
        if on_run is not None:
            on_run(scenario)
        results.append(per.execute_in_process(partition_key=scenario, **kwargs))
    return results
