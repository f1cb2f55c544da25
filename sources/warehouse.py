"""DuckDB warehouse I/O: short, transactional writes so a failure leaves the last good tables.

Layers are DuckDB schemas: `raw` (publisher values, publisher keys), `staged` (ISO3/city keys,
quality rules applied), `quality` (the decisions of every rule), and later `indicators`,
`index`, `sensitivity`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WAREHOUSE = REPO_ROOT / "data" / "warehouse.duckdb"


def warehouse_path() -> Path:
    """The warehouse file; `DIVIDEND_WAREHOUSE` points tests and benchmarks at a temporary one."""
    return Path(os.environ.get("DIVIDEND_WAREHOUSE", DEFAULT_WAREHOUSE))


def _quote(qualified: str) -> tuple[str, str]:
    schema, _, table = qualified.partition(".")
    if not table or not schema.isidentifier() or not table.replace("-", "_").isidentifier():
        raise ValueError(f"table name must be 'schema.table', got {qualified!r}")
    return schema, table


def write_tables(con: duckdb.DuckDBPyConnection, tables: Mapping[str, pd.DataFrame]) -> None:
    """Replace each `schema.table` with its frame, all in one transaction (all or nothing)."""
    con.execute("BEGIN TRANSACTION")
    try:
        for qualified, frame in tables.items():
            schema, table = _quote(qualified)
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            con.register("_frame", frame)
            con.execute(f'CREATE OR REPLACE TABLE "{schema}"."{table}" AS SELECT * FROM _frame')
            con.unregister("_frame")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def read_table(con: duckdb.DuckDBPyConnection, qualified: str) -> pd.DataFrame:
    schema, table = _quote(qualified)
    return con.execute(f'SELECT * FROM "{schema}"."{table}"').df()
