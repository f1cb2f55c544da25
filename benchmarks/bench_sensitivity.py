"""Sensitivity benchmarks: COINr's ASEM example design, and 10,000 units × 100 indicators ×
10,000 uncertainty runs.

Run: ``.venv/bin/python -m benchmarks.bench_sensitivity [--skip-big]``. Prints a table and
writes ``benchmarks/results/sensitivity.json``.

* ASEM, COINr's vignette design: SA, N = 100 -> 600 runs; winmax 1..5, min-max (1, 100)
  vs z-score (10, 2), 100 noisy weight sets at ±25% on levels 2-3, arithmetic vs
  geometric mean; 1000 bootstrap resamples, leave-one-indicator-out included. Timed from
  loaded inputs to every output table (COINr's ~160 s is ``get_sensitivity`` on a built
  coin). Target <= 0.5 s.
* Large: the engine benchmark's synthetic 10k × 100 data (``bench_engine.synthetic``), UA
  with 10,000 random runs varying winmax {3, 5}, min-max (1, 100) vs ranks (COINr's n_rank),
  ±25% noise on all weights (10,000 sets) and arithmetic vs geometric mean. Run in a
  fresh subprocess so its peak RSS is its own. Target: completes within 2 GB.
* Index panel (issue 12): the real index's sensitivity for one weight scenario, every
  framework, with every issue-12 input (weight noise after the scenario choice, scenario,
  documented neutral/goalpost ranges, aggregation of pillar dividends, imputation, survey
  sampling), SA N = 256, 1000 bootstrap resamples: the latest reference year of each frame
  alone (the timing stands for the headline year's; the release's Sobol table is the
  headline year's), and every panel year with the paired 5-year changes. Upstream (sources,
  indicators) is materialised first into a scratch warehouse (or ``--warehouse PATH``),
  in a fresh subprocess so peak RSS is the sensitivity's. Targets: headline year <= 5 s and
  whole panel <= 20 s for everything downstream of a weight change (this is the sensitivity
  part of it), peak <= 2 GB. Prints the Sobol table (weight noise must be non-zero).
"""

from __future__ import annotations

import json
import platform
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from benchmarks.results_store import load_result, save_result

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def asem(repeat: int = 7) -> dict:
    from dividend.sensitivity import load_config, run_sensitivity

    times, res = [], None
    for _ in range(repeat + 1):  # the first run warms imports and caches up
        cfg = load_config(ROOT / "examples" / "asem" / "sensitivity.yaml")
        t0 = time.perf_counter()
        res = run_sensitivity(
            cfg.model, cfg.inputs, cfg.n, cfg.seed, cfg.design, cfg.sampler, cfg.nboot
        )
        times.append(time.perf_counter() - t0)
    times = times[1:]
    ind = res.inputs.set_index("input")
    return {
        "runs": int(res.meta["n_runs"]),
        "failed": res.n_failed,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "target_s": 0.5,
        "coinr_s": 160,
        "Si": ind["Si"].round(4).to_dict(),
        "STi": ind["STi"].round(4).to_dict(),
    }


def big(n_units: int = 10_000, n_ind: int = 100, n_runs: int = 10_000) -> dict:
    from benchmarks.bench_engine import synthetic
    from dividend.engine.recipe import Recipe
    from dividend.sensitivity import RecipeModel, parse_inputs, run_sensitivity

    warnings.simplefilter("ignore")
    data, fw = synthetic(n_units, n_ind)
    recipe = Recipe.from_dict(
        {
            "steps": [
                {"step": "Denominate", "dset": "Raw"},
                {"step": "Impute", "params": {"method": "i_mean_grp", "use_group": "grp"}},
                {"step": "Screen", "params": {"unit_screen": "byNA", "dat_thresh": 0.9}},
                {"step": "Treat", "params": {"winmax": 5}},
                {"step": "Normalise", "params": {"method": "minmax", "params": {"l_u": [1, 100]}}},
                {"step": "Aggregate", "params": {"method": "amean"}},
            ]
        }
    )
    inputs = parse_inputs(
        {
            "Winmax": {"kind": "step", "step": "Treat", "param": "winmax", "values": [3, 5]},
            "Normalisation": {
                "kind": "step",
                "step": "Normalise",
                "choices": [
                    {"method": "minmax", "params": {"l_u": [1, 100]}},
                    {"method": "rank", "params": None},
                ],
            },
            "Weights": {
                "kind": "weights_noise",
                "noise": {1: 0.25, 2: 0.25, 3: 0.25},
                "n_sets": n_runs,
            },
            "Aggregation": {"kind": "aggregation", "choices": ["amean", "gmean"]},
        }
    )
    t0 = time.perf_counter()
    res = run_sensitivity(
        RecipeModel(recipe, data, fw),
        inputs,
        n_runs,
        1,
        design="ua",
        sampler="random",
        score_dtype="float32",
        leave_one_out=True,
    )
    elapsed = time.perf_counter() - t0
    return {
        "units": n_units,
        "indicators": n_ind,
        "runs": n_runs,
        "failed": res.n_failed,
        "blocks": res.meta["blocks"],
        "elapsed_s": elapsed,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "target_mb": 2048,
    }


