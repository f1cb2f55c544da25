"""The data_quality table: every decision of every named rule and cross-check, across sources."""

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from pipelines.metadata import table_metadata
from pipelines.resources import warehouse_asset
from sources.datasets import all_specs
from sources.quality import DQ_COLUMNS, QualityDecisions
from sources.validate import validate
from sources.warehouse import read_table, write_tables


@warehouse_asset(
    key=["quality", "data_quality"],
    group_name="quality",
    deps=[
        *(dg.AssetKey(["staged", f"staged_{i}"]) for i in all_specs()),
        dg.AssetKey(["quality", "cross_checks"]),
    ],
    description="Every data-quality decision (drop, flag or rescale) with its rule and reason, "
    "traced to the publisher file and row, including every cross-check difference between "
    "sources. Ministries get it in every release.",
)
def data_quality(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        names = [f"quality.{i}" for i in all_specs()] + ["quality.cross_checks"]
        parts = [read_table(con, name)[DQ_COLUMNS] for name in names]
        parts = [p for p in parts if len(p)]
        table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=DQ_COLUMNS)
        table = validate(
            table, QualityDecisions, dataset="data_quality", table="quality.data_quality"
        )
        write_tables(con, {"quality.data_quality": table})
    by_rule = table.groupby(["dataset", "rule", "action"]).size().rename("rows").reset_index()
    context.log.info("data_quality: %d decisions from %d rules", len(table), len(by_rule))
    return dg.MaterializeResult(
        metadata={
            **table_metadata(table, "quality.data_quality"),
            "by_rule": dg.MetadataValue.md(
                by_rule.to_markdown(index=False) if len(by_rule) else "_none_"
            ),
        }
    )
