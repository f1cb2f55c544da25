"""Issue 12, item 6: one reference year materialised on its own (scenario x reference_year
partitions of the index and its sensitivity), on the real data and the real code location.

The whole panel of one scenario is materialised as `make run` does (one run over every year),
the warehouse copied, then single (scenario, year) partitions re-materialised: the headline
year (full Saltelli design, Sobol indices) and a year with a paired 5-year change (the run
recomputes the base year five before). Each must re-write only its own rows, with exactly the
values of the panel run, and the release must still build from the stored years.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from dividend.index.definition import load_frameworks
from pipelines.definitions import defs
from pipelines.materialise import RELEASE, SCENARIO_YEARS, materialise
from pipelines.partitions import REFERENCE_YEARS, scenario_year_partitions, year_range_tags
from sources.warehouse import table_fingerprint
from tests.scenario_panel import materialise_panel

SCENARIO = "faal_five_pillars"
SCHEMAS = ("index", "sensitivity")

pytestmark = pytest.mark.e2e


def _key(year: int, scenario: str = SCENARIO) -> str:
    return str(dg.MultiPartitionKey({"scenario": scenario, "reference_year": str(year)}))


def _tables(wh) -> list[tuple[str, str, bool]]:
    """(schema, table, has reference_year) of every index and sensitivity table."""
    with duckdb.connect(str(wh), read_only=True) as con:
        rows = con.execute(
            "SELECT table_schema, table_name, bool_or(column_name = 'reference_year') "
            "FROM information_schema.columns WHERE list_contains(?, table_schema) "
            "GROUP BY 1, 2 ORDER BY 1, 2",
            [list(SCHEMAS)],
        ).fetchall()
    return [(s, t, bool(y)) for s, t, y in rows]


def _rows(wh, schema: str, table: str, where: str, params: list) -> pd.DataFrame:
    with duckdb.connect(str(wh), read_only=True) as con:
        return con.execute(
            f'SELECT * FROM "{schema}"."{table}" WHERE {where} ORDER BY ALL', params
        ).df()


@pytest.fixture(scope="module")
def panel(source_warehouse, tmp_path_factory):
    """Indicators, then index + sensitivity over every year of SCENARIO in one run and its
    release; a copy of that warehouse is the reference the single-year runs are held to."""
    root = tmp_path_factory.mktemp("index_years")
    wh, inst, runs = materialise_panel(source_warehouse[0], root, root / "exports", SCENARIO)
    snapshot = root / "panel.duckdb"
    shutil.copyfile(wh, snapshot)
    written = next(p for p in (root / "exports").iterdir() if p.name.startswith("20"))
    release = shutil.copytree(written, root / "panel_release")  # a rebuild supersedes it
    with duckdb.connect(str(wh), read_only=True) as con:
        head = con.execute(
            "SELECT DISTINCT headline_year FROM \"index\".country WHERE framework = 'country'"
        ).fetchall()
        change_years = [
            y
            for (y,) in con.execute(
                "SELECT DISTINCT reference_year FROM sensitivity.changes "
                "WHERE framework = 'country' ORDER BY 1"
            ).fetchall()
        ]
    assert len(head) == 1
    yield {
        "wh": wh,
        "snapshot": snapshot,
        "inst": inst,
        "panel_run": runs[0].run_id,
        "release": release,
        "release_id": written.name,
        "headline": int(head[0][0]),
        "change_years": change_years,
        "exports": root / "exports",
    }
    os.environ.pop("DIVIDEND_EXPORTS", None)


def test_partition_keys_are_scenario_by_reference_year():
    """Every scenario x every frame's reference year (country panel and city unit years),
    keyed `<year>|<scenario>` (Dagster orders the dimensions by name); the release depends
    on every year of its scenario."""
    years = sorted({y for fw in load_frameworks().values() for y in fw.reference_years})
    assert [int(y) for y in REFERENCE_YEARS] == years
    keys = scenario_year_partitions.get_partition_keys()
    assert _key(years[-1]) in keys and len(keys) == len(years) * len(
        scenario_year_partitions.get_partitions_def_for_dimension("scenario").get_partition_keys()
    )
    tags = year_range_tags(SCENARIO)
    assert tags["dagster/asset_partition_range_start"] == _key(years[0])
    assert tags["dagster/asset_partition_range_end"] == _key(years[-1])
    graph = defs.resolve_asset_graph()
    release = graph.get(dg.AssetKey(["exports", "release"]))
    assert release.partitions_def.get_partition_keys() == list(
        scenario_year_partitions.get_partitions_def_for_dimension("scenario").get_partition_keys()
    )
    index = graph.get(dg.AssetKey(["index", "dividend_index"]))
    assert index.partitions_def == scenario_year_partitions
    assert index.backfill_policy == dg.BackfillPolicy.single_run()


@pytest.mark.parametrize("which", ["change", "headline"])
def test_one_year_rewrites_only_its_rows_with_the_panel_values(panel, which):
    """(a) only the (scenario, year) rows are re-written (index.runs names the new run for
    that year only; every other row is exactly as the panel run left it); (b) that year's
    index and sensitivity rows equal the panel run's, Sobol indices and paired changes
    included."""
    if which == "headline":
        year = panel["headline"]
    else:  # a year with a 5-year change that is not the headline year
        year = next(y for y in panel["change_years"] if y != panel["headline"])
    wh, snap = panel["wh"], panel["snapshot"]
    r = materialise(wh, SCENARIO_YEARS, partition_key=_key(year), instance=panel["inst"])
    assert r.success
    mine = "scenario = ? AND reference_year = ?"
    checked = set()
    for schema, table, per_year in _tables(wh):
        if not per_year:  # per scenario (index.weights, sensitivity.settings): unchanged
            pd.testing.assert_frame_equal(
                _rows(wh, schema, table, "true", []), _rows(snap, schema, table, "true", [])
            )
            continue
        others = (f"NOT ({mine})", [SCENARIO, year])
        kept, kept_before = _rows(wh, schema, table, *others), _rows(snap, schema, table, *others)
        now = _rows(wh, schema, table, mine, [SCENARIO, year])
        before = _rows(snap, schema, table, mine, [SCENARIO, year])
        if (schema, table) == ("index", "runs"):  # which run wrote each year
            assert now.pop("run_id").tolist() == [r.run_id]  # this year: this run
            assert set(before.pop("run_id")) == {panel["panel_run"]}
            assert r.run_id not in set(kept.pop("run_id"))  # no other year
            kept_before.pop("run_id")  # (an earlier test's single year has its own run)
        pd.testing.assert_frame_equal(kept, kept_before)
        pd.testing.assert_frame_equal(now, before)
        checked.add(f"{schema}.{table}")
        if len(before):
            checked.add(f"{schema}.{table} (rows)")
    # the comparison covered the tables that carry this year's numbers
    expect = {"index.country", "sensitivity.units", "sensitivity.leave_one_out"}
    expect |= {"sensitivity.inputs"} if which == "headline" else {"sensitivity.changes"}
    assert {f"{t} (rows)" for t in expect} <= checked


def test_release_builds_from_the_stored_years(panel):
    """(c) after the single-year runs the release reads every stored year and publishes the
    panel run's release byte for byte, with the same release id: the re-written years' rows
    are appended in the warehouse, and the release puts every table back in year order
    (dividend.release.contents.in_year_order)."""
    for year in (panel["headline"], panel["change_years"][0]):
        assert materialise(
            panel["wh"], SCENARIO_YEARS, partition_key=_key(year), instance=panel["inst"]
        ).success
    r = materialise(panel["wh"], RELEASE, partition_key=SCENARIO, instance=panel["inst"])
    assert r.success
    path = Path(r.asset_materializations_for_node("exports__release")[0].metadata["path"].value)
    old = sorted(p.name for p in panel["release"].glob("*.csv"))
    new = sorted(p.name for p in path.glob("*.csv"))
    assert new == old and "country_index.csv" in new
    for name in new:
        a = (panel["release"] / name).read_bytes()
        assert a == (path / name).read_bytes(), name
    # the same release id: the hash of every input and table (a rebuild gets "-r2" appended)
    assert path.name.split("-r")[0] == panel["release_id"], (path.name, panel["release_id"])


def test_a_year_under_other_weights_is_refused_and_nothing_written(panel):
    """A Launchpad override for one year would mix weights within the scenario's panel (and
    index.weights is per scenario): the run fails naming the reason, the tables stay."""
    wh = panel["wh"]
    before = _fingerprints(wh)
    r = materialise(
        wh,
        "key:index/dividend_index",
        partition_key=_key(panel["headline"]),
        instance=panel["inst"],
        run_config={
            "ops": {
                "index__dividend_index": {
                    "config": {"weight_overrides": {"pillars.political": 0.0}}
                }
            }
        },
        raise_on_error=False,
    )
    assert not r.success
    failure = next(e for e in r.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.event_specific_data.error.message
    assert "scenario_sha256" in message or "weight_overrides" in message
    assert "materialise every reference year" in message
    assert _fingerprints(wh) == before


def _fingerprints(wh) -> dict[str, tuple[int, int]]:
    tables = _tables(wh)
    with duckdb.connect(str(wh), read_only=True) as con:
        return {f"{s}.{t}": table_fingerprint(con, f"{s}.{t}") for s, t, _ in tables}


def test_a_range_over_two_scenarios_handles_each_scenario(panel):
    """A backfill may hand one run the keys of several scenarios: each is scored and written
    on its own (a scenario without stored years accepts any year)."""
    year = panel["change_years"][0]
    tags = {
        "dagster/asset_partition_range_start": _key(year, "equal"),
        "dagster/asset_partition_range_end": _key(year, SCENARIO),
    }
    r = materialise(panel["wh"], SCENARIO_YEARS, tags=tags, instance=panel["inst"])
    assert r.success
    meta = r.asset_materializations_for_node("index__dividend_index")[0].metadata
    assert set(meta["scenarios"].value) == {"equal", SCENARIO}
    with duckdb.connect(str(panel["wh"]), read_only=True) as con:
        got = con.execute(
            'SELECT scenario, list(DISTINCT reference_year) FROM "index".country '
            "WHERE scenario = 'equal' GROUP BY 1"
        ).fetchall()
    assert got == [("equal", [year])]
