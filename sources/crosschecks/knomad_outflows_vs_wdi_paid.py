"""KNOMAD remittance outflows against WDI personal remittances paid (2021-09 vintage)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from sources.crosschecks import CrossCheck
from sources.crosschecks._knomad_wdi import DIFFERENCES, KNOMAD, knomad_vs_wdi

WDI = "worldbank_wdi_remittances_paid"


def compare(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    return knomad_vs_wdi(CHECK.check_id, tables, "KNOMAD.OUTFLOWS", WDI, "BM.TRF.PWKR.CD.DT")


CHECK = CrossCheck(
    check_id="knomad_outflows_vs_wdi_paid",
    description=(
        "KNOMAD remittance outflows (June 2023, US$ million) against WDI personal remittances "
        "paid (BM.TRF.PWKR.CD.DT, 2021-09-15 vintage, the series the index uses), 2000-2020, "
        f"countries only. {DIFFERENCES} (Kuwait 2019: KNOMAD 18,855 vs WDI 15,299; also Sweden, the United States, Turkey, Switzerland); "
        "the rest are revisions between the two vintages. KNOMAD also covers economies WDI's "
        "file lacks (UAE outflows 2019: 44,956), which have nothing to compare with. Rows "
        "that rule remittances_paid_outlier dropped are not compared. Difference = KNOMAD "
        "minus WDI, US$ million."
    ),
    datasets=(KNOMAD, WDI),
    compare=compare,
)
