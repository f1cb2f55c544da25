"""Eurostat SDMX-CSV 1.0 with labels instead of codes (Data Browser, `label=label_only`).

Wire format: comma-separated with a header `DATAFLOW, LAST UPDATE, <dimensions…>,
TIME_PERIOD, OBS_VALUE, OBS_FLAG, CONF_STATUS`; every dimension cell is the label
("Foreign country", "Euro area – 20 countries (from 2023)"), not the code. Flags stay codes.

Labels are not keys, so each dataset gives the code of every label it accepts
(`dimensions`), and an unknown label fails at its row and column instead of becoming a new
series. The indicator is the dataflow id followed by the codes (`HLTH_SILC_24.T.Y_GE16.FOR.VG`).
The geography keeps its label; staging maps it to ISO3 or to a listed aggregate.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from sources.catalogue import Dataset
from sources.errors import SourceError
from sources.geography.countries import is_aggregate_name
from sources.readers._common import (
    fail_first_row,
    raw_table,
    read_text_table,
    require_final_newline,
    require_rows,
)
from sources.readers.eurostat_sdmx_csv import DATAFLOW_RE, observations

LEADING = ["DATAFLOW", "LAST UPDATE", "freq"]
TRAILING = ["TIME_PERIOD", "OBS_VALUE", "OBS_FLAG", "CONF_STATUS"]
NOT_INDICATOR = {"unit", "geo"}  # dimension columns that are not part of the indicator


def read_sdmx_csv_labels(
    ds: Dataset,
    name: str,
    *,
    dimensions: dict[str, dict[str, str]],
    units: dict[str, str],
) -> pd.DataFrame:
    """Parse one file; `dimensions` maps column -> {label: code}, `units` unit label -> unit."""
    df = read_text_table(ds, name, na_filter=False)
    require_final_newline(ds, name, ds.path(name, verify=False))  # cut mid-line still parses
    columns = list(df.columns)
    dims = columns[len(LEADING) : len(columns) - len(TRAILING)]
    if columns[: len(LEADING)] != LEADING or columns[-len(TRAILING) :] != TRAILING:
        raise SourceError(
            f"header {columns} is not SDMX-CSV 1.0: expected {LEADING} … {TRAILING}",
            dataset=ds.id,
            file=name,
            row=1,
        )
    missing = [c for c in ("unit", "geo") if c not in dims]
    unmapped = [c for c in dims if c not in NOT_INDICATOR and c not in dimensions]
    if missing or unmapped:
        raise SourceError(
            f"dimension columns missing {missing} or without a label table {unmapped}",
            dataset=ds.id,
            file=name,
            row=1,
        )

    require_rows(ds, name, df)

    def fail(mask: pd.Series | np.ndarray, column: str, what: str) -> None:
        fail_first_row(ds, name, mask, what + ": {cell}", column=column, cells=df[column])

    fail(df[columns].isna().any(axis=1), columns[-1], "line has too few cells (truncated?)")
    dataflow = df["DATAFLOW"].str.extract(DATAFLOW_RE)["id"].str.replace(r"\$.*$", "", regex=True)
    fail(dataflow.isna(), "DATAFLOW", "DATAFLOW is not 'AGENCY:FLOW(version)'")
    fail(df["freq"].ne("Annual"), "freq", "not an annual series")
    updated = pd.to_datetime(df["LAST UPDATE"], format="%d/%m/%y %H:%M:%S", errors="coerce")
    fail(updated.isna(), "LAST UPDATE", "LAST UPDATE is not 'dd/mm/yy HH:MM:SS'")
    fail(updated.ne(updated.iloc[0]), "LAST UPDATE", "file mixes several LAST UPDATE dates")
    year, value, flag = observations(ds, name, df)
    fail(~df["unit"].isin(list(units)), "unit", "unit label has no declared unit")

    indicator = dataflow
    for col in (c for c in dims if c not in NOT_INDICATOR):
        code = df[col].map(dimensions[col])
        fail(code.isna(), col, f"label without a code in the {col!r} table")
        indicator = indicator + "." + code

    geo = df["geo"]
    fail(geo.str.strip().eq(""), "geo", "empty geography label")
    return raw_table(
        ds,
        name,
        vintage=datetime.strftime(updated.iloc[0], "%Y-%m-%d"),
        indicator=indicator,
        geo=geo,
        geo_label=geo,
        geo_level=np.where(is_aggregate_name(geo), "aggregate", "country"),
        year=year,
        value=value,
        unit=df["unit"].map(units),
        flag=flag,
        source_row=np.arange(2, len(df) + 2),
    )
