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
from sources.tidy import RAW_COLUMNS

REQUIRED = ("STRUCTURE", "indic_ur", "cities", "TIME_PERIOD", "OBS_VALUE", "OBS_FLAG")
GEO_LABEL_COLUMN = "Geopolitical entity (declaring)"
NUMBER_RE = r"^-?\d+(?:\.\d+)?$"


def read_sdmx_csv(ds: Dataset, name: str, *, units: dict[str, str]) -> pd.DataFrame:
    """Parse one SDMX-CSV 2.0 file; `units` maps each `indic_ur` code to its unit."""
    path = ds.path(name)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except pd.errors.ParserError as exc:
        raise SourceError(f"not a well-formed CSV: {exc}", dataset=ds.id, file=name) from None
    missing_cols = [c for c in (*REQUIRED, GEO_LABEL_COLUMN) if c not in df.columns]
    if missing_cols:
        raise SourceError(
            f"missing SDMX-CSV columns {missing_cols}", dataset=ds.id, file=name, row=1
        )
    line = np.arange(2, len(df) + 2)

    def fail(mask: np.ndarray, column: str, what: str) -> None:
        i = int(np.flatnonzero(mask)[0])
        raise SourceError(
            f"{what}: {df[column].iloc[i]!r}",
            dataset=ds.id,
            file=name,
            row=int(line[i]),
            column=column,
        )

    short = df[list(REQUIRED)].isna().any(axis=1).to_numpy()  # truncated last line
    if short.any():
        fail(short, "OBS_VALUE", "line has too few cells (truncated?)")
    not_df = df["STRUCTURE"].ne("dataflow").to_numpy()
    if not_df.any():
        fail(not_df, "STRUCTURE", "STRUCTURE is not 'dataflow'")
    bad_year = ~df["TIME_PERIOD"].str.match(r"^\d{4}$").to_numpy()
    if bad_year.any():
        fail(bad_year, "TIME_PERIOD", "TIME_PERIOD is not an annual period")
    raw_value = df["OBS_VALUE"].str.strip()
    bad_value = ~(raw_value.eq("") | raw_value.str.match(NUMBER_RE)).to_numpy()
    if bad_value.any():
        fail(bad_value, "OBS_VALUE", "OBS_VALUE is not a number")
    empty = (raw_value.eq("") & df["OBS_FLAG"].eq("")).to_numpy()
    if empty.any():
        fail(empty, "OBS_VALUE", "row has neither a value nor a flag")
    unknown = ~df["indic_ur"].isin(list(units)).to_numpy()
    if unknown.any():
        fail(unknown, "indic_ur", "indicator has no declared unit")
    bad_geo = ~df["cities"].str.match(r"^[A-Z]{2}(?:\d{3}[A-Z])?$").to_numpy()
    if bad_geo.any():
        fail(bad_geo, "cities", "not a Eurostat country or city code")

    geo = df["cities"]
    out = pd.DataFrame(
        {
            "dataset": ds.id,
            "indicator": df["indic_ur"],
            "geo": geo,
            "geo_label": df[GEO_LABEL_COLUMN],
            "geo_level": np.where(geo.str.len().to_numpy() == 2, "country", "city"),
            "year": df["TIME_PERIOD"].astype(int),
            "value": pd.to_numeric(raw_value.replace("", None)).astype("float64"),
            "unit": df["indic_ur"].map(units),
            "flag": df["OBS_FLAG"].replace("", None),
            "vintage": ds.vintage,
            "source_file": name,
            "source_row": line,
        }
    )
    return out[RAW_COLUMNS]
