"""The checks generated from pandera models catch tables changed behind the pipeline's back."""

from __future__ import annotations

import shutil

import duckdb

from sources.datasets import all_specs
from sources.schema_checks import check_table
from sources.tidy import RawTidy

DS = "worldbank_wdi_net_migration"


def test_every_stored_table_passes_its_generated_checks(source_warehouse):
    path, _ = source_warehouse
    with duckdb.connect(str(path), read_only=True) as con:
        for ds_id, spec in all_specs().items():
            assert check_table(con, f"staged.{ds_id}", spec.schema).empty, ds_id
            assert check_table(con, f"raw.{ds_id}", RawTidy).empty, ds_id


def test_tampered_table_fails_with_rule_column_and_provenance(source_warehouse, tmp_path):
    path, _ = source_warehouse
    copy = tmp_path / "w.duckdb"
    shutil.copyfile(path, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(
            f"UPDATE staged.{DS} SET geo_level = 'planet' WHERE geo = 'NLD' AND year = 2000"
        )
        con.execute(f"UPDATE staged.{DS} SET year = 3000 WHERE geo = 'KEN' AND year = 2001")
        con.execute(
            f"INSERT INTO staged.{DS} SELECT * FROM staged.{DS} WHERE geo = 'FRA' AND year = 2010"
        )
        failures = check_table(con, f"staged.{DS}", all_specs()[DS].schema)
    by_check = failures.set_index("check")
    assert by_check.loc["isin", "column"] == "geo_level"
    assert by_check.loc["isin", "failures"] == 1
    file, row, value = by_check.loc["isin", "sample"][0]
    assert file.startswith("API_SM.POP.NETM") and row > 5 and value == "planet"
    assert by_check.loc["less_than_or_equal_to", "column"] == "year"
    assert any("duplicate" in c for c in failures["check"])


def test_dropped_column_is_reported(source_warehouse, tmp_path):
    path, _ = source_warehouse
    copy = tmp_path / "w.duckdb"
    shutil.copyfile(path, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(f"ALTER TABLE raw.{DS} DROP COLUMN unit")
        failures = check_table(con, f"raw.{DS}", RawTidy)
    assert failures.to_dict("records")[0]["check"] == "column_present"
    assert failures.to_dict("records")[0]["column"] == "unit"
