"""Cross-checks: where two publishers measure the same thing, record every difference.

Each module in this package defines `CHECK: CrossCheck`. The `quality/cross_checks` asset
runs every check on the staged tables it names and writes one flag decision per compared
pair (country, year) to `quality.cross_checks`; the same rows feed `quality.data_quality`.
A cross-check never changes a value: it makes a disagreement between sources visible.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from sources.datasets import discover
from sources.quality import DQ_COLUMNS, QualityDecisions

# The decision columns, plus what the value was compared with and the signed difference.
CROSSCHECK_COLUMNS = [*DQ_COLUMNS, "other_dataset", "other_value", "difference"]
PAIR_COLUMNS = ["dataset", "indicator", "geo", "year", "value", "source_file", "source_row"]


@dataclass(frozen=True)
class CrossCheck:
    check_id: str
    description: str  # what is compared, which series and years, and why they may differ
    datasets: tuple[str, ...]  # staged dataset ids it compares
    compare: Callable[[Mapping[str, pd.DataFrame]], pd.DataFrame]
    # staged tables by dataset id -> decision rows (CROSSCHECK_COLUMNS, action "flag",
    # rule = check_id, reason states both values and the difference); build them with
    # `paired_decisions`.
    unit: str = ""  # unit of the compared values and of the difference, for summaries


def all_crosschecks() -> dict[str, CrossCheck]:
    checks = {check.check_id: check for check in discover(__name__, __path__, "CHECK")}
    return dict(sorted(checks.items()))


def _fmt(v: float) -> str:
    return f"{v:,.6g}"


def paired_decisions(
    check_id: str,
    left: pd.DataFrame,
    right: pd.DataFrame,
    *,
    on: tuple[str, ...] = ("geo", "year"),
    unit: str = "",
) -> pd.DataFrame:
    """One flag decision per key in both `left` and `right` (staged rows, PAIR_COLUMNS).

    The decision belongs to the left dataset and its file and row; `difference` is
    left minus right. Rows with a missing value on either side are not compared. Each side
    must have one row per key, or the comparison would silently pick one.
    """
    sides = []
    for name, side in (("left", left), ("right", right)):
        missing = [c for c in PAIR_COLUMNS if c not in side.columns]
        if missing:
            raise ValueError(f"cross-check {check_id!r}: {name} side lacks columns {missing}")
        side = side.loc[side["value"].notna(), PAIR_COLUMNS]
        dup = side.duplicated(list(on), keep=False)
        if dup.any():
            first = side.loc[dup].iloc[0]
            raise ValueError(
                f"cross-check {check_id!r}: {name} side ({first['dataset']}) has "
                f"{int(dup.sum())} rows sharing a key {list(on)}, e.g. {first[list(on)].to_dict()}"
            )
        sides.append(side)
    pairs = sides[0].merge(sides[1], on=list(on), suffixes=("", "_other"))
    if pairs.empty:
        return pd.DataFrame(columns=CROSSCHECK_COLUMNS)
    if "year_other" not in pairs:
        pairs["year_other"] = pairs["year"]
    a = pairs["value"].to_numpy(dtype="float64")
    b = pairs["value_other"].to_numpy(dtype="float64")
    diff = a - b
    suffix = f" {unit}" if unit else ""
    reason = [
        f"{d} {i} {y}: {_fmt(x)}{suffix}; {od} {oi} {oy}: {_fmt(z)}{suffix}; "
        f"difference {_fmt(dd)}{suffix}"
        for d, i, y, x, od, oi, oy, z, dd in zip(
            pairs["dataset"],
            pairs["indicator"],
            pairs["year"],
            a,
            pairs["dataset_other"],
            pairs["indicator_other"],
            pairs["year_other"],
            b,
            diff,
            strict=True,
        )
    ]
    return pd.DataFrame(
        {
            "dataset": pairs["dataset"].to_numpy(),
            "rule": check_id,
            "action": "flag",
            "reason": reason,
            "indicator": pairs["indicator"].to_numpy(),
            "geo": pairs["geo"].to_numpy(),
            "year": pairs["year"].to_numpy(),
            "value_raw": a,
            "value": a,
            "source_file": pairs["source_file"].to_numpy(),
            "source_row": pairs["source_row"].to_numpy(),
            "other_dataset": pairs["dataset_other"].to_numpy(),
            "other_value": b,
            "difference": diff,
        }
    )[CROSSCHECK_COLUMNS]


class CrossCheckDecisions(QualityDecisions):
    """Schema of `quality.cross_checks`: flag decisions whose difference adds up."""

    action: Series[str] = pa.Field(isin=["flag"])
    value: Series[float]
    other_dataset: Series[str] = pa.Field(str_length={"min_value": 1})
    other_value: Series[float]
    difference: Series[float]

    @pa.dataframe_check(error="difference must be finite and equal value - other_value")
    @classmethod
    def difference_adds_up(cls, df: pd.DataFrame) -> Series[bool]:
        expected = df["value"] - df["other_value"]
        return pd.Series(
            np.isfinite(df["difference"]) & np.isclose(df["difference"], expected), index=df.index
        )

    @pa.dataframe_check(error="one decision per check, dataset, indicator, country and year")
    @classmethod
    def one_per_pair(cls, df: pd.DataFrame) -> Series[bool]:
        keys = ["rule", "dataset", "indicator", "other_dataset", "geo", "year"]
        return ~df.duplicated(keys, keep=False)


def run_crosschecks(
    tables: Mapping[str, pd.DataFrame], checks: Mapping[str, CrossCheck] | None = None
) -> pd.DataFrame:
    """Every check's decisions, in CROSSCHECK_COLUMNS; a check must only emit its own rule."""
    checks = all_crosschecks() if checks is None else checks
    parts = []
    for check_id, check in checks.items():
        absent = [d for d in check.datasets if d not in tables]
        if absent:
            raise ValueError(f"cross-check {check_id!r}: staged tables missing: {absent}")
        out = check.compare({d: tables[d] for d in check.datasets})
        foreign = set(out["rule"]) - {check_id}
        if foreign:
            raise ValueError(f"cross-check {check_id!r} emitted decisions for rules {foreign}")
        parts.append(out[CROSSCHECK_COLUMNS])
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=CROSSCHECK_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def crosscheck_summary(
    decisions: pd.DataFrame, checks: Mapping[str, CrossCheck] | None = None
) -> pd.DataFrame:
    """Per check: pairs and countries compared, mean and max |difference| and their unit
    (a check that compared nothing is listed with 0 pairs)."""
    checks = all_crosschecks() if checks is None else checks
    absdiff = decisions.assign(abs_difference=decisions["difference"].astype("float64").abs())
    by = absdiff.groupby("rule")
    summary = pd.DataFrame(
        {
            "pairs": by.size(),
            "units": by["geo"].nunique(),
            "mean_abs_difference": by["abs_difference"].mean(),
            "max_abs_difference": by["abs_difference"].max(),
        }
    )
    summary = summary.reindex(sorted(set(checks) | set(summary.index)))
    summary[["pairs", "units"]] = summary[["pairs", "units"]].fillna(0).astype("int64")
    summary["unit"] = [checks[c].unit if c in checks else "" for c in summary.index]
    return summary.rename_axis("check").reset_index()
