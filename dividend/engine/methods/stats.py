"""Column statistics exactly as COINr 1.1.14 computes them.

COINr's ``skew()`` and ``kurt()`` are copies of ``e1071::skewness(type = 2)`` and
``e1071::kurtosis(type = 2)`` (the Excel SKEW / KURT definitions: bias-corrected sample
skewness and *excess* kurtosis).  Treat's pass/fail test and the analysis tables both
depend on these exact definitions, so they live here, vectorised over columns.
"""

from __future__ import annotations

import numpy as np

__all__ = ["kurt", "skew", "skew_kurt", "skew_kurt_complete"]


def _as_2d(x: np.ndarray) -> tuple[np.ndarray, bool]:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 1:
        return arr[:, None], True
    if arr.ndim != 2:
        raise ValueError(
            f"expected a vector or a units x indicators matrix, got {arr.ndim} dimensions"
        )
    return arr, False


def _moments(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Non-missing count and sums of d^2, d^3, d^4 per column (d = deviation from column mean)."""
    ok = ~np.isnan(arr)
    n = ok.sum(axis=0)
    x0 = np.where(ok, arr, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = x0.sum(axis=0) / n
    d = np.where(ok, x0 - mean, 0.0)
    d2 = d * d
    return n, d2.sum(axis=0), (d2 * d).sum(axis=0), (d2 * d2).sum(axis=0)


def _skew_from(n, s2, s3):
    nf = n.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.sqrt(nf) * s3 / s2**1.5 * np.sqrt(nf * (nf - 1)) / (nf - 2)
    return np.where(n < 3, np.nan, y)


def _kurt_from(n, s2, s4):
    nf = n.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = nf * s4 / s2**2
        y = ((nf + 1) * (r - 3) + 6) * (nf - 1) / ((nf - 2) * (nf - 3))
    return np.where(n < 4, np.nan, y)


def skew(x: np.ndarray) -> np.ndarray | float:
    """Sample skewness per column, NaN ignored (COINr ``skew(x, na.rm = TRUE)``).

    ``sqrt(n) * sum(d^3) / sum(d^2)^(3/2) * sqrt(n (n - 1)) / (n - 2)`` with ``d = x - mean``.
    Columns with fewer than 3 values give NaN (COINr stops with an error there; callers
    that need the error check the count themselves).  A constant column gives NaN (0/0),
    as in R.
    """
    arr, was_1d = _as_2d(x)
    n, s2, s3, _ = _moments(arr)
    y = _skew_from(n, s2, s3)
    return float(y[0]) if was_1d else y


def kurt(x: np.ndarray) -> np.ndarray | float:
    """Sample excess kurtosis per column, NaN ignored (COINr ``kurt(x, na.rm = TRUE)``).

    ``r = n * sum(d^4) / sum(d^2)^2``;
    ``((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))``.
    Fewer than 4 values gives NaN; a constant column gives NaN.
    """
    arr, was_1d = _as_2d(x)
    n, s2, _, s4 = _moments(arr)
    y = _kurt_from(n, s2, s4)
    return float(y[0]) if was_1d else y


def skew_kurt(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both statistics per column of a matrix from one pass over the data."""
    arr, _ = _as_2d(X)
    n, s2, s3, s4 = _moments(arr)
    return _skew_from(n, s2, s3), _kurt_from(n, s2, s4)


def skew_kurt_complete(v: np.ndarray) -> tuple[float, float]:
    """Skew and kurtosis of a 1-D vector *without* missing values, same formulas as above.

    A fast path for Treat's winsorisation loop, which re-tests one column after each step.
    """
    n = v.shape[0]
    d = v - v.sum() / n
    d2 = d * d
    s2 = d2.sum()
    s3 = (d2 * d).sum()
    s4 = (d2 * d2).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        sk = np.sqrt(n) * s3 / s2**1.5 * np.sqrt(n * (n - 1)) / (n - 2) if n >= 3 else np.nan
        r = n * s4 / s2**2
        kt = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)) if n >= 4 else np.nan
    return float(sk), float(kt)
