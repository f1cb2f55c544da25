"""Dask resource: a ``distributed.Client`` for the sensitivity assets.

A LocalCluster (threads, ``n_workers`` workers) by default; with ``scheduler_address``
the client connects to an existing cluster instead. Runs are sharded into blocks that
:mod:`dividend.sensitivity.distributed` scatters, so results equal the local run's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from dividend.sensitivity.distributed import dask_client


class DaskResource(dg.ConfigurableResource):
    """Where sensitivity blocks run: an existing scheduler or a fresh LocalCluster."""

    scheduler_address: str | None = None
    n_workers: int = 2
    threads_per_worker: int = 1
    processes: bool = False

    @contextmanager
    def get_client(self) -> Iterator:
        with dask_client(
            self.scheduler_address, self.n_workers, self.threads_per_worker, self.processes
        ) as client:
            yield client
