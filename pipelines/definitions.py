"""The Dagster code location: source assets, geography, quality, index, sensitivity, release."""

from __future__ import annotations

import dagster as dg

from pipelines.assets.quality import data_quality
from pipelines.assets.sources import source_assets
from pipelines.checks import source_checks
from pipelines.resources import warehouse_resource

all_assets = [*source_assets(), data_quality]

defs = dg.Definitions(
    assets=all_assets,
    asset_checks=source_checks(),
    resources={"duckdb": warehouse_resource()},
    executor=dg.in_process_executor,
    jobs=[dg.define_asset_job("materialise_everything", selection=dg.AssetSelection.all())],
)
