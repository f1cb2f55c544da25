"""The Dagster code location: source assets, geography, quality, index, sensitivity, release."""

import dagster as dg

from pipelines.assets.crosschecks import cross_checks, cross_checks_schema
from pipelines.assets.geography import geography_assets, geography_checks
from pipelines.assets.index import dividend_index, indicator_values
from pipelines.assets.quality import data_quality
from pipelines.assets.release import release
from pipelines.assets.sensitivity import sensitivity_assets
from pipelines.assets.sources import source_assets
from pipelines.checks import source_checks
from pipelines.resources import warehouse_resource
from pipelines.resources_dask import DaskResource

all_assets = [
    *source_assets(),
    *geography_assets,
    cross_checks,
    data_quality,
    indicator_values,
    dividend_index,
    *sensitivity_assets,
    release,
]
all_checks = [*source_checks(), *geography_checks, cross_checks_schema]

defs = dg.Definitions(
    assets=all_assets,
    asset_checks=all_checks,
    resources={"duckdb": warehouse_resource(), "dask": DaskResource()},
    executor=dg.in_process_executor,
)
