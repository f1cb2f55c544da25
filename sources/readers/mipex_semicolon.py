"""The hand-compiled MIPEX table: `countries;mipex`, one overall score (0–100) per country.

The file carries no year or edition. Its README dates the values to MIPEX III (2010), not
verified against the publisher; we record year 2010 and say so in unit and flag, so that
nobody mistakes it for a dated publisher observation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sources.catalogue import Dataset
from sources.errors import SourceError
from sources.readers.text_checks import require_final_newline
from sources.tidy import RAW_COLUMNS

HEADER = ["countries", "mipex"]
ASSUMED_YEAR = 2010  # MIPEX III, per the dataset README; not stated in the file
INDICATOR = "MIPEX_OVERALL"
UNIT = "score 0-100 (MIPEX III overall; year 2010 assumed, not stated in the file)"
FLAG = "year_assumed_2010"


def read_file(ds: Dataset, name: str) -> pd.DataFrame:
    path = ds.path(name)
    require_final_newline(ds, name, path)
    raw = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, index_col=False)
    if list(raw.columns) != HEADER:
        raise SourceError(
            f"unexpected header {list(raw.columns)}; expected {HEADER}",
            dataset=ds.id,
            file=name,
            row=1,
        )
    if raw.empty:
        raise SourceError("no data rows after the header", dataset=ds.id, file=name)
    raw["countries"] = raw["countries"].str.strip()
    score = pd.to_numeric(raw["mipex"].str.strip(), errors="coerce")
    for column, bad in (("countries", raw["countries"].eq("")), ("mipex", score.isna())):
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise SourceError(
                f"empty or unparsable cell {raw[column].iat[i]!r}",
                dataset=ds.id,
                file=name,
                row=i + 2,
                column=column,
            )
    out = pd.DataFrame(
        {
            "dataset": ds.id,
            "indicator": INDICATOR,
            "geo": raw["countries"],
            "geo_label": raw["countries"],
            "geo_level": "country",
            "year": ASSUMED_YEAR,
            "value": score.astype("float64"),
            "unit": UNIT,
            "flag": FLAG,
            "vintage": ds.vintage,
            "source_file": name,
            "source_row": np.arange(len(raw)) + 2,
        }
    )
    return out[RAW_COLUMNS]


def read(ds: Dataset) -> pd.DataFrame:
    return pd.concat([read_file(ds, f.name) for f in ds.data_files()], ignore_index=True)
