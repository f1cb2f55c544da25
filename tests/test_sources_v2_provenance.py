"""The provenance check (SQL inside DuckDB) and the typed, validated decision tables."""

from __future__ import annotations

import shutil

import duckdb

from sources.catalogue import catalogue
from sources.schema_checks import provenance_failures

DS = "eurostat_lfs_by_citizenship"


def known(ds_id: str) -> list[str]:
    return [f.name for f in catalogue()[ds_id].files]


def test_every_stored_table_has_complete_provenance(source_warehouse):
    path, _ = source_warehouse
    with duckdb.connect(str(path), read_only=True) as con:
        for ds_id in catalogue():
            counts, problems = provenance_failures(con, ds_id, known(ds_id))
            assert problems.empty, (ds_id, problems.head())
            assert counts["rows"] > 0
            # decision tables are typed even when empty (validated before writing)
            types = dict(
                con.execute(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = 'quality' AND table_name = ?",
                    [ds_id],
                ).fetchall()
            )
            assert (types["year"], types["geo"]) == ("BIGINT", "VARCHAR"), ds_id


def test_tampered_provenance_is_reported_with_file_and_row(source_warehouse, tmp_path):
    path, _ = source_warehouse
    copy = tmp_path / "w.duckdb"
    shutil.copyfile(path, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(
            f"UPDATE staged.{DS} SET source_file = 'elsewhere.csv' "
            "WHERE geo = 'NLD' AND year = 2019 AND indicator = 'LFSA_ERGAN.Y15-64.FOR.T'"
        )
        # a Greek row carries the EL/UK rule: remove its decisions
        con.execute(
            f"DELETE FROM quality.{DS} WHERE geo = 'GRC' AND year = 2019 "
            "AND indicator = 'LFSA_ERGAN.Y15-64.FOR.T'"
        )
        counts, problems = provenance_failures(con, DS, known(DS))
    assert counts["rows_with_rule"] > 0
    by_problem = problems.set_index("problem")
    unknown = by_problem.loc["source_file not in catalogue"]
    assert (unknown["geo"], unknown["year"], unknown["source_file"]) == (
        "NLD",
        2019,
        "elsewhere.csv",
    )
    missing = by_problem.loc["rule applied but no decision row"]
    assert (missing["geo"], missing["source_row"]) == ("GRC", 5606)
    assert len(problems) == 2
