"""Verdicts as the index defines them, told in words, colour and shape.

``verdict`` is one of :data:`VERDICTS` (docs/scoring.md, "Index v2"): net gain when a net
loss is unlikely (P(net loss) <= 0.10), net loss when it is likely (>= 0.90), too close to
call in between, and insufficient data when the unit is unranked or has no uncertainty
result. A release that publishes ``verdict``/``verdict_reason`` columns is shown as published;
an older release (without them) gets the same rule applied to its published
``p_net_loss`` and ``ranked`` columns, so the two kinds of release read the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dividend.portal.text import esc_col

GAIN, CLOSE, LOSS, NODATA = "net gain", "too close to call", "net loss", "insufficient data"
VERDICTS = (GAIN, CLOSE, LOSS, NODATA)
P_GAIN, P_LOSS = 0.10, 0.90
# CSS class and shape per verdict: never colour alone (WCAG 1.4.1).
CLASS = {GAIN: "v-gain", CLOSE: "v-close", LOSS: "v-loss", NODATA: "v-none"}
SHAPE = {GAIN: "▲", CLOSE: "■", LOSS: "▼", NODATA: "○"}
NO_UNCERTAINTY = "no uncertainty result"


def unit_verdicts(units: pd.DataFrame) -> pd.DataFrame:
    """Columns ``verdict`` and ``verdict_reason`` for ``units`` (index kept).

    Uses the release's own columns when it has them; else ``p_loss`` (the sensitivity
    merge of :func:`dividend.portal.release_data.with_sensitivity`) and ``ranked``.
    """
    if "verdict" in units.columns:
        reason = units.get("verdict_reason", pd.Series("", index=units.index))
        return pd.DataFrame(
            {"verdict": units["verdict"].astype(str), "verdict_reason": reason.fillna("")},
            index=units.index,
        )
    p = pd.to_numeric(units.get("p_loss", pd.Series(np.nan, index=units.index)), errors="coerce")
    ranked = units["rank"].notna() if "rank" in units else units["dividend"].notna()
    verdict = np.select(
        [~ranked, p.isna(), p <= P_GAIN, p >= P_LOSS], [NODATA, NODATA, GAIN, LOSS], CLOSE
    )
    coverage = pd.to_numeric(units.get("coverage"), errors="coerce")
    reason = np.select(
        [units["dividend"].isna(), ~ranked, p.isna()],
        [
            "no scored indicator observed",
            "data coverage "
            + (coverage * 100).round(0).astype("Int64").astype(str)
            + " % is below the framework's minimum for a ranking",
            NO_UNCERTAINTY,
        ],
        "",
    )
    return pd.DataFrame({"verdict": verdict, "verdict_reason": reason}, index=units.index)


def verdict_html(verdict: pd.Series) -> pd.Series:
    """``<span class="verdict v-...">▲ net gain</span>`` per row (shape hidden from readers)."""
    v = verdict.astype(str)
    cls = v.map(CLASS).fillna("v-none")
    shape = v.map(SHAPE).fillna("")
    return (
        '<span class="verdict '
        + cls
        + '"><span class="shape" aria-hidden="true">'
        + shape
        + "</span> "
        + esc_col(v)
        + "</span>"
    )


def with_verdicts(units: pd.DataFrame) -> pd.DataFrame:
    """``units`` with ``verdict`` and ``verdict_reason`` (see :func:`unit_verdicts`)."""
    v = unit_verdicts(units)
    return units.assign(verdict=v["verdict"], verdict_reason=v["verdict_reason"])
