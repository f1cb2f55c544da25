"""Run the same analysis on a Dask distributed cluster, with results identical to a local run.

The plan (design, input draws, block boundaries) is made once, here, from
``SeedSequence(seed)``; it does not depend on the cluster. Each block of runs is one
task calling :func:`dividend.sensitivity.blocks.evaluate_block`, which is deterministic,
so gathering the blocks in run order gives bit-for-bit the arrays of
:func:`~dividend.sensitivity.runner.run_sensitivity`. The analysis (model, data, design)
is scattered to the workers once. Random designs are themselves drawn per block of
rows from spawned child seeds (:mod:`dividend.sensitivity.design`), so the runs are
sharded by seed sequence rather than by worker count.

Only ``distributed.Client`` is needed; :func:`dask_client` makes one (the Dagster
resource in ``pipelines/resources_dask.py`` and the CLI use it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from dividend.sensitivity.blocks import Analysis, Collector, Progress, evaluate_block

if TYPE_CHECKING:
    from distributed import Client


def evaluate_on_dask(
    client: Client, analysis: Analysis, col: Collector, progress: Progress | None = None
) -> None:
    """Evaluate every planned block on ``client`` into ``col``, reporting as blocks finish."""
    from distributed import as_completed

    shared = client.scatter(analysis, broadcast=True)
    futures = [
        client.submit(
            evaluate_block, shared, a, b, key=f"sensitivity-{analysis.seed}-{a}-{b}-{id(analysis)}"
        )
        for a, b in analysis.blocks
    ]
    done = 0
    for fut in as_completed(futures):  # any order: the collector places each block
        res = fut.result()
        col.add(res)
        fut.release()
        done += res.stop - res.start
        if progress is not None:
            progress(done, analysis.design.n_runs)


@contextmanager
def dask_client(
    scheduler_address: str | None = None,
    n_workers: int = 2,
    threads_per_worker: int = 1,
    processes: bool = False,
) -> Iterator[Client]:
    """A client of the cluster at ``scheduler_address``, or of a fresh LocalCluster
    (shared by the CLI and the Dagster resource)."""
    from distributed import Client, LocalCluster

    if scheduler_address:
        with Client(scheduler_address) as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=threads_per_worker,
            processes=processes,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
