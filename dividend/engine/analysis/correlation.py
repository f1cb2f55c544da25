"""Correlations with significance, COINr-style flags and Cronbach's alpha.

Everything uses *pairwise complete* observations, as COINr's ``get_corr``,
``get_corr_flags`` and ``get_cronbach`` do (``use = "pairwise.complete.obs"``), but
vectorised: pairwise sums come from masked matrix products, so the cost is a few
``m × n × m`` products instead of ``m²`` Python-level tests.

p-values follow ``stats::cor.test`` on each pair's complete cases with the t
statistic ``r * sqrt((n - 2) / (1 - r²))`` on ``n - 2`` degrees of freedom. For
Pearson this is exactly R's value. For Spearman R uses this same asymptotic t
approximation when there are ties or ``n >= 1290`` and otherwise an exact/Edgeworth
series (AS 89); the two differ slightly for small tie-free samples, which matters
only for p-values right at the significance threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from dividend.engine.analysis._input import AnalysisError, units_and_matrix
from dividend.engine.framework import Framework

METHODS = ("pearson", "spearman")


@dataclass(frozen=True)
class CorrMatrix:
    """Square correlation results over the same codes: ``r``, two-sided ``p`` and pair ``n``."""

    r: pd.DataFrame
    p: pd.DataFrame
    n: pd.DataFrame

    def significant(self, pval: float = 0.05) -> pd.DataFrame:
        """``r`` with entries whose p-value exceeds ``pval`` set to NaN (COINr ``get_corr``)."""
        return self.r.mask(self.p > pval)


def _observed_means(x: np.ndarray, obs: np.ndarray) -> np.ndarray:
    """Column means over observed rows; NaN for a column nobody observes (np.nanmean gives
    the same but warns "Mean of empty slice" on every all-missing indicator-year)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(obs, x, 0.0).sum(axis=0) / obs.sum(axis=0)


