"""The hand-compiled MIPEX table: `countries;mipex`, one overall score (0–100) per country.

The file carries no year or edition. Its README dates the values to MIPEX III (2010), not
verified against the publisher; we record year 2010 and say so in unit and flag, so that
nobody mistakes it for a dated publisher observation.
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

HEADER = ["countries", "mipex"]
ASSUMED_YEAR = 2010  # MIPEX III, per the dataset README; not stated in the file
INDICATOR = "MIPEX_OVERALL"
UNIT = "score 0-100 (MIPEX III overall; year 2010 assumed, not stated in the file)"
FLAG = "year_assumed_2010"


def read_file(ds: Dataset, name: str) -> pd.DataFrame:
    require_final_newline(ds, name, ds.path(name))
    raw = read_text_table(ds, name, sep=";", index_col=False)
    require_header(ds, name, raw.columns, HEADER)
    require_rows(ds, name, raw)
    raw["countries"] = raw["countries"].str.strip()
    score = pd.to_numeric(raw["mipex"].str.strip(), errors="coerce")
    for column, bad in (("countries", raw["countries"].eq("")), ("mipex", score.isna())):
        fail_first_row(
            ds, name, bad, "empty or unparsable cell {cell}", column=column, cells=raw[column]
        )
    return raw_table(
        ds,
        name,
        indicator=INDICATOR,
        geo=raw["countries"],
        geo_label=raw["countries"],
        geo_level="country",
        year=ASSUMED_YEAR,
        value=score.astype("float64"),
        unit=UNIT,
        flag=FLAG,
        source_row=np.arange(len(raw)) + 2,
    )


def read(ds: Dataset) -> pd.DataFrame:
    return read_data_files(ds, read_file)
