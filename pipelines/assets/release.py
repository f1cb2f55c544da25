"""Release asset: writes exports/<release-id>/ for the scenario partition, then exports/latest.

A thin wrapper over dividend.build / dividend.release; the same files as ``dividend build``.
Sensitivity outputs (issue 6) join the release when schema ``sensitivity`` has tables.
"""

import json
import os
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from dividend.build import (
    IndexTables,
    IndicatorTables,
    read_data_quality,
    release_tables,
    sensitivity_tables,
)
from dividend.config import REPO_ROOT, load_frameworks, load_scenario, scenario_paths
from dividend.release import write_release
from pipelines.assets.index import dividend_index
from pipelines.partitions import scenario_partitions
from pipelines.resources import DUCKDB_POOL


def exports_dir() -> Path:
    """``DIVIDEND_EXPORTS`` (tests, benchmarks) or ``exports/`` in the repo."""
    return Path(os.environ.get("DIVIDEND_EXPORTS", REPO_ROOT / "exports"))


@dg.asset(
    key=["exports", "release"],
    group_name="index",
    deps=[
        dividend_index,
        dg.AssetKey(["sensitivity", "dividend_sensitivity"]),
        dg.AssetKey(["quality", "data_quality"]),
    ],
    partitions_def=scenario_partitions,
    description="Downloadable release for the scenario: country_index, city_index, indicators_long, "
    "weights, data_quality, coherence (CSV and one XLSX), datapackage.json, METHODOLOGY.md; "
    "written atomically to exports/<date>_<scenario>_<hash>/ and exports/latest.",
    kinds={"csv", "excel"},
    pool=DUCKDB_POOL,
    code_version="1",
)
def release(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    name = context.partition_key
    frameworks = load_frameworks()
    scenario = load_scenario(scenario_paths()[name], frameworks)
    with duckdb.get_connection() as con:

        def part(table: str):
            return con.execute(f'SELECT * FROM "index"."{table}" WHERE scenario = ?', [name]).df()

        idx = IndexTables(part("country"), part("city"), part("coherence"), part("weights"))
        runs = part("runs")
        ind = IndicatorTables(
            con.execute("SELECT * FROM indicators.units").df(),
            con.execute("SELECT * FROM indicators.long").df(),
        )
        dq = read_data_quality(con)
        extra = sensitivity_tables(con, name)
    overrides = json.loads(runs["weight_overrides"].iloc[0]) if len(runs) else {}
    if overrides:
        scenario = scenario.with_overrides(overrides, frameworks)
    for col in ("rank", "country_rank"):  # DuckDB returns nullable ints as float; keep them ints
        for t in (idx.country, idx.city):
            if col in t.columns:
                t[col] = t[col].astype("Int64")
    out = write_release(release_tables(frameworks, scenario, ind, idx, dq, extra), exports_dir())
    files = sorted(p.name for p in out.iterdir())
    context.log.info("release written to %s", out)
    return dg.MaterializeResult(
        metadata={
            "release_id": out.name,
            "path": dg.MetadataValue.path(str(out)),
            "files": dg.MetadataValue.json(files),
            "weight_overrides": dg.MetadataValue.json(overrides),
            "sensitivity_tables": dg.MetadataValue.json(sorted(extra)),
        }
    )
