"""Index assets (thin wrappers over dividend.index.assemble): indicator tables, then the index per scenario.

indicator_values  (unpartitioned): every framework's formulas -> schema ``indicators``
                  (long table with provenance, units, one wide table per framework, study cities).
dividend_index    (partitioned by scenario): signed index -> schema ``index`` (country, city,
                  coherence, weights, runs), rows of the scenario replaced in one transaction.
Changing a weight file therefore re-runs only dividend_index and release, not the formulas.
"""

import json

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from dividend.index.assemble import IndicatorTables, evaluate_all, index_tables, study_cities
from dividend.index.definition import load_frameworks, load_scenario, scenario_paths
from dividend.index.formulas import wide
from dividend.portal.charts import ranking_markdown
from pipelines.metadata import table_metadata
from pipelines.partitions import scenario_partitions
from pipelines.resources import DUCKDB_POOL
from sources.warehouse import read_table, replace_partition, write_tables

KINDS = {"duckdb", "pandas"}
INDEX_TABLES = ("country", "city", "coherence", "weights", "contributions", "runs")


def _staged_deps() -> list[dg.AssetKey]:
    ids = sorted({s for fw in load_frameworks().values() for i in fw.indicators for s in i.sources})
    return [dg.AssetKey(["staged", f"staged_{i}"]) for i in ids]


def _coverage_md(units: pd.DataFrame, long: pd.DataFrame) -> str:
    per = long.groupby(["framework", "indicator"]).size().rename("units_observed").reset_index()
    n = units.groupby("framework").size().rename("units")
    per = per.join(n, on="framework")
    return per.to_markdown(index=False)


@dg.asset(
    key=["indicators", "indicator_values"],
    group_name="index",
    deps=[*_staged_deps(), dg.AssetKey(["staged", "study_cities"])],
    description="Every indicator of indicators/*.yaml evaluated against the staged tables: one value "
    "per unit with the year used, sources, files and treatment (observed, carried back, rescaled, "
    "imputed). Writes indicators.long, indicators.units, indicators.<framework> and "
    "indicators.study_cities.",
    kinds=KINDS,
    pool=DUCKDB_POOL,
)
def indicator_values(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    frameworks = load_frameworks()
    with duckdb.get_connection() as con:
        ind = evaluate_all(con, frameworks)
        study = study_cities(con)
    tables = {
        "indicators.long": ind.long,
        "indicators.units": ind.units,
        "indicators.study_cities": study,
    }
    for name, fw in frameworks.items():
        u = ind.units[ind.units["framework"] == name]
        tables[f"indicators.{name}"] = wide(
            u, ind.long[ind.long["framework"] == name], fw.codes
        ).reset_index()
    with duckdb.get_connection() as con:
        write_tables(con, tables)
    context.log.info("indicators.long: %d values for %d units", len(ind.long), len(ind.units))
    return dg.MaterializeResult(
        metadata={
            **table_metadata(ind.long, "indicators.long"),
            "coverage": dg.MetadataValue.md(_coverage_md(ind.units, ind.long)),
            "framework_sha256": dg.MetadataValue.json(
                {n: fw.sha256 for n, fw in frameworks.items()}
            ),
        }
    )


class IndexConfig(dg.Config):
    """One-off tweaks from the Launchpad, on top of the partition's scenario file.

    weight_overrides keys: an indicator code (``mipex_overall``), ``pillars.<pillar>`` or
    ``dimensions.<actuality|perception>``; values are nominal weights (>= 0).
    """

    weight_overrides: dict[str, float] = {}  # noqa: RUF012 (Dagster Config copies defaults)
    min_coverage: float = 0.0


def ranked_markdown(table: pd.DataFrame, top: int, bottom: int) -> str:
    """The portal's markdown ranking (one implementation) of the units the index ranks."""
    ranked = table[table["ranked"].astype(bool)]
    frame = ranked.rename(columns={"dividend": "score", "net_migration_loss": "net_loss"})
    return ranking_markdown(frame[["name", "score", "net_loss"]], top=top, bottom=bottom)


@dg.asset(
    key=["index", "dividend_index"],
    group_name="index",
    deps=[indicator_values],
    partitions_def=scenario_partitions,
    description="Signed migration dividend per country and per city (ranked within its peer group) "
    "for the partition's weight scenario: pillars, benefit and cost, coverage, net-loss flag, "
    "perception gap; plus the coherence report. Writes index.country, index.city, "
    "index.coherence, index.weights, index.contributions, index.runs.",
    kinds=KINDS,
    pool=DUCKDB_POOL,
)
def dividend_index(
    context: dg.AssetExecutionContext, config: IndexConfig, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    name = context.partition_key
    frameworks = load_frameworks()
    scenario = load_scenario(scenario_paths()[name], frameworks)
    if config.weight_overrides:
        scenario = scenario.with_overrides(dict(config.weight_overrides), frameworks)
    with duckdb.get_connection() as con:
        ind = IndicatorTables(
            read_table(con, "indicators.units"), read_table(con, "indicators.long")
        )
        study = read_table(con, "indicators.study_cities")
    idx = index_tables(frameworks, scenario, ind, study, config.min_coverage)
    runs = pd.DataFrame(
        {
            "scenario": [name],
            "scenario_sha256": [scenario.sha256],
            "weight_overrides": [json.dumps(dict(config.weight_overrides), sort_keys=True)],
            "min_coverage": [config.min_coverage],
            "run_id": [context.run.run_id],
        }
    )
    tables = dict(
        zip(
            INDEX_TABLES,
            (idx.country, idx.city, idx.coherence, idx.weights, idx.contributions, runs),
            strict=True,
        )
    )
    with duckdb.get_connection() as con:
        replace_partition(
            con, {f"index.{t}": f for t, f in tables.items()}, key_column="scenario", key=name
        )
    flagged = idx.coherence[idx.coherence["flag"]]
    return dg.MaterializeResult(
        metadata={
            "scenario": name,
            "scenario_sha256": scenario.sha256,
            "weights": dg.MetadataValue.json(scenario.declared_weights().to_dict(orient="records")),
            "weight_overrides": dg.MetadataValue.json(dict(config.weight_overrides)),
            "countries": len(idx.country),
            "cities": len(idx.city),
            "net_loss_countries": int(idx.country["net_migration_loss"].fillna(False).sum()),
            "ranking_countries": dg.MetadataValue.md(ranked_markdown(idx.country, 25, 10)),
            "ranking_cities": dg.MetadataValue.md(
                "\n\n".join(
                    f"**{fw}**\n\n" + ranked_markdown(g, 10, 5)
                    for fw, g in idx.city[idx.city["framework"] != "none"].groupby("framework")
                )
            ),
            "coherence": dg.MetadataValue.md(
                flagged.round(3).to_markdown(index=False) if len(flagged) else "_no flags_"
            ),
            "dagster/row_count": len(idx.country) + len(idx.city),
        }
    )
