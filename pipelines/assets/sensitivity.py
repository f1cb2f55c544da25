"""Sensitivity assets (thin wrappers over dividend.index.uncertainty), one per scenario partition.

dividend_sensitivity: for the partition's weight scenario, every framework's signed dividend
re-scored, for every reference year of the panel, under uncertain weights (noise applied after
the scenario choice), weight scenario, neutral values and goalposts (documented ranges),
aggregation of pillar dividends, imputation and survey sampling error (Saltelli design, Sobol indices with bootstrap intervals, per-unit rank intervals and
net-loss probabilities, leave-one-indicator-out shifts, every run's parameters, the paired 5-year change with
P(improved)). Writes schema ``sensitivity`` (units, inputs, unit_indices, runs, leave_one_out,
changes), replacing the
partition's rows; the release exports that schema. Runs locally, or on Dask with
``use_dask`` (resource ``dask``: LocalCluster, or a scheduler address). The nominal
configuration is the partition's index run: the resolved weights stored in ``index.weights``
(Launchpad overrides included) and ``min_coverage`` from ``index.runs``; ranks follow the
index's rule, so the nominal rank is the published one.
"""

import json
import time
from contextlib import nullcontext

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from dividend.index.definition import load_definition, scenario_paths
from dividend.index.formulas import wide
from dividend.index.uncertainty import (
    VARY,
    IndexSettings,
    index_sensitivity,
    resolved_trees,
    survey_table,
)
from dividend.release.contents import SENSITIVITY_SETTINGS
from dividend.release.from_warehouse import sensitivity_config
from dividend.sensitivity.signed_means import SIGNED_METHODS
from pipelines.metadata import column_schema
from pipelines.partitions import scenario_partitions
from pipelines.resources import DUCKDB_POOL
from pipelines.resources_dask import DaskResource
from sources import warehouse
from sources.warehouse import read_table

SCHEMA = "sensitivity"


class SensitivityRunConfig(dg.Config):
    """Launchpad settings: sample size, seed, design and which inputs vary."""

    n: int = 256
    seed: int = 20_240_601
    design: str = "sa"
    sampler: str = "sobol"
    nboot: int = 1000
    vary: list[str] = list(VARY)  # noqa: RUF012 (Dagster Config copies defaults)
    weight_noise: float = 0.25
    n_sets: int = 200
    neutral_shift: float = 0.25
    goalpost_scale: list[float] = [0.75, 1.33]  # noqa: RUF012
    aggregation: list[str] = list(SIGNED_METHODS)  # noqa: RUF012
    em_ridge: float | None = None  # None: one pseudo-unit per scored indicator
    min_coverage: float | None = None  # None: as the partition's index run (index.runs)
    use_dask: bool = False


def panel_tables(
    units: pd.DataFrame, long: pd.DataFrame, framework: str, codes: tuple[str, ...]
) -> dict[int | None, pd.DataFrame]:
    """reference_year -> units x indicators table of one framework. The panel is keyed by
    the units table's ``reference_year`` (one row per unit and panel year); without it (a
    single-year index, where ``long.reference_year`` is each indicator's own target year)
    there is one entry, year None."""
    u = units[units["framework"] == framework]
    lg = long[long["framework"] == framework]
    if "reference_year" not in u.columns:
        return {None: wide(u, lg, codes)}
    out: dict[int | None, pd.DataFrame] = {}
    for year, uy in u.groupby("reference_year", sort=True):  # a loop over panel years
        out[int(year)] = wide(uy, lg[lg["reference_year"] == year], codes)
    return out


def headline_years(con, scenario: str) -> dict[str, int]:
    """framework -> the headline reference year the index chose for it (the year whose
    sensitivity runs the full Saltelli design); empty for a single-year index."""
    out: dict[str, int] = {}
    for table in ("country", "city"):
        cols = con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'index' AND table_name = ?",
            [table],
        ).fetchall()
        if ("headline_year",) not in cols:
            continue
        rows = con.execute(
            f'SELECT DISTINCT framework, headline_year FROM "index".{table} '
            "WHERE scenario = ? AND headline_year IS NOT NULL",
            [scenario],
        ).fetchall()
        out.update({f: int(y) for f, y in rows})
    return out


def replace_scenario_rows(con, tables: dict[str, pd.DataFrame], scenario: str) -> None:
    """Replace one scenario's rows in each ``sensitivity`` table, in one transaction; rows of
    scenarios whose file was deleted go too."""
    qualified = {f"{SCHEMA}.{t}": f for t, f in tables.items()}
    warehouse.replace_partition(
        con, qualified, key_column="scenario", key=scenario, keep=scenario_paths()
    )


