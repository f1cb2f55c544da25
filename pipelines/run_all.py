"""`make run`: materialise every asset (every scenario partition) into the warehouse and say
where the results are. Runs go to the persistent instance in $DAGSTER_HOME, so `make ui`
shows their history.
"""

from __future__ import annotations

import sys
import time

import dagster as dg

from pipelines.assets.release import exports_dir
from pipelines.materialise import materialise_everything
from sources.warehouse import warehouse_path


def main() -> int:
    started = time.perf_counter()
    warehouse = warehouse_path()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    results = materialise_everything(
        warehouse, instance=dg.DagsterInstance.get(), raise_on_error=False
    )
    for result in results:
        if not result.success:
            for event in result.all_events:
                if event.event_type_value == "STEP_FAILURE":
                    print(
                        f"{event.step_key}: {event.event_specific_data.error.message}",
                        file=sys.stderr,
                    )
            print(
                f"run {result.run_id} failed; the last good tables and exports are unchanged",
                file=sys.stderr,
            )
            return 1
    latest = exports_dir() / "latest"
    print(f"materialised every asset in {time.perf_counter() - started:.1f} s")
    print(f"warehouse:      {warehouse}")
    print(f"latest release: {latest.resolve() if latest.exists() else exports_dir()}")
    site = latest / "site" / "index.html"
    if site.exists():
        print(f"portal:         {site.resolve()}  (or: make serve)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
