"""Principal component analysis per aggregation group (COINr ``get_PCA``).

As ``stats::prcomp(na.omit(X), center = TRUE, scale = TRUE)``: rows with any missing
value are dropped, columns are standardised (sd with n - 1), and the components are
the right singular vectors of the standardised matrix. PCA fixes the components only
up to sign; here each component is oriented so its loadings sum to a non-negative
number, which makes the first component of positively correlated indicators read as
"more of everything" (prcomp's sign is whatever LAPACK returns).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dividend.engine.analysis._input import AnalysisError, units_and_matrix
from dividend.engine.framework import Framework


@dataclass(frozen=True)
class PCAResult:
    """One PCA.

    Attributes:
        rotation: codes × components, unit-length eigenvectors ("loadings" in COINr).
        sdev: standard deviation of each component (sqrt of the correlation eigenvalues).
        explained: share of total variance per component (sums to 1).
        scores: complete units × components, the projected data.
        n_used, n_dropped: complete rows used and rows dropped for missing values.
    """

    rotation: pd.DataFrame
    sdev: np.ndarray
    explained: np.ndarray
    scores: pd.DataFrame
    n_used: int
    n_dropped: int


def pca(data: pd.DataFrame, codes: Sequence[str] | None = None) -> PCAResult:
    """PCA of the standardised complete rows of ``codes``."""
    units, codes, x = units_and_matrix(data, codes)
    complete = ~np.isnan(x).any(axis=1)
    z = x[complete]
    n, m = z.shape
    if m < 2:
        raise AnalysisError(f"PCA needs at least 2 columns, got {codes}")
    if n < 2:
        raise AnalysisError(f"PCA of {codes}: fewer than 2 units without missing values")
    sd = z.std(axis=0, ddof=1)
    const = np.flatnonzero(sd == 0)
    if const.size:
        raise AnalysisError(f"PCA: column {codes[const[0]]!r} is constant over the complete rows")
    z = (z - z.mean(axis=0)) / sd
    _, s, vt = np.linalg.svd(z, full_matrices=False)
    v = vt.T
    sign = np.where(v.sum(axis=0) < 0, -1.0, 1.0)
    v = v * sign
    sdev = s / np.sqrt(n - 1)
    var = sdev**2
    names = [f"PC{k + 1}" for k in range(v.shape[1])]
    return PCAResult(
        rotation=pd.DataFrame(v, index=codes, columns=names),
        sdev=sdev,
        explained=var / var.sum(),
        scores=pd.DataFrame(z @ v, index=units[complete], columns=names),
        n_used=n,
        n_dropped=int((~complete).sum()),
    )


def pca_by_group(data: pd.DataFrame, framework: Framework, level: int = 1) -> dict[str, PCAResult]:
    """PCA of the elements at ``level`` within each of their parent groups."""
    if not 1 <= level < framework.levels:
        raise AnalysisError(f"level must be in 1..{framework.levels - 1}, got {level}")
    return {
        parent: pca(data, [framework.codes[level - 1][k] for k in kids])
        for parent, kids in framework.group_slices(level + 1)
    }
