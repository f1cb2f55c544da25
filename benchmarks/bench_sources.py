"""How long materialising every source asset (raw + staged + checks) takes from vendored files.

Target (issue 3): under 30 s on the 2-core reference machine.
    python -m benchmarks.bench_sources
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import dagster as dg

from pipelines.materialise import materialise

RESULTS = Path(__file__).parent / "results" / "sources.json"
SOURCE_LAYERS = dg.AssetSelection.key_prefixes(["raw"], ["staged"], ["quality"])


def run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        result = materialise(Path(tmp) / "bench.duckdb", selection=SOURCE_LAYERS)
        elapsed = time.perf_counter() - started
    assert result.success
    steps = len(result.get_asset_materialization_events())
    return {
        "benchmark": "materialise all source assets",
        "seconds": round(elapsed, 2),
        "materialisations": steps,
    }


if __name__ == "__main__":
    out = run()
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2))
    print(json.dumps(out))
