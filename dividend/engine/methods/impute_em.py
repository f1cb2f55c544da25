"""EM imputation under a multivariate normal model (maximum likelihood with missing data).

The standard EM algorithm for the mean ``mu`` and covariance ``Sigma`` of a multivariate
normal sample with values missing at random (Dempster, Laird & Rubin 1977, "Maximum
likelihood from incomplete data via the EM algorithm", JRSS B 39(1); Little & Rubin,
*Statistical Analysis with Missing Data*, 2nd ed. 2002, chapter 11, section 11.2.1):

* **E-step**: for each unit with missing set ``m`` and observed set ``o``, the missing
  values are replaced by their conditional expectation
  ``mu_m + Sigma_mo Sigma_oo^-1 (x_o - mu_o)`` and the cross-products get the conditional
  covariance ``Sigma_mm - Sigma_mo Sigma_oo^-1 Sigma_om``.
* **M-step**: ``mu`` is the mean of the completed data; ``Sigma`` is their (divisor n)
  covariance plus the summed conditional covariances over n.

Both E-step terms are computed from the precision matrix ``Q = Sigma^-1``: the conditional
covariance is ``(Q_mm)^-1`` and the regression term is ``-(Q_mm)^-1 Q_mo (x_o - mu_o)``.
So each unit needs the inverse of a (#missing x #missing) block rather than of its
(#observed x #observed) block, and the units are processed as batches of equal missing
count (stacked ``Q_mm`` blocks gathered by index, batched ``numpy.linalg.inv``): the Python
loop runs over missing counts (at most the number of indicators), never over units. This
is the same computation as grouping by missingness pattern, without the cost when
every unit has its own pattern (10% missing of 100 indicators).

Practical choices, each documented where it acts:

* The columns are standardised (observed mean and standard deviation) inside the
  algorithm. EM is affine-equivariant, so this changes nothing but the numerics, and it
  makes ``tol`` and ``ridge`` scale-free. Results are returned on the original scale.
* **Start**: the observed means and the covariance of the mean-imputed data (positive
  semi-definite, unlike the pairwise-available covariance).
* **Convergence**: the largest absolute change of the standardised ``mu`` and ``Sigma``
  entries (a change relative to each indicator's standard deviation) is at most ``tol``.
  The observed-data log-likelihood is computed at every iterate (it costs little extra)
  and returned as a trace; EM never lets it decrease (without a ridge prior or floor).
* **Ridge prior** (``ridge`` = epsilon, default 0): with fewer units than indicators,
  or nearly collinear indicators, the likelihood has no finite maximum (it grows as
  ``Sigma`` becomes singular) and EM does not converge. ``ridge > 0`` maximises instead
  the penalised likelihood ``l(mu, Sigma) - epsilon/2 (log|Sigma| + tr(Sigma^-1))`` on the
  standardised scale, so the M-step is ``Sigma = (n S + epsilon I) / (n + epsilon)``:
  epsilon pseudo-units with unit variances and no correlation, shrinking correlations
  towards zero (Schafer, *Analysis of Incomplete Multivariate Data*, 1997, chapter 5, the
  "ridge prior"; the ``empri`` of Amelia II works the same way). EM is then
  monotone in the penalised objective, not in ``loglik``.
* **Eigenvalue floor**: as a numerical safeguard only, a standardised ``Sigma`` whose
  smallest eigenvalue is below ``1e-8`` gets the difference added to its diagonal.
  ``EMResult.floored`` counts the iterations where that happened (0 for any
  well-conditioned data; then the estimate is the exact maximum-likelihood one).
* Units with no observed value carry no information about ``mu`` or ``Sigma``; they are
  left out of the estimation and imputed with ``mu``.
* An indicator with no observed value cannot be estimated: ValueError naming it.

Observed values are never changed: the output is ``where(missing, imputed, X)``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dividend.engine.methods._checks import as_matrix, column_labels, first_infinite

__all__ = ["EMConvergenceWarning", "EMResult", "impute_em"]

_BLOCK_ELEMENTS = 1 << 21  # cap on (units x k x k) per batch: bounded memory (~16 MB/array)
_LOG_2PI = float(np.log(2 * np.pi))
_MIN_EIGENVALUE = 1e-8  # of the standardised covariance: numerical safeguard only


class EMConvergenceWarning(RuntimeWarning):
    """EM stopped at ``max_iter`` before the parameter change fell below ``tol``."""


@dataclass(frozen=True, eq=False)
class EMResult:
    """Outcome of :func:`impute_em` (all on the scale of the input).

    ``loglik[t]`` is the observed-data log-likelihood at iterate ``t`` (``loglik[0]`` at the
    starting values, ``loglik[-1]`` at the returned ``mean`` and ``cov``).
    """

    X: np.ndarray
    mean: np.ndarray
    cov: np.ndarray
    iterations: int
    converged: bool
    loglik: np.ndarray
    floored: int
    empty_rows: np.ndarray


def _blocks(miss: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(rows, missing column indices as rows x k) for batches of rows with k missing cells."""
    k_row = miss.sum(axis=1)
    out = []
    for k in np.unique(k_row[k_row > 0]):
        rows = np.flatnonzero(k_row == k)
        step = max(1, _BLOCK_ELEMENTS // int(k * k))
        for start in range(0, len(rows), step):
            r = rows[start : start + step]
            out.append((r, np.nonzero(miss[r])[1].reshape(len(r), int(k))))
    return out


def _floor(sigma: np.ndarray) -> tuple[np.ndarray, bool]:
    """Lift the smallest eigenvalue of ``sigma`` to the floor (see the module docstring)."""
    sigma = (sigma + sigma.T) / 2
    lam = float(np.linalg.eigvalsh(sigma)[0])
    if lam >= _MIN_EIGENVALUE:
        return sigma, False
    return sigma + (_MIN_EIGENVALUE - lam) * np.eye(len(sigma)), True


def _e_step(
    z: np.ndarray,
    miss: np.ndarray,
    blocks: list[tuple[np.ndarray, np.ndarray]],
    mu: np.ndarray,
    sigma: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Completed data, summed conditional covariances and observed-data log-likelihood."""
    p = len(mu)
    chol = np.linalg.cholesky(sigma)
    logdet = 2.0 * float(np.log(np.diag(chol)).sum())
    q = np.linalg.inv(sigma)
    q = (q + q.T) / 2
    d = np.where(miss, 0.0, z - mu)  # x_o - mu_o, zero where missing
    g = d @ q  # g_m = Q_mo (x_o - mu_o) for every unit at once
    quad = float(np.einsum("ij,ij->", d, g))  # sum of d' Q d, corrected below per block
    logdets = logdet * len(z)
    completed = np.where(miss, mu, z)
    corr = np.zeros(p * p)
    for rows, idx in blocks:
        q_mm = q[idx[:, :, None], idx[:, None, :]]
        c = np.linalg.inv(q_mm)  # conditional covariance Sigma_mm|o of each unit
        g_m = np.take_along_axis(g[rows], idx, axis=1)
        adj = np.einsum("bij,bj->bi", c, g_m)
        completed[rows[:, None], idx] -= adj
        quad -= float(np.einsum("bi,bi->", g_m, adj))  # d_o' Sigma_oo^-1 d_o
        logdets += float(np.linalg.slogdet(q_mm)[1].sum())  # log|Sigma_oo| = log|Sigma| + log|Q_mm|
        flat = idx[:, :, None] * p + idx[:, None, :]
        corr += np.bincount(flat.ravel(), weights=c.ravel(), minlength=p * p)
    n_obs = int(miss.size - miss.sum())
    loglik = -0.5 * (n_obs * _LOG_2PI + logdets + quad)
    return completed, corr.reshape(p, p), loglik


def impute_em(
    X: np.ndarray,
    *,
    codes: Sequence[str] | None = None,
    max_iter: int = 1000,
    tol: float = 1e-6,
    ridge: float = 0.0,
) -> EMResult:
    """EM estimate of a multivariate normal's ``mu`` and ``Sigma``, and the conditional means.

    ``X`` is units x indicators with NaN for missing; ``codes`` names the columns in
    errors. ``tol`` bounds the final change of the standardised parameters; ``ridge`` is the
    ridge prior's number of pseudo-units (module docstring). Deterministic.
    """
    a = as_matrix(X, "units x indicators")
    labels = column_labels(codes, a.shape[1])
    if (bad := first_infinite(a)) is not None:
        raise ValueError(f"impute_em: infinite value at row {bad[0]}, {labels[bad[1]]!r}")
    if int(max_iter) != max_iter or max_iter < 1:
        raise ValueError(f"impute_em: max_iter must be a positive integer, got {max_iter!r}")
    if not tol > 0:
        raise ValueError(f"impute_em: tol must be > 0, got {tol!r}")
    if not ridge >= 0:
        raise ValueError(f"impute_em: ridge must be >= 0, got {ridge!r}")
    miss_all = np.isnan(a)
    if (no_data := miss_all.all(axis=0)).any():
        j = int(np.argmax(no_data))
        raise ValueError(f"impute_em: {labels[j]!r} has no observed value; cannot impute")
    empty = miss_all.all(axis=1)
    miss = miss_all[~empty]
    obs = a[~empty]

    # standardise by the observed moments (EM is affine-equivariant; makes tol/ridge scale-free)
    n_seen = (~miss).sum(axis=0)
    centre = np.where(miss, 0.0, obs).sum(axis=0) / n_seen
    spread = np.sqrt(np.where(miss, 0.0, (obs - centre) ** 2).sum(axis=0) / n_seen)
    spread = np.where(spread > 0, spread, 1.0)
    z = np.where(miss, 0.0, (obs - centre) / spread)
    n = len(z)
    blocks = _blocks(miss)

    mu = np.zeros(a.shape[1])  # start: observed means and the mean-imputed covariance
    sigma, floored = _floor((z.T @ z + ridge * np.eye(len(mu))) / (n + ridge))
    floored = int(floored)
    trace: list[float] = []
    converged = False
    iterations = 0
    while iterations < max_iter:
        completed, corr, loglik = _e_step(z, miss, blocks, mu, sigma)
        trace.append(loglik)
        new_mu = completed.mean(axis=0)
        resid = completed - new_mu
        new_sigma, hit = _floor((resid.T @ resid + corr + ridge * np.eye(len(mu))) / (n + ridge))
        floored += hit
        change = max(np.abs(new_mu - mu).max(), np.abs(new_sigma - sigma).max())
        mu, sigma = new_mu, new_sigma
        iterations += 1
        if change <= tol:
            converged = True
            break
    completed, _, loglik = _e_step(z, miss, blocks, mu, sigma)
    trace.append(loglik)
    if not converged:
        warnings.warn(
            f"impute_em: no convergence in {max_iter} iterations (last parameter change "
            f"{change:.3g} standard deviations > tol {tol:g})",
            EMConvergenceWarning,
            stacklevel=2,
        )

    mean = centre + spread * mu
    cov = sigma * np.outer(spread, spread)
    filled = np.empty_like(a)
    filled[~empty] = centre + spread * completed
    filled[empty] = mean
    # log-likelihood on the input scale: each observed cell's density gains 1/spread_j
    shift = float((n_seen * np.log(spread)).sum())
    return EMResult(
        X=np.where(miss_all, filled, a),
        mean=mean,
        cov=cov,
        iterations=iterations,
        converged=converged,
        loglik=np.asarray(trace) - shift,
        floored=floored,
        empty_rows=np.flatnonzero(empty),
    )
