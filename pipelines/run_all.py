"""`make run`: materialise every asset (every partition) into the warehouse, then say where
the results are. Runs go to the persistent instance in $DAGSTER_HOME, so they show in `make ui`.
"""

from __future__ import annotations

import sys
import time

import dagster as dg

from pipelines.definitions import defs
from sources.warehouse import warehouse_path


def main() -> int:
    instance = dg.DagsterInstance.get()
    job = defs.resolve_implicit_global_asset_job_def()
    started = time.perf_counter()
    partition_keys = _partition_keys()
    for key in partition_keys or [None]:
        result = job.execute_in_process(instance=instance, partition_key=key, raise_on_error=False)
        if not result.success:
            failed = [e for e in result.all_events if e.is_failure]
            for event in failed:
                print(event.message, file=sys.stderr)
            print(
                f"run failed ({result.run_id}); the last good tables are unchanged", file=sys.stderr
            )
            return 1
    print(f"materialised every asset in {time.perf_counter() - started:.1f} s")
    print(f"warehouse: {warehouse_path()}")
    return 0


def _partition_keys() -> list[str]:
    keys: set[str] = set()
    for node in defs.resolve_asset_graph().asset_nodes:
        if node.partitions_def is not None:
            keys.update(node.partitions_def.get_partition_keys())
    return sorted(keys)


if __name__ == "__main__":
    raise SystemExit(main())
