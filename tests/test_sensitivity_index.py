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

from pipelines.materialise import materialise
from pipelines.resources_dask import DaskResource

SCENARIO = "faal_five_pillars"
CONFIG = {"n": 16, "seed": 3, "nboot": 50, "n_sets": 20}

pytestmark = pytest.mark.e2e


def _run(built, use_dask: bool) -> dg.ExecuteInProcessResult:

    return dg.materialize(
        built["assets"],
        selection="key:sensitivity/dividend_sensitivity",
        partition_key=SCENARIO,
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
        wh, "key:index/dividend_index", partition_key=SCENARIO, instance=inst
    ).success
    assets = [*defs.assets, *defs.asset_checks]
    return {
        "wh": wh,
        "assets": assets,
        "res": {"duckdb": DuckDBResource(database=str(wh))},
        "inst": inst,
    }


def test_local_then_dask_give_the_same_tables(built):
    assert _run(built, use_dask=False).success
    local = {
        t: _q(built["wh"], f"SELECT * FROM sensitivity.{t} ORDER BY ALL")
        for t in ("units", "runs", "inputs")
    }
    assert _run(built, use_dask=True).success
    for t, frame in local.items():
        again = _q(built["wh"], f"SELECT * FROM sensitivity.{t} ORDER BY ALL")
        pd.testing.assert_frame_equal(frame, again)
    units = local["units"]
    assert set(units["scenario"]) == {SCENARIO}
    assert (local["runs"]["status"] == "ok").all()
    inputs = local["inputs"]
    assert set(inputs["input"]) == {
        "weight_noise",
        "weight_scenario",
        "neutral_shift",
        "goalpost_scale",
    }
    assert set(inputs["framework"]) == set(units["framework"])


def test_nominal_dividend_equals_the_index_table(built):
    units = _q(built["wh"], "SELECT * FROM sensitivity.units")
    country = _q(
        built["wh"],
        f"SELECT geo, framework, dividend FROM \"index\".country WHERE scenario = '{SCENARIO}'",
    )
    m = units.merge(country, left_on=["uCode", "framework"], right_on=["geo", "framework"])
    assert len(m) == len(country) > 0
    np.testing.assert_allclose(m["nominal_score"], m["dividend"], rtol=1e-12, equal_nan=True)
    ok = m["n_runs"] > 0
    assert ((m.loc[ok, "p_net_loss"] >= 0) & (m.loc[ok, "p_net_loss"] <= 1)).all()
