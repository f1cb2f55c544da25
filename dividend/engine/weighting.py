"""Weights: nominal, equal, PCA-based, correlation-optimised, and effective weights.

Weights are relative within each aggregation group: every aggregation method
renormalises a group's child weights to sum to 1, so all functions here return
weights already renormalised within their parent group (a ``pd.Series`` by iCode),
ready for ``Framework.with_weights`` or the Aggregate step's ``weights`` parameter.

* :func:`nominal_weights` / :func:`equal_weights`: iMeta's weights, or 1 each.
* :func:`pca_weights`: COINr's ``get_PCA(weights_to=)`` idea, the first principal
  component of each group. COINr uses the raw PC1 loadings, which can be negative and
  have an arbitrary sign; the default here (``kind="squared"``) uses the squared
  loadings, which are non-negative and already sum to 1 per group (the share of PC1
  carried by each indicator, the OECD/JRC Handbook's variant); ``kind="loadings"``
  gives COINr's raw loadings, oriented to a positive sum.
* :func:`optimised_weights`: COINr's ``get_opt_weights``. ``optype="balance"``
  minimises the mean squared difference between the normalised correlations
  ``r_i / sum(r)`` of each element with its aggregate and target shares (equal by
  default), so no indicator dominates or is drowned out; ``"infomax"`` maximises the
  sum of correlations. COINr correlates with the index and optimises the whole level
  at once (``target="index"``, the default); ``target="parent"`` balances each group
  against its own parent, one optimisation per group. COINr runs ``optim``
  (Nelder-Mead) on raw weights with ``reltol = 0.1``, stopping early and allowing
  negative weights; here Nelder-Mead works on log-weights (so weights stay positive)
  to a tight tolerance, so results are close to but not bit-identical with COINr's.
* :func:`effective_weights`: product of the renormalised weights along the path to
  the index (COINr ``get_eff_wts``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from dividend.engine.analysis._input import units_and_matrix
from dividend.engine.analysis.correlation import corr_with_parent
from dividend.engine.analysis.pca import pca
from dividend.engine.framework import Framework
from dividend.engine.methods.aggregate import aggregate

_TINY = 1e-30  # keeps log(mean squared gap) finite when the balance is perfect


class WeightsError(ValueError):
    """Invalid weights; the message names the iCode or group at fault."""


def _below_top(fw: Framework) -> list[str]:
    return [c for level in fw.codes[:-1] for c in level]


def normalise_in_groups(fw: Framework, weights: Mapping[str, float]) -> pd.Series:
    """Validate weights (any subset of nodes below the index) and renormalise per parent.

    Missing codes keep their nominal weight. Errors name: unknown codes, non-numeric,
    non-finite or negative weights, and groups whose weights are all zero.
    """
    codes = _below_top(fw)
    unknown = sorted(set(weights) - set(codes))
    if unknown:
        raise WeightsError(
            f"unknown iCode(s) {unknown} (not an indicator or aggregate below the index)"
        )
    w = {}
    for c in codes:
        v = weights.get(c, fw.weight[c])
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise WeightsError(f"iCode {c!r}: weight {v!r} is not a number") from None
        if not np.isfinite(v):
            raise WeightsError(f"iCode {c!r}: weight {v!r} is not finite")
        if v < 0:
            raise WeightsError(f"iCode {c!r}: weight {v} is negative")
        w[c] = v
    s = pd.Series(w, name="Weight")
    parents = pd.Series({c: fw.parent[c] for c in codes})
    sums = s.groupby(parents).transform("sum")
    zero = sorted(parents[sums == 0].unique())
    if zero:
        raise WeightsError(f"all weights of the children of {zero[0]!r} are zero")
    return s / sums


def nominal_weights(fw: Framework) -> pd.Series:
    """iMeta weights renormalised to sum to 1 within each parent group."""
    return normalise_in_groups(fw, {})


def equal_weights(fw: Framework) -> pd.Series:
    """Equal weights within each group (1 / number of siblings)."""
    return normalise_in_groups(fw, dict.fromkeys(_below_top(fw), 1.0))


def effective_weights(fw: Framework, weights: Mapping[str, float] | None = None) -> pd.Series:
    """Each node's share of the index: product of renormalised weights up the tree (index = 1)."""
    w = normalise_in_groups(fw, weights or {})
    eff = {fw.index_code: 1.0}
    for lev in range(fw.levels - 1, 0, -1):  # loop over levels, parents are done first
        for c in fw.codes[lev - 1]:
            eff[c] = float(w[c]) * eff[fw.parent[c]]  # type: ignore[index]
    order = [c for level in fw.codes for c in level]
    return pd.Series([eff[c] for c in order], index=order, name="EffWeight")


