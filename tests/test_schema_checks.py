"""The checks generated from pandera models catch tables changed behind the pipeline's back."""

from __future__ import annotations

import shutil

import duckdb
import pandera.pandas as pa

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


def test_raw_custom_rules_run_as_sql_and_agree_with_pandera(source_warehouse, tmp_path):
    """The raw model's own rules (magnitude, XML-safe text, catalogue year coverage) run in
    DuckDB on the stored table; each must flag exactly the rows pandera flags on the same
    table. Tampering: NLD 2000 value inf, KEN 2001 value 1e308, FRA 2010 geo_label with a
    control character, and DEU's first year moved before the catalogue coverage."""
    from sources.catalogue import dataset
    from sources.tidy import raw_model

    path, _ = source_warehouse
    copy = tmp_path / "w.duckdb"
    shutil.copyfile(path, copy)
    first, last = dataset(DS).coverage()
    model = raw_model(first, last)
    with duckdb.connect(str(copy)) as con:
        con.execute(f"UPDATE raw.{DS} SET value = 'inf'::DOUBLE WHERE geo = 'NLD' AND year = 2000")
        con.execute(f"UPDATE raw.{DS} SET value = 1e308 WHERE geo = 'KEN' AND year = 2001")
        con.execute(
            f"UPDATE raw.{DS} SET geo_label = 'Fr' || chr(1) || 'ance' "
            "WHERE geo = 'FRA' AND year = 2010"
        )
        con.execute(f"UPDATE raw.{DS} SET year = {first - 1} WHERE geo = 'DEU' AND year = {first}")
        failures = check_table(con, f"raw.{DS}", model).set_index("column")
        frame = con.execute(f"SELECT * FROM raw.{DS}").df()
    try:
        model.validate(frame, lazy=True)
        raise AssertionError("pandera accepted the tampered table")
    except pa.errors.SchemaErrors as err:
        by_pandera = err.failure_cases.groupby("column").size().to_dict()
    # one failing rule per tampered column, flagging the same rows as pandera
    assert failures["failures"].to_dict() == by_pandera == {"value": 2, "geo_label": 1, "year": 1}
    # every rule ran in DuckDB: a rule run in pandas would be reported by its error message
    assert "control character or U+FFFE/U+FFFF" not in set(failures["check"])
    assert f"{first - 1}" in str(failures.loc["year", "sample"])
