"""OECD data.oecd.org "DP_LIVE" CSV export: one row per location-year, already long.

Header (quoted, UTF-8 with BOM): LOCATION, INDICATOR, SUBJECT, MEASURE, FREQUENCY, TIME,
Value, Flag Codes. LOCATION is ISO3 for countries; OECD group codes (OECD, EU28, …) are
aggregates. The indicator key is INDICATOR.SUBJECT.MEASURE (e.g. FBORNPOP.TOT.PC_POP).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sources.catalogue import Dataset
from sources.readers._common import (
    fail_first_row,
    raw_table,
    read_data_files,
    read_text_table,
    require_final_newline,
    require_header,
    require_rows,
)

HEADER = ["LOCATION", "INDICATOR", "SUBJECT", "MEASURE", "FREQUENCY", "TIME", "Value", "Flag Codes"]
# OECD DP_LIVE group locations (not countries).
AGGREGATE_LOCATIONS = frozenset(
    {
        "OECD",
        "OECDE",
        "OAVG",
        "EU",
        "EU27",
        "EU27_2020",
        "EU28",
        "EA",
        "EA19",
        "EU15",
        "G7",
        "G20",
        "WLD",
    }
)
MEASURE_UNITS = {"PC_POP": "% of population", "THND_PER": "thousand persons"}


def read_file(ds: Dataset, name: str) -> pd.DataFrame:
    require_final_newline(ds, name, ds.path(name))
    raw = read_text_table(ds, name, encoding="utf-8-sig", index_col=False)
    require_header(ds, name, raw.columns, HEADER)
    require_rows(ds, name, raw)
    value = pd.to_numeric(raw["Value"], errors="coerce")
    year = pd.to_numeric(raw["TIME"], errors="coerce")
    unit = raw["MEASURE"].map(MEASURE_UNITS)
    for column, bad, what in (
        ("Value", value.isna(), "missing or unparsable number"),
        ("TIME", year.isna() | (year % 1 != 0), "unparsable annual TIME"),
        ("LOCATION", raw["LOCATION"].eq(""), "empty LOCATION"),
        ("FREQUENCY", raw["FREQUENCY"].ne("A"), "only annual (A) data is supported"),
        ("MEASURE", unit.isna(), "unknown MEASURE (add its unit)"),
    ):
        fail_first_row(ds, name, bad, what + ": {cell}", column=column, cells=raw[column])
    return raw_table(
        ds,
        name,
        indicator=raw["INDICATOR"] + "." + raw["SUBJECT"] + "." + raw["MEASURE"],
        geo=raw["LOCATION"],
        geo_label=pd.Series(pd.NA, index=raw.index, dtype="str"),
        geo_level=np.where(raw["LOCATION"].isin(AGGREGATE_LOCATIONS), "aggregate", "country"),
        year=year.astype("int64"),
        value=value.astype("float64"),
        unit=unit,
        flag=raw["Flag Codes"].mask(raw["Flag Codes"].eq("")).astype("str"),
        source_row=np.arange(len(raw)) + 2,
    )


def read(ds: Dataset) -> pd.DataFrame:
    return read_data_files(ds, read_file)
