"""Vectorised text helpers: escaping and number formatting over whole columns.

Pages and charts are built by concatenating string columns (one element per unit) rather
than by looping over units, so a 1,000-city page costs the same few pandas operations as a
10-country one.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
from numpy.dtypes import StringDType

DASH = "–"
MINUS = "−"


def esc(value: object) -> str:
    """HTML-escape one scalar (quotes included, so it is safe inside attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


_HTML_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"))


def esc_values(values: np.ndarray) -> np.ndarray:
    """HTML-escape an object array of str in numpy's C string routines (no per-call pandas cost)."""
    out = np.asarray(values, dtype=object).astype(StringDType())
    for a, b in _HTML_ESCAPES:
        out = np.strings.replace(out, a, b)
    return out.astype(object)


def esc_col(s: pd.Series) -> pd.Series:
    """HTML-escape a column; missing values become empty strings."""
    values = s.to_numpy()
    if values.dtype != object or pd.api.types.infer_dtype(values, skipna=False) != "string":
        values = s.astype("string").fillna("")  # not all str already: convert, NA -> ""
    codes, uniques = pd.factorize(values)
    escaped = esc_values(np.asarray(uniques, dtype=object))  # each distinct value once
    return pd.Series(escaped[codes], index=s.index)


def num_col(s: pd.Series, decimals: int = 1, signed: bool = False) -> pd.Series:
    """Format numbers with a fixed number of decimals, a typographic minus and a dash for missing."""
    x = pd.to_numeric(s, errors="coerce").astype(float)
    if x.empty:
        return pd.Series([], index=s.index, dtype=object)
    arr = x.to_numpy()
    if arr.size == 0:  # an unranked frame or a year without ranked units: nothing to format
        return pd.Series([], index=s.index, dtype=object)
    out = np.char.mod(f"%{'+' if signed else ''}.{decimals}f", np.nan_to_num(arr))
    out = np.char.replace(out, "-", MINUS)
    out = np.where(np.isnan(arr), DASH, out)
    return pd.Series(out, index=s.index, dtype=object)


def pct_col(s: pd.Series, decimals: int = 0) -> pd.Series:
    """Format shares in [0, 1] as percentages."""
    out = num_col(pd.to_numeric(s, errors="coerce") * 100, decimals)
    return out.where(out == DASH, out + " %")


def fmt(value: float | None, decimals: int = 1, signed: bool = False) -> str:
    """Format one number like :func:`num_col`."""
    return str(num_col(pd.Series([value], dtype=float), decimals, signed).iloc[0])


def _as_text(p: pd.Series) -> np.ndarray | None:
    """``p`` as an object array of str, or None when it holds anything else (missing values,
    numbers), which :func:`cat` then leaves to pandas' own ``astype(str)`` and addition."""
    arr = p.to_numpy()
    if arr.dtype == object and pd.api.types.infer_dtype(arr, skipna=False) in ("string", "empty"):
        return arr
    return None


def cat(parts: list[pd.Series | str], index: pd.Index) -> pd.Series:
    """Concatenate string columns and literals element-wise.

    The common case (every column already text, aligned on ``index``) runs as numpy object
    additions, a fraction of the cost of a pandas addition per part; anything else takes the
    pandas route, with its index alignment and missing-value propagation.
    """
    arrays = [
        p if isinstance(p, str) else _as_text(p) if p.index.equals(index) else None for p in parts
    ]
    if any(a is None for a in arrays):
        out = pd.Series("", index=index, dtype=object)
        for p in parts:
            out = out + (p.astype(str) if isinstance(p, pd.Series) else p)
        return out
    acc = np.full(len(index), "", dtype=object)
    literal = ""  # adjacent literals are joined first
    for a in arrays:
        if isinstance(a, str):
            literal += a
            continue
        acc = acc + literal + a if literal else acc + a
        literal = ""
    if literal:
        acc = acc + literal
    return pd.Series(acc, index=index, dtype=object)


def join_by(
    values: pd.Series, keys: pd.Series | pd.Index, sep: str = "", sort: bool = False
) -> pd.Series:
    """``values.groupby(keys, sort=sort).agg(sep.join)`` without a Python call per group.

    Rows are ordered by group (stably) and each group's strings are summed with one
    ``np.add.reduceat``; rows with a missing key are dropped, as groupby does.
    """
    codes, uniques = pd.factorize(keys, sort=sort)
    vals = values.to_numpy(dtype=object)
    keep = codes >= 0
    codes, vals = codes[keep], vals[keep]
    if len(codes) == 0:
        return pd.Series([], index=pd.Index(uniques)[:0], dtype=object)
    order = np.argsort(codes, kind="stable")
    codes, vals = codes[order], vals[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    if sep:
        last = np.r_[starts[1:] - 1, len(vals) - 1]
        with_sep = vals + sep
        with_sep[last] = vals[last]
        vals = with_sep
    return pd.Series(np.add.reduceat(vals, starts), index=pd.Index(uniques)[codes[starts]])


def slug_col(s: pd.Series) -> pd.Series:
    """File-name-safe ASCII slug of a code column (accents dropped; letters, digits, '-', '_')."""
    ascii_ = s.astype(str).str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    return ascii_.str.replace(r"[^A-Za-z0-9_-]+", "-", regex=True).str.strip("-")


def slug(value: object) -> str:
    return str(slug_col(pd.Series([value])).iloc[0])
