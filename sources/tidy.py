"""The tidy long layout every reader emits, and the pandera models generated for it.

Raw tables keep the publisher's own geography key and values; staged tables key countries
by ISO3 and cities by their statistical code, and carry the quality rule applied to each row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import TypeVar

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from dividend.xml_text import XML_FORBIDDEN
from sources.row_checks import row_check

RowWise = TypeVar("RowWise", pd.Series, pd.DataFrame)
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
# Larger than any statistic a publisher reports (world GDP in US$ is ~1e14): 1e308 is a
# corrupted cell, not a value. Non-finite values (inf) are refused outright.
MAX_ABS_VALUE = 1e16
# Characters XML 1.0 forbids (dividend.xml_text, one definition): a release cannot carry
# them into XLSX, so a source string with one is refused.
_XML_FORBIDDEN_RE = re.compile(XML_FORBIDDEN)
# The same rules as SQL predicates, true for a failing non-NULL cell ({c}: the quoted column),
# for the stored-table checks in DuckDB (sources.schema_checks). DuckDB text is valid UTF-8,
# so it cannot hold a lone surrogate; NaN is no failure, as in pandas.
XML_FORBIDDEN_SQL = r"regexp_matches({c}, '[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]')"
MAGNITUDE_SQL = f"NOT isnan({{c}}) AND (isinf({{c}}) OR abs({{c}}) > {MAX_ABS_VALUE!r})"
TEXT_COLUMNS = ("indicator", "geo", "geo_label", "unit", "flag", "vintage", "source_file")


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

    @pa.check(
        "value",
        name="finite_and_plausible_magnitude",
        error=f"value is inf or |value| > {MAX_ABS_VALUE:g}",
        statistics={"sql_failing": MAGNITUDE_SQL},
    )
    @classmethod
    def finite_value(cls, s: Series[float]) -> Series[bool]:
        return s.isna() | (np.isfinite(s) & s.abs().le(MAX_ABS_VALUE))

    @pa.check(
        *TEXT_COLUMNS,
        name="no_xml_forbidden_characters",
        error="control character or U+FFFE/U+FFFF",
        statistics={"sql_failing": XML_FORBIDDEN_SQL},
    )
    @classmethod
    def xml_safe_text(cls, s: Series[str]) -> Series[bool]:
        # One regex scan over the column's distinct strings (newline, which is allowed, joins
        # them) instead of a Python call per cell; only a column that has a hit is checked
        # cell by cell, to mark the failing rows.
        text = s.astype("str")
        distinct = pd.unique(text.dropna().to_numpy())
        if not _XML_FORBIDDEN_RE.search("\n".join(distinct)):
            return pd.Series(True, index=s.index)
        return s.isna() | ~text.str.contains(XML_FORBIDDEN, regex=True)


@cache
def raw_model(first_year: int, last_year: int) -> type[RawTidy]:
    """RawTidy with the years restricted to the publisher's coverage (catalogue `years`)."""

    @pa.check(
        "year",
        name=f"year_within_coverage_{first_year}_{last_year}",
        statistics={"sql_failing": f"{{c}} NOT BETWEEN {first_year} AND {last_year}"},
    )
    @classmethod
    def year_within_coverage(cls, s: Series[int]) -> Series[bool]:
        return s.between(first_year, last_year)

    return type(
        f"RawTidy_{first_year}_{last_year}",
        (RawTidy,),
        {"__doc__": RawTidy.__doc__, "year_within_coverage": year_within_coverage},
    )


class StagedTidy(RawTidy):
    """Schema of every staged table; subclasses add dataset-specific rules."""

    country_iso3: Series[str] = pa.Field(nullable=True, str_matches=r"^[A-Z]{3}$")
    value_raw: Series[float] = pa.Field(nullable=True)
    qc_action: Series[str] = pa.Field(isin=list(QC_ACTIONS))
    qc_rule: Series[str] = pa.Field(nullable=True)

    @row_check(error="duplicate (indicator, geo, year) key")
    @classmethod
    def unique_key(cls, df: pd.DataFrame) -> Series[bool]:
        return ~df.duplicated(["dataset", "indicator", "geo", "year"], keep=False)

    @row_check(error="dropped rows must have no value, kept rows keep value_raw unless rescaled")
    @classmethod
    def drop_means_missing(cls, df: pd.DataFrame) -> Series[bool]:
        dropped = df["qc_action"].eq("drop")
        return ~dropped | df["value"].isna()


def per_distinct(s: pd.Series, fn: Callable[[pd.Series], RowWise]) -> RowWise:
    """`fn(s)` for an element-wise `fn` (a Series or, like `.str.extract`, a frame with a row
    per element), evaluated once per distinct value (missing included): a code column that
    repeats a few thousand strings over 250,000 rows costs a few thousand Python-level string
    calls instead of 250,000. Same values, dtypes and index as `fn(s)`."""
    codes, uniques = pd.factorize(s, use_na_sentinel=False)
    out = fn(pd.Series(uniques, dtype=s.dtype, name=s.name))
    return out.take(codes).set_axis(s.index)


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
