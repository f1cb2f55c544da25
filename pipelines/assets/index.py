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
from pydantic import Field

from dividend.index.assemble import IndicatorTables, evaluate_all, index_tables, study_cities
from dividend.index.definition import (
    DIMENSIONS,
    PILLARS,
    ConfigError,
    load_frameworks,
    load_scenario,
    scenario_paths,
)
from dividend.index.formulas import wide
from dividend.index.verdict import headline_rows
from dividend.portal.charts import ranking_markdown
from pipelines.metadata import column_schema, table_metadata
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
    deps=[
        *_staged_deps(),
        dg.AssetKey(["staged", "study_cities"]),
        dg.AssetKey(["indicators", "framework_files"]),
    ],
    description="Every indicator of indicators/*.yaml evaluated against the staged tables: one value "
    "per unit with the year used, sources, files and treatment (observed, carried back, rescaled, "
    "imputed). Writes indicators.long, indicators.units, indicators.<framework> and "
    "indicators.study_cities.",
    kinds=KINDS,
    pool=DUCKDB_POOL,
    code_version="1",
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


OVERRIDE_KEYS = (
    "an indicator code of indicators/*.yaml (e.g. mipex_overall), "
    f"pillars.<{'|'.join(PILLARS)}> or dimensions.<{'|'.join(DIMENSIONS)}>"
)


class IndexConfig(dg.Config):
    """One-off tweaks from the Launchpad, on top of the partition's scenario file.

    A release built with overrides is marked as such (release id, METHODOLOGY,
    datapackage.json, every site page) and never moves ``latest``.
    """

    weight_overrides: dict[str, float] = Field(
        default={},
        description="Nominal weights (>= 0) replacing the scenario file's for this run. "
        f"Allowed keys: {OVERRIDE_KEYS}. Example: {{'pillars.financial': 2.0}}.",
    )
    min_coverage: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Blank the aggregates of units whose share of observed scored indicators "
        "is below this (0-1); 0 keeps every unit.",
    )


def with_launchpad_overrides(scenario, overrides: dict[str, float], frameworks):
    """The scenario with the Launchpad's overrides; an error names the Launchpad key."""
    if not overrides:
        return scenario
    try:
        return scenario.with_overrides(dict(overrides), frameworks)
    except ConfigError as exc:
        bad = exc.key or "?"
        code = bad.split(".", 1)[-1] if bad.startswith("indicators.") else bad
        raise dg.Failure(
            f"Launchpad config weight_overrides[{code!r}]: {str(exc).split(': ', 1)[-1]}. "
            f"Allowed keys: {OVERRIDE_KEYS}."
        ) from None


def ranked_markdown(table: pd.DataFrame, top: int, bottom: int) -> str:
    """The portal's markdown ranking (one implementation) of the units the index ranks."""
    ranked = table[table["ranked"].astype(bool)]
    if ranked.empty:  # a context-only frame (city_ca) is unranked: say why, no table
        reason = table["note"].iloc[0] if "note" in table.columns and len(table) else ""
        return f"_unranked: {reason}_"
    frame = ranked.rename(columns={"dividend": "score", "net_migration_loss": "net_loss"})
    return ranking_markdown(frame[["name", "score", "net_loss"]], top=top, bottom=bottom)


@dg.asset(
    key=["index", "dividend_index"],
    group_name="index",
    deps=[
        indicator_values,
        dg.AssetKey(["indicators", "framework_files"]),
        dg.AssetKey(["indicators", "weight_files"]),
    ],
    partitions_def=scenario_partitions,
    description="Signed migration dividend per country and per city (ranked within its peer group) "
    "for the partition's weight scenario: pillars, benefit and cost, coverage, net-loss flag, "
    "perception gap; plus the coherence report. Writes index.country, index.city, "
    "index.coherence, index.weights, index.contributions, index.runs.",
    kinds=KINDS,
    pool=DUCKDB_POOL,
    code_version="1",
)
def dividend_index(
    context: dg.AssetExecutionContext, config: IndexConfig, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    name = context.partition_key
    frameworks = load_frameworks()
    scenario = with_launchpad_overrides(
        load_scenario(scenario_paths()[name], frameworks), config.weight_overrides, frameworks
    )
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
            con,
            {f"index.{t}": f for t, f in tables.items()},
            key_column="scenario",
            key=name,
            keep=scenario_paths(),  # a deleted scenario file's rows go
        )
    flagged = idx.coherence[idx.coherence["flag"]]
    head_country, head_city = headline_rows(idx.country), headline_rows(idx.city)
    return dg.MaterializeResult(
        metadata={
            "scenario": name,
            "scenario_sha256": scenario.sha256,
            "weights": dg.MetadataValue.json(scenario.declared_weights().to_dict(orient="records")),
            "weight_overrides": dg.MetadataValue.json(dict(config.weight_overrides)),
            "countries": len(idx.country),
            "cities": len(idx.city),
            "reference_years": dg.MetadataValue.json(
                sorted(int(y) for y in idx.country["reference_year"].unique())
            ),
            "headline_year_country": int(head_country["reference_year"].iloc[0]),
            "net_loss_countries": int(
                (head_country["net_migration_loss"].fillna(False) & head_country["ranked"]).sum()
            ),
            "ranking_countries": dg.MetadataValue.md(ranked_markdown(head_country, 25, 10)),
            "ranking_cities": dg.MetadataValue.md(
                "\n\n".join(
                    f"**{fw}**\n\n" + ranked_markdown(g, 10, 5)
                    for fw, g in head_city[head_city["framework"] != "none"].groupby("framework")
                )
            ),
            "coherence": dg.MetadataValue.md(
                flagged.round(3).to_markdown(index=False) if len(flagged) else "_no flags_"
            ),
            "dagster/row_count": len(idx.country) + len(idx.city),
            "dagster/column_schema": column_schema(idx.country, "index.country"),
        }
    )