def pca_weights(
    data: pd.DataFrame, fw: Framework, level: int = 1, kind: str = "squared"
) -> pd.Series:
    """First-component PCA weights of the elements at ``level``, group by group.

    ``data`` holds the level's columns (indicators, or aggregates for level > 1),
    normally the normalised or aggregated data set. Rows with missing values are
    dropped per group, as COINr does.
    """
    if kind not in ("squared", "loadings"):
        raise WeightsError(f"kind must be 'squared' or 'loadings', got {kind!r}")
    if not 1 <= level < fw.levels:
        raise WeightsError(f"level must be in 1..{fw.levels - 1}, got {level}")
    out = {}
    for _parent, kids in fw.group_slices(level + 1):
        codes = [fw.codes[level - 1][k] for k in kids]
        if len(codes) == 1:
            out[codes[0]] = 1.0
            continue
        pc1 = pca(data, codes).rotation["PC1"]
        vals = pc1**2 if kind == "squared" else pc1
        out.update(vals.to_dict())
    s = pd.Series(out, name="Weight").reindex(list(fw.codes[level - 1]))
    return (
        s
        if kind == "loadings"
        else s / s.groupby(pd.Series({c: fw.parent[c] for c in s.index})).transform("sum")
    )


def aggregate_tree(
    normalised: pd.DataFrame,
    fw: Framework,
    weights: Mapping[str, float] | None = None,
    method: str | Mapping[int, str] = "amean",
    **params,
) -> pd.DataFrame:
    """Indicators plus every aggregate, walking the tree with the methods' kernels.

    A light re-aggregation for weight optimisation (no recipe needed): ``normalised``
    holds the indicator columns (uCode column or index). ``method`` is one method or a
    {level: method} map; ``params`` go to :func:`dividend.engine.methods.aggregate.aggregate`.
    """
    units, _, x = units_and_matrix(normalised, list(fw.indicators))
    w = normalise_in_groups(fw, weights or {})
    cols = {c: x[:, i] for i, c in enumerate(fw.indicators)}
    cur = x
    for lev in range(2, fw.levels + 1):  # loop over levels and their groups, vectorised over units
        m = method if isinstance(method, str) else method.get(lev, "amean")
        kids_codes = fw.codes[lev - 2]
        wl = w.reindex(list(kids_codes)).to_numpy()
        new = np.empty((cur.shape[0], len(fw.codes[lev - 1])))
        for j, (_p, kids) in enumerate(fw.group_slices(lev)):
            new[:, j] = aggregate(cur[:, kids], wl[kids], m, **params)
        cols.update({c: new[:, j] for j, c in enumerate(fw.codes[lev - 1])})
        cur = new
    return pd.DataFrame(cols, index=units)


@dataclass(frozen=True)
class OptimisedWeights:
    """Result of :func:`optimised_weights`.

    Attributes:
        weights: optimised weights of the level's codes (renormalised per group).
        correlations: correlation of each code with its target under those weights.
        desired: target shares of correlation (NaN for infomax).
        objective: final objective value; success: whether every optimisation converged.
    """

    weights: pd.Series
    correlations: pd.Series
    desired: pd.Series
    objective: float
    success: bool


