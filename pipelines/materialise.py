"""Materialise the code location into a given warehouse, in process.

Shared by `make run`, the end-to-end tests and the benchmarks, so all of them exercise
exactly what the UI runs. Unpartitioned assets (sources, geography, indicators) run once;
per scenario (the default last, so that `exports/latest` points to it) the index and
sensitivity run once over all reference years (one single-run range of the scenario x year
partitions: the panel in one vectorised step), then the release.
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
    RELEASE,
    SCENARIO_YEARS,
    UNPARTITIONED,
    all_jobs,
    defs,
    scenario_release,
    scenario_years,
    sources_and_indicators,
)
from pipelines.partitions import DEFAULT_SCENARIO, REFERENCE_YEARS, SCENARIOS, year_range_tags
from pipelines.resources import warehouse_db
from pipelines.resources_dask import DaskResource

__all__ = [
    "PARTITIONED",
    "SCENARIO_YEARS",
    "UNPARTITIONED",
    "materialise",
    "materialise_everything",
    "materialise_scenario",
]


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


def materialise_scenario(
    warehouse: Path,
    scenario: str,
    *,
    years: Collection[str] = REFERENCE_YEARS,
    release: bool = True,
    run_config: dict | None = None,
    tags: dict[str, str] | None = None,
    **kwargs,
) -> list[dg.ExecuteInProcessResult]:
    """`make run`'s runs for one scenario: index and sensitivity over `years` (one run, a
    range of the scenario x year partitions, every year at once), then, if `release` and the
    first run succeeded, the release from every stored year. `run_config` (e.g. Launchpad
    overrides of the index) goes to the first run only."""
    tags = {**(tags or {}), **year_range_tags(scenario, years)}
    out = [materialise(warehouse, SCENARIO_YEARS, run_config=run_config, tags=tags, **kwargs)]
    if release and out[0].success:
        out.append(materialise(warehouse, RELEASE, scenario, **kwargs))
    return out


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
    """`sources_and_indicators` once, then for every scenario (the default last)
    `scenario_years` over all its reference years in one run and `scenario_release`; stops at
    the first failed run. `on_plan(total_steps)` is told the step count first,
    `on_run(scenario or None)` before each scenario."""
    jobs = make_run_jobs(warehouse)
    once = jobs[sources_and_indicators.name]
    years, rel = jobs[scenario_years.name], jobs[scenario_release.name]
    order = scenario_order(skip=skipped_scenarios())  # a broken file never blocks the others
    if on_plan is not None:
        on_plan(step_count(once) + len(order) * (step_count(years) + step_count(rel)))
    kwargs = {"instance": instance, "run_config": run_config, "raise_on_error": False}
    observe_scenario_files(instance, tags)
    if on_run is not None:
        on_run(None)
    results = [once.execute_in_process(tags=tags, **kwargs)]
    for scenario in order:
        if not results[-1].success:
            break
        if on_run is not None:
            on_run(scenario)
        range_tags = {**(tags or {}), **year_range_tags(scenario)}
        results.append(years.execute_in_process(tags=range_tags, **kwargs))
        if results[-1].success:
            results.append(rel.execute_in_process(partition_key=scenario, tags=tags, **kwargs))
    return results
