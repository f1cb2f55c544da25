"""Non-compensatory aggregation of signed dividends (scores in [-100, 100]) for the sensitivity.

The index's own aggregation is the signed arithmetic mean (:mod:`dividend.engine.scoring`), under
which every level's dividend is exactly B - C (weighted benefit minus weighted cost scores).
The sensitivity also asks whether a verdict survives *non-compensatory* aggregation of the
pillar dividends (levels 3 and up: pillars -> dimension -> index), where a pillar in deficit
is not fully offset by a pillar in surplus. Power means and Mazziotta-Pareto need positive
values, so the signed scale is shifted by its own bounds, not by the data (a data-dependent
shift would change with every run):

    y = (s + 200) / 100,   s in [-100, 100]  ->  y in [1, 3]

* ``gmean``: 100 * exp(sum w log y / sum w) - 200;
* ``mazziotta_pareto``: 100 * (m - v / m) - 200 with m, v the weighted mean and variance of y
  (the penalty sd * cv of the MPI);
* ``amean``: the signed arithmetic mean (identical to the index).

All three equal the arithmetic mean when the children agree and are below it otherwise
(AM >= GM >= MP on this scale), so a unit's dividend can only fall. Indicators are still
combined into pillar dividends by the signed arithmetic mean, so each pillar keeps
dividend = B - C; above the pillars B and C are not defined separately under gmean / MP
and the published B and C always come from the nominal (arithmetic) run. Missing children
drop out and the weights renormalise, as in the index.
"""

from __future__ import annotations

import numpy as np

SIGNED_METHODS = ("amean", "gmean", "mazziotta_pareto")
SHIFT, SCALE = 200.0, 100.0


def signed_level(V: np.ndarray, W: np.ndarray, M: np.ndarray, method: str) -> np.ndarray:
    """One level: V (runs, units, children) signed values, W (runs, children) weights,
    M (children, parents) membership -> (runs, units, parents); vectorised over runs."""
    if method not in SIGNED_METHODS:
        raise ValueError(f"signed aggregation: {method!r} is not one of {list(SIGNED_METHODS)}")
    A = ~np.isnan(V)
    Wa = np.where(A, W[:, None, :], 0.0)
    den = Wa @ M
    y = np.where(A, (V + SHIFT) / SCALE, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "amean":
            out = (Wa * np.where(A, V, 0.0)) @ M / den
        elif method == "gmean":
            out = SCALE * np.exp((Wa * np.log(y)) @ M / den) - SHIFT
        else:
            m = (Wa * y) @ M / den
            v = np.maximum((Wa * y * y) @ M / den - m * m, 0.0)
            out = SCALE * (m - v / m) - SHIFT
    return np.where(den > 0, out, np.nan)
