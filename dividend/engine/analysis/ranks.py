"""Ranks and per-unit strengths and weaknesses (COINr ``rank_df`` / ``get_str_weak``).

Ranks are "sport" ranks as in COINr: highest value is rank 1, tied values share the
best (minimum) rank, missing values stay missing; optionally within groups.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dividend.engine.analysis._input import AnalysisError, units_and_matrix
from dividend.engine.framework import Framework
from dividend.engine.ranking import rank_min


def rank(
    data: pd.DataFrame, codes: Sequence[str] | None = None, group: str | pd.Series | None = None
) -> pd.DataFrame:
    """Units × codes ranks (1 = highest, ties "min", NaN kept), optionally within ``group``."""
    units, codes, x = units_and_matrix(data, codes)
    if group is None:
        return pd.DataFrame(rank_min(x, axis=0), index=units, columns=codes)
    labels, _ = pd.factorize(_labels(data, units, group), use_na_sentinel=True)
    out = np.full(x.shape, np.nan)
    for g in np.unique(labels[labels >= 0]):  # a handful of groups; units are vectorised
        rows = labels == g
        out[rows] = rank_min(x[rows], axis=0)
    return pd.DataFrame(out, index=units, columns=codes)


def _labels(data: pd.DataFrame, units: pd.Index, group: str | pd.Series) -> pd.Series:
    if isinstance(group, str):
        if group not in data.columns:
            raise AnalysisError(f"group column {group!r} not found in data")
        return pd.Series(data[group].to_numpy(), index=units)
    return pd.Series(group).reindex(units)


def strengths_weaknesses(
    data: pd.DataFrame,
    framework: Framework,
    top_n: int = 5,
    bottom_n: int = 5,
    group: str | pd.Series | None = None,
    unq_discard: float | None = None,
    min_discard: bool = True,
    adjust_direction: bool = False,
    report_level: int = 2,
) -> pd.DataFrame:
    """Every unit's top-N and bottom-N indicators by rank, as COINr ``get_str_weak``.

    Per unit, indicators with a missing value are skipped; with ``min_discard`` so are
    those where the unit holds the worst rank of that indicator (COINr drops them from
    both lists, e.g. the many units tied at zero); with ``unq_discard`` indicators whose
    share of unique values (over all units, NaN counted as a value, as COINr does) is
    not above it. Remaining indicators are sorted by rank, ties in framework order;
    strengths are the first ``top_n``, weaknesses the last ``bottom_n`` (best first).
    ``adjust_direction`` multiplies by Direction first (COINr does this for raw data).

    Returns a long table: uCode, Type (Strength/Weakness), Position, iCode, parent at
    ``report_level``, Rank, Value. Units with fewer eligible indicators get fewer rows.
    """
    codes = [c for c in framework.indicators if c in data.columns]
    if not codes:
        raise AnalysisError("data has none of the framework's indicator columns")
    if not (1 <= top_n <= len(codes) and 1 <= bottom_n <= len(codes)):
        raise AnalysisError(
            f"top_n and bottom_n must be in 1..{len(codes)}, got {top_n}, {bottom_n}"
        )
    if not 2 <= report_level <= framework.levels:
        raise AnalysisError(f"report_level must be in 2..{framework.levels}, got {report_level}")
    units, codes, x = units_and_matrix(data, codes)
    if adjust_direction:
        x = x * framework.column("Direction", tuple(codes)).to_numpy(dtype=np.float64)
    rk = rank(
        pd.DataFrame(x, index=units, columns=codes).assign(
            **({group: data[group].to_numpy()} if isinstance(group, str) else {})
        ),
        codes,
        group,
    ).to_numpy()
    eligible = ~np.isnan(rk)
    if unq_discard is not None:
        if not 0 <= unq_discard <= 1:
            raise AnalysisError(f"unq_discard must be in [0, 1], got {unq_discard}")
        frc = pd.DataFrame(x).nunique(dropna=False).to_numpy() / x.shape[0]
        eligible &= (frc > unq_discard)[None, :]
    if min_discard:
        eligible &= rk != np.nanmax(rk, axis=0, initial=-np.inf)[None, :]
    key = np.where(eligible, rk, np.inf)
    order = np.argsort(key, axis=1, kind="stable")
    n_ok = eligible.sum(axis=1)
    top = np.arange(top_n)[None, :]
    bot = n_ok[:, None] - bottom_n + np.arange(bottom_n)[None, :]
    parents = np.array([framework.ancestors(c)[report_level - 2] for c in codes], dtype=object)
    frames = []
    for kind, pos, keep in (
        ("Strength", np.broadcast_to(top, (len(units), top_n)), top < n_ok[:, None]),
        ("Weakness", np.clip(bot, 0, None), bot >= 0),
    ):
        col = np.take_along_axis(order, pos, axis=1)
        u_idx = np.broadcast_to(np.arange(len(units))[:, None], col.shape)
        k = keep & np.ones(col.shape, dtype=bool)
        frames.append(
            pd.DataFrame(
                {
                    "uCode": units.to_numpy()[u_idx[k]],
                    "Type": kind,
                    "Position": np.broadcast_to(np.arange(col.shape[1]) + 1, col.shape)[k],
                    "iCode": np.array(codes, dtype=object)[col[k]],
                    f"Parent{report_level}": parents[col[k]],
                    "Rank": rk[u_idx[k], col[k]],
                    "Value": x[u_idx[k], col[k]],
                }
            )
        )
    return pd.concat(frames, ignore_index=True).sort_values(
        ["uCode", "Type", "Position"], kind="stable", ignore_index=True
    )
