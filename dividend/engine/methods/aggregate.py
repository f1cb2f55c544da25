"""Row-wise aggregation kernels mirroring COINr 1.1.14's ``a_*`` functions, vectorised.

``X`` is units x children (NaN = missing), ``w`` the child weights.  All weighted means
are computed for every unit at once as matrix products, and :func:`aggregate_many`
evaluates many weight vectors in one product (``W @ X.T``) for sensitivity analysis.

Missing data follow COINr: in ``amean``, ``gmean``, ``hmean`` and ``mazziotta_pareto`` a
missing child drops out and the remaining weights renormalise; a unit with no data gets
NaN.  ``genmean`` reproduces COINr's ``a_genmean``, which does not skip missing values:
a unit with any missing child gets NaN (set ``genmean_skipna=True`` to drop them out
instead).  ``dat_thresh`` reproduces ``Aggregate(dat_thresh=)``: a unit whose share of
non-missing children is *below* the threshold gets NaN.

Non-positive values in ``gmean``: COINr stops with an error.  By default so do we, naming
the unit and child.  ``nonpositive="shift"`` instead adds ``s = 1 - min(X)`` to every
value (one shift for the whole matrix, so units stay comparable), takes the geometric
mean and subtracts ``s`` again; the result is on the input scale and equals the plain
geometric mean's ordering only approximately.  Document the choice with the results.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from dividend.engine.methods._checks import as_matrix, first_infinite

__all__ = ["METHODS", "AggregateWarning", "aggregate", "aggregate_many"]

METHODS = ("amean", "gmean", "hmean", "genmean", "copeland", "mazziotta_pareto")


def _label(names: Sequence[str] | None, i: int, kind: str) -> str:
    return f"{kind} {names[i]!r}" if names is not None else f"{kind} index {i}"


def _check_X(X: np.ndarray) -> np.ndarray:
    arr = as_matrix(X, "units x children")
    if arr.shape[1] == 0:
        raise ValueError("X has no children (0 columns) to aggregate")
    inf = first_infinite(arr)
    if inf is not None:
        raise ValueError(f"X has an infinite value at unit index {inf[0]}, child index {inf[1]}")
    return arr


def _check_W(W: np.ndarray, k: int) -> np.ndarray:
    arr = np.asarray(W, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != k:
        raise ValueError(
            f"weights must have {k} entries per run (one per child of X); got shape {arr.shape}"
        )
    if np.any(~np.isfinite(arr)):
        r, c = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"weight for child index {c} (run {r}) is not finite")
    if np.any(arr < 0):
        r, c = np.argwhere(arr < 0)[0]
        raise ValueError(f"weight for child index {c} is negative ({arr[r, c]}) in run {r}")
    zero = np.all(arr == 0, axis=1)
    if np.any(zero):
        raise ValueError(f"all weights are zero (run {int(np.argmax(zero))})")
    return arr


def _check_positive(X: np.ndarray, bad: np.ndarray, what: str, units, children) -> None:
    if np.any(bad):
        i, j = np.argwhere(bad)[0]
        raise ValueError(
            f"{what} is undefined for value {X[i, j]} at {_label(units, i, 'unit')}, "
            f"{_label(children, j, 'child')} ({int(bad.sum())} such value(s)); "
            "normalise to a positive range first"
            + (" or pass nonpositive='shift'" if what == "geometric mean" else "")
        )


class AggregateWarning(UserWarning):
    """Some units got NaN because every child they have data for carries zero weight (as COINr)."""


def _warn_zero_weight_units(W: np.ndarray, avail: np.ndarray, units) -> None:
    den = W @ avail.T.astype(np.float64)
    bad = (den == 0) & avail.any(axis=1)[None, :]
    if np.any(bad):
        r, i = np.argwhere(bad)[0]
        warnings.warn(
            f"{int(bad.sum())} unit score(s) are NaN because all children with data have zero "
            f"weight, e.g. {_label(units, i, 'unit')} in run {r} (COINr gives NA too)",
            AggregateWarning,
            stacklevel=4,
        )


def _wmean(W: np.ndarray, V: np.ndarray, avail: np.ndarray) -> np.ndarray:
    """Weighted mean over available children for every (run, unit): NaN where nothing is available."""
    num = W @ np.where(avail, V, 0.0).T
    den = W @ avail.T.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    return np.where(den > 0, out, np.nan)


def _copeland(X: np.ndarray, W: np.ndarray, block: int = 512) -> np.ndarray:
    """COINr ``a_copeland``: outranking matrix, then row sums of sign(orm - 0.5).

    COINr only computes the upper triangle ``orm[i, j] = (sum w[x_i > x_j] + sum w[x_i == x_j]/2) / sum w``
    (comparisons with a missing value add nothing) and sets the lower triangle to
    ``1 - orm[j, i]``.  ``orm - 0.5`` has the sign of ``S_gt - S_lt - S_na`` (S_na: weight of
    the children where either unit is missing); we compute that difference from the raw
    weights and call it a tie when it is within 1e-12 of the total weight, so exact ties
    are not lost to rounding.  With missing data this is order-dependent, as in COINr.
    """
    n, k = X.shape
    out = np.zeros((W.shape[0], n))
    total = W.sum(axis=1)
    for r in range(W.shape[0]):
        score = np.zeros(n)
        for a in range(0, n, block):  # blocks of units bound memory at block * n
            rows = X[a : a + block]
            acc = np.zeros((rows.shape[0], n))
            for c in range(k):
                xi, xj = rows[:, c][:, None], X[:, c][None, :]
                na = np.isnan(xi) | np.isnan(xj)
                acc += W[r, c] * ((xi > xj).astype(np.float64) - (xi < xj) - na)
            sign = np.where(np.abs(acc) <= 1e-12 * total[r], 0.0, np.sign(acc))
            upper = np.arange(a, a + rows.shape[0])[:, None] < np.arange(n)[None, :]
            sign = np.where(upper, sign, 0.0)
            score[a : a + rows.shape[0]] += sign.sum(axis=1)
            score -= sign.sum(axis=0)
        out[r] = score
    return out


def _mazziotta_pareto(X: np.ndarray, W: np.ndarray, avail: np.ndarray, penalty: int) -> np.ndarray:
    """Mazziotta-Pareto index (Mazziotta & Pareto 2016): MPI = M - penalty * S * cv.

    Each child is standardised across units to ``z = 100 + 10 (x - mean) / sd`` with the
    population sd (as in the MPI literature).  For each unit, M and S are the weighted mean
    and weighted population sd of its z values and cv = S / M, so MPI = M - S^2 / M for
    the default negative penalty (unbalanced profiles are penalised; use ``penalty=+1``
    for the MPI+ of "negative" phenomena).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nanmean(X, axis=0)
        sd = np.nanstd(X, axis=0, ddof=0)
    if np.any(sd == 0) or np.any(np.isnan(sd)):
        j = int(np.argmax((sd == 0) | np.isnan(sd)))
        raise ValueError(
            f"Mazziotta-Pareto: child index {j} has zero variance or no data; cannot standardise"
        )
    Z = 100.0 + 10.0 * (X - mean) / sd
    M = _wmean(W, Z, avail)
    M2 = _wmean(W, Z**2, avail)
    S2 = np.maximum(M2 - M**2, 0.0)
    return M - penalty * S2 / M


