"""World Bank DataBank CSV export of a bilateral (corridor) database, wide by period.

Layout: UTF-8 with BOM; header `Sending Countries Name, Sending Countries Code, Series Name,
Series Code, Receiving Countries  Name, Receiving Countries  Code` (two spaces, as DataBank
writes them), then one column per period `2011Q1 [YR2011Q1]`; ".." = missing; a footer of
empty rows, "Data from database: …" and "Last Updated: MM/DD/YYYY" (the file's vintage).

DataBank pads the export to the full sending × receiving cross product (5,327 rows, 377
corridors priced). A corridor with ".." in every period was never priced: it is not emitted.
In a priced corridor every period is emitted; ".." becomes a missing value with flag "..",
so staging can record it. The receiving country goes into the indicator
(`<series>.Q<quarter>:<receiving code>`), the sending country is `geo`.
"""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np
import pandas as pd

from sources.catalogue import Dataset
from sources.errors import SourceError
from sources.readers._common import (
    fail_first_cell,
    fail_first_row,
    raw_table,
    read_data_files,
    read_text_table,
    require_final_newline,
    require_header,
    require_rows,
)

ID_COLUMNS = [
    "Sending Countries Name",
    "Sending Countries Code",
    "Series Name",
    "Series Code",
    "Receiving Countries  Name",
    "Receiving Countries  Code",
]
MISSING = ".."
_PERIOD = re.compile(r"^(\d{4})Q([1-4]) \[YR\1Q\2\]$")
_UPDATED = re.compile(r"^Last Updated: (\d{2}/\d{2}/\d{4})$")
_FROM_DB = "Data from database: "


def _footer(ds: Dataset, name: str, wide: pd.DataFrame) -> tuple[int, str]:
    """Number of data rows and the Last Updated date (ISO); the footer must be complete."""
    first = wide.iloc[:, 0]
    starts = np.flatnonzero(first.str.startswith(_FROM_DB).to_numpy())
    updated = first.str.extract(_UPDATED)[0].dropna()
    if len(starts) != 1 or len(updated) != 1:
        raise SourceError(
            'footer "Data from database: …" / "Last Updated: …" missing (truncated file?)',
            dataset=ds.id,
            file=name,
            row=len(wide) + 1,
        )
    blank = wide.eq("").all(axis=1).to_numpy()
    end = int(starts[0])
    while end > 0 and blank[end - 1]:
        end -= 1
    date = datetime.strptime(updated.iat[0], "%m/%d/%Y").date().isoformat()
    return end, date


def read_file(ds: Dataset, name: str, unit: str) -> pd.DataFrame:
    """One DataBank corridor CSV -> raw tidy rows of the priced corridors, in `unit`."""
    wide = read_text_table(ds, name, encoding="utf-8-sig")  # a re-encoded file fails here
    require_final_newline(ds, name, ds.path(name))
    cols = list(wide.columns)
    periods = cols[len(ID_COLUMNS) :]
    parsed = [_PERIOD.match(p) for p in periods]
    if cols[: len(ID_COLUMNS)] != ID_COLUMNS or not periods or not all(parsed):
        require_header(ds, name, cols, [*ID_COLUMNS, "<YYYYQn [YRYYYYQn]> …"])
    n, vintage = _footer(ds, name, wide)
    body = wide.iloc[:n]
    require_rows(ds, name, body)
    no_code = body["Sending Countries Code"].eq("") | body["Receiving Countries  Code"].eq("")
    fail_first_row(ds, name, no_code, "corridor row without a country code", column=ID_COLUMNS[1])
    cells = body[periods]
    values = cells.apply(pd.to_numeric, errors="coerce")
    fail_first_cell(
        ds,
        name,
        values.isna() & cells.ne(MISSING),
        "neither a number nor '..': {cell}",
        cells=cells,
    )
    priced = values.notna().any(axis=1).to_numpy()
    vals = values.to_numpy(dtype="float64")[priced]
    n_rows, n_cols = vals.shape
    ri, cj = np.repeat(np.arange(n_rows), n_cols), np.tile(np.arange(n_cols), n_rows)
    b = body[priced]
    year = np.array([int(m.group(1)) for m in parsed])[cj]
    quarter = np.array([m.group(2) for m in parsed], dtype=object)[cj]
    series = b["Series Code"].to_numpy()[ri]
    receiving = b["Receiving Countries  Code"].to_numpy()[ri]
    value = vals.ravel()
    return raw_table(
        ds,
        name,
        vintage=vintage,
        indicator=series + ".Q" + quarter + ":" + receiving,
        geo=b["Sending Countries Code"].to_numpy()[ri],
        geo_label=b["Sending Countries Name"].to_numpy()[ri],
        geo_level="country",
        year=year,
        value=value,
        unit=unit,
        flag=pd.Series(np.where(np.isnan(value), MISSING, None), dtype="str"),
        source_row=np.flatnonzero(priced)[ri] + 2,  # header is line 1
    )


def read(ds: Dataset, unit: str) -> pd.DataFrame:
    """Every data file; `unit` is the series' unit (DataBank series names carry none)."""
    return read_data_files(ds, read_file, unit)
