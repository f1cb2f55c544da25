"""StatCan 2016 Census: immigrants by place of residence (Canada, provinces, CMAs), admission
category, period of immigration and place of birth (the census_birthplace chart JSON).

Indicators: `<category>:<period>` for all places of birth (every admission category), and
`total:<period>:<birth code>` by place of birth. The birth split is kept for the `total`
category only: all eight categories by birth would be ~960 k rows (8× the table and its
validation time) for shares nobody downstream uses yet; `BIRTH_DETAIL_CATEGORIES` widens it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from sources.catalogue import Dataset
from sources.datasets import SourceSpec, StageResult
from sources.geography.cities import statcan_geo
from sources.quality import concat_decisions
from sources.readers.statcan_matrix_json import decode, read_statcan_matrix_json
from sources.tidy import RAW_COLUMNS, StagedTidy, to_staged

DATASET_ID = "statcan_census2016_immigrants_by_cma"
CENSUS_YEAR = 2016
PERIODS = {  # file -> period of immigration (the chart loads file k = option + 1)
    "census_birthplace_1.json": "all",
    "census_birthplace_2.json": "before_1980",
    "census_birthplace_3.json": "1980_1990",
    "census_birthplace_4.json": "1991_2000",
    "census_birthplace_5.json": "2001_2005",
    "census_birthplace_6.json": "2006_2010",
    "census_birthplace_7.json": "2011_2016",
}
CATEGORIES = ("total", "worker", "business", "nominee", "sponsor", "refugee", "other", "bef_80")
BIRTH_DETAIL_CATEGORIES = ("total",)


def read(ds: Dataset) -> pd.DataFrame:
    data_files = [f.name for f in ds.data_files()]
    if sorted(data_files) != sorted(PERIODS):
        raise ValueError(
            f"{DATASET_ID}: data files {data_files} differ from the known periods {sorted(PERIODS)}"
        )
    _, _, residences, _, _ = decode(ds, data_files[0])
    geo = statcan_geo(pd.Series(residences))
    labels = dict(zip(residences, geo["label"], strict=True))
    levels = dict(zip(residences, geo["level"], strict=True))
    parts = [
        read_statcan_matrix_json(
            ds,
            name,
            period=PERIODS[name],
            year=CENSUS_YEAR,
            geo_labels=labels,
            geo_levels=levels,
            birth_detail_categories=BIRTH_DETAIL_CATEGORIES,
        )
        for name in data_files
    ]
    return pd.concat(parts, ignore_index=True)[RAW_COLUMNS]


def stage(raw: pd.DataFrame) -> StageResult:
    codes = raw["geo"].drop_duplicates()
    keys = statcan_geo(codes).set_index(codes)["key"]
    staged = to_staged(raw, raw["geo"].map(keys), pd.Series("CAN", index=raw.index))
    return StageResult(staged, concat_decisions([]))


class StatcanStaged(StagedTidy):
    """Immigrant counts, randomly rounded to multiples of 5, by StatCan geography key."""

    geo: Series[str] = pa.Field(
        str_matches=r"^(CAN|CA-PR-\d{2}(-outside-CMA)?|CA-CMA-\d{3}(-\d{2})?)$"
    )
    indicator: Series[str] = pa.Field(
        str_matches=rf"^({'|'.join(CATEGORIES)}):({'|'.join(PERIODS.values())})(:[\w-]+)?$"
    )
    value: Series[float] = pa.Field(ge=0)
    unit: Series[str] = pa.Field(isin=["persons"])
    year: Series[int] = pa.Field(eq=CENSUS_YEAR)
    country_iso3: Series[str] = pa.Field(isin=["CAN"])

    @pa.check("value", error="count is not a multiple of 5 (StatCan random rounding)")
    @classmethod
    def rounded_to_five(cls, value: Series[float]) -> Series[bool]:
        return pd.Series(np.mod(value.to_numpy(), 5) == 0, index=value.index)


SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description=(
        "Statistics Canada 2016 Census: immigrants by CMA/province, admission category and "
        "period of immigration (all places of birth), plus place of birth for the total; "
        "CMAs keyed CA-CMA-<code>."
    ),
    read=read,
    stage=stage,
    schema=StatcanStaged,
)