@dg.asset(
    key=["sensitivity", "dividend_sensitivity"],
    group_name="sensitivity",
    deps=[dg.AssetKey(["index", "dividend_index"])],
    partitions_def=scenario_partitions,
    description="Uncertainty and Sobol sensitivity of the signed dividend for the partition's "
    "weight scenario: per-unit median rank, 5-95% rank interval, score interval and "
    "probability of net migration loss; Si/STi per input with bootstrap intervals; "
    "leave-one-indicator-out rank shifts; the parameters of every run. Writes schema "
    "sensitivity.",
    kinds={"duckdb", "pandas", "dask"},
    pool=DUCKDB_POOL,
    code_version="1",
)
def dividend_sensitivity(
    context: dg.AssetExecutionContext,
    config: SensitivityRunConfig,
    duckdb: DuckDBResource,
    dask: DaskResource,
) -> dg.MaterializeResult:
    name = context.partition_key
    definition = load_definition()  # every valid scenario: the scenario choice is an input
    if name not in definition.scenarios:
        raise dg.Failure(f"scenario {name!r} skipped: {definition.skipped.get(name, 'no file')}")
    frameworks = definition.frameworks
    with duckdb.get_connection() as con:
        units = read_table(con, "indicators.units")
        long = read_table(con, "indicators.long")
        index_run = con.execute(
            'SELECT min_coverage, weight_overrides FROM "index".runs WHERE scenario = ?', [name]
        ).fetchall()
        weights = con.execute('SELECT * FROM "index".weights WHERE scenario = ?', [name]).df()
    if len(index_run) != 1:
        raise dg.Failure(
            f"index.runs has {len(index_run)} rows for scenario {name!r}: materialise "
            "index/dividend_index for this partition first (its ranks are the nominal ones)"
        )
    # the index's own weights and coverage rule, Launchpad tweaks included, as stored
    overrides = json.loads(index_run[0][1])
    nominal = resolved_trees(frameworks, weights)
    min_coverage = index_run[0][0] if config.min_coverage is None else config.min_coverage
    data = {n: panel_tables(units, long, n, fw.codes) for n, fw in frameworks.items()}
    with duckdb.get_connection() as con:
        surveys = {n: survey_table(con, fw) for n, fw in frameworks.items()}
        headline = headline_years(con, name)
    settings = IndexSettings(
        **{**config.model_dump(exclude={"use_dask"}), "min_coverage": min_coverage}
    )
    last = {"t": 0.0}

    def progress(framework: str, done: int, total: int) -> None:
        if done == total or time.monotonic() - last["t"] > 5:
            last["t"] = time.monotonic()
            context.log.info("sensitivity %s/%s: %d of %d runs", name, framework, done, total)

    t0 = time.perf_counter()
    with dask.get_client() if config.use_dask else nullcontext() as client:
        tables = index_sensitivity(
            frameworks,
            definition.scenarios[name],
            definition.scenarios,
            data,
            settings,
            progress,
            client,
            nominal=nominal,
            surveys=surveys,
            headline=headline,
        )
    elapsed = time.perf_counter() - t0
    runs = tables.get("runs", pd.DataFrame(columns=["status"]))
    failed = runs[runs["status"] == "failed"]
    for row in failed.head(20).itertuples():  # failed runs are rows, never NaN in disguise
        context.log.warning("failed run %s (%s): %s", row.run, row.framework, row.error)
    # how these rows were made, so a release can prove they belong to its weights
    config = sensitivity_config(settings, weights)
    tables[SENSITIVITY_SETTINGS] = pd.DataFrame(
        {"scenario": [name], "settings": [json.dumps(config, sort_keys=True)]}
    )
    with duckdb.get_connection() as con:
        replace_scenario_rows(con, tables, name)
    inputs = tables.get("inputs")
    return dg.MaterializeResult(
        metadata={
            "runs": len(runs),
            "dagster/column_schema": column_schema(
                tables.get("units", pd.DataFrame()), "sensitivity_units"
            ),
            "min_coverage": min_coverage,
            "weight_overrides": dg.MetadataValue.json(overrides),
            "failed_runs": len(failed),
            "reference_years": dg.MetadataValue.json(
                sorted({int(y) for y in tables["units"]["reference_year"].dropna()})
                if "units" in tables
                else []
            ),
            "paired_changes": len(tables.get("changes", [])),
            "elapsed_s": round(elapsed, 2),
            "tables": dg.MetadataValue.json(sorted(f"{SCHEMA}.{t}" for t in tables)),
            "indices": dg.MetadataValue.md(
                inputs[["framework", "reference_year", "input", "Si", "STi"]]
                .round(3)
                .to_markdown(index=False)
                if inputs is not None
                else "_design ua: no indices_"
            ),
        }
    )


sensitivity_assets = [dividend_sensitivity]