def index_panel(warehouse: str | None = None, repeat: int = 3) -> dict:
    """Real-index sensitivity, headline year and whole panel (see the module docstring)."""
    import tempfile

    import duckdb

    from dividend.index.definition import load_definition
    from dividend.index.uncertainty import IndexSettings, index_sensitivity, survey_table
    from pipelines.assets.sensitivity import panel_tables

    if warehouse is None:
        from pipelines.materialise import materialise

        warehouse = str(Path(tempfile.mkdtemp(prefix="bench_panel_")) / "w.duckdb")
        assert materialise(Path(warehouse)).success  # sources, geography, indicators
    d = load_definition()
    with duckdb.connect(warehouse, read_only=True) as con:
        units = con.execute("SELECT * FROM indicators.units").df()
        long = con.execute("SELECT * FROM indicators.long").df()
        surveys = {n: survey_table(con, fw) for n, fw in d.frameworks.items()}
    data = {n: panel_tables(units, long, n, fw.codes) for n, fw in d.frameworks.items()}
    years = sorted({y for v in data.values() for y in v if y is not None})
    head = {
        n: {y: t for y, t in v.items() if y is None or y == max(v, key=lambda k: k or 0)}
        for n, v in data.items()
    }
    scen = d.scenarios["faal_five_pillars"]
    settings = IndexSettings(n=256)

    def timed(dd):
        ts, out = [], None
        for _ in range(repeat):
            t0 = time.perf_counter()
            out = index_sensitivity(d.frameworks, scen, d.scenarios, dd, settings, surveys=surveys)
            ts.append(time.perf_counter() - t0)
        return ts, out

    t_head, _ = timed(head)
    t_panel, tabs = timed(data)
    inputs = tabs["inputs"]
    return {
        "panel_years": years or ["single year (no panel in the index yet)"],
        "headline_s": [round(t, 3) for t in t_head],
        "panel_s": [round(t, 3) for t in t_panel],
        "runs": len(tabs["runs"]),
        "failed": int((tabs["runs"]["status"] == "failed").sum()),
        "changes_rows": len(tabs.get("changes", [])),
        "sobol": inputs[["framework", "reference_year", "input", "Si", "STi"]]
        .assign(reference_year=inputs["reference_year"].astype(object))
        .round(3)
        .to_dict(orient="records"),
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "target_headline_s": 5.0,
        "target_panel_s": 20.0,
        "target_mb": 2048,
    }


def main(skip_big: bool = False) -> dict:
    warnings.simplefilter("ignore")
    results: dict = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "asem_coinr_design": asem(),
    }
    a = results["asem_coinr_design"]
    print(
        f"ASEM COINr SA design ({a['runs']} runs, {a['failed']} failed): median "
        f"{a['median_s'] * 1000:.0f} ms (min {a['min_s'] * 1000:.0f} ms); target 500 ms, "
        f"COINr ~160 s"
    )
    if not skip_big:
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_sensitivity", "--big-only"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        results["big"] = json.loads(proc.stdout.strip().splitlines()[-1])
        b = results["big"]
        print(
            f"{b['units']:,} units x {b['indicators']} indicators x {b['runs']:,} runs "
            f"({b['blocks']} blocks, {b['failed']} failed): {b['elapsed_s']:.1f} s, "
            f"peak RSS {b['max_rss_mb']:.0f} MB (limit 2048 MB)"
        )
    else:  # keep the last large-scale figure
        prev = load_result("sensitivity")
        if "big" in prev:
            results["big"] = prev["big"]
    cmd = [sys.executable, "-m", "benchmarks.bench_sensitivity", "--panel-only"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    results["index_panel"] = p = json.loads(proc.stdout.strip().splitlines()[-1])
    print(
        f"Index sensitivity, headline year: median {statistics.median(p['headline_s']):.2f} s; "
        f"whole panel {p['panel_years']}: median {statistics.median(p['panel_s']):.2f} s; "
        f"{p['runs']} runs, {p['failed']} failed; peak RSS {p['max_rss_mb']:.0f} MB"
    )
    for r in p["sobol"]:
        print(
            f"  {r['framework']:8} {r['reference_year']!s:5} {r['input']:16} "
            f"Si {r['Si']:6.3f}  STi {r['STi']:6.3f}"
        )
    save_result("sensitivity", results)
    return results


if __name__ == "__main__":
    if "--big-only" in sys.argv:
        print(json.dumps(big()))
    elif "--panel-only" in sys.argv:
        warnings.simplefilter("ignore")
        wh = sys.argv[sys.argv.index("--warehouse") + 1] if "--warehouse" in sys.argv else None
        print(json.dumps(index_panel(wh), default=str))
    else:
        main(skip_big="--skip-big" in sys.argv)
