"""OECD data.oecd.org "DP_LIVE" CSV export: one row per location-year, already long.

Header (quoted, UTF-8 with BOM): LOCATION, INDICATOR, SUBJECT, MEASURE, FREQUENCY, TIME,
Value, Flag Codes. LOCATION is ISO3 for countries; OECD group codes (OECD, EU28, …) are
aggregates. The indicator key is INDICATOR.SUBJECT.MEASURE (e.g. FBORNPOP.TOT.PC_POP).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sources.catalogue import Dataset
from sources.errors import SourceError
from sources.readers.text_checks import require_final_newline
from sources.tidy import RAW_COLUMNS

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


def _fail(
    ds: Dataset, name: str, mask: pd.Series, column: str, what: str, cells: pd.Series
) -> None:
    if mask.any():
        i = int(np.flatnonzero(mask.to_numpy())[0])
        raise SourceError(
            f"{what}: {cells.iloc[i]!r}", dataset=ds.id, file=name, row=i + 2, column=column
        )


def read_file(ds: Dataset, name: str) -> pd.DataFrame:
    path = ds.path(name)
    require_final_newline(ds, name, path)
    raw = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False, index_col=False)
    if list(raw.columns) != HEADER:
        raise SourceError(
            f"unexpected header {list(raw.columns)}; expected {HEADER}",
            dataset=ds.id,
            file=name,
            row=1,
        )
    if raw.empty:
        raise SourceError("no data rows after the header", dataset=ds.id, file=name)
    value = pd.to_numeric(raw["Value"], errors="coerce")
    year = pd.to_numeric(raw["TIME"], errors="coerce")
    _fail(ds, name, value.isna(), "Value", "missing or unparsable number", raw["Value"])
    _fail(ds, name, year.isna() | (year % 1 != 0), "TIME", "unparsable annual TIME", raw["TIME"])
    _fail(ds, name, raw["LOCATION"].eq(""), "LOCATION", "empty LOCATION", raw["LOCATION"])
    _fail(
        ds,
        name,
        raw["FREQUENCY"].ne("A"),
        "FREQUENCY",
        "only annual (A) data is supported",
        raw["FREQUENCY"],
    )
    unit = raw["MEASURE"].map(MEASURE_UNITS)
    _fail(ds, name, unit.isna(), "MEASURE", "unknown MEASURE (add its unit)", raw["MEASURE"])
    out = pd.DataFrame(
        {
            "dataset": ds.id,
            "indicator": raw["INDICATOR"] + "." + raw["SUBJECT"] + "." + raw["MEASURE"],
            "geo": raw["LOCATION"],
            "geo_label": pd.Series(pd.NA, index=raw.index, dtype="str"),
            "geo_level": np.where(
                raw["LOCATION"].isin(AGGREGATE_LOCATIONS), "aggregate", "country"
            ),
            "year": year.astype("int64"),
            "value": value.astype("float64"),
            "unit": unit,
            "flag": raw["Flag Codes"].mask(raw["Flag Codes"].eq("")).astype("str"),
            "vintage": ds.vintage,
            "source_file": name,
            "source_row": np.arange(len(raw)) + 2,
        }
    )
    return out[RAW_COLUMNS]


def read(ds: Dataset) -> pd.DataFrame:
    return pd.concat([read_file(ds, f.name) for f in ds.data_files()], ignore_index=True)
