"""End to end on the real data: the sensitivity asset for one scenario partition, locally and
on a 2-worker Dask LocalCluster (issue 6 on top of issue 5's index)."""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest
from dagster_duckdb import DuckDBResource

from dividend.index.definition import load_frameworks, load_scenario, scenario_paths
from dividend.index.uncertainty import IndexSettings, index_sensitivity
from pipelines.assets.sensitivity import panel_tables
from pipelines.materialise import materialise
from pipelines.partitions import year_range_tags
from pipelines.resources_dask import DaskResource
from sources.warehouse import read_table

SCENARIO = "faal_five_pillars"
CONFIG = {"n": 16, "seed": 3, "nboot": 50, "n_sets": 20}

pytestmark = pytest.mark.e2e


def _run(built, use_dask: bool) -> dg.ExecuteInProcessResult:

    return dg.materialize(
        built["assets"],
        selection="key:sensitivity/dividend_sensitivity",
        tags=year_range_tags(SCENARIO),
        resources={**built["res"], "dask": DaskResource(n_workers=2, processes=False)},
        instance=built["inst"],
        run_config={
            "ops": {
                "sensitivity__dividend_sensitivity": {"config": {**CONFIG, "use_dask": use_dask}}
            }
        },
    )


def _q(wh, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(source_warehouse, tmp_path_factory):
    wh = tmp_path_factory.mktemp("sens_e2e") / "w.duckdb"
    shutil.copyfile(source_warehouse[0], wh)
    from pipelines.definitions import defs

    inst = dg.DagsterInstance.ephemeral()
    assert materialise(wh, "key:indicators/indicator_values", instance=inst).success
    assert materialise(
        wh, "key:index/dividend_index", tags=year_range_tags(SCENARIO), instance=inst
    ).success
    assets = [*defs.assets, *defs.asset_checks]
    return {
        "wh": wh,
        "assets": assets,
        "res": {"duckdb": DuckDBResource(database=str(wh))},
        "inst": inst,
    }


@pytest.fixture(scope="module")
def local(built):
    """The local run's tables (the Dask test runs again and compares)."""
    assert _run(built, use_dask=False).success
    return {
        t: _q(built["wh"], f"SELECT * FROM sensitivity.{t} ORDER BY ALL")
        for t in ("units", "runs", "inputs", "changes", "leave_one_out")
    }


def test_local_then_dask_give_the_same_tables(built, local):
    assert _run(built, use_dask=True).success
    for t, frame in local.items():
        again = _q(built["wh"], f"SELECT * FROM sensitivity.{t} ORDER BY ALL")
        pd.testing.assert_frame_equal(frame, again)
    units = local["units"]
    assert set(units["scenario"]) == {SCENARIO}
    assert (local["runs"]["status"] == "ok").all()
    inputs = local["inputs"]
    names = set(inputs["input"])
    assert {"weight_noise", "weight_scenario", "aggregation", "imputation"} <= names
    assert names & {"neutral_shift", "neutral_range"} and names & {
        "goalpost_scale",
        "goalpost_range",
    }
    assert names <= {
        "weight_noise",
        "weight_scenario",
        "neutral_shift",
        "neutral_range",
        "goalpost_scale",
        "goalpost_range",
        "aggregation",
        "imputation",
        "survey_sampling",
    }
    assert set(inputs["framework"]) == set(units["framework"])


def test_weight_noise_matters_and_leave_one_out_never_fails(built, local):
    """Issue 12: the weight noise had Si = STi = 0 in every framework (the scenario choice
    overwrote it) and leave-one-out failed for single-indicator pillars."""
    inputs = local["inputs"]
    noise = inputs[inputs["input"] == "weight_noise"]
    assert len(noise) == inputs["framework"].nunique()
    assert (noise["STi"] > 0).all(), noise
    assert (noise["Si"] != 0).all(), noise
    loo = _q(built["wh"], "SELECT * FROM sensitivity.leave_one_out")
    assert (loo["status"] == "ok").all(), loo[loo["status"] != "ok"]
    single = loo[loo["dropped"].str.contains("emptied")]
    for row in single.itertuples():  # the emptied pillar really had this indicator alone
        assert row.dropped.startswith(row.indicator + ", ")


def _with_country_dividend(wh, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The index's country dividends, and ``frame`` joined to them by unit and year."""
    country = _q(
        wh,
        'SELECT geo, framework, reference_year, dividend FROM "index".country '
        f"WHERE scenario = '{SCENARIO}'",
    )
    m = frame.merge(
        country,
        left_on=["uCode", "framework", "reference_year"],
        right_on=["geo", "framework", "reference_year"],
    )
    return country, m


def test_nominal_dividend_equals_the_index_table(built, local):
    country, m = _with_country_dividend(built["wh"], local["units"])
    assert len(m) == len(country) > 0
    np.testing.assert_allclose(m["nominal_score"], m["dividend"], rtol=1e-12, equal_nan=True)
    ok = m["n_runs"] > 0
    assert ((m.loc[ok, "p_net_loss"] >= 0) & (m.loc[ok, "p_net_loss"] <= 1)).all()


def _ranked_units(built, local) -> pd.DataFrame:
    """Sensitivity units joined to the index's country and city rows of the same scenario."""
    return _join_index(built["wh"], local["units"])


def _join_index(wh, sens_units: pd.DataFrame) -> pd.DataFrame:
    cols = "framework, peer_group, geo, reference_year, dividend, coverage, ranked, rank, n_ranked"
    index = _q(
        wh,
        f"SELECT {cols} FROM \"index\".country WHERE scenario = '{SCENARIO}' UNION ALL BY NAME "
        f"SELECT {cols} FROM \"index\".city WHERE scenario = '{SCENARIO}' AND framework <> 'none'",
    )
    # the sensitivity covers every framework-year with units to rank (context-only frames
    # and years with fewer than two rankable units have none: their verdict says so)
    index = index.merge(
        sens_units[["framework", "reference_year"]].drop_duplicates(),
        on=["framework", "reference_year"],
    )
    m = sens_units.merge(
        index,
        left_on=["framework", "uCode", "reference_year"],
        right_on=["framework", "geo", "reference_year"],
        how="outer",
    )
    assert m["geo"].notna().all() and m["uCode"].notna().all(), "same unit set"
    return m


def test_nominal_rank_is_the_index_rank(built, local):
    """Same units, same coverage rule (rank_min_coverage), same ties, cities ranked within
    their peer group only: the sensitivity's nominal rank is the published rank."""
    m = _ranked_units(built, local)
    assert m.groupby("framework")["peer_group"].nunique().eq(1).all()  # framework = peer group
    assert set(m["framework"]) == {"country", "city_eu", "city_us"}  # city_ca: context only
    assert (~m["ranked"]).any(), "the real data has units below rank_min_coverage"
    _assert_same_ranks(m)


def _assert_same_ranks(m: pd.DataFrame) -> None:
    np.testing.assert_array_equal(m["nominal_rank"].isna(), m["rank"].isna())
    ranked = m[m["rank"].notna()]
    np.testing.assert_array_equal(ranked["nominal_rank"], ranked["rank"].astype(float))
    # the run ranks cover the same units: as many ranked units per framework as the index
    keys = ["framework", "reference_year"]
    n_ranked = m.groupby(keys)["nominal_rank"].max()
    assert (n_ranked <= m.groupby(keys)["n_ranked"].first()).all()
    unranked = m[m["rank"].isna()]
    assert unranked[["median_rank", "rank_q05", "rank_q95"]].isna().all().all()


def test_nominal_rank_within_its_interval(built, local):
    """A page shows "rank r of n" next to the 5-95% rank interval, so r should lie inside it.
    The nominal configuration is one point, not a draw: the weight-scenario input picks the
    partition's own weights in only 1/k of the runs, so a unit that only this scenario
    favours can rank better nominally than in 95% of runs. Every unit outside its interval
    must be inside once that choice is fixed (the other inputs have the nominal as their
    median: scoring_model.centred_in_range). The share outside depends on how much the
    scenarios disagree, not on a rule: 58 of 1,040 unit-years (5.6 %) with the documented
    break-even and goalpost ranges at this small design (N = 16), hence the 7 % bound; the
    second assertion is the real check."""
    m = _ranked_units(built, local).dropna(subset=["rank"])
    outside = m[(m["nominal_rank"] < m["rank_q05"]) | (m["nominal_rank"] > m["rank_q95"])]
    assert len(outside) <= 0.07 * len(m), outside[["framework", "uCode", "nominal_rank"]]
    frameworks = load_frameworks()
    scenarios = {n: load_scenario(p, frameworks) for n, p in scenario_paths().items()}
    con = duckdb.connect(str(built["wh"]), read_only=True)
    try:
        units, long = (read_table(con, t) for t in ("indicators.units", "indicators.long"))
    finally:
        con.close()
    data = {n: panel_tables(units, long, n, fw.codes) for n, fw in frameworks.items()}
    settings = IndexSettings(**{**CONFIG, "vary": ("weights", "neutral", "goalpost")})
    fixed = index_sensitivity(frameworks, scenarios[SCENARIO], scenarios, data, settings)["units"]
    keys = ["framework", "reference_year", "uCode"]
    again = outside[keys].merge(fixed, on=keys)
    assert len(again) == len(outside)
    inside = (again["rank_q05"] <= again["nominal_rank"]) & (
        again["nominal_rank"] <= again["rank_q95"]
    )
    assert inside.all(), again[~inside][["framework", "uCode", "nominal_rank", "rank_q05"]]


def test_nominal_follows_the_index_runs_overrides_and_min_coverage(built, local, tmp_path):
    """A Launchpad weight override and min_coverage on the index run are the nominal
    configuration of the sensitivity run for that partition (read from index.runs)."""
    wh = tmp_path / "w.duckdb"
    shutil.copyfile(built["wh"], wh)
    index_config = {"weight_overrides": {"pillars.political": 0.0}, "min_coverage": 0.3}
    assert materialise(
        wh,
        "key:index/dividend_index",
        tags=year_range_tags(SCENARIO),
        run_config={"ops": {"index__dividend_index": {"config": index_config}}},
    ).success
    assert materialise(
        wh,
        "key:sensitivity/dividend_sensitivity",
        tags=year_range_tags(SCENARIO),
        run_config={"ops": {"sensitivity__dividend_sensitivity": {"config": CONFIG}}},
    ).success
    units = _q(wh, "SELECT * FROM sensitivity.units")
    m = _join_index(wh, units)
    before = local["units"][["framework", "reference_year", "uCode", "nominal_rank"]]
    keys = ["framework", "reference_year", "uCode"]
    both = m.merge(before, on=keys, suffixes=("", "_before"))
    assert len(both) == len(m)
    moved = both["nominal_rank"].fillna(0) != both["nominal_rank_before"].fillna(0)
    assert moved.any(), "the override changes the nominal ranking"
    _assert_same_ranks(m)


def test_changes_pair_the_panel_years_of_the_index(built, local):
    """The 5-year change: nominal change = the index's dividend in reference_year minus in
    reference_year - 5; P(improved) is a probability; the median change lies in its interval."""
    ch = _q(built["wh"], "SELECT * FROM sensitivity.changes")
    assert len(ch) > 0 and (ch["base_year"] == ch["reference_year"] - 5).all()
    assert ch["p_improved"].between(0, 1).all()
    assert (ch["change_q05"] <= ch["change_median"] + 1e-9).all()
    assert (ch["change_median"] <= ch["change_q95"] + 1e-9).all()
    idx, now = _with_country_dividend(built["wh"], ch)
    both = now.merge(
        idx.rename(columns={"reference_year": "base_year", "dividend": "base_dividend"}),
        on=["framework", "geo", "base_year"],
    )
    assert len(both) > 0
    np.testing.assert_allclose(
        both["nominal_change"], both["dividend"] - both["base_dividend"], rtol=1e-9, atol=1e-9
    )
