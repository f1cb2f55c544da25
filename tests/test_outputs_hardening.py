"""Issue 13 on the output side: XLSX XML safety, the server, scenarios as data, one YAML loader.

Before: U+FFFF in a string made three worksheets ill-formed XML (Excel refuses the file); 404
and 405 responses had no security headers and an idle connection held a server thread
forever; one scenario file with a syntax error (or a "billion laughs" next to the good ones)
broke every release build; a deleted scenario's rows stayed in index.* and sensitivity.*.
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from dividend.index.definition import load_definition
from dividend.paths import WEIGHTS_DIR
from dividend.release.writer import DEFAULT_SCENARIO, ReleaseTables, write_release
from dividend.release.xlsx import XlsxError, require_well_formed
from dividend.serve import SECURITY_HEADERS, ReleaseHandler, serve_in_thread
from sources.warehouse import replace_partition

# (a lone surrogate cannot be written to a UTF-8 CSV at all; sources refuse it on input)
HOSTILE = ["ok", "nul\x00 bell\x07", "non-char \uffff\ufffe", "vt\x0b ff\x0c"]


def test_xml_forbidden_characters_leave_the_xlsx_but_stay_in_the_csv(tmp_path):
    frame = pd.DataFrame({"name": HOSTILE, "value": [1.0, 2.0, 3.0, 4.0]})
    rel = ReleaseTables(
        scenario=DEFAULT_SCENARIO,
        tables={"labels": frame, "more": frame, "third": frame},
        methodology="# m\n",
        notes=[("note", "U+FFFF here: \uffff")],
        input_hash="ab" * 32,
    )
    d = write_release(rel, tmp_path)
    require_well_formed(d / "migration_dividend.xlsx")  # every part parses
    wb = openpyxl.load_workbook(d / "migration_dividend.xlsx")
    for sheet in ("labels", "more", "third"):
        got = [c.value for c in wb[sheet]["A"]][1:]
        assert got == ["ok", "nul bell", "non-char ", "vt ff"]
    csv = (d / "labels.csv").read_text(encoding="utf-8")
    assert "\uffff" in csv and "\x07" in csv  # the CSV keeps every character


def test_an_ill_formed_worksheet_is_named(tmp_path):
    book = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(book, "w") as z:
        z.writestr("xl/worksheets/sheet2.xml", '<worksheet><c t="x">\x01</c></worksheet>')
    with pytest.raises(XlsxError, match=r"bad\.xlsx: part xl/worksheets/sheet2\.xml .*line 1"):
        require_well_formed(book)


@pytest.fixture
def server(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<p>hi</p>", encoding="utf-8")
    srv, url = serve_in_thread(tmp_path)
    yield srv, url
    srv.shutdown()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/nope.html", 404), ("GET", "/../../etc/passwd", 404), ("POST", "/", 405)],
)
def test_error_responses_carry_the_security_headers(server, method, path, status):
    _, url = server
    req = urllib.request.Request(url + path, method=method, data=b"" if method == "POST" else None)
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=5)
    assert err.value.code == status
    for k, v in SECURITY_HEADERS.items():
        assert err.value.headers[k] == v


def test_redirect_carries_the_security_headers(server):
    _, url = server
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        head = s.recv(4096).decode("latin-1")
    assert head.startswith("HTTP/1.0 302") and "Content-Security-Policy" in head


def test_an_idle_connection_is_closed(tmp_path, monkeypatch):
    monkeypatch.setattr(ReleaseHandler, "timeout", 0.5)
    (tmp_path / "site").mkdir()
    srv, url = serve_in_thread(tmp_path)
    try:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as s:
            t0 = time.monotonic()
            s.sendall(b"GET /site/index.html HTTP/1.1\r\n")  # ... and never finishes
            assert s.recv(4096) == b""  # the server hung up
            assert time.monotonic() - t0 < 5
    finally:
        srv.shutdown()


# ------------------------------------------------------------------------- scenarios as data
def _weights_copy(tmp_path: Path) -> Path:
    d = tmp_path / "weights"
    d.mkdir()
    for p in WEIGHTS_DIR.glob("*.yaml"):
        (d / p.name).write_bytes(p.read_bytes())
    return d


def test_broken_and_hostile_scenario_files_are_skipped_and_named(tmp_path):
    d = _weights_copy(tmp_path)
    good = {p.stem for p in d.glob("*.yaml")}
    (d / "typo.yaml").write_text("scenario: typo\npillars: {financial: 1\n", encoding="utf-8")
    laughs = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    laughs += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    (d / "laughs.yaml").write_text("\n".join(laughs) + "\n", encoding="utf-8")
    (d / "unknown_code.yaml").write_text(
        "scenario: unknown_code\npillars: {cultural: 1}\ndimensions: {actuality: 1}\n",
        encoding="utf-8",
    )
    t0 = time.monotonic()
    definition = load_definition(weights_dir=d)
    assert time.monotonic() - t0 < 30
    assert set(definition.scenarios) == good
    assert set(definition.skipped) == {"typo", "laughs", "unknown_code"}
    assert "typo.yaml" in definition.skipped["typo"] and "line" in definition.skipped["typo"]
    assert "alias bomb" in definition.skipped["laughs"]
    assert "unknown pillar code 'cultural'" in definition.skipped["unknown_code"]


def test_a_deleted_scenarios_rows_leave_the_partitioned_tables(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    rows = pd.DataFrame({"scenario": ["kept", "deleted"], "geo": ["NLD", "NLD"], "v": [1.0, 2.0]})
    con.execute("CREATE SCHEMA idx")
    con.register("r", rows)
    con.execute("CREATE TABLE idx.country AS SELECT * FROM r")
    new = pd.DataFrame({"scenario": ["kept"], "geo": ["NLD"], "v": [3.0]})
    replace_partition(con, {"idx.country": new}, keys=new[["scenario"]], keep=["kept"])
    got = con.execute("SELECT scenario, v FROM idx.country").fetchall()
    assert got == [("kept", 3.0)]


def test_launchpad_errors_name_the_launchpad_key_and_fields_are_described():
    import dagster as dg

    from dividend.index.definition import load_frameworks, load_scenario, scenario_paths
    from pipelines.assets.index import IndexConfig, with_launchpad_overrides

    frameworks = load_frameworks()
    sc = load_scenario(scenario_paths()[DEFAULT_SCENARIO], frameworks)
    for key in ("pillars.cultural", "no_such_indicator"):
        with pytest.raises(dg.Failure) as err:
            with_launchpad_overrides(sc, {key: 1.0}, frameworks)
        assert f"Launchpad config weight_overrides[{key!r}]" in str(err.value.description)
        assert "Allowed keys" in str(err.value.description)
        assert ".yaml" not in str(err.value.description).split("Allowed keys")[0]
    fields = IndexConfig.to_config_schema().as_field().config_type.fields
    assert all(f.description for f in fields.values())
    assert "pillars.<financial" in fields["weight_overrides"].description


def test_dividend_build_waits_for_a_writer_of_the_warehouse_with_a_message(tmp_path, capfd):
    """Before: `dividend build` while `make run` wrote the warehouse died with DuckDB's lock
    error. Now it says why it waits, then reads once the writer is gone."""
    import subprocess
    import sys

    from dividend.release.from_warehouse import read_warehouse

    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).execute("CREATE TABLE t AS SELECT 42 AS x").close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "time.sleep(4)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    with read_warehouse(db, wait_s=60) as con:
        assert con.execute("SELECT x FROM t").fetchone()[0] == 42
    holder.wait(10)
    assert "being written (make run?); waiting" in capfd.readouterr().err
