"""The same analysis on a 2-worker Dask LocalCluster gives exactly the local result."""

from pathlib import Path

import numpy as np
import pytest

from dividend.sensitivity import load_config, run_sensitivity
from dividend.sensitivity.runner import run_sensitivity_dask

distributed = pytest.importorskip("distributed")

ASEM = Path(__file__).resolve().parents[1] / "examples" / "asem" / "sensitivity.yaml"


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def test_dask_equals_local(client):
    local_cfg, dask_cfg = load_config(ASEM), load_config(ASEM)
    # small blocks so both workers get several shards
    kw = dict(n=32, seed=7, design="sa", sampler="sobol", nboot=100, block_runs=20)
    local = run_sensitivity(local_cfg.model, local_cfg.inputs, **kw)
    seen = []
    remote = run_sensitivity_dask(
        client, dask_cfg.model, dask_cfg.inputs, progress=lambda d, t: seen.append(d), **kw
    )
    assert len(remote.runs) == 32 * 6 and seen[-1] == 32 * 6 and len(seen) == 10
    np.testing.assert_array_equal(local.scores, remote.scores)
    np.testing.assert_array_equal(local.ranks, remote.ranks)
    assert local.runs.equals(remote.runs)
    assert local.units.equals(remote.units)
    assert local.inputs.equals(remote.inputs)
    workers = {w for w in client.scheduler_info()["workers"]}
    assert len(workers) == 2
