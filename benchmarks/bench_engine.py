"""Engine benchmarks: the ASEM recipe in-process, and 10,000 units × 100 indicators.

Run: ``.venv/bin/python benchmarks/bench_engine.py``. Prints a table and writes
``benchmarks/results/engine.json``. Targets (issue 4): ASEM full recipe <= 20 ms
(COINr ~250 ms per regeneration); 10k × 100 full recipe <= 2 s, peak memory < 1 GB.
"""

from __future__ import annotations

import platform
import resource
import statistics
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.results_store import save_result
from dividend.engine.framework import Framework
from dividend.engine.recipe import Recipe, load_inputs, run_recipe
from dividend.engine.unit_data import UnitData

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def synthetic(n_units: int, n_ind: int, seed: int = 0) -> tuple[UnitData, Framework]:
    """Indicators -> 10 pillars -> 2 sub-indices -> index; lognormal data, 5% missing,
    a 4-level group column and a denominator for every fifth indicator."""
    rng = np.random.default_rng(seed)
    n_pil = 10
    ind = [f"i{j:03d}" for j in range(n_ind)]
    pil = [f"P{k}" for k in range(n_pil)]
    rows = [
        {
            "iCode": c,
            "Level": 1,
            "Parent": pil[j % n_pil],
            "Weight": 1.0,
            "Direction": -1 if j % 7 == 0 else 1,
            "Type": "Indicator",
            "Denominator": "pop" if j % 5 == 0 else None,
        }
        for j, c in enumerate(ind)
    ]
    rows += [
        {
            "iCode": p,
            "Level": 2,
            "Parent": f"S{k % 2}",
            "Weight": 1.0,
            "Direction": 1,
            "Type": "Aggregate",
        }
        for k, p in enumerate(pil)
    ]
    rows += [
        {
            "iCode": f"S{k}",
            "Level": 3,
            "Parent": "Index",
            "Weight": 1.0,
            "Direction": 1,
            "Type": "Aggregate",
        }
        for k in range(2)
    ]
    rows += [
        {
            "iCode": "Index",
            "Level": 4,
            "Parent": None,
            "Weight": 1.0,
            "Direction": 1,
            "Type": "Aggregate",
        },
        {"iCode": "grp", "Type": "Group"},
        {"iCode": "pop", "Type": "Denominator"},
    ]
    fw = Framework.from_imeta(pd.DataFrame(rows))
    x = rng.lognormal(0.0, 1.0, size=(n_units, n_ind))
    x[rng.random(x.shape) < 0.05] = np.nan
    df = pd.DataFrame(x, columns=ind)
    df.insert(0, "uCode", [f"U{i:06d}" for i in range(n_units)])
    df["grp"] = np.array(["a", "b", "c", "d"])[rng.integers(0, 4, n_units)]
    df["pop"] = rng.uniform(1.0, 1000.0, n_units)
    return UnitData.from_idata(df, fw), fw


def main() -> dict:
    warnings.simplefilter("ignore")
    results: dict = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
    }

    # ASEM: the COINr example pipeline, inputs already loaded (COINr's regen figure is the same)
    recipe = Recipe.load(ROOT / "examples/asem/recipe.yaml")
    data, fw = load_inputs(recipe)
    run_recipe(recipe, data, fw)  # warm-up (imports, caches)
    t = timed(lambda: run_recipe(recipe, data, fw), 50)
    t_load = timed(lambda: run_recipe(recipe, *load_inputs(recipe)), 10)
    results["asem"] = {
        "units": int(data.n_units),
        "indicators": len(fw.indicators),
        "run_ms_median": 1000 * statistics.median(t),
        "run_ms_min": 1000 * min(t),
        "load_and_run_ms_median": 1000 * statistics.median(t_load),
        "target_ms": 20,
        "coinr_ms": 250,
    }

    # 10,000 × 100: same step list, group-mean imputation by the synthetic group column
    big_recipe = Recipe.from_dict(
        {
            "steps": [
                {"step": "Denominate", "dset": "Raw"},
                {"step": "Impute", "params": {"method": "i_mean_grp", "use_group": "grp"}},
                {"step": "Screen", "params": {"unit_screen": "byNA", "dat_thresh": 0.9}},
                {"step": "Treat", "params": {"winmax": 5}},
                {"step": "Normalise", "params": {"method": "minmax", "params": {"l_u": [0, 100]}}},
                {"step": "Aggregate", "params": {"method": "amean"}},
            ]
        }
    )
    big, bfw = synthetic(10_000, 100)
    run_recipe(big_recipe, big, bfw)
    tb = timed(lambda: run_recipe(big_recipe, big, bfw), 5)
    tracemalloc.start()
    run_recipe(big_recipe, big, bfw)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    results["big"] = {
        "units": 10_000,
        "indicators": 100,
        "run_s_median": statistics.median(tb),
        "run_s_min": min(tb),
        "peak_traced_mb": peak / 2**20,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "target_s": 2.0,
        "target_mb": 1024,
    }
    out = save_result("engine", results)
    a, b = results["asem"], results["big"]
    print(
        f"ASEM {a['units']}x{a['indicators']} full recipe: median {a['run_ms_median']:.1f} ms "
        f"(min {a['run_ms_min']:.1f}; with CSV loading {a['load_and_run_ms_median']:.1f} ms) "
        f"target <= 20 ms, COINr ~250 ms"
    )
    print(
        f"10,000x100 full recipe: median {b['run_s_median']:.2f} s (min {b['run_s_min']:.2f}) "
        f"target <= 2 s; peak traced memory {b['peak_traced_mb']:.0f} MB, "
        f"process max RSS {b['max_rss_mb']:.0f} MB (target < 1 GB)"
    )
    print(f"wrote {out.relative_to(ROOT)}")
    return results


if __name__ == "__main__":
    main()
