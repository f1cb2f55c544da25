"""Shared input handling: DataFrame -> (unit codes, float matrix) with clear errors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


class AnalysisError(ValueError):
    """Invalid analysis input; the message names the element at fault."""


def units_and_matrix(
    data: pd.DataFrame,
    codes: Sequence[str] | None = None,
    *,
    error: type[ValueError] = AnalysisError,
    unique_units: bool = False,
    missing_fmt: str = "data has no column(s) {}",
) -> tuple[pd.Index, list[str], np.ndarray]:
    """Unit codes (``uCode`` column or the index), the codes used and a float64 matrix.

    Without ``codes`` every numeric column except ``uCode``/``Time`` is used. A listed
    column that is missing or holds a non-numeric or infinite value raises ``error``
    naming column and uCode; so do duplicate uCodes when ``unique_units``. Shared by the
    analysis functions and :mod:`dividend.engine.scoring` (which passes its own error type).
    """
    if not isinstance(data, pd.DataFrame):
        raise error(f"data must be a DataFrame, got {type(data).__name__}")
    units = pd.Index(data["uCode"] if "uCode" in data.columns else data.index, name="uCode")
    if unique_units and units.has_duplicates:
        raise error(f"data: duplicate uCode(s) {units[units.duplicated()].unique().tolist()}")
    if codes is None:
        codes = [
            c
            for c in data.columns
            if c not in ("uCode", "Time") and pd.api.types.is_numeric_dtype(data[c])
        ]
    codes = list(codes)
    missing = [c for c in codes if c not in data.columns]
    if missing:
        raise error(missing_fmt.format(missing))
    cols = []
    for c in codes:  # a handful of indicator columns; each conversion is vectorised
        s = data[c]
        num = pd.to_numeric(s, errors="coerce")
        bad = num.isna() & s.notna()
        if bad.any():
            u = units[np.flatnonzero(bad.to_numpy())[0]]
            raise error(f"data column {c!r}, uCode {u!r}: value {s[bad].iloc[0]!r} is not numeric")
        cols.append(num.to_numpy(dtype=np.float64))
    x = np.column_stack(cols) if cols else np.empty((len(units), 0))
    if np.isinf(x).any():
        r, c = np.argwhere(np.isinf(x))[0]
        raise error(f"data column {codes[c]!r}, uCode {units[r]!r}: value is infinite")
    return units, codes, x


def signif(x: np.ndarray, digits: int) -> np.ndarray:
    """R's ``signif``: round to ``digits`` significant figures (NaN and 0 kept)."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.floor(np.log10(np.abs(x)))
    mag = np.where(np.isfinite(mag), mag, 0)
    scale = 10.0 ** (digits - 1 - mag)
    return np.round(x * scale) / scale
