"""Dask resource: a ``distributed.Client`` for the sensitivity assets.

A LocalCluster (threads, ``n_workers`` workers) by default; with ``scheduler_address``
the client connects to an existing cluster instead. Runs are sharded into blocks that
:mod:`dividend.sensitivity.distributed` scatters, so results equal the local run's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg


class DaskResource(dg.ConfigurableResource):
    """Where sensitivity blocks run: an existing scheduler or a fresh LocalCluster."""

    scheduler_address: str | None = None
    n_workers: int = 2
    threads_per_worker: int = 1
    processes: bool = False

    @contextmanager
    def get_client(self) -> Iterator:
        from distributed import Client, LocalCluster

        if self.scheduler_address:
            with Client(self.scheduler_address) as client:
                yield client
            return
        with (
            LocalCluster(
                n_workers=self.n_workers,
                threads_per_worker=self.threads_per_worker,
                processes=self.processes,
                dashboard_address=None,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
