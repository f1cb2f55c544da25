"""Index assets (thin wrappers over dividend.index.assemble): indicator tables, then the index
per scenario and reference year.

indicator_values  (unpartitioned): every framework's formulas -> schema ``indicators``
                  (long table with provenance, units, one wide table per framework, study cities).
dividend_index    (partitioned by scenario x reference_year): signed index -> schema ``index``
                  (country, city, coherence, contributions, weights, runs); the rows of the
                  run's (scenario, reference_year) partitions replaced in one transaction.
Changing a weight file therefore re-runs only dividend_index and release, not the formulas.
"""

import json

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource
from pydantic import Field

from dividend.index.assemble import (
    IndexTables,
    IndicatorTables,
    evaluate_all,
    index_tables,
    study_cities,
)
from dividend.index.definition import (
    DIMENSIONS,
    PILLARS,
    ConfigError,
    IndexDefinition,
    load_frameworks,
    scenario_paths,
)
from dividend.index.formulas import wide
from dividend.index.verdict import headline_rows
from dividend.portal.charts import ranking_markdown
from pipelines.definition_cache import current_definition
from pipelines.metadata import column_schema, per_scenario_result, table_metadata
from pipelines.partitions import scenario_year_partitions, scenario_years
from pipelines.resources import DUCKDB_POOL
from sources.warehouse import read_table, replace_partition, write_tables

KINDS = {"duckdb", "pandas"}
INDEX_TABLES = ("country", "city", "coherence", "weights", "contributions", "runs")
# per (scenario, reference_year); index.weights is per scenario (one tree per scenario)
YEAR_TABLES = ("country", "city", "coherence", "contributions", "runs")
RUN_CONFIG = ["scenario_sha256", "weight_overrides", "min_coverage"]


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


def run_keys(scenario: str, years: list[int]) -> pd.DataFrame:
    """The run's partitions of one scenario as warehouse keys (scenario, reference_year)."""
    return pd.DataFrame({"scenario": scenario, "reference_year": pd.Series(years, dtype="int64")})


def other_years_differ(
    con, scenario: str, years: list[int], runs: pd.DataFrame, idx: IndexTables
) -> str:
    """Why the run's years would not fit the scenario's other stored years ("" if they fit).

    The rows of one scenario are one index: every year under the same weights, overrides and
    coverage rule (``index.runs``), and the same headline year per frame (it picks the year
    whose national values every city row carries). A run of some years that disagrees on
    either would leave a mixed panel, so it must cover every year instead."""
    if not _has(con, "index", "runs", "reference_year"):
        return ""
    stored = con.execute(
        'SELECT * FROM "index".runs WHERE scenario = ? AND NOT list_contains(?, reference_year)',
        [scenario, years],
    ).df()
    if stored.empty:
        return ""
    mine = runs[RUN_CONFIG].iloc[0].to_dict()
    for col, value in mine.items():
        other = stored[col].unique().tolist()
        if other != [value]:
            stored_years = sorted(int(y) for y in stored["reference_year"])
            return f"index.runs {col} of year(s) {stored_years} is {other}, this run's {value!r}"
    head = {}
    for table in (idx.country, idx.city):
        head.update(dict(table.groupby("framework")["headline_year"].first()))
    for table in ("country", "city"):
        old = con.execute(
            f'SELECT DISTINCT framework, headline_year FROM "index".{table} '
            "WHERE scenario = ? AND NOT list_contains(?, reference_year)",
            [scenario, years],
        ).fetchall()
        for fw, year in old:
            if fw in head and not (pd.isna(year) and pd.isna(head[fw])) and year != head[fw]:
                return f"index.{table} {fw}: stored headline year {year}, now {head[fw]}"
    return ""


def _has(con, schema: str, table: str, column: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? AND column_name = ?",
            [schema, table, column],
        ).fetchall()[0][0]
    )


