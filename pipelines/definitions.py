"""The Dagster code location: source assets, geography, quality, index, sensitivity, release."""

import dagster as dg

from pipelines.assets.crosschecks import cross_checks, cross_checks_schema
from pipelines.assets.geography import geography_assets, geography_checks
from pipelines.assets.index import dividend_index, indicator_values
from pipelines.assets.quality import data_quality
from pipelines.assets.release import release
from pipelines.assets.scenario_files import scenario_file_assets
from pipelines.assets.sensitivity import sensitivity_assets
from pipelines.assets.sources import source_assets
from pipelines.checks import source_checks
from pipelines.checks_outputs import output_checks
from pipelines.resources import warehouse_resource
from pipelines.resources_dask import DaskResource

all_assets = [
    *scenario_file_assets,
    *source_assets(),
    *geography_assets,
    cross_checks,
    data_quality,
    indicator_values,
    dividend_index,
    *sensitivity_assets,
    release,
]
all_checks = [*source_checks(), *geography_checks, cross_checks_schema, *output_checks]

# `make run` and the UI run these named jobs (not Dagster's anonymous __ASSET_JOB): everything
# computed once; then per weight scenario its index and sensitivity (scenario x reference year,
# one run over all years) and its release (scenario). An asset job takes one partitions
# definition, hence two jobs for the scenario chain.
PARTITIONED = dg.AssetSelection.assets(
    *(
        k
        for a in all_assets
        if isinstance(a, dg.AssetsDefinition) and a.partitions_def
        for k in a.keys
    )
)
UNPARTITIONED = dg.AssetSelection.all() - PARTITIONED
SCENARIO_YEARS = dg.AssetSelection.assets(dividend_index, *sensitivity_assets)
RELEASE = dg.AssetSelection.assets(release)
sources_and_indicators = dg.define_asset_job(
    "sources_and_indicators",
    selection=UNPARTITIONED,
    description="Every publisher file to raw, staged, quality, geography and indicator tables, "
    "with their blocking checks.",
)
scenario_years = dg.define_asset_job(
    "scenario_years",
    selection=SCENARIO_YEARS,
    description="For one weight scenario and one or more reference years: the index and its "
    "sensitivity analysis. Pick scenario x reference_year in the Launchpad; a range of years "
    "of one scenario runs as one run (the whole panel in one vectorised step).",
)
scenario_release = dg.define_asset_job(
    "scenario_release",
    selection=RELEASE,
    description="For one weight scenario: the release, from every stored reference year.",
)
all_jobs = [sources_and_indicators, scenario_years, scenario_release]

defs = dg.Definitions(
    assets=all_assets,
    asset_checks=all_checks,
    jobs=all_jobs,
    resources={"duckdb": warehouse_resource(), "dask": DaskResource()},
    executor=dg.in_process_executor,
)