def aggregate_many(
    X: np.ndarray,
    W: np.ndarray,
    method: str = "amean",
    dat_thresh: float | None = None,
    *,
    p: float | None = None,
    nonpositive: str = "raise",
    genmean_skipna: bool = False,
    penalty: int = 1,
    units: Sequence[str] | None = None,
    children: Sequence[str] | None = None,
) -> np.ndarray:
    """Aggregate ``X`` (units x children) under each row of ``W`` (runs x children).

    Returns runs x units.  See the module docstring for missing data and non-positive
    values.  ``p`` is the genmean exponent; ``penalty`` the Mazziotta-Pareto sign (1 gives
    MPI-, the default).  ``units``/``children`` only label error messages.
    """
    arr = _check_X(X)
    Wm = _check_W(W, arr.shape[1])
    if method not in METHODS:
        raise ValueError(f"unknown aggregation method {method!r}; choose one of {list(METHODS)}")
    if dat_thresh is not None and not (0.0 <= float(dat_thresh) <= 1.0):
        raise ValueError(f"dat_thresh must be between 0 and 1, got {dat_thresh}")
    if nonpositive not in ("raise", "shift"):
        raise ValueError(f"nonpositive must be 'raise' or 'shift', got {nonpositive!r}")
    avail = ~np.isnan(arr)

    if method == "amean":
        Y = _wmean(Wm, arr, avail)
    elif method == "gmean":
        bad = avail & (arr <= 0)
        shift = 0.0
        if nonpositive == "shift" and np.any(bad):
            shift = 1.0 - np.nanmin(arr)
        else:
            _check_positive(arr, bad, "geometric mean", units, children)
        with np.errstate(invalid="ignore", divide="ignore"):
            L = np.log(arr + shift)
        Y = np.exp(_wmean(Wm, L, avail)) - shift
    elif method == "hmean":
        _check_positive(arr, avail & (arr == 0), "harmonic mean", units, children)
        with np.errstate(invalid="ignore", divide="ignore"):
            Y = 1.0 / _wmean(Wm, 1.0 / arr, avail)
    elif method == "genmean":
        if p is None:
            raise ValueError("genmean needs the exponent p")
        if p == 0:
            raise ValueError(
                "genmean with p = 0 is the geometric mean in the limit: use method='gmean'"
            )
        if p < 0:
            _check_positive(
                arr, avail & (arr <= 0), f"generalised mean with p = {p}", units, children
            )
        elif p != int(p):  # R gives NaN for a negative number to a fractional power
            _check_positive(
                arr, avail & (arr < 0), f"generalised mean with p = {p}", units, children
            )
        with np.errstate(invalid="ignore", divide="ignore"):
            Y = _wmean(Wm, arr**p, avail) ** (1.0 / p)
        if not genmean_skipna:  # COINr's a_genmean sums without na.rm
            Y = np.where(np.all(avail, axis=1)[None, :], Y, np.nan)
    elif method == "copeland":
        Y = _copeland(arr, Wm)
    else:
        if penalty not in (-1, 1):
            raise ValueError("penalty must be 1 (MPI-) or -1 (MPI+)")
        Y = _mazziotta_pareto(arr, Wm, avail, penalty)

    if method != "copeland":
        _warn_zero_weight_units(Wm, avail, units)
    if dat_thresh is not None and method == "copeland":
        # COINr runs a_copeland with by_df = TRUE, and Aggregate.data.frame ignores
        # dat_thresh for by_df; so do we, but say so.
        warnings.warn(
            "dat_thresh is ignored for copeland (a whole-table method), as in COINr",
            AggregateWarning,
            stacklevel=3,
        )
    elif dat_thresh is not None:
        share = avail.sum(axis=1) / arr.shape[1]
        Y = np.where((share < dat_thresh)[None, :], np.nan, Y)
    return Y


def aggregate(
    X: np.ndarray,
    w: np.ndarray,
    method: str = "amean",
    dat_thresh: float | None = None,
    **params,
) -> np.ndarray:
    """Aggregate ``X`` (units x children) with child weights ``w``; returns a units vector.

    Methods: ``amean``, ``gmean`` (``nonpositive="raise"|"shift"``), ``hmean``,
    ``genmean`` (``p``, ``genmean_skipna``), ``copeland``, ``mazziotta_pareto``
    (``penalty``).  Weights are relative (only their ratios matter); they must be
    non-negative, finite and not all zero.  ``dat_thresh`` in [0, 1]: units with a lower
    share of non-missing children get NaN (``sum(!is.na(x_row)) / length(x_row) <
    dat_thresh``); ignored with a warning for copeland, as COINr ignores it with ``by_df``.  Optional ``units``/``children`` name the offending cell in errors.
    """
    wv = np.asarray(w, dtype=np.float64)
    if wv.ndim != 1:
        raise ValueError(f"w must be a 1-D vector of child weights, got shape {wv.shape}")
    return aggregate_many(X, wv[None, :], method, dat_thresh, **params)[0]
