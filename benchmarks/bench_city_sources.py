"""Read + stage + lazy-validate the five city-level sources, and build the city geography.

Target (issue 3): well under 15 s in total for these datasets (the whole source layer must
materialise in < 30 s on 2 cores). Run: ``.venv/bin/python -m benchmarks.bench_city_sources``;
writes ``benchmarks/results/city_sources.json``. Times are in-process, after imports.
"""

from __future__ import annotations

import importlib
import time

from benchmarks.results_store import save_result
from sources.catalogue import dataset
from sources.geography.cities import build_cities, build_qol_crosswalk, build_study_cities

CITY_DATASETS = (
    "eurostat_urb_percep_bulk",
    "eurostat_urban_audit_sdmxcsv",
    "eu_qol_european_cities_2023",
    "nae_cities_index_us",
    "statcan_census2016_immigrants_by_cma",
)


def run() -> dict:
    rows, raw_tables = [], {}
    total0 = time.perf_counter()
    for ds_id in CITY_DATASETS:  # five datasets
        spec = importlib.import_module(f"sources.datasets.{ds_id}").SPEC
        t0 = time.perf_counter()
        raw = spec.read(dataset(ds_id))
        t1 = time.perf_counter()
        res = spec.stage(raw)
        t2 = time.perf_counter()
        spec.schema.validate(res.table, lazy=True)
        t3 = time.perf_counter()
        raw_tables[ds_id] = raw
        rows.append(
            {
                "dataset": ds_id,
                "rows": len(raw),
                "decisions": len(res.decisions),
                "read_s": round(t1 - t0, 3),
                "stage_s": round(t2 - t1, 3),
                "validate_s": round(t3 - t2, 3),
            }
        )
    t0 = time.perf_counter()
    build_qol_crosswalk()
    cities = build_cities(raw_tables)
    build_study_cities(cities)
    geo_s = time.perf_counter() - t0
    return {
        "benchmark": "city sources read+stage+validate, city geography",
        "datasets": rows,
        "geography_s": round(geo_s, 3),
        "total_s": round(time.perf_counter() - total0, 2),
    }


if __name__ == "__main__":
    out = run()
    for r in out["datasets"]:
        print(
            f"{r['dataset']:40s} {r['rows']:>8,d} rows  read {r['read_s']:.2f}s  stage {r['stage_s']:.2f}s  validate {r['validate_s']:.2f}s"
        )
    print(f"geography {out['geography_s']:.2f}s   total {out['total_s']:.2f}s (target < 15 s)")
    save_result("city_sources", out)
