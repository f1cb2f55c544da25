"""ICTD/UNU-WIDER Government Revenue Dataset 2021: tax revenue % of GDP (OWID long CSV).

Hazard: negative tax components (49 cells: "Other taxes" 47, "payroll and workforce" 2).
GRD derives "other taxes" as a residual, so a negative value means the identified
components over-count, not that a tax was negative. Two named rules:
- `ictd_negative_rounding_residual` (|v| < 0.01 pp of GDP): rounding noise around zero,
  RESCALED by 0 (value 0, raw kept);
- `ictd_negative_component` (v <= -0.01): DROPPED; a negative share of GDP has no meaning as
  a tax level. Totals are untouched (they are never negative).
"""

from __future__ import annotations

import pandas as pd

from sources.datasets import SourceSpec, StageResult
from sources.datasets._country import keys_from_names, range_model
from sources.quality import Rule, apply_rule, concat_decisions
from sources.readers import owid_long_csv

DATASET_ID = "ictd_grd_2021_taxes_owid"
TOTAL = "Total tax revenue (% of GDP) (ICTD (2019))"
COMPONENTS = [
    "Total taxes on goods and services (% of GDP) (ICTD (2019))",
    "Total taxes on income, profits, and capital gains (% of GDP) (ICTD (2019))",
    "Total taxes on payroll and workforce (% of GDP) (ICTD (2019))",
    "Other taxes (% of GDP) (ICTD (2019))",
    "Social contributions (% of GDP) (ICTD (2019))",
]
ROUNDING = 0.01  # percentage points of GDP
RESIDUAL = Rule(
    name="ictd_negative_rounding_residual",
    action="rescale",
    factor=0.0,
    reason=f"negative tax component smaller than {ROUNDING} pp of GDP: rounding residual of "
    "the GRD's derived categories, set to 0",
)
NEGATIVE = Rule(
    name="ictd_negative_component",
    action="drop",
    reason="negative tax component (GRD residual category where identified components "
    "over-count); a negative share of GDP is not a tax level",
)


def stage(raw: pd.DataFrame) -> StageResult:
    staged = keys_from_names(raw)
    negative = staged["indicator"].isin(COMPONENTS) & staged["value_raw"].lt(0)
    small = negative & staged["value_raw"].gt(-ROUNDING)
    decisions = [
        apply_rule(staged, small, RESIDUAL),
        apply_rule(staged, negative & ~small, NEGATIVE),
    ]
    return StageResult(staged, concat_decisions(decisions))


IctdTaxesStaged = range_model(
    "IctdTaxesStaged",
    {ind: (0.0, 100.0) for ind in [TOTAL, *COMPONENTS]},
    "Staged ICTD GRD tax shares: ISO3 keys, every kept value a non-negative % of GDP.",
)

SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description="ICTD/UNU-WIDER GRD 2021 tax revenue and components, % of GDP, 1980-2020 "
    "(OWID re-publication); negative components rescaled/dropped by named rules.",
    read=owid_long_csv.read,
    stage=stage,
    schema=IctdTaxesStaged,
)
