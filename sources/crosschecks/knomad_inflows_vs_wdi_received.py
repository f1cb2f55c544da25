"""KNOMAD remittance inflows against WDI personal remittances received (2022-04 vintage)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from sources.crosschecks import CrossCheck
from sources.crosschecks._knomad_wdi import DIFFERENCES, KNOMAD, knomad_vs_wdi

WDI = "worldbank_wdi_2022_04_mirror"


def compare(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    return knomad_vs_wdi(CHECK.check_id, tables, "KNOMAD.INFLOWS", WDI, "BX.TRF.PWKR.CD.DT")


CHECK = CrossCheck(
    check_id="knomad_inflows_vs_wdi_received",
    description=(
        "KNOMAD remittance inflows (June 2023, US$ million) against WDI personal remittances "
        "received (BX.TRF.PWKR.CD.DT, 2022-04-08 vintage, the series the index uses), "
        f"2000-2020, countries only. {DIFFERENCES} (China: KNOMAD 68,398 vs WDI 18,294 in "
        "2019; also Portugal, Israel, Spain, Vietnam, the Philippines); the rest are "
        "revisions between the April 2022 and June 2023 vintages. Difference = KNOMAD minus "
        "WDI, US$ million."
    ),
    datasets=(KNOMAD, WDI),
    compare=compare,
)
