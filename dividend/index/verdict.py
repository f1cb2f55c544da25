"""The one verdict rule of the index (issue 12, item 5): a unit's verdict respects uncertainty.

``net gain`` when P(net loss) <= 0.10, ``net loss`` when >= 0.90, ``too close to call`` in
between, and ``insufficient data`` when the data cannot support any of these: fewer than
``min(3, pillars the frame can observe)`` pillars observed, coverage below 0.5, no dividend,
a context-only frame, or no uncertainty result. Insufficient units get no rank, and the
headline tables publish no dividend and no P(net loss) for them (:func:`headline`).

Two steps so the index can rank before the sensitivity exists: :func:`sufficiency` needs only
the scored table; :func:`assign_verdicts` adds P(net loss) and re-ranks if a unit had none.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from dividend.engine.ranking import rank_min
from dividend.index.definition import FrameworkConfig, dimension_of

VERDICTS = ("net gain", "too close to call", "net loss", "insufficient data")
GAIN_MAX_P, LOSS_MIN_P = 0.10, 0.90
MIN_PILLARS, MIN_COVERAGE = 3, 0.5
NO_UNCERTAINTY = "no uncertainty result"
# published only for units with a verdict other than insufficient data
HEADLINE_BLANKED = ("dividend", "rank", "p_net_loss")


def counted_pillars(fw: FrameworkConfig) -> tuple[str, ...]:
    """Pillars the rule counts: the actuality pillars, or every scored pillar for a frame whose
    actuality side is thinner than the rule (EU cities: perception plus one social item)."""
    scored = tuple(dict.fromkeys(i.pillar for i in fw.indicators if i.role != "context"))
    actuality = tuple(p for p in scored if dimension_of(p) == "actuality")
    return actuality if len(actuality) >= MIN_PILLARS else scored


def required_pillars(fw: FrameworkConfig) -> int:
    return min(MIN_PILLARS, len(counted_pillars(fw)))


def sufficiency(table: pd.DataFrame, fw: FrameworkConfig) -> pd.DataFrame:
    """Per row of one frame: ``pillars_observed``, ``sufficient`` (bool), ``verdict_reason``."""
    pillars = counted_pillars(fw)
    cov = table[[f"{p}_coverage" for p in pillars]].to_numpy(dtype=np.float64) if pillars else None
    observed = (np.nan_to_num(cov) > 0).sum(axis=1) if cov is not None else np.zeros(len(table))
    need = required_pillars(fw)
    coverage = table["coverage"].to_numpy(dtype=np.float64)
    no_value = table["dividend"].isna().to_numpy()
    reason = np.full(len(table), "", dtype=object)
    few = observed < need
    thin = ~(coverage >= MIN_COVERAGE)
    reason[few] = f"fewer than {need} pillars observed"
    reason[thin & ~few] = f"coverage below {MIN_COVERAGE}"
    reason[no_value & (reason == "")] = "no dividend"
    if not fw.scored:
        reason[:] = fw.unranked_reason
    return pd.DataFrame(
        {
            "pillars_observed": observed.astype("int64"),
            "sufficient": reason == "",
            "verdict_reason": reason,
        },
        index=table.index,
    )


def rank_sufficient(dividend: pd.Series, sufficient: pd.Series) -> pd.Series:
    """Rank 1 = largest dividend among sufficient units; ties share the best rank."""
    r = rank_min(dividend.where(sufficient.astype(bool)).to_numpy(dtype=np.float64))
    return pd.Series(r, index=dividend.index).astype("Int64")


def verdict_of(p_net_loss: np.ndarray, sufficient: np.ndarray) -> np.ndarray:
    """The thresholds alone (vectorised); NaN p or insufficient -> insufficient data."""
    p = np.asarray(p_net_loss, dtype=np.float64)
    out = np.where(
        p <= GAIN_MAX_P, VERDICTS[0], np.where(p >= LOSS_MIN_P, VERDICTS[2], VERDICTS[1])
    ).astype(object)
    out[~np.asarray(sufficient, dtype=bool) | ~np.isfinite(p)] = VERDICTS[3]
    return out


def assign_verdicts(table: pd.DataFrame, p_net_loss: pd.Series) -> pd.DataFrame:
    """Add ``p_net_loss`` (indexed like ``table``), ``verdict`` and ``verdict_reason``.

    ``table`` comes from the index (columns ``framework``, ``dividend``, ``ranked``,
    ``verdict_reason``); a ranked unit without a P(net loss) loses its rank with the reason
    ``no uncertainty result``, and ranks are recomputed per framework so they stay 1..n.
    """
    out = table.copy()
    p = pd.to_numeric(p_net_loss.reindex(out.index), errors="coerce")
    ranked = out["ranked"].astype(bool)
    missing = ranked & p.isna()
    out.loc[missing, "verdict_reason"] = NO_UNCERTAINTY
    out["ranked"] = ranked & ~missing
    out["p_net_loss"] = p.where(out["ranked"])
    out["verdict"] = verdict_of(out["p_net_loss"].to_numpy(), out["ranked"].to_numpy())
    if missing.any():
        keys = [c for c in ("framework", "reference_year") if c in out.columns]
        for _, g in out.groupby(keys, sort=False, dropna=False):
            out.loc[g.index, "rank"] = rank_sufficient(g["dividend"], g["ranked"])
            out.loc[g.index, "n_ranked"] = int(g["ranked"].sum())
    return out


def headline(table: pd.DataFrame) -> pd.DataFrame:
    """The headline view: insufficient-data units without dividend, rank and P(net loss)."""
    out = table.copy()
    bad = out["verdict"] == VERDICTS[3]
    for c in HEADLINE_BLANKED:
        if c in out.columns:
            out[c] = out[c].astype("Float64" if c != "rank" else "Int64").mask(bad)
    return out


def headline_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of each frame's headline year (the panel's other years are in *_panel)."""
    if "headline_year" not in table.columns:
        return table
    keep = table["reference_year"].astype("Int64") == table["headline_year"].astype("Int64")
    return table[keep.fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)


def verdict_counts(table: pd.DataFrame) -> Mapping[str, Mapping[str, int]]:
    """Units per verdict per framework (for metadata and the report)."""
    c = table.groupby(["framework", "verdict"]).size()
    return {fw: {v: int(c.get((fw, v), 0)) for v in VERDICTS} for fw in table["framework"].unique()}
