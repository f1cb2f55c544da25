"""Sensitivity assets (thin wrappers over dividend.index.uncertainty), partitioned by scenario x
reference year.

dividend_sensitivity: for the partition's weight scenario and reference year(s), every
framework's signed dividend re-scored under uncertain weights (noise applied after the
scenario choice), weight scenario, neutral values and goalposts (documented ranges),
aggregation of pillar dividends, imputation and survey sampling error (Saltelli design, Sobol
indices with bootstrap intervals, per-unit rank intervals and net-loss probabilities,
leave-one-indicator-out shifts, every run's parameters, the paired 5-year change with
P(improved)). Writes schema ``sensitivity`` (units, inputs, unit_indices, runs, leave_one_out,
changes: rows of the run's (scenario, year) partitions; settings: per scenario); the release
exports that schema. The design is the same in every year (same seed, same points), so a run
of one year recomputes the year five before for its change and gets the rows a whole-panel
run gets. Runs locally, or on Dask with ``use_dask`` (resource ``dask``: LocalCluster, or a
scheduler address). The nominal configuration is the partition's index run: the resolved
weights stored in ``index.weights`` (Launchpad overrides included) and ``min_coverage`` from
``index.runs``; ranks follow the index's rule, so the nominal rank is the published one.
"""

import json
import time
from contextlib import nullcontext

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource
from pydantic import Field

from dividend.index.definition import scenario_paths
from dividend.index.formulas import wide
from dividend.index.uncertainty import (
    VARY,
    IndexSettings,
    index_sensitivity,
    resolved_trees,
    survey_table,
)
from dividend.release.contents import SENSITIVITY_SETTINGS, sensitivity_settings
from dividend.release.from_warehouse import sensitivity_config
from dividend.sensitivity.signed_means import SIGNED_METHODS
from pipelines.assets.index import run_keys
from pipelines.definition_cache import current_definition
from pipelines.metadata import column_schema, per_scenario_result
from pipelines.partitions import REFERENCE_YEARS, scenario_year_partitions, scenario_years
from pipelines.resources import DUCKDB_POOL
from pipelines.resources_dask import DaskResource
from sources import warehouse
from sources.warehouse import read_table

SCHEMA = "sensitivity"


class SensitivityRunConfig(dg.Config):
    """Launchpad settings: sample size, seed, design and which inputs vary."""

    n: int = Field(default=256, description="Base sample size N of the design (runs = N x blocks).")
    seed: int = Field(default=20_240_601, description="Random seed: same seed, same results.")
    design: str = Field(
        default="sa", description="sa (Sobol indices + uncertainty) or ua (uncertainty only)."
    )
    sampler: str = Field(default="sobol", description="sobol (quasi-random) or random.")
    nboot: int = Field(default=1000, description="Bootstrap resamples of the Sobol intervals.")
    vary: list[str] = Field(
        default=list(VARY), description=f"Inputs that vary; any of {', '.join(VARY)}."
    )
    weight_noise: float = Field(
        default=0.25, description="Multiplicative noise on every weight (0.25 = ±25 %)."
    )
    n_sets: int = Field(default=200, description="Noisy weight sets drawn for 'weights'.")
    neutral_shift: float = Field(
        default=0.25, description="Neutral values shift by up to ± this many goalposts."
    )
    goalpost_scale: list[float] = Field(
        default=[0.75, 1.33], description="[low, high] scale range of the goalposts."
    )
    aggregation: list[str] = Field(
        default=list(SIGNED_METHODS),
        description=f"Aggregation of pillar dividends varied over; any of {', '.join(SIGNED_METHODS)}.",
    )
    em_ridge: float | None = Field(
        default=None,
        description="EM imputation ridge prior in pseudo-units; empty = one per scored indicator.",
    )
    min_coverage: float | None = Field(
        default=None, description="Coverage rule; empty = as the partition's index run."
    )
    use_dask: bool = Field(default=False, description="Run the blocks on the Dask resource.")


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


def stored_settings_differ(con, scenario: str, years: list[int], settings: dict) -> str:
    """Why the run's settings would not fit the scenario's other stored years ("" if they do):
    their changes pair with this run's design, and ``sensitivity.settings`` is one row per
    scenario, so a run of some years must use the settings the other years were made with."""
    has = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = ? AND table_name = 'units'",
        [SCHEMA],
    ).fetchall()[0][0]
    others = (
        has
        and con.execute(
            f"SELECT count(*) FROM {SCHEMA}.units WHERE scenario = ? "
            "AND NOT list_contains(?, reference_year)",
            [scenario, years],
        ).fetchall()[0][0]
    )
    stored = sensitivity_settings(con, scenario)
    settings = json.loads(json.dumps(settings))  # as stored: tuples become lists
    if not others or stored is None or stored == settings:
        return ""
    diff = sorted(k for k in {*stored, *settings} if stored.get(k) != settings.get(k))
    return f"settings {diff} differ from the stored years'"


def replace_scenario_rows(
    con, tables: dict[str, pd.DataFrame], scenario: str, years: list[int] | None = None
) -> None:
    """Replace the rows of (scenario, each of `years`: default every reference year) in each
    ``sensitivity`` table, and the scenario's settings row, in one transaction; rows of
    scenarios whose file was deleted go too."""
    years = [int(y) for y in REFERENCE_YEARS] if years is None else years
    qualified = {f"{SCHEMA}.{t}": f for t, f in tables.items()}
    warehouse.replace_partition(
        con, qualified, keys=run_keys(scenario, years), keep=scenario_paths()
    )


