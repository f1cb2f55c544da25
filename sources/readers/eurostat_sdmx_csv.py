"""Eurostat SDMX-CSV 2.0 "with labels" (Data Browser linear export, `labels=both`).

Wire format: comma-separated with a header; each coded dimension column is followed by its
label column (`cities`, `Geopolitical entity (declaring)`); the observation is `OBS_VALUE`,
its flag `OBS_FLAG`. Rows with a flag and no value are kept (value missing) so staging can
record them; rows with neither are not observations and are not expected in these exports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sources.catalogue import Dataset
from sources.errors import SourceError
from sources.readers._common import fail_first_row, raw_table, read_text_table

REQUIRED = ("STRUCTURE", "indic_ur", "cities", "TIME_PERIOD", "OBS_VALUE", "OBS_FLAG")
GEO_LABEL_COLUMN = "Geopolitical entity (declaring)"
NUMBER_RE = r"^-?\d+(?:\.\d+)?$"


def read_sdmx_csv(ds: Dataset, name: str, *, units: dict[str, str]) -> pd.DataFrame:
    """Parse one SDMX-CSV 2.0 file; `units` maps each `indic_ur` code to its unit."""
    df = read_text_table(ds, name, na_filter=False)
    missing_cols = [c for c in (*REQUIRED, GEO_LABEL_COLUMN) if c not in df.columns]
    if missing_cols:
        raise SourceError(
            f"missing SDMX-CSV columns {missing_cols}", dataset=ds.id, file=name, row=1
        )

    def fail(mask: pd.Series, column: str, what: str) -> None:
        fail_first_row(ds, name, mask, what + ": {cell}", column=column, cells=df[column])

    fail(df[list(REQUIRED)].isna().any(axis=1), "OBS_VALUE", "line has too few cells (truncated?)")
    fail(df["STRUCTURE"].ne("dataflow"), "STRUCTURE", "STRUCTURE is not 'dataflow'")
    fail(
        ~df["TIME_PERIOD"].str.match(r"^\d{4}$"),
        "TIME_PERIOD",
        "TIME_PERIOD is not an annual period",
    )
    raw_value = df["OBS_VALUE"].str.strip()
    fail(
        ~(raw_value.eq("") | raw_value.str.match(NUMBER_RE)),
        "OBS_VALUE",
        "OBS_VALUE is not a number",
    )
    fail(
        raw_value.eq("") & df["OBS_FLAG"].eq(""), "OBS_VALUE", "row has neither a value nor a flag"
    )
    fail(~df["indic_ur"].isin(list(units)), "indic_ur", "indicator has no declared unit")
    fail(
        ~df["cities"].str.match(r"^[A-Z]{2}(?:\d{3}[A-Z])?$"),
        "cities",
        "not a Eurostat country or city code",
    )

    geo = df["cities"]
    return raw_table(
        ds,
        name,
        indicator=df["indic_ur"],
        geo=geo,
        geo_label=df[GEO_LABEL_COLUMN],
        geo_level=np.where(geo.str.len().to_numpy() == 2, "country", "city"),
        year=df["TIME_PERIOD"].astype(int),
        value=pd.to_numeric(raw_value.replace("", None)).astype("float64"),
        unit=df["indic_ur"].map(units),
        flag=df["OBS_FLAG"].replace("", None),
        source_row=np.arange(2, len(df) + 2),
    )