@dg.asset(
    key=["index", "dividend_index"],
    group_name="index",
    deps=[
        indicator_values,
        dg.AssetKey(["indicators", "framework_files"]),
        dg.AssetKey(["indicators", "weight_files"]),
    ],
    partitions_def=scenario_year_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="Signed migration dividend per country and per city (ranked within its peer group) "
    "for the partition's weight scenario and reference year: pillars, benefit and cost, coverage, "
    "net-loss flag, perception gap; plus the coherence report. Writes index.country, index.city, "
    "index.coherence, index.contributions, index.runs (rows of the run's scenario x year "
    "partitions) and index.weights (per scenario). A range of years runs in one step (one "
    "scenario's 2010-2023 = the whole panel); one partition re-writes one year.",
    kinds=KINDS,
    pool=DUCKDB_POOL,
    code_version="2",
)
def dividend_index(
    context: dg.AssetExecutionContext, config: IndexConfig, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """Every scenario of the run in turn, each written in one transaction.

    The panel is scored whole even for one year: scoring is cheap (the cost is in the
    sensitivity), and the headline year must NOT depend on which years happen to be in the
    run: it is the latest year where >= 60 % of units are rankable, a property of every year.
    Scoring only the run's years would make a one-year run pick that year as the headline.
    Only the run's years are written; :func:`other_years_differ` refuses a run that would not
    fit the stored years."""
    definition = current_definition()  # read once per content: sensitivity and release reuse it
    with duckdb.get_connection() as con:
        ind = IndicatorTables(
            read_table(con, "indicators.units"), read_table(con, "indicators.long")
        )
        study = read_table(con, "indicators.study_cities")
    done = {}
    for name, years in scenario_years(context.partition_keys).items():
        done[name] = index_scenario(context, config, duckdb, definition, ind, study, name, years)
    keep = ("reference_years", "headline_year_country", "countries", "cities")
    return per_scenario_result(done, keep)


def index_scenario(
    context: dg.AssetExecutionContext,
    config: IndexConfig,
    duckdb: DuckDBResource,
    definition: IndexDefinition,
    ind: IndicatorTables,
    study: pd.DataFrame,
    name: str,
    years: list[int],
) -> dict:
    """Score scenario `name`, write its rows of `years`; the materialisation's metadata."""
    if name not in definition.scenarios:  # the scenario file does not validate: say why
        raise dg.Failure(f"scenario {name!r}: {definition.skipped.get(name, 'no file')}")
    frameworks = definition.frameworks
    scenario = with_launchpad_overrides(
        definition.scenarios[name], config.weight_overrides, frameworks
    )
    idx = index_tables(frameworks, scenario, ind, study, config.min_coverage, set(years))
    runs = pd.DataFrame(
        {
            "scenario": name,
            "reference_year": pd.Series(years, dtype="int64"),
            "scenario_sha256": scenario.sha256,
            "weight_overrides": json.dumps(dict(config.weight_overrides), sort_keys=True),
            "min_coverage": float(config.min_coverage),
            "run_id": context.run.run_id,
        }
    )
    frames = (idx.country, idx.city, idx.coherence, idx.weights, idx.contributions, runs)
    scored = dict(zip(INDEX_TABLES, frames, strict=True))
    tables = {
        f"index.{t}": f[f["reference_year"].isin(years)] if t in YEAR_TABLES else f
        for t, f in scored.items()
    }
    with duckdb.get_connection() as con:  # (closed on exit only: raise outside the block)
        why = other_years_differ(con, name, years, runs, idx)
    if why:
        raise dg.Failure(
            f"scenario {name!r}, reference year(s) {years}: {why}. The stored years were "
            "built differently; materialise every reference year of the scenario in one "
            "run (a range over all its years), nothing was written."
        )
    with duckdb.get_connection() as con:
        replace_partition(
            con,
            tables,
            keys=run_keys(name, years),
            keep=scenario_paths(),  # a deleted scenario file's rows go
        )
    country, city = tables["index.country"], tables["index.city"]
    flagged = idx.coherence[idx.coherence["flag"] & idx.coherence["reference_year"].isin(years)]
    head_country, head_city = headline_rows(idx.country), headline_rows(idx.city)
    return {
        "scenario": name,
        "scenario_sha256": scenario.sha256,
        "weights": dg.MetadataValue.json(scenario.declared_weights().to_dict(orient="records")),
        "weight_overrides": dg.MetadataValue.json(dict(config.weight_overrides)),
        "countries": int(country["geo"].nunique()),
        "cities": int(city["geo"].nunique()),
        "reference_years": dg.MetadataValue.json(years),
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
        "dagster/row_count": len(country) + len(city),
        "dagster/column_schema": column_schema(idx.country, "index.country"),
    }
