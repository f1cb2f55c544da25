"""The one rank kernel: "sport" ranks, ties share the minimum rank, missing stays missing.

COINr ranks this way everywhere (R's ``rank(x, ties.method = "min", na.last = "keep")``), so
the index's published ranks, the analysis tables, rank normalisation and the sensitivity runs
all call :func:`rank_min`. One argsort per call, vectorised over every row or column.
"""

from __future__ import annotations

import numpy as np


def rank_min(values: np.ndarray, *, axis: int = -1, descending: bool = True) -> np.ndarray:
    """Ranks along ``axis`` (float64): 1 = highest value when ``descending``, else lowest.

    Tied values share the minimum rank; NaN stays NaN and does not count.
    """
    s = np.moveaxis(np.asarray(values, dtype=np.float64), axis, -1)
    if s.ndim == 0:
        raise ValueError("rank_min: need at least one dimension")
    flat = s.reshape(-1, s.shape[-1]) if s.ndim != 2 else s
    key = -flat if descending else flat
    order = np.argsort(key, axis=1)  # ties get one rank whatever their order; NaN sorts last
    srt = np.take_along_axis(key, order, axis=1)
    new = np.ones(srt.shape, dtype=bool)
    new[:, 1:] = srt[:, 1:] != srt[:, :-1]
    start = np.where(new, np.arange(srt.shape[1])[None, :], 0)
    r = (np.maximum.accumulate(start, axis=1) + 1).astype(np.float64)
    r[np.isnan(srt)] = np.nan
    out = np.empty_like(r)
    np.put_along_axis(out, order, r, axis=1)
    return np.moveaxis(out.reshape(s.shape), -1, axis)


def rank_rows(scores: np.ndarray, rankable: np.ndarray | None = None) -> np.ndarray:
    """Rank every row (1 = highest), float32, as the sensitivity runs store them.

    ``rankable`` (broadcast to ``scores``): only those units are ranked, the others get NaN
    (the index's coverage rule).
    """
    s = np.asarray(scores, dtype=np.float64)
    if rankable is not None:
        s = np.where(rankable, s, np.nan)
    return rank_min(s, axis=-1, descending=True).astype(np.float32)
