"""`make run`: materialise every asset (every scenario and reference year) into the warehouse
and say where the results are. Runs go to the persistent instance in $DAGSTER_HOME, so `make ui`
shows their history.

Before the first step it recovers from a killed predecessor (pipelines.run_guard). The
console shows `step n of N`, the step and its seconds; Dagster's full event stream (DEBUG
included) goes to $DAGSTER_HOME/logs/. The summary says which tables were replaced and which
kept their last good version, and whether `exports/latest` moved.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import dagster as dg

from dividend.release.writer import latest
from pipelines.assets.release import exports_dir
from pipelines.console import PROGRESS, Progress, run_config
from pipelines.definitions import defs
from pipelines.materialise import materialise_everything, skipped_scenarios
from pipelines.run_guard import (
    LAUNCHER,
    LAUNCHER_TAG,
    clean_exports,
    dagster_home,
    instance_lock,
    release_orphans,
    run_lock,
)
from sources.warehouse import warehouse_path


def _materialised(results: list[dg.ExecuteInProcessResult]) -> list[str]:
    keys = []
    for result in results:
        tags = result.dagster_run.tags
        part = tags.get("dagster/partition")
        if "dagster/asset_partition_range_start" in tags:  # one run over a range of years
            part = (
                f"{tags['dagster/asset_partition_range_start']} .. "
                f"{tags['dagster/asset_partition_range_end']}"
            )
        seen = set()
        for event in result.get_asset_materialization_events():
            if event.asset_key in seen:  # one event per partition of a range: name it once
                continue
            seen.add(event.asset_key)
            name = event.asset_key.to_user_string()
            keys.append(f"{name} [{part}]" if part else name)
    return keys


def summary(
    results: list[dg.ExecuteInProcessResult], latest_before: Path | None, exports: Path
) -> tuple[bool, list[str]]:
    """(success, lines): what changed and what did not, from the runs' own events."""
    ok = all(r.success for r in results)
    done = _materialised(results)
    lines = []
    latest_after = latest(exports)
    if latest_after == latest_before:
        where = latest_after.name if latest_after else "none"
        lines.append(f"exports/latest: unchanged ({where})")
    else:
        lines.append(f"exports/latest: now {latest_after}")
    if ok:
        return ok, [f"materialised {len(done)} assets", *lines]
    failed = next(r for r in results if not r.success)
    nodes = defs.resolve_asset_graph().asset_nodes
    all_keys = sorted(n.key.to_user_string() for n in nodes if n.is_materializable)
    replaced = sorted({d.split(" [")[0] for d in done})
    kept = [k for k in all_keys if k not in replaced]
    lines = [
        f"run {failed.run_id} (job {failed.job_def.name}) failed at "
        f"{', '.join(PROGRESS.failed) or 'a step'}.",
        f"replaced in this run ({len(done)}): {', '.join(done) or 'nothing'}",
        f"not replaced, last good version kept ({len(kept)}): {', '.join(kept)}",
        *lines,
    ]
    return ok, lines


def main() -> int:
    started = time.perf_counter()
    home = dagster_home()
    warehouse = warehouse_path()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    exports = exports_dir()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    log_file = home / "logs" / f"make-run-{stamp}.log"
    with run_lock(home):
        instance = instance_lock(home)
        freed = release_orphans(instance)
        if freed:
            print(
                f"recovered: marked {len(freed)} run(s) of a killed `make run` failed and "
                f"freed their duckdb pool slots ({', '.join(r[:8] for r in freed)})"
            )
        cleaned = clean_exports(exports)
        if cleaned:
            print(f"recovered: exports/ {'; '.join(cleaned)}")
        latest_before = latest(exports)
        for name, why in skipped_scenarios().items():
            print(f"skipped scenario {name}: {why}", file=sys.stderr, flush=True)
        PROGRESS.__dict__.update(Progress(log_file=log_file).__dict__)
        print(f"Dagster event log (DEBUG): {log_file}", flush=True)

        def plan(total: int) -> None:
            PROGRESS.total = total

        def run(partition: str | None) -> None:
            PROGRESS.partition = partition

        results = materialise_everything(
            warehouse,
            instance=instance,
            run_config=run_config(log_file),
            tags={LAUNCHER_TAG: LAUNCHER},
            on_plan=plan,
            on_run=run,
        )
    ok, lines = summary(results, latest_before, exports)
    out = sys.stdout if ok else sys.stderr
    for line in lines:
        print(line, file=out)
    if not ok:
        print(f"full log: {log_file}", file=sys.stderr)
        return 1
    print(f"materialised every asset in {time.perf_counter() - started:.1f} s")
    print(f"warehouse:      {warehouse}")
    now = latest(exports)
    print(f"latest release: {now if now else exports}")
    site = exports / "latest" / "site" / "index.html"
    if site.exists():
        print(f"portal:         {site.resolve()}  (or: make serve)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
