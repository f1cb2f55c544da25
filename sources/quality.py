"""Named data-quality rules and the `data_quality` decisions they record.

A rule finds rows with a known hazard and decides: drop (value set missing, raw value kept),
flag (value kept, marked), or rescale (value multiplied, raw value kept). Every decision is a
row in the `data_quality` table and in the asset's metadata, with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

DQ_COLUMNS = [
    "dataset",
    "rule",
    "action",
    "reason",
    "indicator",
    "geo",
    "year",
    "value_raw",
    "value",
    "source_file",
    "source_row",
]


class QualityDecisions(pa.DataFrameModel):
    """Schema of every decision table (`quality.<dataset>`, `quality.data_quality`)."""

    dataset: Series[str] = pa.Field(str_length={"min_value": 1})
    rule: Series[str] = pa.Field(str_length={"min_value": 1})
    action: Series[str] = pa.Field(isin=["drop", "flag", "rescale"])
    reason: Series[str] = pa.Field(str_length={"min_value": 1})
    indicator: Series[str] = pa.Field(str_length={"min_value": 1})
    geo: Series[str] = pa.Field(str_length={"min_value": 1})
    year: Series[int] = pa.Field(ge=1, le=2100)
    value_raw: Series[float] = pa.Field(nullable=True)
    value: Series[float] = pa.Field(nullable=True)
    source_file: Series[str]
    source_row: Series[int] = pa.Field(ge=1)

    class Config:
        strict = True
        coerce = True
        ordered = False


@dataclass(frozen=True)
class Rule:
    name: str
    action: str  # drop | flag | rescale
    reason: str
    factor: float | None = None  # for rescale


def apply_rule(staged: pd.DataFrame, mask: pd.Series | np.ndarray, rule: Rule) -> pd.DataFrame:
    """Apply `rule` to the rows in `mask` (in place on `staged`); return their decision rows."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return pd.DataFrame(columns=DQ_COLUMNS)
    if rule.action == "drop":
        staged.loc[mask, "value"] = np.nan
    elif rule.action == "rescale":
        if rule.factor is None:
            raise ValueError(f"rule {rule.name!r}: rescale needs a factor")
        staged.loc[mask, "value"] = staged.loc[mask, "value_raw"] * rule.factor
    elif rule.action != "flag":
        raise ValueError(f"rule {rule.name!r}: unknown action {rule.action!r}")
    staged.loc[mask, "qc_action"] = rule.action
    staged.loc[mask, "qc_rule"] = rule.name
    hit = staged.loc[mask]
    return pd.DataFrame(
        {
            "dataset": hit["dataset"].to_numpy(),
            "rule": rule.name,
            "action": rule.action,
            "reason": rule.reason,
            "indicator": hit["indicator"].to_numpy(),
            "geo": hit["geo"].to_numpy(),
            "year": hit["year"].to_numpy(),
            "value_raw": hit["value_raw"].to_numpy(),
            "value": hit["value"].to_numpy(),
            "source_file": hit["source_file"].to_numpy(),
            "source_row": hit["source_row"].to_numpy(),
        }
    )


def concat_decisions(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=DQ_COLUMNS)
    return pd.concat(parts, ignore_index=True)[DQ_COLUMNS]
