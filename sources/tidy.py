"""The tidy long layout every reader emits, and the pandera models generated for it.

Raw tables keep the publisher's own geography key and values; staged tables key countries
by ISO3 and cities by their statistical code, and carry the quality rule applied to each row.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

GEO_LEVELS = ("country", "aggregate", "city", "region")
QC_ACTIONS = ("none", "flag", "rescale", "drop")

RAW_COLUMNS = [
    "dataset",  # catalogue id
    "indicator",  # publisher's indicator code (e.g. NY.GDP.MKTP.CD, DE2009V, Q3_4:1:share)
    "geo",  # publisher's geography key (ISO3, WB code, M49, name, city code)
    "geo_label",  # publisher's geography name
    "geo_level",  # one of GEO_LEVELS
    "year",
    "value",
    "unit",
    "flag",  # publisher's observation flag, if any
    "vintage",
    "source_file",
    "source_row",  # 1-based line (CSV/TSV) or sheet row (XLSX) in the publisher's file
]
STAGED_COLUMNS = [*RAW_COLUMNS, "country_iso3", "value_raw", "qc_action", "qc_rule"]


class RawTidy(pa.DataFrameModel):
    """Schema of every raw table: one observation per row, traceable to file and row."""

    dataset: Series[str]
    indicator: Series[str] = pa.Field(str_length={"min_value": 1})
    geo: Series[str] = pa.Field(str_length={"min_value": 1})
    geo_label: Series[str] = pa.Field(nullable=True)
    geo_level: Series[str] = pa.Field(isin=list(GEO_LEVELS))
    year: Series[int] = pa.Field(ge=1, le=2100)
    value: Series[float] = pa.Field(nullable=True)
    unit: Series[str]
    flag: Series[str] = pa.Field(nullable=True)
    vintage: Series[str]
    source_file: Series[str]
    source_row: Series[int] = pa.Field(ge=1)

    class Config:
        strict = True
        coerce = True
        ordered = False


class StagedTidy(RawTidy):
    """Schema of every staged table; subclasses add dataset-specific rules."""

    country_iso3: Series[str] = pa.Field(nullable=True, str_matches=r"^[A-Z]{3}$")
    value_raw: Series[float] = pa.Field(nullable=True)
    qc_action: Series[str] = pa.Field(isin=list(QC_ACTIONS))
    qc_rule: Series[str] = pa.Field(nullable=True)

    @pa.dataframe_check(error="duplicate (indicator, geo, year) key")
    @classmethod
    def unique_key(cls, df: pd.DataFrame) -> Series[bool]:
        return ~df.duplicated(["dataset", "indicator", "geo", "year"], keep=False)

    @pa.dataframe_check(
        error="dropped rows must have no value, kept rows keep value_raw unless rescaled"
    )
    @classmethod
    def drop_means_missing(cls, df: pd.DataFrame) -> Series[bool]:
        dropped = df["qc_action"].eq("drop")
        return ~dropped | df["value"].isna()


def empty_raw() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in RAW_COLUMNS})


def to_staged(raw: pd.DataFrame, geo: pd.Series, country_iso3: pd.Series) -> pd.DataFrame:
    """Start a staged frame from a raw one: new geography keys, no rule applied yet."""
    out = raw.copy()
    out["geo"] = geo.to_numpy()
    out["country_iso3"] = country_iso3.to_numpy()
    out["value_raw"] = out["value"].astype("float64")
    out["qc_action"] = "none"
    out["qc_rule"] = pd.Series(pd.NA, index=out.index, dtype="str")
    return out[STAGED_COLUMNS]
