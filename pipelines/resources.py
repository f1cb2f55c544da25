"""Resources of the code location: the DuckDB warehouse."""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from dividend.index.sql_sandbox import CONNECTION_CONFIG
from sources.warehouse import warehouse_path

# Every op that opens the warehouse joins this pool; dagster.yaml limits it to one at a time,
# because DuckDB allows one writer per file and a writer locks out other processes' readers.
DUCKDB_POOL = "duckdb"


def warehouse_db(path) -> DuckDBResource:
    """The warehouse at `path`, with the sandbox settings of every warehouse connection: no
    file, network or extension access from SQL, configuration locked (see sql_sandbox)."""
    return DuckDBResource(database=str(path), connection_config=dict(CONNECTION_CONFIG))


def warehouse_resource() -> DuckDBResource:
    path = warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return warehouse_db(path)


def warehouse_asset(**kwargs):
    """`dg.asset` for an asset that opens the warehouse: it joins the DuckDB pool and shows
    the duckdb and pandas kinds in the UI."""
    return dg.asset(
        kinds={"duckdb", "pandas"},
        pool=DUCKDB_POOL,
        code_version=kwargs.pop("code_version", "1"),
        **kwargs,
    )
