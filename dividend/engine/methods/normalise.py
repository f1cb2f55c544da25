"""Column-wise normalisation kernels mirroring COINr 1.1.14's ``n_*`` functions.

``X`` is units x indicators (float64, NaN = missing) and has *already* been multiplied
by each indicator's direction, exactly as COINr's ``Normalise.numeric`` does before it
calls ``n_*``.  Every kernel works on the whole matrix at once; statistics ignore NaN
(``na.rm = TRUE``) and missing values stay missing.

Degenerate columns (zero range, all missing, NaN reference value) give NaN exactly as
COINr does, but never silently: a :class:`DegenerateColumnWarning` names the column.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np

from dividend.engine.methods._checks import as_matrix, column_labels, first_infinite
from dividend.engine.ranking import rank_min

__all__ = ["METHODS", "DegenerateColumnWarning", "normalise"]


class DegenerateColumnWarning(UserWarning):
    """A column could not be normalised (zero range, no data, ...) and became NaN, as in COINr."""


def _warn_cols(mask: np.ndarray, codes: list[str], why: str, result: str = "NaN") -> None:
    if np.any(mask):
        bad = ", ".join(c for c, m in zip(codes, mask, strict=True) if m)
        warnings.warn(
            f"{why}: {bad} normalised to {result} (as COINr does)",
            DegenerateColumnWarning,
            stacklevel=3,
        )


def _colmin_max(X: np.ndarray, codes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    empty = np.all(np.isnan(X), axis=0)
    _warn_cols(empty, codes, "no non-missing values")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmin(X, axis=0), np.nanmax(X, axis=0)


def _per_column(value, k: int, width: int, name: str) -> np.ndarray:
    """Broadcast a parameter given once (shape (width,)) or per column (shape (k, width))."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape == (width,):
        arr = np.broadcast_to(arr, (k, width))
    if arr.shape != (k, width):
        raise ValueError(f"{name} must have shape ({width},) or ({k}, {width}); got {arr.shape}")
    if np.any(np.isnan(arr)):
        raise ValueError(f"{name} contains NaN")
    return arr


def _directions(directions, k: int) -> np.ndarray:
    if directions is None:
        return np.ones(k)
    d = np.asarray(directions, dtype=np.float64).reshape(-1)
    if d.shape != (k,):
        raise ValueError(f"directions must have {k} entries, got {d.shape[0]}")
    if not np.all(np.isin(d, (-1.0, 1.0))):
        raise ValueError("directions must be -1 or 1")
    return d


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise a / b with R semantics (0/0 -> NaN, x/0 -> Inf) and no numpy warnings."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return a / b


def _minmax(X, codes, l_u=(0.0, 100.0)):
    lo, up = _per_column(l_u, X.shape[1], 2, "l_u").T
    mn, mx = _colmin_max(X, codes)
    _warn_cols(mn == mx, codes, "range is zero")
    return _div(X - mn, mx - mn) * (up - lo) + lo


