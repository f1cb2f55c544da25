"""World Bank WDI, eleven series (vintage 2022-04-08): GDP, population, labour, fiscal, remittances."""

from __future__ import annotations

import pandas as pd

from sources.catalogue import Dataset
from sources.datasets import SourceSpec, StageResult
from sources.datasets._country import keys_from_iso3, range_model
from sources.quality import Rule, apply_rule, concat_decisions
from sources.readers import worldbank_api_csv

DATASET_ID = "worldbank_wdi_2022_04_mirror"
UNITS = {  # indicators whose World Bank name carries no unit in parentheses
    "SP.POP.TOTL": "persons",
    "SL.TLF.TOTL.IN": "persons",
    "SM.POP.REFG": "persons",
    "SI.POV.GINI": "Gini index (0-100)",
}
# Plausible ranges, generous on purpose: they catch unit and sign errors, not outliers.
RANGES = {
    "BX.TRF.PWKR.CD.DT": (0.0, 1e12),  # current US$; world total ~7e11 in 2020
    "NY.GDP.MKTP.CD": (0.0, 2e14),  # world GDP ~9e13
    "NY.GDP.PCAP.CD": (0.0, 1e6),
    "NY.GDP.PCAP.PP.CD": (0.0, 1e6),
    "SP.POP.TOTL": (0.0, 1e10),
    "SL.TLF.TOTL.IN": (0.0, 5e9),
    "SM.POP.REFG": (0.0, 1e8),
    "SI.POV.GINI": (0.0, 100.0),
    "GC.XPN.TOTL.GD.ZS": (0.0, 1000.0),
    "GC.DOD.TOTL.GD.ZS": (0.0, 1000.0),
}
PCT_GDP_CEILING = 1000.0
PCT_GDP_IMPOSSIBLE = Rule(
    name="wb_pct_of_gdp_above_1000",
    action="drop",
    reason=f"a central-government ratio above {PCT_GDP_CEILING:.0f}% of GDP has never been "
    "recorded (post-war peaks are ~250%); such values are unit or base-year errors "
    "(Spain's debt 1970-71 reads 2002% and 1767%, next value 54% in 1995)",
)


def read(ds: Dataset) -> pd.DataFrame:
    return worldbank_api_csv.read(ds, units=UNITS)


def stage(raw: pd.DataFrame) -> StageResult:
    staged = keys_from_iso3(raw)
    pct_gdp = staged["unit"].eq("% of GDP") & staged["value"].gt(PCT_GDP_CEILING)
    decisions = [apply_rule(staged, pct_gdp, PCT_GDP_IMPOSSIBLE)]
    return StageResult(staged, concat_decisions(decisions))


WdiMirrorStaged = range_model(
    "WdiMirrorStaged", RANGES, "Staged WDI 2022-04 series: ISO3 keys, per-indicator ranges."
)

SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description="World Bank WDI (2022-04-08): GDP, GDP per capita (US$, PPP), population, "
    "labour force, refugees, central-government expense and debt, Gini, remittances received.",
    read=read,
    stage=stage,
    schema=WdiMirrorStaged,
)
