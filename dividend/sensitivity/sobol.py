"""Variance-based sensitivity indices from a Saltelli A/B/AB_i design, with bootstrap intervals.

First order (Saltelli et al. 2010, eq. (b) of table 2)::

    S_i  = mean( f(B) * (f(AB_i) - f(A)) ) / V

Total order (Jansen 1999)::

    ST_i = mean( (f(A) - f(AB_i))^2 ) / (2 V)

with ``V`` the variance of f over the rows of A and B together (``ddof = 1``, as COINr's
``SA_estimate``). Outputs are vectorised over columns: ``y`` may be one target per run
(COINr's mean absolute rank change) or a runs × units matrix of scores, giving indices
for every unit at once.

Failed runs: a design row j is kept only if A_j, B_j and every AB_i,j are finite,
because the estimators pair them; the number of rows used is reported. The bootstrap
resamples those rows with replacement (A, B and AB_i together, V recomputed), which
keeps the pairing that COINr's per-column resampling loses.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from dividend.sensitivity.inputs import SensitivityError


def split(y: np.ndarray, n: int, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stacked outputs (n (d + 2), ...) -> f(A) (n, ...), f(B) (n, ...), f(AB) (d, n, ...)."""
    y = np.asarray(y, dtype=np.float64)
    if y.shape[0] != n * (d + 2):
        raise SensitivityError(
            f"outputs have {y.shape[0]} rows; a Saltelli design with n={n}, d={d} has {n * (d + 2)}"
        )
    return y[:n], y[n : 2 * n], y[2 * n :].reshape(d, n, *y.shape[1:])


def _indices(ya: np.ndarray, yb: np.ndarray, yab: np.ndarray, w: np.ndarray):
    """Weighted estimators over rows (weights w: (..., n) counts, 0 = row not used).

    ya, yb: (n, m); yab: (d, n, m); w: (B, n) -> Si, STi (B, d, m), V (B, m).
    """
    tot = w.sum(axis=1)[:, None]  # (B, 1)
    dot = lambda a, b: np.einsum("bn,nm->bm", a, b, optimize=False)  # noqa: E731 - no BLAS threads
    mean = (dot(w, ya) + dot(w, yb)) / (2 * tot)
    # variance over the 2 * tot rows of A and B (ddof = 1), per resample
    sq = dot(w, ya**2) + dot(w, yb**2)
    var = (sq - 2 * tot * mean**2) / (2 * tot - 1)
    diff = yab - ya[None]  # (d, n, m)
    first = np.einsum("bn,dnm->bdm", w, yb[None] * diff) / tot[:, :, None]
    total = np.einsum("bn,dnm->bdm", w, diff**2) / (2 * tot[:, :, None])
    with np.errstate(invalid="ignore", divide="ignore"):
        return first / var[:, None, :], total / var[:, None, :], var


@dataclass(frozen=True)
class SobolIndices:
    """Indices per input (rows) and output column; CIs from the bootstrap (NaN-free when given).

    Arrays are (d, m); ``n_used`` (m,) design rows used per output column.
    """

    S1: np.ndarray
    ST: np.ndarray
    S1_lo: np.ndarray | None
    S1_hi: np.ndarray | None
    ST_lo: np.ndarray | None
    ST_hi: np.ndarray | None
    variance: np.ndarray
    n_used: np.ndarray


def sobol_indices(
    y: np.ndarray,
    n: int,
    d: int,
    nboot: int = 0,
    conf: float = 0.90,
    rng: np.random.Generator | None = None,
    boot_chunk: int = 200,
) -> SobolIndices:
    """First- and total-order indices of every column of ``y`` (stacked A, B, AB_1..AB_d rows).

    ``nboot`` > 0 adds percentile bootstrap intervals at level ``conf`` (default 90%,
    COINr's 5th-95th percentiles). A column without enough finite rows raises.
    """
    if isinstance(nboot, bool) or not isinstance(nboot, int | np.integer) or nboot < 0:
        raise SensitivityError(f"nboot: must be a non-negative integer, got {nboot!r}")
    if not 0 < conf < 1:
        raise SensitivityError(f"conf: must be in (0, 1), got {conf}")
    y = np.asarray(y, dtype=np.float64)
    one = y.ndim == 1
    if one:
        y = y[:, None]
    ya, yb, yab = split(y, n, d)
    ok = np.isfinite(ya) & np.isfinite(yb) & np.all(np.isfinite(yab), axis=0)  # (n, m)
    n_used = ok.sum(axis=0)
    if (n_used < 2).any():
        j = int(np.argmax(n_used < 2))
        raise SensitivityError(
            f"output column {j}: only {int(n_used[j])} complete design row(s) (A, B and every "
            "AB_i finite); cannot estimate Sobol indices"
        )
    z = lambda a: np.where(ok, a, 0.0)  # noqa: E731 - failed rows carry weight 0 below
    ya0, yb0 = z(ya), z(yb)
    yab0 = np.where(ok[None], yab, 0.0)
    # per-column row weights: evaluate column by column only when the masks differ
    if (ok == ok[:, :1]).all():
        w = ok[:, 0].astype(np.float64)[None, :]
        s1, st, var = (a[0] for a in _indices(ya0, yb0, yab0, w))
    else:
        s1 = np.empty((d, y.shape[1]))
        st = np.empty_like(s1)
        var = np.empty(y.shape[1])
        for j in range(y.shape[1]):  # rare: only when failures differ between columns
            wj = ok[:, j].astype(np.float64)[None, :]
            a, b, v = _indices(ya0[:, j : j + 1], yb0[:, j : j + 1], yab0[:, :, j : j + 1], wj)
            s1[:, j], st[:, j], var[j] = a[0, :, 0], b[0, :, 0], v[0, 0]
    lo1 = hi1 = lot = hit = None
    if nboot:
        rng = rng or np.random.default_rng(0)
        if not (ok == ok[:, :1]).all():
            raise SensitivityError(
                "bootstrap needs the same failed design rows in every output column"
            )
        rows = np.flatnonzero(ok[:, 0])
        b1, bt = [], []
        for start in range(0, nboot, boot_chunk):  # chunks bound memory at chunk × n
            k = min(boot_chunk, nboot - start)
            draw = rows[rng.integers(0, rows.size, size=(k, rows.size))]
            w = np.zeros((k, n))
            np.add.at(w, (np.repeat(np.arange(k), rows.size), draw.ravel()), 1.0)
            a, b, _ = _indices(ya0, yb0, yab0, w)
            b1.append(a)
            bt.append(b)
        b1a, bta = np.concatenate(b1), np.concatenate(bt)
        q = [(1 - conf) / 2, 1 - (1 - conf) / 2]
        with warnings.catch_warnings(), np.errstate(invalid="ignore"):
            # an output that never varies has 0/0 indices: NaN, its interval NaN too
            warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
            lo1, hi1 = _quantiles(b1a, q)
            lot, hit = _quantiles(bta, q)
    return SobolIndices(s1, st, lo1, hi1, lot, hit, var, n_used)


def _quantiles(x: np.ndarray, q: list[float]) -> np.ndarray:
    """Quantiles over axis 0, skipping NaN. NumPy's nanquantile runs a Python-level 1-D loop
    for every other cell; columns without NaN (nearly all) take the vectorised path."""
    clean = ~np.isnan(x).any(axis=0)
    out = np.empty((len(q), *x.shape[1:]))
    out[:, clean] = np.quantile(x[:, clean], q, axis=0)
    if not clean.all():
        out[:, ~clean] = np.nanquantile(x[:, ~clean], q, axis=0)
    return out
