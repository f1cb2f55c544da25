"""World Bank WDI personal remittances paid (BM.TRF.PWKR.CD.DT, vintage 2021-09-15).

Hazard: implausible single-year values, e.g. Kenya 2019 = US$ 2.6 M against 10-20 M a year
before (0.003% of GDP, the lowest share of any country that year). Rule
`remittances_paid_outlier` finds them generically on remittances as a share of GDP (GDP from
WDI NY.GDP.MKTP.CD, `worldbank_wdi_2022_04_mirror/gdp.csv`), where a value must be BOTH
- a jump: >= 5x away (|log10| >= 0.7) from the median of the country's own values in the
  3 years either side, and
- a cross-sectional extreme: robust z (median/IQR of that year's log shares across
  countries) beyond ±2.5, in the same direction as the jump.
Jumps alone are common in small or volatile series and are left as published; the two
together single out 6 of 6,250 country-years (Kenya 2019, Chile 2008, Dominica 2011,
Nigeria 2001-02, Sudan 2009). They are DROPPED (raw value kept) because a level 5-8x off the
country's own series is a recording error, not a migration signal.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from sources.catalogue import Dataset, dataset
from sources.datasets import SourceSpec, StageResult
from sources.datasets._country import keys_from_iso3, range_model
from sources.quality import Rule, apply_rule, concat_decisions
from sources.readers import worldbank_api_csv

DATASET_ID = "worldbank_wdi_remittances_paid"
INDICATOR = "BM.TRF.PWKR.CD.DT"
GDP_SOURCE = ("worldbank_wdi_2022_04_mirror", "gdp.csv")
WINDOW = 3  # years either side
JUMP_LOG10 = 0.7  # 5x
CROSS_SECTION_Z = 2.5
OUTLIER = Rule(
    name="remittances_paid_outlier",
    action="drop",
    reason="remittances paid as % of GDP is >= 5x off the median of the country's own "
    "values within 3 years AND a cross-country extreme that year (robust z beyond 2.5, same "
    "direction): a recording error, not a change in migrant transfers",
)


def read(ds: Dataset) -> pd.DataFrame:
    return worldbank_api_csv.read(ds)


@cache
def gdp_current_usd() -> pd.Series:
    """GDP (current US$) by (geo, year), from the WDI mirror (sha256-verified)."""
    ds = dataset(GDP_SOURCE[0])
    gdp = worldbank_api_csv.read_file(ds, GDP_SOURCE[1], worldbank_api_csv.country_codes(ds))
    return gdp.set_index(["geo", "year"])["value"]


def _neighbour_median(a: np.ndarray, k: int) -> np.ndarray:
    """Median of each cell's non-missing neighbours within k columns, excluding itself."""
    shifted = []
    for s in [*range(-k, 0), *range(1, k + 1)]:
        m = np.full_like(a, np.nan)
        if s < 0:
            m[:, -s:] = a[:, :s]
        else:
            m[:, :-s] = a[:, s:]
        shifted.append(m)
    stack = np.stack(shifted)
    out = np.full_like(a, np.nan)
    enough = (~np.isnan(stack)).sum(axis=0) >= 2
    out[enough] = np.nanmedian(stack[:, enough], axis=0)
    return out


def outlier_mask(staged: pd.DataFrame, gdp: pd.Series) -> np.ndarray:
    country = staged["geo_level"].eq("country") & staged["value_raw"].gt(0)
    c = staged.loc[country, ["geo", "year", "value_raw"]]
    share = (
        c["value_raw"].to_numpy()
        / gdp.reindex(pd.MultiIndex.from_frame(c[["geo", "year"]])).to_numpy()
    )
    c = c.assign(log_share=np.log10(np.where(share > 0, share, np.nan)))
    wide = c.pivot(index="geo", columns="year", values="log_share")
    wide = wide.reindex(columns=range(wide.columns.min(), wide.columns.max() + 1))
    a = wide.to_numpy(dtype="float64")
    jump = a - _neighbour_median(a, WINDOW)
    q1, med, q3 = (np.nanpercentile(a, q, axis=0) for q in (25, 50, 75))
    z = (a - med) / np.where(q3 - q1 > 0, q3 - q1, np.nan)
    hit = (
        (np.abs(jump) >= JUMP_LOG10)
        & (np.abs(z) >= CROSS_SECTION_Z)
        & (np.sign(jump) == np.sign(z))
    )
    hits = pd.DataFrame(hit, index=wide.index, columns=wide.columns).stack()
    hits = hits[hits]
    keys = pd.MultiIndex.from_frame(staged[["geo", "year"]])
    return keys.isin(hits.index) & country.to_numpy()


def stage(raw: pd.DataFrame) -> StageResult:
    staged = keys_from_iso3(raw)
    mask = outlier_mask(staged, gdp_current_usd())
    return StageResult(staged, concat_decisions([apply_rule(staged, mask, OUTLIER)]))


RemittancesPaidStaged = range_model(
    "RemittancesPaidStaged",
    {INDICATOR: (0.0, 1e12)},  # current US$; world total ~4.5e11
    "Staged WDI remittances paid: ISO3 keys, single-year recording errors dropped.",
)

SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description="World Bank WDI personal remittances paid (current US$, 2021-09-15 vintage); "
    "implausible single-year values dropped by rule remittances_paid_outlier.",
    read=read,
    stage=stage,
    schema=RemittancesPaidStaged,
)
