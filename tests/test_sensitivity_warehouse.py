"""sources.warehouse.replace_partition, the write of the partitioned index and sensitivity
assets: only the partition's rows change, all tables in one transaction."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from sources.warehouse import replace_partition


def _key(scenario: str) -> pd.DataFrame:
    return pd.DataFrame({"scenario": [scenario]})


def _rows(con, table: str) -> list[tuple]:
    return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()


def test_replaces_only_the_partitions_rows_and_starts_afresh_on_new_columns():
    con = duckdb.connect()
    a = pd.DataFrame({"scenario": ["a", "a"], "v": [1, 2]})
    b = pd.DataFrame({"scenario": ["b"], "v": [3]})
    replace_partition(con, {"s.t": a}, keys=_key("a"))  # creates schema, table
    replace_partition(con, {"s.t": b}, keys=_key("b"))
    replace_partition(con, {"s.t": a.assign(v=[7, 8])}, keys=_key("a"))
    assert _rows(con, "s.t") == [("a", 7), ("a", 8), ("b", 3)]
    wider = b.assign(w=["x"])  # a new column: the table is rebuilt from this frame
    replace_partition(con, {"s.t": wider}, keys=_key("b"))
    assert _rows(con, "s.t") == [("b", 3, "x")]


def test_a_failure_leaves_every_table_as_it_was():
    con = duckdb.connect()
    replace_partition(con, {"s.t": pd.DataFrame({"scenario": ["a"], "v": [1]})}, keys=_key("a"))
    good = pd.DataFrame({"scenario": ["a"], "v": [2]})
    with pytest.raises(ValueError, match=r"table name must be 'schema\.table'"):
        replace_partition(con, {"s.t": good, "bad": good}, keys=_key("a"))
    assert _rows(con, "s.t") == [("a", 1)]
    with pytest.raises(ValueError, match=r"s.u: key column 'scenario' missing"):
        replace_partition(con, {"s.u": pd.DataFrame({"v": [1]})}, keys=_key("a"))


def test_scenario_year_keys_replace_only_the_runs_years_and_per_scenario_tables_whole():
    """The index and sensitivity write (scenario, reference_year) partitions: a run of one
    year replaces that year's rows; a table without reference_year is replaced per scenario."""
    con = duckdb.connect()
    panel = pd.DataFrame(
        {"scenario": ["a", "a", "a", "b"], "reference_year": [2020, 2021, 2022, 2021]}
    ).assign(v=[1.0, 2.0, 3.0, 4.0])
    per_scenario = pd.DataFrame({"scenario": ["a", "b"], "w": [0.5, 0.7]})
    keys = panel[["scenario", "reference_year"]]
    replace_partition(con, {"s.y": panel, "s.w": per_scenario}, keys=keys)
    one = pd.DataFrame({"scenario": ["a"], "reference_year": [2021]})
    replace_partition(
        con,
        {"s.y": one.assign(v=[9.0]), "s.w": pd.DataFrame({"scenario": ["a"], "w": [0.6]})},
        keys=one,
    )
    assert _rows(con, "s.y") == [
        ("a", 2020, 1.0),
        ("a", 2021, 9.0),
        ("a", 2022, 3.0),
        ("b", 2021, 4.0),
    ]
    assert _rows(con, "s.w") == [("a", 0.6), ("b", 0.7)]
    # a year without one of the columns (an input varied only in some years): NULL there
    replace_partition(con, {"s.y": one}, keys=one)
    assert _rows(con, "s.y")[1:3] == [("a", 2021, None), ("a", 2022, 3.0)]
    with pytest.raises(ValueError, match=r"s.y: row with .*2022.* outside the run's partitions"):
        replace_partition(con, {"s.y": panel.iloc[[2]]}, keys=one)
    assert _rows(con, "s.y")[2] == ("a", 2022, 3.0)
