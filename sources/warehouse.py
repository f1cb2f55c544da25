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
    keys: pd.DataFrame,
    keep: Collection[str] | None = None,
) -> None:
    """Replace only the rows of the partitions in ``keys`` in each `schema.table`, in one
    transaction.

    ``keys``: one row per partition of the run, one column per key (e.g. ``scenario``, or
    ``scenario`` and ``reference_year``). Each table is keyed by the key columns it has and
    must have the first: a per-scenario table (``index.weights``, no ``reference_year``) is
    replaced for the run's scenarios as a whole, a per-year table only in the run's years.
    Every frame row must belong to one of the keys (else it would land in a partition the
    run does not own). ``keep``: the values of the first key that still exist; rows of any
    other (a deleted scenario file) are removed in the same transaction.

    For partitioned assets, so other partitions stay exactly as they were. A frame may lack
    some of the table's columns (an input that varies only in some years, e.g. survey
    sampling: its ``sensitivity.runs`` column): they are NULL in its rows, as in a run over
    every year. A table that does not exist yet, or that lacks a column of the frame (new or
    renamed columns after a code change), is created afresh from the frame: its other
    partitions' rows go, because they were written by the old code and would not match (the
    release then lacks those years until they are materialised again).
    """
    first = keys.columns[0]
    table_keys = {}
    for qualified, frame in tables.items():
        cols = [c for c in keys.columns if c in frame.columns]
        if first not in cols:
            raise ValueError(f"{qualified}: key column {first!r} missing from the frame")
        outside = frame[cols].merge(keys[cols].drop_duplicates(), how="left", indicator=True)
        if (outside["_merge"] == "left_only").any():
            row = outside[outside["_merge"] == "left_only"].iloc[0][cols].to_dict()
            raise ValueError(f"{qualified}: row with {row} is outside the run's partitions")
        table_keys[qualified] = cols
    con.register("_keys", keys)

    def replace_rows(schema: str, table: str, frame: pd.DataFrame) -> None:
        name = f'"{schema}"."{table}"'
        if not set(frame.columns) <= set(_columns(con, schema, table)):
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _frame")
        else:
            cols = table_keys[f"{schema}.{table}"]
            match = " AND ".join(f't."{c}" IS NOT DISTINCT FROM k."{c}"' for c in cols)
            con.execute(
                f"DELETE FROM {name} AS t WHERE EXISTS "
                f"(SELECT 1 FROM (SELECT DISTINCT {', '.join(cols)} FROM _keys) k WHERE {match})"
            )
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _frame")
        if keep is not None:
            own = keys[first].astype(str).tolist()
            con.execute(
                f'DELETE FROM {name} WHERE NOT list_contains(?, "{first}")',
                [sorted({*keep, *own})],
            )

    try:
        _transaction(con, tables, replace_rows)
    finally:
        con.unregister("_keys")


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
