"""Indicator statistics table, as COINr's ``get_stats`` (v1.1.14).

One row per column with Min/Max/Mean/Median/Std, COINr-exact Skew/Kurt, counts of
available, non-zero, unique and most-repeated values, their fractions, and flags.
COINr's flag quirks are kept on purpose so tables agree with it: ``Frc.NonZero`` and
``Frc.Unique`` divide by the number *available*, but ``Flag.NonZero`` and
``Flag.Unique`` compare counts over *all* units (``n``) with the threshold.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dividend.engine.analysis._input import signif as _signif
from dividend.engine.analysis._input import units_and_matrix
from dividend.engine.methods.stats import kurt, skew


def _unique_and_same(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column: number of distinct non-NaN values and size of the largest tie group."""
    n, m = x.shape
    s = np.sort(x, axis=0)  # NaN sorts last
    valid = ~np.isnan(s)
    new = np.ones_like(valid)
    new[1:] = s[1:] != s[:-1]
    new &= valid
    n_unique = new.sum(axis=0)
    run_id = np.cumsum(new, axis=0) - 1  # id of the tie group of each sorted value
    flat = (run_id + np.arange(m) * max(n, 1))[valid]
    counts = np.bincount(flat, minlength=m * max(n, 1)).reshape(m, max(n, 1))
    return n_unique, counts.max(axis=1)


def indicator_stats(
    data: pd.DataFrame,
    codes: Sequence[str] | None = None,
    t_skew: float = 2.0,
    t_kurt: float = 3.5,
    t_avail: float = 0.65,
    t_zero: float = 0.5,
    t_unq: float = 0.5,
    nsignif: int | None = None,
) -> pd.DataFrame:
    """COINr ``get_stats`` table for the given columns (default: all numeric columns).

    ``nsignif`` rounds numbers to significant figures like COINr's default of 3; the
    default here (None) keeps full precision. Flags are ``"ok"``/``"LOW"``/``"OUT"`` and
    NA where the statistic itself is undefined (e.g. skew of a constant column).
    """
    _, codes, x = units_and_matrix(data, codes)
    n = x.shape[0]
    obs = ~np.isnan(x)
    n_avail = obs.sum(axis=0)
    has = n_avail > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        xf = np.where(obs, x, np.nan)
        mn = np.where(has, np.nanmin(np.where(obs, x, np.inf), axis=0), np.nan)
        mx = np.where(has, np.nanmax(np.where(obs, x, -np.inf), axis=0), np.nan)
        mean = np.nansum(xf, axis=0) / n_avail
        median = np.nanmedian(xf, axis=0) if n else np.full(len(codes), np.nan)
        dev = np.where(obs, x - mean, 0.0)
        std = np.sqrt((dev**2).sum(axis=0) / (n_avail - 1))
    std = np.where(n_avail > 1, std, np.nan)
    sk = np.atleast_1d(skew(x)) if len(codes) else np.array([])
    kt = np.atleast_1d(kurt(x)) if len(codes) else np.array([])
    n_nonzero = (obs & (x != 0)).sum(axis=0)
    n_unique, n_same = _unique_and_same(x) if len(codes) else (np.array([]), np.array([]))
    with np.errstate(invalid="ignore", divide="ignore"):
        frc_avail = n_avail / n
        frc_nonzero = n_nonzero / n_avail
        frc_unique = n_unique / n_avail
        frc_same = n_same / n_avail

    def flag(bad: np.ndarray, label: str, undefined: np.ndarray | None = None) -> pd.Series:
        out = pd.Series(np.where(bad, label, "ok"), dtype="string")
        if undefined is not None:
            out[undefined] = pd.NA
        return out

    out = pd.DataFrame(
        {
            "iCode": codes,
            "Min": mn,
            "Max": mx,
            "Mean": mean,
            "Median": median,
            "Std": std,
            "Skew": sk,
            "Kurt": kt,
            "N.Avail": n_avail,
            "N.NonZero": n_nonzero,
            "N.Unique": n_unique,
            "N.Same": n_same,
            "Frc.Avail": frc_avail,
            "Frc.NonZero": frc_nonzero,
            "Frc.Unique": frc_unique,
            "Frc.Same": frc_same,
        }
    )
    out["Flag.Avail"] = flag(frc_avail < t_avail, "LOW")
    out["Flag.NonZero"] = flag(n_nonzero / n < t_zero, "LOW")
    out["Flag.Unique"] = flag(n_unique / n < t_unq, "LOW")
    out["Flag.SkewKurt"] = flag(
        (np.abs(sk) > t_skew) & (kt > t_kurt), "OUT", np.isnan(sk) | np.isnan(kt)
    )
    if nsignif is not None:
        for c in (
            "Min",
            "Max",
            "Mean",
            "Median",
            "Std",
            "Skew",
            "Kurt",
            "Frc.Avail",
            "Frc.NonZero",
            "Frc.Unique",
            "Frc.Same",
        ):
            out[c] = _signif(out[c].to_numpy(), nsignif)
    return out
