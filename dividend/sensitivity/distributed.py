"""Run the same analysis on a Dask distributed cluster, with results identical to a local run.

The plan (design, input draws, block boundaries) is made once, here, from
``SeedSequence(seed)``; it does not depend on the cluster. Each block of runs is one
task calling :func:`dividend.sensitivity.runner.evaluate_block`, which is deterministic,
so gathering the blocks in run order gives bit-for-bit the arrays of
:func:`~dividend.sensitivity.runner.run_sensitivity`. The analysis (model, data, design)
is scattered to the workers once. Random designs are themselves drawn per block of
rows from spawned child seeds (:mod:`dividend.sensitivity.design`), so the runs are
sharded by seed sequence rather than by worker count.

Only ``distributed.Client`` is needed; the Dagster resource that makes one lives in
``pipelines/resources_dask.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from dividend.sensitivity.inputs import UncertainInput
from dividend.sensitivity.models import Model
from dividend.sensitivity.results import SensitivityResult
from dividend.sensitivity.runner import Collector, Progress, evaluate_block, prepare, summarise

if TYPE_CHECKING:
    from distributed import Client


def run_sensitivity_dask(
    client: Client,
    model: Model,
    inputs: Sequence[UncertainInput],
    n: int,
    seed: int,
    design: str = "sa",
    sampler: str = "sobol",
    nboot: int = 1000,
    conf: float = 0.90,
    progress: Progress | None = None,
    block_runs: int | None = None,
    leave_one_out: bool = True,
    score_dtype: str = "float64",
) -> SensitivityResult:
    """:func:`~dividend.sensitivity.runner.run_sensitivity`, with the blocks run on ``client``."""
    from distributed import as_completed

    analysis = prepare(
        model, inputs, n, seed, design, sampler, nboot, conf, block_runs, score_dtype
    )
    shared = client.scatter(analysis, broadcast=True)
    futures = [
        client.submit(
            evaluate_block, shared, a, b, key=f"sensitivity-{seed}-{a}-{b}-{id(analysis)}"
        )
        for a, b in analysis.blocks
    ]
    done = 0
    col = Collector(analysis)
    for fut in as_completed(futures):  # progress as blocks finish, in any order
        res = fut.result()
        col.add(res)
        fut.release()
        done += res.stop - res.start
        if progress is not None:
            progress(done, analysis.design.n_runs)
    return summarise(analysis, col, loo=leave_one_out)
