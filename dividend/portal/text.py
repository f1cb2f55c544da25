"""Vectorised text helpers: escaping and number formatting over whole columns.

Pages and charts are built by concatenating string columns (one element per unit) rather
than by looping over units, so a 1,000-city page costs the same few pandas operations as a
10-country one.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

DASH = "–"
MINUS = "−"


def esc(value: object) -> str:
    """HTML-escape one scalar (quotes included, so it is safe inside attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def esc_col(s: pd.Series) -> pd.Series:
    """HTML-escape a column; missing values become empty strings."""
    codes, uniques = pd.factorize(s.astype("string").fillna(""))
    escaped = pd.Index(uniques, dtype=object)  # escape each distinct value once
    for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;")):
        escaped = escaped.str.replace(a, b, regex=False)
    return pd.Series(np.asarray(escaped, dtype=object)[codes], index=s.index)


def num_col(s: pd.Series, decimals: int = 1, signed: bool = False) -> pd.Series:
    """Format numbers with a fixed number of decimals, a typographic minus and a dash for missing."""
    x = pd.to_numeric(s, errors="coerce").astype(float)
    arr = x.to_numpy()
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


def cat(parts: list[pd.Series | str], index: pd.Index) -> pd.Series:
    """Concatenate string columns and literals element-wise."""
    out = pd.Series("", index=index, dtype=object)
    for p in parts:
        out = out + (p.astype(str) if isinstance(p, pd.Series) else p)
    return out


def slug_col(s: pd.Series) -> pd.Series:
    """File-name-safe ASCII slug of a code column (accents dropped; letters, digits, '-', '_')."""
    ascii_ = s.astype(str).str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    return ascii_.str.replace(r"[^A-Za-z0-9_-]+", "-", regex=True).str.strip("-")


def slug(value: object) -> str:
    return str(slug_col(pd.Series([value])).iloc[0])
