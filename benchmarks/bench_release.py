"""Benchmark: the release step (issue 12's weight-change path, issue 14's size targets).

The Dagster ``exports/release`` asset is invoked directly on ``data/warehouse.duckdb`` (run
``make run`` first) for every scenario partition, the way ``make run`` runs it: read the
index, sensitivity and data-quality tables, assemble and check the release, write the CSVs,
the workbook, ``datapackage.json`` and ``METHODOLOGY.md``, build ``site/``. Each phase is
timed by wrapping the function that does it (the asset itself is not changed):

* ``release_s``: the whole asset (warehouse read included); target: the release's share of
  the 5 s (headline year) / 20 s (panel) weight-change budget of issue 12;
* ``release_cpu_s``: the same in CPU seconds of the process (all threads), which depends
  less on what else the machine runs;
* ``csv_s``, ``xlsx_s``, ``site_s``: writing the CSVs, the workbook and the site;
* sizes: every byte under ``site/`` per scenario (<= 15 MB, issue 14), the workbook, and the
  home page with its stylesheet and scripts gzipped (<= 150 KB).

The default scenario is built ``--repeat`` times (median reported); the others once, for
their sizes. ``--profile`` prints the 40 costliest functions of one more default build.
Writes benchmarks/results/release.json.

    .venv/bin/python -m benchmarks.bench_release [--repeat 3] [--profile]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from benchmarks.results_store import save_result

REPO = Path(__file__).resolve().parent.parent
WAREHOUSE = REPO / "data" / "warehouse.duckdb"
DEFAULT = "faal_five_pillars"
HOME = ("index.html", "static/site.css", "static/site.js", "static/units.js")


def _timed(phases: dict[str, list[float]], name: str, fn: Callable) -> Callable:
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            phases[name].append(time.perf_counter() - t0)

    return wrapper


def _sizes(release: Path) -> dict[str, int]:
    site = release / "site"
    files = [p for p in site.rglob("*") if p.is_file()]
    downloads = site / "downloads"
    return {
        "site_bytes": sum(p.stat().st_size for p in files),
        "site_files": len(files),
        "downloads_bytes": sum(p.stat().st_size for p in downloads.rglob("*") if p.is_file()),
        "release_bytes_outside_site": sum(
            p.stat().st_size for p in release.iterdir() if p.is_file()
        ),
        "xlsx_bytes": (release / "migration_dividend.xlsx").stat().st_size,
        "home_gzip_bytes": sum(len(gzip.compress((site / f).read_bytes(), 9)) for f in HOME),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--default-only", action="store_true", help="skip the other scenarios")
    ap.add_argument("--exports", type=Path, default=None, help="keep the releases here")
    args = ap.parse_args()
    if not WAREHOUSE.is_file():
        raise SystemExit(f"{WAREHOUSE} missing: run `make run` first")
    exports = args.exports or Path(tempfile.mkdtemp(prefix="bench_release_"))
    os.environ["DIVIDEND_EXPORTS"] = str(exports)

    import dagster as dg

    import dividend.release.writer as writer
    import pipelines.assets.release as asset
    from pipelines.partitions import scenario_partitions
    from pipelines.resources import warehouse_db

    phases: dict[str, list[float]] = defaultdict(list)
    writer._write_csv = _timed(phases, "csv_s", writer._write_csv)
    writer._write_xlsx = _timed(phases, "xlsx_s", writer._write_xlsx)
    asset.build_site = _timed(phases, "site_s", asset.build_site)
    resource = warehouse_db(WAREHOUSE)
    cpu: list[float] = []

    def build(scenario: str) -> tuple[float, Path]:
        # a context manager: the warehouse resource opens the database for the run's length
        with dg.build_asset_context(partition_key=scenario, resources={"duckdb": resource}) as ctx:
            t0, c0 = time.perf_counter(), time.process_time()
            result = asset.release(ctx)
            cpu.append(time.process_time() - c0)  # every thread: less load-bound
        return time.perf_counter() - t0, Path(result.metadata["path"].path)

    load_start = round(os.getloadavg()[0], 2)
    runs, path = [], None
    for _ in range(args.repeat):
        phases_before = {k: len(v) for k, v in phases.items()}
        s, path = build(DEFAULT)
        runs.append(
            {
                "release_s": round(s, 3),
                "release_cpu_s": round(cpu[-1], 3),
                **{k: round(sum(v[phases_before.get(k, 0) :]), 3) for k, v in phases.items()},
            }
        )
    sizes = {DEFAULT: _sizes(path)}
    for scenario in scenario_partitions.get_partition_keys():
        if scenario != DEFAULT and not args.default_only:
            sizes[scenario] = _sizes(build(scenario)[1])
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.runcall(build, DEFAULT)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(40)

    def median(key: str) -> float:
        return round(statistics.median(r[key] for r in runs), 3)

    result = {
        "benchmark": "the exports/release asset on data/warehouse.duckdb (CSV, XLSX, "
        "datapackage.json, METHODOLOGY.md, site/), warehouse read included",
        "scenario": DEFAULT,
        "runs": runs,
        **{f"{k}_median": median(k) for k in runs[0]},
        "sizes": sizes,
        "max_site_bytes": max(s["site_bytes"] for s in sizes.values()),
        "targets": {"site_bytes": 15_000_000, "home_gzip_bytes": 150 * 1024, "site_s": 2.0},
        "load_average_1m": [load_start, round(os.getloadavg()[0], 2)],  # at start, at end
        "machine": platform.platform(),
    }
    save_result("release", result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