def _pairwise_pearson(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pearson r and pair counts over pairwise-complete rows, by masked matrix products."""
    obs = ~np.isnan(x)
    o = obs.astype(np.float64)
    # centre on column means first to limit cancellation in the sums
    x0 = np.where(obs, x - _observed_means(x, obs), 0.0) if x.size else x
    n = o.T @ o
    sx = x0.T @ o  # sx[i, j] = sum of x_i over rows where x_j is also observed
    sxx = (x0**2).T @ o
    sxy = x0.T @ x0
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sx.T / n
        vi = sxx - sx**2 / n
        r = cov / np.sqrt(vi * vi.T)
    r = np.where(n >= 2, np.clip(r, -1.0, 1.0), np.nan)
    np.fill_diagonal(r, np.where(np.diag(n) >= 2, 1.0, np.nan))
    return r, n


def _pairwise_spearman(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spearman r as R computes it pairwise: ranks re-taken within each pair's complete rows.

    Without missing values that is Pearson on column ranks. With missing values, for
    each column j (a loop over indicators, not units) the ranks of every x_i within
    the rows where x_j is observed come from one ``rankdata`` call, and the ranks of
    x_j within the rows where each x_i is observed from a cumulative count over x_j's
    sort order; the pair's Pearson correlation then follows column-wise.
    """
    obs = ~np.isnan(x)
    if obs.all():
        return _pairwise_pearson(sps.rankdata(x, axis=0))
    m = x.shape[1]
    r = np.full((m, m), np.nan)
    o = obs.astype(np.float64)
    npair = o.T @ o
    for j in range(m):
        rows = np.flatnonzero(obs[:, j])
        if rows.size < 2:
            continue
        xj = x[rows, j]
        order = np.argsort(xj, kind="stable")
        xs = xj[order]
        a = obs[rows][order].astype(np.float64)  # sorted rows × columns: x_i observed
        c = np.vstack([np.zeros((1, m)), np.cumsum(a, axis=0)])
        lo = np.searchsorted(xs, xs, side="left")
        hi = np.searchsorted(xs, xs, side="right")
        less, upto = c[lo], c[hi]
        rank_j = np.empty_like(a)
        rank_j[order] = less + (upto - less + 1) / 2.0  # avg rank of x_j among rows with x_i
        rank_i = sps.rankdata(x[rows], axis=0, nan_policy="omit")  # ranks of x_i, rows with x_j
        valid = ~np.isnan(rank_i)
        ri = np.where(valid, rank_i, 0.0)
        rj = np.where(valid, rank_j, 0.0)
        nn = valid.sum(axis=0).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            mi, mj = ri.sum(0) / nn, rj.sum(0) / nn
            cov = (ri * rj).sum(0) - nn * mi * mj
            vi = (ri**2).sum(0) - nn * mi**2
            vj = (rj**2).sum(0) - nn * mj**2
            r[j] = np.where(nn >= 2, cov / np.sqrt(vi * vj), np.nan)
    r = np.clip(r, -1.0, 1.0)
    np.fill_diagonal(r, np.where(np.diag(npair) >= 2, 1.0, np.nan))
    return r, npair


def pvalues(r: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Two-sided p-values of correlations ``r`` on ``n`` pairs (t test, ``n - 2`` df)."""
    df = n - 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        t = r * np.sqrt(df / (1.0 - r**2))
        p = 2.0 * sps.t.sf(np.abs(t), df)
    p = np.where(np.abs(r) >= 1.0, 0.0, p)
    return np.where((n > 2) & ~np.isnan(r), p, np.nan)


def corr_matrix(
    data: pd.DataFrame, codes: Sequence[str] | None = None, method: str = "pearson"
) -> CorrMatrix:
    """Pairwise-complete correlation matrix with p-values and pair counts."""
    if method not in METHODS:
        raise AnalysisError(f"correlation method {method!r} is not one of {list(METHODS)}")
    _, codes, x = units_and_matrix(data, codes)
    r, n = _pairwise_pearson(x) if method == "pearson" else _pairwise_spearman(x)
    p = pvalues(r, n)
    np.fill_diagonal(p, 0.0)

    def frame(a: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(a, index=codes, columns=codes)

    return CorrMatrix(frame(r), frame(p), frame(n.astype(np.int64)))


def _group_of(framework: Framework, codes: Sequence[str], grouplev: int) -> np.ndarray:
    """Ancestor at ``grouplev`` of each indicator code."""
    if not 2 <= grouplev <= framework.levels:
        raise AnalysisError(f"grouplev must be in 2..{framework.levels}, got {grouplev}")
    out = []
    for c in codes:
        if c not in framework.indicators:
            raise AnalysisError(f"{c!r} is not an indicator of the framework")
        out.append(framework.ancestors(c)[grouplev - 2])
    return np.array(out, dtype=object)


def corr_flags(
    data: pd.DataFrame,
    framework: Framework,
    cor_thresh: float = 0.9,
    thresh_type: str = "high",
    method: str = "pearson",
    grouplev: int = 2,
) -> pd.DataFrame:
    """Indicator pairs in the same ``grouplev`` group with r above (or below) a threshold.

    COINr ``get_corr_flags``: ``thresh_type="high"`` flags ``r > cor_thresh`` (default
    0.9: collinearity / double counting); ``"low"`` flags ``r < cor_thresh`` (use 0 for
    negative correlations within a group). Each pair is listed once (COINr lists both
    orders). Columns: Group, Ind1, Ind2, Corr.
    """
    if thresh_type not in ("high", "low"):
        raise AnalysisError(f"thresh_type must be 'high' or 'low', got {thresh_type!r}")
    if not -1 <= cor_thresh <= 1:
        raise AnalysisError(f"cor_thresh must be in [-1, 1], got {cor_thresh}")
    codes = [c for c in framework.indicators if c in data.columns]
    cm = corr_matrix(data, codes, method)
    grp = _group_of(framework, codes, grouplev)
    r = cm.r.to_numpy()
    same = grp[:, None] == grp[None, :]
    hit = (r > cor_thresh) if thresh_type == "high" else (r < cor_thresh)
    i, j = np.nonzero(np.triu(same & hit & ~np.isnan(r), k=1))
    return pd.DataFrame(
        {"Group": grp[i], "Ind1": np.array(codes)[i], "Ind2": np.array(codes)[j], "Corr": r[i, j]}
    )


def collinear_pairs(data: pd.DataFrame, framework: Framework, **kw) -> pd.DataFrame:
    """Within-group pairs with r > 0.9 (possible double counting)."""
    return corr_flags(
        data, framework, cor_thresh=kw.pop("cor_thresh", 0.9), thresh_type="high", **kw
    )


def negative_pairs(data: pd.DataFrame, framework: Framework, **kw) -> pd.DataFrame:
    """Within-group pairs with r < 0 (indicators pulling their aggregate in opposite ways)."""
    return corr_flags(
        data, framework, cor_thresh=kw.pop("cor_thresh", 0.0), thresh_type="low", **kw
    )


def corr_with_parent(
    data: pd.DataFrame,
    framework: Framework,
    level: int,
    method: str = "pearson",
    against: str = "parent",
) -> pd.Series:
    """Correlation of each element at ``level`` with its parent (or with the index).

    ``data`` must hold the columns of ``level`` and of the aggregates (an aggregated
    data set). ``against="index"`` correlates with the top node, which is what COINr's
    weight optimisation balances.
    """
    if not 1 <= level < framework.levels:
        raise AnalysisError(f"level must be in 1..{framework.levels - 1}, got {level}")
    if against not in ("parent", "index"):
        raise AnalysisError(f"against must be 'parent' or 'index', got {against!r}")
    codes = list(framework.codes[level - 1])
    targets = [framework.parent[c] if against == "parent" else framework.index_code for c in codes]
    uniq = list(dict.fromkeys(targets))
    cm = corr_matrix(data, codes + [t for t in uniq if t not in codes], method)
    r = cm.r.to_numpy()
    pos = {c: k for k, c in enumerate(cm.r.columns)}
    vals = r[[pos[c] for c in codes], [pos[t] for t in targets]]
    return pd.Series(vals, index=codes, name="Correlation")


def cronbach(data: pd.DataFrame, codes: Sequence[str] | None = None) -> float:
    """Cronbach's alpha from the pairwise-complete covariance matrix (COINr ``get_cronbach``).

    ``alpha = k² · mean(off-diagonal cov) / sum(cov) = k/(k-1) · (1 - sum(var)/sum(cov))``.
    """
    _, codes, x = units_and_matrix(data, codes)
    k = x.shape[1]
    if k < 2:
        raise AnalysisError(f"Cronbach's alpha needs at least 2 columns, got {codes}")
    cov = pairwise_cov(x)
    total = np.nansum(cov)
    off = (total - np.nansum(np.diag(cov))) / (k * (k - 1))
    with np.errstate(invalid="ignore", divide="ignore"):  # no variance at all: NaN, as R
        return float(k**2 * off / total)


def pairwise_cov(x: np.ndarray) -> np.ndarray:
    """Sample covariance over pairwise-complete rows (R ``cov(use = "pairwise.complete.obs")``)."""
    obs = ~np.isnan(x)
    o = obs.astype(np.float64)
    x0 = np.where(obs, x - _observed_means(x, obs), 0.0)
    n = o.T @ o
    sx = x0.T @ o
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (x0.T @ x0 - sx * sx.T / n) / (n - 1)
    return np.where(n >= 2, cov, np.nan)


def cronbach_by_group(data: pd.DataFrame, framework: Framework, level: int = 2) -> pd.Series:
    """Cronbach's alpha of the children of every aggregate at ``level``."""
    if not 2 <= level <= framework.levels:
        raise AnalysisError(f"level must be in 2..{framework.levels}, got {level}")
    out = {}
    for parent, kids in framework.group_slices(level):
        codes = [framework.codes[level - 2][k] for k in kids]
        out[parent] = cronbach(data, codes) if len(codes) >= 2 else np.nan
    return pd.Series(out, name="alpha")
