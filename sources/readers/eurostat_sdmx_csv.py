"""SDMX-CSV 2.0 "with labels" (`labels=both`): Eurostat Data Browser and OECD Data Explorer.

Wire format: comma-separated with a header; `STRUCTURE` (`dataflow`, OECD writes `DATAFLOW`)
and `STRUCTURE_ID` (`ESTAT:LFSA_ERGAN(1.0)`) name the dataflow; each coded dimension column
is followed by its label column (`cities`, `Geopolitical entity (declaring)`); the observation
is `OBS_VALUE`, its flag `OBS_FLAG` (Eurostat) or `OBS_STATUS` (OECD, `A` = normal value),
its confidentiality `CONF_STATUS` (`C`/`D`/`N` become flag letter `c`), and an OECD
`UNIT_MULT` other than 0 (a power of ten) is refused rather than guessed. Rows with a flag and
no value are kept (value missing) so staging can record them; rows with neither are not
observations and are not expected in these exports.

Which columns make a dataset's indicator, unit and geography is its `SdmxLayout`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sources.catalogue import Dataset
from sources.errors import SourceError
from sources.readers._common import (
    fail_first_row,
    raw_table,
    read_text_table,
    require_final_newline,
    require_rows,
)

NUMBER_RE = r"^-?\d+(?:\.\d+)?$"
DATAFLOW = "dataflow"  # pseudo-column: the dataflow id of STRUCTURE_ID (`LFSA_ERGAN`)
DATAFLOW_RE = r"^[A-Z0-9_.]+:(?P<id>[A-Za-z0-9_@$]+)\([0-9.]+\)$"
CONFIDENTIAL = ("C", "D", "N")  # SDMX CONF_STATUS: confidential, secondary, not for publication


def _city_or_country(geo: pd.Series) -> np.ndarray:
    return np.where(geo.str.len().to_numpy() == 2, "country", "city")


@dataclass(frozen=True)
class SdmxLayout:
    indicator: tuple[str, ...]  # code columns joined with "." (DATAFLOW for the dataflow id)
    unit_key: str  # the code column (or DATAFLOW) whose value selects the unit
    geo: str  # code column of the geography
    geo_label: str  # its label column
    geo_pattern: str  # every geography code must match
    geo_level: Callable[[pd.Series], np.ndarray] = _city_or_country
    flag: str = "OBS_FLAG"
    normal_flags: tuple[str, ...] = ()  # status codes that mean "no flag" (OECD `A`)


def observations(
    ds: Dataset, name: str, df: pd.DataFrame, *, flag: str = "OBS_FLAG", normal: tuple = ()
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(year, value, flag) of every SDMX-CSV row (1.0 or 2.0): annual periods, numbers or
    empty values, flags with `normal` codes removed and `c` added for a confidential
    CONF_STATUS; a row with neither value nor flag fails."""

    def fail(mask: pd.Series, column: str, what: str) -> None:
        fail_first_row(ds, name, mask, what + ": {cell}", column=column, cells=df[column])

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
    letters = df[flag].str.strip().mask(df[flag].isin(normal), "")
    if "CONF_STATUS" in df.columns:
        letters = letters + np.where(df["CONF_STATUS"].isin(CONFIDENTIAL), "c", "")
    fail(raw_value.eq("") & letters.eq(""), "OBS_VALUE", "row has neither a value nor a flag")
    return (
        df["TIME_PERIOD"].astype(int),
        pd.to_numeric(raw_value.replace("", None)).astype("float64"),
        letters.replace("", None),
    )


URBAN_AUDIT = SdmxLayout(
    indicator=("indic_ur",),
    unit_key="indic_ur",
    geo="cities",
    geo_label="Geopolitical entity (declaring)",
    geo_pattern=r"^[A-Z]{2}(?:\d{3}[A-Z])?$",
)


def read_sdmx_csv(
    ds: Dataset, name: str, *, units: dict[str, str], layout: SdmxLayout = URBAN_AUDIT
) -> pd.DataFrame:
    """Parse one SDMX-CSV 2.0 file; `units` maps each value of `layout.unit_key` to its unit."""
    df = read_text_table(ds, name, na_filter=False)
    require_final_newline(ds, name, ds.path(name, verify=False))  # cut mid-line still parses
    dims = [c for c in (*layout.indicator, layout.unit_key, layout.geo) if c != DATAFLOW]
    required = list(
        dict.fromkeys(["STRUCTURE", "STRUCTURE_ID", *dims, "TIME_PERIOD", "OBS_VALUE", layout.flag])
    )
    missing_cols = [c for c in (*required, layout.geo_label) if c not in df.columns]
    if missing_cols:
        raise SourceError(
            f"missing SDMX-CSV columns {missing_cols}", dataset=ds.id, file=name, row=1
        )

    require_rows(ds, name, df)

    def fail(mask: pd.Series, column: str, what: str) -> None:
        fail_first_row(ds, name, mask, what + ": {cell}", column=column, cells=df[column])

    fail(df[required].isna().any(axis=1), "OBS_VALUE", "line has too few cells (truncated?)")
    fail(df["STRUCTURE"].str.lower().ne("dataflow"), "STRUCTURE", "STRUCTURE is not 'dataflow'")
    dataflow = df["STRUCTURE_ID"].str.extract(DATAFLOW_RE)["id"]
    fail(dataflow.isna(), "STRUCTURE_ID", "STRUCTURE_ID is not 'AGENCY:FLOW(version)'")
    year, value, flag = observations(ds, name, df, flag=layout.flag, normal=layout.normal_flags)
    if "UNIT_MULT" in df.columns:
        fail(~df["UNIT_MULT"].isin(["", "0"]), "UNIT_MULT", "unit multiplier is not 0")
    column = lambda c: dataflow if c == DATAFLOW else df[c]  # noqa: E731
    fail(
        ~column(layout.unit_key).isin(list(units)),
        "STRUCTURE_ID" if layout.unit_key == DATAFLOW else layout.unit_key,
        "indicator has no declared unit",
    )
    fail(
        ~df[layout.geo].str.match(layout.geo_pattern),
        layout.geo,
        "not a geography code of this dataset",
    )
    indicator = column(layout.indicator[0])
    for c in layout.indicator[1:]:
        indicator = indicator + "." + column(c)

    geo = df[layout.geo]
    return raw_table(
        ds,
        name,
        indicator=indicator,
        geo=geo,
        geo_label=df[layout.geo_label],
        geo_level=layout.geo_level(geo),
        year=year,
        value=value,
        unit=column(layout.unit_key).map(units),
        flag=flag,
        source_row=np.arange(2, len(df) + 2),
    )
