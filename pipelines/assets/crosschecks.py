"""quality/cross_checks: every cross-check between staged sources, one flag per compared pair."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.checks import schema_check
from pipelines.metadata import table_metadata
from pipelines.resources import warehouse_asset
from sources.crosschecks import (
    CrossCheckDecisions,
    all_crosschecks,
    crosscheck_summary,
    run_crosschecks,
)
from sources.validate import validate
from sources.warehouse import read_table, write_tables

TABLE = "quality.cross_checks"


def _compared_datasets() -> list[str]:
    return sorted({d for c in all_crosschecks().values() for d in c.datasets})


def _checks_markdown() -> str:
    return "\n".join(
        f"- **{c.check_id}** ({' vs '.join(c.datasets)}): {c.description}"
        for c in all_crosschecks().values()
    )


@warehouse_asset(
    key=["quality", "cross_checks"],
    group_name="quality",
    deps=[dg.AssetKey(["staged", f"staged_{d}"]) for d in _compared_datasets()],
    description="Where two publishers measure the same thing, every compared pair (country, "
    "year) is a flag decision stating both values and their difference. Values are never "
    "changed.\n\n" + _checks_markdown(),
)
def cross_checks(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        tables = {d: read_table(con, f"staged.{d}") for d in _compared_datasets()}
    table = validate(
        run_crosschecks(tables), CrossCheckDecisions, dataset="cross_checks", table=TABLE
    )
    with duckdb.get_connection() as con:
        write_tables(con, {TABLE: table})
    summary = crosscheck_summary(table)
    context.log.info("cross_checks: %d decisions from %d checks", len(table), len(summary))
    return dg.MaterializeResult(
        metadata={
            **table_metadata(table, TABLE),
            "summary": dg.MetadataValue.md(
                summary.to_markdown(index=False, floatfmt=".4g") if len(summary) else "_none_"
            ),
        }
    )


cross_checks_schema = schema_check(
    dg.AssetKey(["quality", "cross_checks"]), TABLE, CrossCheckDecisions
)
