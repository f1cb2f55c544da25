"""World Bank Group–LinkedIn talent migration, country pairs (`country_migration_public.csv`).

Layout: UTF-8 with BOM, one header line, one row per (base, target) country pair: lower-case
ISO alpha-2 codes, names, centroids, World Bank income and region of both countries, then
`net_per_10K_2015` … `net_per_10K_2019`, then 9 unnamed, empty columns on every row (the file
was re-saved by a spreadsheet; any number of them, including none, is accepted and recorded). The last line has no line break, so a cut file is detected by
a row that lacks its trailing columns, not by a missing newline.

Raw layout (bilateral): `geo` = base country code as published, `indicator` =
`net_per_10k:<target code>`; value = net arrivals into the base country from the target
country per 10,000 LinkedIn members in the base country (positive = talent gain).
`flag` records the trailing empty columns, which staging turns into a named rule.
Centroids, income and region columns are not staged (other sources hold them).
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from sources.catalogue import Dataset
from sources.readers._common import (
    FIRST_DATA_ROW,
    fail_first_cell,
    fail_first_row,
    raw_table,
    read_data_files,
    read_text_table,
    require_header,
    require_rows,
    undecodable,
)

SIDE = ["country_code", "country_name", "lat", "long", "country_wb_income", "country_wb_region"]
ID_COLUMNS = [*(f"base_{c}" for c in SIDE), *(f"target_{c}" for c in SIDE)]
YEARS = list(range(2015, 2020))
INDICATOR = "net_per_10k"
UNIT = "net arrivals per 10,000 LinkedIn members of the base country"
TRAILING_FLAG = " trailing empty columns"


def trailing_flag(n: int) -> str:
    """The raw `flag` of a row that carries `n` unnamed empty columns after the data."""
    return f"{n}{TRAILING_FLAG}"


MAX_ABS = 10_000.0  # a net flow cannot exceed the members it is counted per


def _text(ds: Dataset, name: str) -> str:
    data = ds.path(name).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise undecodable(ds, name, data, "utf-8-sig") from None


def read_file(ds: Dataset, name: str) -> pd.DataFrame:
    wide = read_text_table(ds, name, encoding="utf-8-sig", header=None, skip_blank_lines=False)
    header = wide.iloc[0].tolist()
    years = [f"net_per_10K_{y}" for y in YEARS]
    n_trailing = len(header) - len(ID_COLUMNS) - len(years)
    require_header(ds, name, header, [*ID_COLUMNS, *years, *[""] * max(n_trailing, 0)])
    body = wide.iloc[1:].reset_index(drop=True)
    body.columns = [*ID_COLUMNS, *years, *range(n_trailing)]
    require_rows(ds, name, body)
    fields = np.array([len(r) for r in csv.reader(io.StringIO(_text(ds, name)))][1:])
    fail_first_row(  # pandas pads a short (cut) row with ""
        ds,
        name,
        fields != len(header),
        f"row does not have the header's {len(header)} fields (truncated?)",
    )
    trailing = body[list(range(n_trailing))]
    fail_first_cell(
        ds,
        name,
        trailing.ne(""),
        "trailing column expected empty, holds {cell}",
        cells=trailing,
        column_name=lambda j: f"trailing column {int(j) + 1}",
    )
    for side in ("base_country_code", "target_country_code"):
        fail_first_row(
            ds,
            name,
            ~body[side].str.fullmatch(r"[a-z]{2}"),
            "not a lower-case two-letter country code: {cell}",
            column=side,
            cells=body[side],
        )
    cells = body[years]
    values = cells.apply(pd.to_numeric, errors="coerce")
    fail_first_cell(ds, name, values.isna(), "not a number: {cell}", cells=cells)
    fail_first_cell(
        ds,
        name,
        values.abs().gt(MAX_ABS),
        f"net flow {{cell}} beyond +/-{MAX_ABS:,.0f} per 10,000 members",
        cells=cells,
    )
    n_rows, n_cols = values.shape
    ri, cj = np.repeat(np.arange(n_rows), n_cols), np.tile(np.arange(n_cols), n_rows)
    target = body["target_country_code"].to_numpy(dtype=object)
    return raw_table(
        ds,
        name,
        indicator=INDICATOR + ":" + target[ri],
        geo=body["base_country_code"].to_numpy(dtype=object)[ri],
        geo_label=body["base_country_name"].to_numpy(dtype=object)[ri],
        geo_level="country",
        year=np.asarray(YEARS, dtype="int64")[cj],
        value=values.to_numpy(dtype="float64").ravel(),
        unit=UNIT,
        flag=trailing_flag(n_trailing) if n_trailing else None,
        source_row=(FIRST_DATA_ROW + ri).astype("int64"),
    )


def read(ds: Dataset) -> pd.DataFrame:
    return read_data_files(ds, read_file)
