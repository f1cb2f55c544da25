"""World Bank WDI remittance series, API Excel downloads (Last Updated 2023-05-10).

Two series the project had no source for: the average cost of sending US$ 200 *to* a
country (SI.RMT.COST.IB.ZS) and *from* a country (SI.RMT.COST.OB.ZS), in % of the amount
sent (from Remittance Prices Worldwide, 2011–2020); plus a newer vintage (1970–2022) of
remittances received (US$ and % of GDP) and paid. Domain checks: costs within 0–100 % of
the amount sent, flows non-negative (received may exceed GDP: Lesotho 1982–95), years within 1960–2022 (the workbook's columns).
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from sources.catalogue import Dataset
from sources.datasets import SourceSpec, StageResult
from sources.datasets._country import keys_from_iso3, range_model
from sources.datasets._domain import COUNT, require_domain
from sources.quality import concat_decisions
from sources.readers import worldbank_api_xls

DATASET_ID = "wdi_remittances_2023_05"
COST_TO, COST_FROM = "SI.RMT.COST.IB.ZS", "SI.RMT.COST.OB.ZS"
RECEIVED, PAID = "BX.TRF.PWKR.CD.DT", "BM.TRF.PWKR.CD.DT"
RECEIVED_PCT_GDP = "BX.TRF.PWKR.DT.GD.ZS"
COST_UNIT = "% of amount sent"
UNITS = {COST_TO: COST_UNIT, COST_FROM: COST_UNIT}
FIRST_YEAR, LAST_YEAR = 1960, 2022


def read(ds: Dataset) -> pd.DataFrame:
    return worldbank_api_xls.read(ds, units=UNITS)


DOMAIN = {
    COST_TO: (0.0, 100.0),
    COST_FROM: (0.0, 100.0),
    RECEIVED: COUNT,
    PAID: COUNT,
    RECEIVED_PCT_GDP: COUNT,  # may exceed 100: Lesotho 1982-95 reads 108-236 % of GDP
}


def stage(raw: pd.DataFrame) -> StageResult:
    require_domain(
        raw,
        ranges=DOMAIN,
        years=(FIRST_YEAR, LAST_YEAR),
        by="indicator",
        value_column=lambda r: str(r["year"]),
        year_column="header row",
    )
    return StageResult(keys_from_iso3(raw), concat_decisions([]))


_WdiRemittanceRanges = range_model(
    "_WdiRemittanceRanges",
    {
        COST_TO: (0.0, 100.0),
        COST_FROM: (0.0, 100.0),
        RECEIVED: (0.0, 1e12),  # current US$; world ~8e11 in 2022
        PAID: (0.0, 1e12),
        # remittances can exceed GDP: Lesotho 1982-95 reads 108-236 % (mine wages earned in
        # South Africa count in GNI, not GDP)
        RECEIVED_PCT_GDP: (0.0, 1000.0),
    },
    "WDI remittance costs (% of amount sent) and flows (current US$, % of GDP).",
)


class WdiRemittancesStaged(_WdiRemittanceRanges):
    """Staged WDI remittance costs and flows: ISO3 keys, per-series ranges, coverage years."""

    year: Series[int] = pa.Field(ge=FIRST_YEAR, le=LAST_YEAR)


SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description="World Bank WDI (2023-05-10): average cost of sending remittances to and from "
    "a country (% of amount sent, 2011–2020), remittances received (US$, % of GDP) and paid "
    "(US$), 1970–2022; legacy .xls read with xlrd.",
    read=read,
    stage=stage,
    schema=WdiRemittancesStaged,
)
