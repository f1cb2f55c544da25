"""KNOMAD remittance flows against the WDI vintage one month older (2023-05-10)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from sources.crosschecks import CROSSCHECK_COLUMNS, CrossCheck
from sources.crosschecks._knomad_wdi import DIFFERENCES, KNOMAD, knomad_vs_wdi

WDI = "wdi_remittances_2023_05"


def compare(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    parts = [
        knomad_vs_wdi(CHECK.check_id, tables, "KNOMAD.INFLOWS", WDI, "BX.TRF.PWKR.CD.DT"),
        knomad_vs_wdi(CHECK.check_id, tables, "KNOMAD.OUTFLOWS", WDI, "BM.TRF.PWKR.CD.DT"),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=CROSSCHECK_COLUMNS)
    return pd.concat(parts, ignore_index=True)


CHECK = CrossCheck(
    check_id="knomad_vs_wdi_2023_vintage",
    description=(
        "KNOMAD inflows and outflows (June 2023, US$ million) against WDI personal remittances "
        "received and paid in the 2023-05-10 vintage (same BOP round, one month apart), "
        f"2000-2022, countries only: vintage effects are nearly absent. {DIFFERENCES} (inflows: "
        "China, Portugal, Israel, Spain, Vietnam; outflows: Germany, the United States). "
        "Difference = KNOMAD minus WDI, US$ million."
    ),
    datasets=(KNOMAD, WDI),
    compare=compare,
)
