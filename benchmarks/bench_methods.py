"""Speed of the numeric kernels: treat + normalise + aggregate on 10,000 units x 100 indicators,
and EM imputation (multivariate normal) of the same size with 10% of cells missing.

Target (issue 4 brief for the kernels): well under 1 s in total on the reference machine.
Data are synthetic and heavy-tailed (lognormal, plus outliers) so that most indicators fail
the skew/kurtosis check and go through winsorising or log_CT, the slow path.
    python -m benchmarks.bench_methods
"""

from __future__ import annotations

import json
import time

import numpy as np

from benchmarks.results_store import save_result
from dividend.engine.methods import aggregate, aggregate_many, normalise, treat
from dividend.engine.methods.impute_em import impute_em


def _data(n_units: int = 10_000, n_ind: int = 100, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.lognormal(mean=0.0, sigma=rng.uniform(0.2, 2.0, n_ind), size=(n_units, n_ind))
    X[rng.random(X.shape) < 0.05] = np.nan
    return X


def _em_data(n_units: int = 10_000, n_ind: int = 100, seed: int = 2) -> np.ndarray:
    """Correlated normal data (10 common factors plus noise), 10% of cells missing at random."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_units, 10)) @ rng.normal(size=(10, n_ind))
    X += rng.normal(size=X.shape) * rng.uniform(0.5, 2.0, n_ind)
    X[rng.random(X.shape) < 0.10] = np.nan
    return X


def _best_of(fn, repeat: int = 5) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run() -> dict:
    X = _data()
    codes = [f"i{j}" for j in range(X.shape[1])]
    pillars = np.arange(X.shape[1]) // 10  # 10 pillars of 10 indicators

    t_treat, (T, log) = _best_of(lambda: treat(X, codes))
    t_norm, N = _best_of(lambda: normalise(T, "minmax"))

    def agg():
        P = np.column_stack(
            [aggregate(N[:, pillars == p], np.ones(10), "amean") for p in range(10)]
        )
        return aggregate(P, np.ones(10), "amean")

    t_agg, _ = _best_of(agg)
    P = np.column_stack([aggregate(N[:, pillars == p], np.ones(10), "amean") for p in range(10)])
    W = np.random.default_rng(1).uniform(0.5, 1.5, size=(1000, 10))
    t_many, _ = _best_of(lambda: aggregate_many(P, W, "amean"), repeat=3)
    Y = _em_data()
    t_em, em = _best_of(lambda: impute_em(Y), repeat=3)
    return {
        "benchmark": "methods kernels, 10,000 units x 100 indicators",
        "treat_s": round(t_treat, 4),
        "normalise_minmax_s": round(t_norm, 4),
        "aggregate_two_levels_amean_s": round(t_agg, 4),
        "total_s": round(t_treat + t_norm + t_agg, 4),
        "indicators_winsorised": int((log["winsorise.nwin"].fillna(0) > 0).sum()),
        "indicators_log_ct": int((log["f2"] == "log_CT").sum()),
        "aggregate_many_1000_weight_sets_10_pillars_s": round(t_many, 4),
        "impute_em_10pct_missing_s": round(t_em, 4),
        "impute_em_iterations": em.iterations,
        "impute_em_converged": em.converged,
    }


if __name__ == "__main__":
    res = run()
    save_result("methods", res)
    print(json.dumps(res, indent=2))