@dg.asset(
    key=["sensitivity", "dividend_sensitivity"],
    group_name="sensitivity",
    deps=[dg.AssetKey(["index", "dividend_index"])],
    partitions_def=scenario_year_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="Uncertainty and Sobol sensitivity of the signed dividend for the partition's "
    "weight scenario and reference year: per-unit median rank, 5-95% rank interval, score "
    "interval and probability of net migration loss; Si/STi per input with bootstrap intervals "
    "(headline year); leave-one-indicator-out rank shifts; the paired 5-year change and "
    "P(improved); the parameters of every run. Writes schema sensitivity (rows of the run's "
    "scenario x year partitions). A range of years runs in one step.",
    kinds={"duckdb", "pandas", "dask"},
    pool=DUCKDB_POOL,
    code_version="2",
)
def dividend_sensitivity(
    context: dg.AssetExecutionContext,
    config: SensitivityRunConfig,
    duckdb: DuckDBResource,
    dask: DaskResource,
) -> dg.MaterializeResult:
    definition = current_definition()  # every valid scenario: the scenario choice is an input
    with duckdb.get_connection() as con:
        units = read_table(con, "indicators.units")
        long = read_table(con, "indicators.long")
    data = {n: panel_tables(units, long, n, fw.codes) for n, fw in definition.frameworks.items()}
    done = {
        name: sensitivity_scenario(context, config, duckdb, dask, definition, data, name, years)
        for name, years in scenario_years(context.partition_keys).items()
    }
    keep = ("runs", "failed_runs", "reference_years", "paired_changes", "elapsed_s")
    return per_scenario_result(done, keep)


def sensitivity_scenario(
    context: dg.AssetExecutionContext,
    config: SensitivityRunConfig,
    duckdb: DuckDBResource,
    dask: DaskResource,
    definition,
    data: dict,
    name: str,
    years: list[int],
) -> dict:
    """Scenario `name`'s sensitivity in `years`, written; the materialisation's metadata."""
    if name not in definition.scenarios:
        raise dg.Failure(f"scenario {name!r} skipped: {definition.skipped.get(name, 'no file')}")
    frameworks = definition.frameworks
    with duckdb.get_connection() as con:
        index_run = con.execute(
            'SELECT DISTINCT min_coverage, weight_overrides FROM "index".runs '
            "WHERE scenario = ? AND list_contains(?, reference_year)",
            [name, years],
        ).fetchall()
        stored_years = {
            int(y)
            for (y,) in con.execute(
                'SELECT DISTINCT reference_year FROM "index".runs WHERE scenario = ?', [name]
            ).fetchall()
        }
        weights = con.execute('SELECT * FROM "index".weights WHERE scenario = ?', [name]).df()
    missing = sorted(set(years) - stored_years)
    if missing or len(index_run) != 1:
        raise dg.Failure(
            f"index.runs has no single configuration for scenario {name!r} in year(s) "
            f"{missing or years}: materialise index/dividend_index for these partitions first "
            "(its ranks are the nominal ones)"
        )
    # the index's own weights and coverage rule, Launchpad tweaks included, as stored
    overrides = json.loads(index_run[0][1])
    nominal = resolved_trees(frameworks, weights)
    min_coverage = index_run[0][0] if config.min_coverage is None else config.min_coverage
    settings = IndexSettings(
        **{**config.model_dump(exclude={"use_dask"}), "min_coverage": min_coverage}
    )
    # how these rows were made, so a release can prove they belong to its weights
    made_with = sensitivity_config(settings, weights)
    with duckdb.get_connection() as con:
        surveys = {n: survey_table(con, fw) for n, fw in frameworks.items()}
        headline = headline_years(con, name)  # from every stored year, never the run's
        why = stored_settings_differ(con, name, years, made_with)
    if why:
        raise dg.Failure(
            f"sensitivity of scenario {name!r}, year(s) {years}: {why}; materialise every "
            "reference year of the scenario in one run, nothing was written."
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
            years=years,
        )
    elapsed = time.perf_counter() - t0
    runs = tables.get("runs", pd.DataFrame(columns=["status"]))
    failed = runs[runs["status"] == "failed"]
    for row in failed.head(20).itertuples():  # failed runs are rows, never NaN in disguise
        context.log.warning("failed run %s (%s): %s", row.run, row.framework, row.error)
    tables[SENSITIVITY_SETTINGS] = pd.DataFrame(
        {"scenario": [name], "settings": [json.dumps(made_with, sort_keys=True)]}
    )
    with duckdb.get_connection() as con:
        replace_scenario_rows(con, tables, name, years)
    inputs = tables.get("inputs")
    return {
        "runs": len(runs),
        "dagster/column_schema": column_schema(
            tables.get("units", pd.DataFrame()), "sensitivity_units"
        ),
        "min_coverage": min_coverage,
        "weight_overrides": dg.MetadataValue.json(overrides),
        "failed_runs": len(failed),
        "reference_years": dg.MetadataValue.json(years),
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


sensitivity_assets = [dividend_sensitivity]
