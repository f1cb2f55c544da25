"""DuckDB warehouse I/O: short, transactional writes so a failure leaves the last good tables.

Layers are DuckDB schemas: `raw` (publisher values, publisher keys), `staged` (ISO3/city keys,
quality rules applied), `quality` (the decisions of every rule), and later `indicators`,
`index`, `sensitivity`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

import duckdb
import pandas as pd

from dividend.paths import REPO_ROOT

DEFAULT_WAREHOUSE = REPO_ROOT / "data" / "warehouse.duckdb"


def warehouse_path() -> Path:
    """The warehouse file; `DIVIDEND_WAREHOUSE` points tests and benchmarks at a temporary one."""
    return Path(os.environ.get("DIVIDEND_WAREHOUSE", DEFAULT_WAREHOUSE))


def _quote(qualified: str) -> tuple[str, str]:
    schema, _, table = qualified.partition(".")
    if not table or not schema.isidentifier() or not table.replace("-", "_").isidentifier():
        raise ValueError(f"table name must be 'schema.table', got {qualified!r}")
    return schema, table


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    """The table's columns in order; empty when it does not exist."""
    return [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
            [schema, table],
        ).fetchall()
    ]


def _transaction(
    con: duckdb.DuckDBPyConnection,
    tables: Mapping[str, pd.DataFrame],
    write: Callable[[str, str, pd.DataFrame], None],
) -> None:
    """``write(schema, table, frame)`` for every `schema.table` (registered as ``_frame``),
    all in one transaction: a failure leaves every table as it was."""
    con.execute("BEGIN TRANSACTION")
    try:
        for qualified, frame in tables.items():
            schema, table = _quote(qualified)
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            con.register("_frame", frame)
            write(schema, table, frame)
            con.unregister("_frame")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def write_tables(con: duckdb.DuckDBPyConnection, tables: Mapping[str, pd.DataFrame]) -> None:
    """Replace each `schema.table` with its frame, all in one transaction (all or nothing)."""

    def replace(schema: str, table: str, _frame: pd.DataFrame) -> None:
        con.execute(f'CREATE OR REPLACE TABLE "{schema}"."{table}" AS SELECT * FROM _frame')

    _transaction(con, tables, replace)


def replace_partition(
    con: duckdb.DuckDBPyConnection,
    tables: Mapping[str, pd.DataFrame],
    *,
    key_column: str,
    key: str,
    keep: Collection[str] | None = None,
) -> None:
    """Replace only the rows ``key_column = key`` of each `schema.table`, in one transaction.

    ``keep``: the partitions that still exist; rows of any other key (a deleted scenario
    file) are removed in the same transaction.

    For partitioned assets (one scenario's rows), so other partitions stay. A table that does
    not exist yet, or whose columns differ from the frame's (new or renamed columns after a
    code change), is created afresh from the frame: its other partitions' rows go, because
    they were written by the old code and would not match.
    """
    for qualified, frame in tables.items():
        if key_column not in frame.columns:
            raise ValueError(f"{qualified}: key column {key_column!r} missing from the frame")

    def replace_rows(schema: str, table: str, frame: pd.DataFrame) -> None:
        name = f'"{schema}"."{table}"'
        if _columns(con, schema, table) != list(frame.columns):
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _frame")
        else:
            con.execute(f'DELETE FROM {name} WHERE "{key_column}" = ?', [key])
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _frame")
        if keep is not None:
            con.execute(
                f'DELETE FROM {name} WHERE NOT list_contains(?, "{key_column}")',
                [sorted({*keep, key})],
            )

    _transaction(con, tables, replace_rows)


def read_table(con: duckdb.DuckDBPyConnection, qualified: str) -> pd.DataFrame:
    schema, table = _quote(qualified)
    return con.execute(f'SELECT * FROM "{schema}"."{table}"').df()


def table_fingerprint(con: duckdb.DuckDBPyConnection, qualified: str) -> tuple[int, int]:
    """(rows, 64-bit hash of every row's cells, in row order) of a stored table, inside DuckDB:
    tells whether a table is still exactly what was written, without reading it into pandas."""
    schema, table = _quote(qualified)
    rows, digest = con.execute(
        f'SELECT count(*), hash(list(hash(t) ORDER BY rowid)) FROM "{schema}"."{table}" AS t'
    ).fetchone()
    return int(rows), int(digest or 0)