def _zscore(X, codes, m_sd=(0.0, 1.0)):
    m, sd = _per_column(m_sd, X.shape[1], 2, "m_sd").T
    if np.any(sd <= 0):
        raise ValueError("m_sd: target standard deviation must be > 0")
    n = np.sum(~np.isnan(X), axis=0)
    _warn_cols(n < 2, codes, "fewer than 2 values (sd undefined)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(X, axis=0)
        s = np.nanstd(X, axis=0, ddof=1)  # R's sd(): n - 1 denominator
    _warn_cols((s == 0) & (n >= 2), codes, "standard deviation is zero")
    return _div(X - mean, s) * sd + m


def _scaled(X, codes, npara=(0.0, 100.0)):
    lo, up = _per_column(npara, X.shape[1], 2, "npara").T
    if np.any(up == lo):
        raise ValueError("npara: the two entries c(l, u) must differ")
    return (X - lo) / (up - lo) * 100.0


def _dist2max(X, codes):
    mn, mx = _colmin_max(X, codes)
    _warn_cols(mn == mx, codes, "range is zero")
    return 1.0 - _div(mx - X, mx - mn)


def _cap(y: np.ndarray, cap_max, k: int) -> np.ndarray:
    """``if(cap_max) y[y > 1] <- 1``, with one flag or one per column (iMeta's dist2targ_cap_max)."""
    cap = np.broadcast_to(np.asarray(cap_max, dtype=bool).reshape(-1), (k,))
    return np.where(cap & (y > 1), 1.0, y)


def _dist2ref(X, codes, iref: int, cap_max: bool = False):
    if isinstance(iref, bool) or not isinstance(iref, int | np.integer):
        raise ValueError(f"iref must be an integer row index, got {iref!r}")
    if not 0 <= iref < X.shape[0]:
        raise ValueError(f"iref={iref} is outside 0..{X.shape[0] - 1} (rows of X; 0-based)")
    mn, _ = _colmin_max(X, codes)
    xref = X[iref]
    _warn_cols(np.isnan(xref), codes, f"reference unit (row {iref}) is missing")
    _warn_cols(xref == mn, codes, f"reference unit (row {iref}) is the column minimum (0/0)")
    y = 1.0 - _div(xref - X, xref - mn)
    return _cap(y, cap_max, X.shape[1])


def _dist2targ(X, codes, targets, directions=None, cap_max=False):
    k = X.shape[1]
    targ = _per_column(np.asarray(targets, dtype=np.float64).reshape(-1, 1), k, 1, "targets")[:, 0]
    # COINr (get_iMeta_norm_paras) multiplies the target by the direction, because the data
    # arrive already flipped; n_dist2targ then always runs with direction = 1.
    targ = targ * _directions(directions, k)
    mn, _ = _colmin_max(X, codes)
    _warn_cols(targ == mn, codes, "target equals the column minimum (0/0)")
    y = _div(X - mn, targ - mn)
    return _cap(y, cap_max, k)


def _fracmax(X, codes):
    _, mx = _colmin_max(X, codes)
    _warn_cols(mx == 0, codes, "column maximum is zero", "x / 0: +-Inf, or NaN for 0")
    return _div(X, mx)


def _rank_min(X: np.ndarray) -> np.ndarray:
    """R ``rank(x, ties.method = "min", na.last = "keep")`` per column."""
    if X.shape[0] == 0:
        return X.copy()
    return rank_min(X, axis=0, descending=False)


def _prank(X, codes):
    n = np.sum(~np.isnan(X), axis=0)
    _warn_cols(n < 2, codes, "fewer than 2 values (percentile rank is 0/0)")
    return _div(_rank_min(X) - 1.0, n - 1.0)


def _rank(X, codes):
    return _rank_min(X)


def _borda(X, codes):
    return _rank_min(X) - 1.0


def _goalposts(X, codes, gposts, directions=None, trunc2posts=True):
    """Goalposts as COINr applies them from iMeta (``get_iMeta_norm_paras`` + ``n_goalposts``).

    ``gposts`` rows are (lower, upper, scale) in the indicator's *original* units.  For a
    direction -1 indicator COINr passes ``c(-upper, -lower, scale)`` to ``n_goalposts``
    (with its own ``direction`` left at 1), so on the flipped data the score is
    ``(upper - x_orig) / (upper - lower)``: 1 at the lower goalpost, 0 at the upper one.
    Scores are truncated to [0, 1] (``trunc2posts``, one flag or one per column, like
    iMeta's ``goalpost_trunc2posts``) and then multiplied by scale.
    """
    k = X.shape[1]
    gp = _per_column(gposts, k, 3, "gposts")
    d = _directions(directions, k)
    lower, upper, scale = gp.T
    if np.any(lower == upper):
        raise ValueError("gposts: lower and upper goalposts must differ")
    lo = np.where(d == -1, -upper, lower)
    up = np.where(d == -1, -lower, upper)
    y = (X - lo) / (up - lo)
    # trunc2posts per column, as iMeta's goalpost_trunc2posts column allows
    trunc = np.broadcast_to(np.asarray(trunc2posts, dtype=bool).reshape(-1), (k,))
    y = np.where(trunc & (y > 1), 1.0, y)
    y = np.where(trunc & (y < 0), 0.0, y)
    return y * scale


METHODS: dict[str, Callable[..., np.ndarray]] = {
    "minmax": _minmax,
    "zscore": _zscore,
    "scaled": _scaled,
    "dist2max": _dist2max,
    "dist2ref": _dist2ref,
    "dist2targ": _dist2targ,
    "fracmax": _fracmax,
    "prank": _prank,
    "rank": _rank,
    "borda": _borda,
    "goalposts": _goalposts,
}


def normalise(
    X: np.ndarray, method: str, codes: Sequence[str] | None = None, **params
) -> np.ndarray:
    """Normalise every column of ``X`` with COINr's ``n_<method>`` semantics.

    Parameters (keyword, as in COINr): ``minmax(l_u=(0, 100))``, ``zscore(m_sd=(0, 1))``,
    ``scaled(npara=(l, u))``, ``dist2ref(iref, cap_max=False)`` with a 0-based row index,
    ``dist2targ(targets, directions=None, cap_max=False)``,
    ``goalposts(gposts, directions=None, trunc2posts=True)``; ``dist2max``, ``fracmax``,
    ``prank``, ``rank``, ``borda`` take none.  Two-value parameters may be given once or
    per column (shape (k, 2)).  ``targets``/``gposts`` are in the indicator's original
    units; pass ``directions`` so they are flipped like the data.  Ranks use R's
    ``ties.method = "min"``.  ``codes`` only labels warnings and errors.
    ``method="none"`` returns a copy.
    """
    arr = as_matrix(X, "units x indicators")
    labels = column_labels(codes, arr.shape[1])
    inf = first_infinite(arr)
    if inf is not None:
        raise ValueError(f"X contains an infinite value in {labels[inf[1]]}")
    if method == "none":
        return arr.copy()
    if method not in METHODS:
        raise ValueError(
            f"unknown normalisation method {method!r}; choose one of {sorted(METHODS)} or 'none'"
        )
    try:
        return METHODS[method](arr, labels, **params)
    except TypeError as exc:  # wrong/missing keyword: say which method and what it takes
        raise ValueError(f"bad parameters for normalisation method {method!r}: {exc}") from None
