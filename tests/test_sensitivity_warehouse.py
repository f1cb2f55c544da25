"""sources.warehouse.replace_partition, the write of the partitioned index and sensitivity
assets: only the partition's rows change, all tables in one transaction."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from sources.warehouse import replace_partition


def _rows(con, table: str) -> list[tuple]:
    return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()


def test_replaces_only_the_partitions_rows_and_starts_afresh_on_new_columns():
    con = duckdb.connect()
    a = pd.DataFrame({"scenario": ["a", "a"], "v": [1, 2]})
    b = pd.DataFrame({"scenario": ["b"], "v": [3]})
    replace_partition(con, {"s.t": a}, key_column="scenario", key="a")  # creates schema, table
    replace_partition(con, {"s.t": b}, key_column="scenario", key="b")
    replace_partition(con, {"s.t": a.assign(v=[7, 8])}, key_column="scenario", key="a")
    assert _rows(con, "s.t") == [("a", 7), ("a", 8), ("b", 3)]
    wider = b.assign(w=["x"])  # a new column: the table is rebuilt from this frame
    replace_partition(con, {"s.t": wider}, key_column="scenario", key="b")
    assert _rows(con, "s.t") == [("b", 3, "x")]


def test_a_failure_leaves_every_table_as_it_was():
    con = duckdb.connect()
    replace_partition(
        con, {"s.t": pd.DataFrame({"scenario": ["a"], "v": [1]})}, key_column="scenario", key="a"
    )
    good = pd.DataFrame({"scenario": ["a"], "v": [2]})
    with pytest.raises(ValueError, match=r"table name must be 'schema\.table'"):
        replace_partition(con, {"s.t": good, "bad": good}, key_column="scenario", key="a")
    assert _rows(con, "s.t") == [("a", 1)]
    with pytest.raises(ValueError, match=r"s.u: key column 'scenario' missing"):
        replace_partition(con, {"s.u": pd.DataFrame({"v": [1]})}, key_column="scenario", key="a")
