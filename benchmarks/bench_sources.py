"""How long materialising every source asset (raw + staged + geography + quality, with all
their checks) takes from the vendored files, and what each source covers.

Target (issue 11): at most 30 s on the 2-core reference machine. Other people's processes
share that machine, so the run also records its own CPU time (user + sys of this process)
and the load average before and after: wall time alone says little at load 6.
    python -m benchmarks.bench_sources
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import dagster as dg
import duckdb

from benchmarks.results_store import save_result
from pipelines.materialise import materialise
from sources.catalogue import catalogue
from sources.crosschecks import all_crosschecks, crosscheck_summary

SOURCE_LAYERS = dg.AssetSelection.key_prefixes(["raw"], ["staged"], ["quality"])

COVERAGE_SQL = """
SELECT count(*) AS rows,
       count(DISTINCT indicator) AS indicators,
       count(DISTINCT geo) FILTER (WHERE geo_level = 'country') AS countries,
       count(DISTINCT geo) FILTER (WHERE geo_level = 'city') AS cities,
       min(year) AS first_year, max(year) AS last_year,
       count(*) FILTER (WHERE qc_action <> 'none') AS rows_with_rule
FROM staged."{ds}"
"""


def coverage(path: Path) -> list[dict]:
    out = []
    with duckdb.connect(str(path), read_only=True) as con:
        for ds_id, ds in catalogue().items():
            row = con.execute(COVERAGE_SQL.format(ds=ds_id)).df().iloc[0].to_dict()
            out.append(
                {
                    "dataset": ds_id,
                    "publisher": ds.publisher,
                    "vintage": ds.vintage,
                    **{k: int(v) for k, v in row.items()},
                }
            )
    return out


def crosschecks(path: Path) -> list[dict]:
    """Per cross-check: pairs and countries compared, mean and max |difference|."""
    with duckdb.connect(str(path), read_only=True) as con:
        table = con.execute("SELECT * FROM quality.cross_checks").df()
    summary = crosscheck_summary(table)
    return [
        {
            "check": r.check,
            "datasets": list(all_crosschecks()[r.check].datasets),
            "unit": r.unit,
            "pairs": int(r.pairs),
            "units": int(r.units),
            "mean_abs_difference": round(float(r.mean_abs_difference), 4),
            "max_abs_difference": round(float(r.max_abs_difference), 4),
        }
        for r in summary.itertuples()
    ]


def run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        load_before = os.getloadavg()[0]
        started, cpu = time.perf_counter(), time.process_time()
        result = materialise(path, selection=SOURCE_LAYERS)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert result.success
        checks = result.get_asset_check_evaluations()
        return {
            "benchmark": "materialise all source assets (raw, staged, geography, quality) with their checks",
            "seconds": round(elapsed, 2),
            # CPU of this process (all its threads): what the run costs on a busy machine
            "cpu_seconds": round(cpu, 2),
            "target_s": 30,
            "materialisations": len(result.get_asset_materialization_events()),
            "checks": len(checks),
            "checks_passed": sum(c.passed for c in checks),
            "steps": len(result.get_step_success_events()),
            "load_average_1m_before": round(load_before, 2),
            "load_average_1m": round(os.getloadavg()[0], 2),
            "coverage": coverage(path),
            "crosschecks": crosschecks(path),
        }


if __name__ == "__main__":
    out = run()
    save_result("sources", out)
    print(json.dumps({k: v for k, v in out.items() if k != "coverage"}))
