"""Framework SQL runs in a sandbox (issue 13, item 3): the five attacks of the issue, each
written into a real framework file (indicators/country.yaml with one formula replaced) and
evaluated against a small warehouse with the staged-table layout.

Before: a formula could COPY to any file, ATTACH and write a database, read /etc/passwd into
the release, INSTALL an extension from a repository it names, and DROP a warehouse table while
`make run` reported success. After: each is refused before it runs, with an error naming the
framework file and the indicator, and nothing is written.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from dividend.index.definition import load_framework
from dividend.index.formulas import IndicatorError, evaluate
from dividend.index.sql_sandbox import CONNECTION_CONFIG, check_select
from pipelines.resources import warehouse_db
from tests.test_index_config_release import _one_indicator_framework, _tiny_warehouse

# the framework's first indicator keeps its code in the one-indicator copy
FIRST = yaml.safe_load((Path("indicators") / "country.yaml").read_text("utf-8"))["indicators"][0]
WHERE = rf"one\.yaml, indicator '{FIRST['code']}'"
TABLE = "staged.worldbank_wdi_2022_04_mirror"


def _refused(tmp_path: Path, formula: str, message: str) -> duckdb.DuckDBPyConnection:
    tmp_path.mkdir(parents=True, exist_ok=True)
    con = _tiny_warehouse(tmp_path, gdp=1e12)
    fw = load_framework(_one_indicator_framework(tmp_path, formula))
    with pytest.raises(IndicatorError, match=rf"{WHERE}: {message}"):
        evaluate(con, fw)
    return con


def test_copy_to_a_file_is_refused(tmp_path):
    leak = tmp_path / "leak.csv"
    _refused(tmp_path, f"COPY (SELECT * FROM {TABLE}) TO '{leak}'", "COPY statement refused")
    assert not leak.exists()


def test_attach_and_write_a_database_is_refused(tmp_path):
    evil = tmp_path / "evil.duckdb"
    _refused(tmp_path, f"ATTACH '{evil}' AS evil", "ATTACH statement refused")
    assert not evil.exists()


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        (
            "SELECT 'NLD' AS geo, 2019 AS year, length(content) AS value "
            "FROM read_text('/etc/passwd')",
            r"table function read_text\(\) refused",
        ),
        (
            "SELECT 'NLD' AS geo, 2019 AS year, 1.0 AS value FROM "
            "(SELECT * FROM read_csv('/etc/passwd')) t",
            r"table function read_csv\(\) refused",
        ),
        ("SELECT * FROM '/etc/passwd'", "'/etc/passwd' looks like a file path"),
        ("SELECT * FROM glob('/etc/*')", r"table function glob\(\) refused"),
        ("SELECT * FROM query('DROP TABLE staged.x')", r"table function query\(\) refused"),
    ],
)
def test_reading_a_local_file_is_refused(tmp_path, formula, message):
    _refused(tmp_path, formula, message)


def test_install_from_a_named_repository_is_refused(tmp_path):
    _refused(
        tmp_path, "INSTALL httpfs FROM 'http://127.0.0.1:9/repo'", r"INSTALL statement refused"
    )
    _refused(tmp_path / "load", "LOAD httpfs", r"LOAD statement refused")


def test_drop_table_is_refused_and_the_table_stays(tmp_path):
    con = _refused(tmp_path, f"DROP TABLE {TABLE}", "DROP statement refused")
    assert con.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0] == 3
    con = _refused(
        tmp_path / "stacked",
        f"SELECT geo, year, value FROM {TABLE}; DROP TABLE {TABLE}",
        "a formula must be exactly one SELECT statement, found 2",
    )
    assert con.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0] == 3


def test_units_query_is_sandboxed_too(tmp_path):
    con = _tiny_warehouse(tmp_path, gdp=1e12)
    path = _one_indicator_framework(tmp_path, f"SELECT geo, year, value FROM {TABLE}")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["units"] = "SELECT * FROM read_text('/etc/passwd')"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(IndicatorError, match=r"one\.yaml, key 'units': table function read_text"):
        evaluate(con, load_framework(path))


def test_every_warehouse_connection_has_external_access_off_and_config_locked(tmp_path):
    """Second layer: even SQL that got past the parser check cannot reach the file system,
    and cannot switch that back on. Same settings for the Dagster resource and the CLI."""
    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).close()
    assert warehouse_db(db).connection_config == CONNECTION_CONFIG
    with warehouse_db(db).get_connection() as con:
        with pytest.raises(duckdb.Error, match="disabled by configuration"):
            con.execute("SELECT * FROM read_text('/etc/passwd')")
        with pytest.raises(duckdb.Error, match="disabled by configuration"):
            con.execute(f"COPY (SELECT 1) TO '{tmp_path / 'x.csv'}'")
        with pytest.raises(duckdb.Error, match="configuration has been locked"):
            con.execute("SET enable_external_access = true")
    assert not (tmp_path / "x.csv").exists()


def test_a_plain_select_with_ctes_and_unnest_passes():
    check_select(
        f"WITH t AS (SELECT geo, year, value FROM {TABLE}) "
        "SELECT t.geo, t.year, t.value * u AS value FROM t, unnest([1]) AS x(u)",
        where="country.yaml, indicator 'ok'",
    )
