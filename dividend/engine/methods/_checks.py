"""Argument checks shared by the kernels: one wording for the same mistake everywhere."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def as_matrix(X: np.ndarray, what: str, *, copy: bool = False) -> np.ndarray:
    """``X`` as a float64 2-D array of ``what`` (e.g. "units x indicators"), else ValueError."""
    arr = np.asarray(X)
    if arr.ndim != 2:
        raise ValueError(f"X must be a 2-D {what} array, got {arr.ndim} dimensions")
    if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(f"X must be real numeric, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=copy)


def column_labels(codes: Sequence[str] | None, k: int) -> list[str]:
    """One label per column: the codes (checked against ``k``) or "column <j>"."""
    if codes is None:
        return [f"column {j}" for j in range(k)]
    if len(codes) != k:
        raise ValueError(f"codes has {len(codes)} entries but X has {k} columns")
    return [str(c) for c in codes]


def first_infinite(arr: np.ndarray) -> tuple[int, int] | None:
    """(row, column) of the first infinite value, or None: infinities are never valid data."""
    bad = np.isinf(arr)
    if not bad.any():
        return None
    i, j = np.argwhere(bad)[0]
    return int(i), int(j)