def optimised_weights(
    normalised: pd.DataFrame,
    fw: Framework,
    level: int,
    target: str = "index",
    itarg: Mapping[str, float] | None = None,
    optype: str = "balance",
    cortype: str = "pearson",
    method: str | Mapping[int, str] = "amean",
    maxiter: int = 5000,
    tol: float = 1e-6,
    xtol: float = 1e-4,
) -> OptimisedWeights:
    """Weights of the codes at ``level`` that balance (or maximise) their correlations.

    Args:
        normalised: normalised indicator data (the Aggregate step's input).
        level: level whose weights are optimised (1 = indicators).
        target: ``"index"`` (COINr: correlate with the index, one joint optimisation) or
            ``"parent"`` (each group against its own parent, one optimisation per group).
        itarg: relative target importance per code (default equal); only for balance.
        optype: ``"balance"`` or ``"infomax"``.
        maxiter, tol, xtol: Nelder-Mead limits; ``tol`` is on the log objective, so it is a
            relative tolerance, like COINr's ``reltol``.

    Relation to COINr's ``get_opt_weights``: same objective (balance: ``log`` of the mean
    squared gap between the normalised correlations ``r / sum(r)`` and ``itarg / sum(itarg)``;
    infomax: ``-sum(r)``), same optimiser family (``stats::optim`` default Nelder-Mead,
    started at ``itarg`` for balance and at the current weights for infomax), correlations
    with the index by default. Differences, on purpose: we search log-weights (weights stay
    positive; COINr's raw weights may turn negative), bounded to ratios within e^14; and
    COINr stops at ``reltol = 0.1``, often after a handful of steps, while we use
    ``tol = 1e-6`` with the adaptive simplex so the result is an actual optimum
    (``success`` reports whether scipy's stopping rule was met). ``target="parent"``
    (one optimisation per group) has no COINr equivalent.
    """
    if optype not in ("balance", "infomax"):
        raise WeightsError(f"optype must be 'balance' or 'infomax', got {optype!r}")
    if target not in ("index", "parent"):
        raise WeightsError(f"target must be 'index' or 'parent', got {target!r}")
    if not 1 <= level < fw.levels:
        raise WeightsError(f"level must be in 1..{fw.levels - 1}, got {level}")
    codes = list(fw.codes[level - 1])
    itarg = dict(itarg or {})
    unknown = sorted(set(itarg) - set(codes))
    if unknown:
        raise WeightsError(f"itarg: code(s) {unknown} are not at level {level}")
    t_all = pd.Series({c: float(itarg.get(c, 1.0)) for c in codes})
    if (t_all <= 0).any() or not np.isfinite(t_all).all():
        raise WeightsError(
            f"itarg: target importance of {t_all.index[t_all <= 0][0]!r} must be > 0"
        )
    blocks = (
        [codes]
        if target == "index"
        else [[codes[k] for k in kids] for _p, kids in fw.group_slices(level + 1)]
    )
    current = nominal_weights(fw)
    base = aggregate_tree(normalised, fw, current.to_dict(), method)
    level_vals = base[codes].to_numpy()  # the level's own values do not depend on its weights
    found: dict[str, float] = {}
    objective, success = 0.0, True
    for block in blocks:  # one optimisation per block (a handful of groups at most)
        tshare = (t_all[block] / t_all[block].sum()).to_numpy()
        pos = [codes.index(c) for c in block]

        def corrs(v: np.ndarray, block=block, pos=pos) -> np.ndarray:
            w = {**current.to_dict(), **found, **dict(zip(block, np.exp(v - v.max()), strict=True))}
            tgt = _upper_targets(level_vals, fw, level, w, method, target)
            return _colcorr(level_vals[:, pos], tgt[:, pos], cortype)

        def objfun(v: np.ndarray, tshare=tshare, corrs=corrs) -> float:
            r = corrs(v)
            if np.isnan(r).any():
                return np.inf
            if optype == "infomax":
                return -float(r.sum())
            # COINr: log(sum((itarg - crs_n)^2) / length(crs_n)); the log makes the stopping
            # rule relative, so a near-perfect balance still converges
            return float(np.log(np.mean((tshare - r / r.sum()) ** 2) + _TINY))

        if len(block) == 1:
            found[block[0]] = 1.0
            continue
        v0 = np.log(tshare if optype == "balance" else current[block].to_numpy())
        res = minimize(
            objfun,
            v0,
            method="Nelder-Mead",
            bounds=[(-7.0, 7.0)] * len(block),  # weight ratios within e^14: no collapse to 0
            options={"maxiter": maxiter, "xatol": xtol, "fatol": tol, "adaptive": True},
        )
        success &= bool(res.success)
        objective += float(res.fun)
        wv = np.exp(res.x - res.x.max())
        found.update(dict(zip(block, wv / wv.sum(), strict=True)))
    weights = normalise_in_groups(fw, found).reindex(codes)
    agg = aggregate_tree(normalised, fw, weights.to_dict(), method)
    cr = corr_with_parent(agg, fw, level, cortype, target).reindex(codes)
    desired = (
        pd.Series(np.nan, index=codes)
        if optype == "infomax"
        else pd.concat([t_all[b] / t_all[b].sum() for b in blocks])
    )
    return OptimisedWeights(weights, cr, desired, objective, success)


def _upper_targets(
    vals: np.ndarray, fw: Framework, level: int, w: Mapping[str, float], method, target: str
) -> np.ndarray:
    """Per code at ``level``: the values of its parent (or of the index), under weights ``w``."""
    cur = vals
    out = None
    for lev in range(level + 1, fw.levels + 1):
        m = method if isinstance(method, str) else method.get(lev, "amean")
        kids = fw.codes[lev - 2]
        wl = np.array([w[c] for c in kids])
        new = np.empty((cur.shape[0], len(fw.codes[lev - 1])))
        for j, (_p, idx) in enumerate(fw.group_slices(lev)):
            new[:, j] = aggregate(cur[:, idx], wl[idx], m)
        if lev == level + 1:
            out = new[:, fw.membership(lev).argmax(axis=1)]  # each code's parent column
            if target == "parent":
                return out
        cur = new
    return np.repeat(cur, vals.shape[1], axis=1) if out is not None else cur


def _colcorr(a: np.ndarray, b: np.ndarray, cortype: str) -> np.ndarray:
    """Correlation of each column of ``a`` with the same column of ``b`` over complete rows."""
    from scipy.stats import rankdata

    ok = ~np.isnan(a) & ~np.isnan(b)
    if cortype == "spearman":
        a = np.where(ok, rankdata(np.where(ok, a, np.nan), axis=0, nan_policy="omit"), np.nan)
        b = np.where(ok, rankdata(np.where(ok, b, np.nan), axis=0, nan_policy="omit"), np.nan)
    elif cortype != "pearson":
        raise WeightsError(f"cortype must be 'pearson' or 'spearman', got {cortype!r}")
    n = ok.sum(axis=0)
    a0 = np.where(ok, a, 0.0)
    b0 = np.where(ok, b, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        da = np.where(ok, a - a0.sum(0) / n, 0.0)
        db = np.where(ok, b - b0.sum(0) / n, 0.0)
        return (da * db).sum(0) / np.sqrt((da**2).sum(0) * (db**2).sum(0))
