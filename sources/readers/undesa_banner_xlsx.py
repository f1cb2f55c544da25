"""UN DESA International Migrant Stock 2020 "Destination" workbook, Tables 1–6.

Each data sheet has a 10-row banner; row 8 names the column blocks (both sexes / males /
females, or refugees / % of stock / rate of change), row 11 is the header: index, name,
Notes, Location code (UN M49), Type of data, then one column per year (or 5-year period).
Publisher markers: ".." = not available, "~" = suppressed for privacy (< 5 persons); any
other text in a value cell is an error. M49 codes >= 900 are aggregates; aggregate 927
(Australia and New Zealand) appears twice per sheet, as the publisher laid it out.

The indicator codes are ours (the publisher has none) and start with the table number, so
a (source_file, indicator, source_row) triple points at one sheet cell. Periods "1990-1995"
are keyed by their end year; the unit says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from sources.catalogue import Dataset
from sources.errors import SourceError
from sources.geography.countries import AGGREGATE_M49_MIN
from sources.readers._common import raw_table, read_data_files, workbook_path

BLOCK_ROW = 8  # 1-based sheet row with the block titles
HEADER_ROW = 11  # 1-based sheet row with the column header
ID_HEADER = ["Region, development group, country or area", "Notes", "Location code", "Type of data"]
MISSING_MARKERS = {"..": "..", "~": "~"}  # publisher marker -> flag
PERIOD = "% per year over the 5 years ending 1 July of `year`"

# sheet -> block title (row 8) -> (indicator, unit)
BLOCKS: dict[str, dict[str, tuple[str, str]]] = {
    "Table 1": {
        "International migrant stock at mid-year, both sexes combined": (
            "T1.STOCK.BOTH",
            "persons",
        ),
        "International migrant stock at mid-year, males": ("T1.STOCK.MALE", "persons"),
        "International migrant stock at mid-year, females": ("T1.STOCK.FEMALE", "persons"),
    },
    "Table 2": {
        "Total population at mid-year, both sexes combined (thousands)": (
            "T2.POP.BOTH",
            "thousand persons",
        ),
        "Total population at mid-year, males (thousands)": ("T2.POP.MALE", "thousand persons"),
        "Total population at mid-year, females (thousands)": ("T2.POP.FEMALE", "thousand persons"),
    },
    "Table 3": {
        "International migrant stock as a percentage of the total population, both sexes combined": (
            "T3.STOCK_PCT_POP.BOTH",
            "% of total population",
        ),
        "International migrant stock as a percentage of the total population, males": (
            "T3.STOCK_PCT_POP.MALE",
            "% of male population",
        ),
        "International migrant stock as a percentage of the total population, females": (
            "T3.STOCK_PCT_POP.FEMALE",
            "% of female population",
        ),
    },
    "Table 4": {
        "Female migrants as a percentage of the international migrant stock": (
            "T4.FEMALE_PCT_STOCK",
            "% of migrant stock",
        ),
    },
    "Table 5": {
        "Annual rate of change of the migrant stock, both sexes combined": (
            "T5.STOCK_GROWTH.BOTH",
            PERIOD,
        ),
        "Annual rate of change of the migrant stock, males": ("T5.STOCK_GROWTH.MALE", PERIOD),
        "Annual rate of change of the migrant stock, females": ("T5.STOCK_GROWTH.FEMALE", PERIOD),
    },
    "Table 6": {
        "Refugee and asylum seekers at mid-year, both sexes combined": ("T6.REFUGEES", "persons"),
        "Refugee and asylum seekers as a percentage of the international migrant stock": (
            "T6.REFUGEES_PCT_STOCK",
            "% of migrant stock",
        ),
        "Annual rate of change of the refugee and asylum seekers, both sexes combined": (
            "T6.REFUGEES_GROWTH",
            PERIOD,
        ),
    },
}


def _sheet(ds: Dataset, name: str, sheet: str, grid: pd.DataFrame) -> pd.DataFrame:
    def fail(msg: str, row: int | None = None, col: int | None = None) -> SourceError:
        column = f"{sheet}!{get_column_letter(col + 1)}" if col is not None else sheet
        return SourceError(msg, dataset=ds.id, file=name, row=row, column=column)

    if len(grid) <= HEADER_ROW:
        raise fail("sheet ends before its header row", HEADER_ROW)
    header = grid.iloc[HEADER_ROW - 1]
    if [str(v) for v in header.iloc[1:5]] != ID_HEADER:
        raise fail(
            f"unexpected header {list(header.iloc[1:5])}; expected {ID_HEADER}", HEADER_ROW, 1
        )
    titles = grid.iloc[BLOCK_ROW - 1, 5:].ffill()
    blocks = BLOCKS[sheet]
    unknown = sorted(set(titles.dropna()) - set(blocks))
    if unknown or titles.isna().any():
        raise fail(f"unknown or missing column-block titles {unknown}", BLOCK_ROW, 5)
    periods = header.iloc[5:].map(  # a float column turns 1995 into 1995.0
        lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()
    )
    year = pd.to_numeric(periods.str.extract(r"^(?:\d{4}-)?(\d{4})$")[0], errors="coerce")
    if year.isna().any():
        j = int(np.flatnonzero(year.isna())[0]) + 5
        raise fail(f"unparsable year header {header.iloc[j]!r}", HEADER_ROW, j)

    body = grid.iloc[HEADER_ROW:]
    body = body[body.iloc[:, 1:].notna().any(axis=1)]  # trailing empty rows
    if body.empty:
        raise fail("no data rows after the header", HEADER_ROW + 1)
    rows = body.index.to_numpy() + 1  # 1-based sheet rows
    code = pd.to_numeric(body.iloc[:, 3], errors="coerce")
    bad_code = code.isna() | (code % 1 != 0) | body.iloc[:, 1].isna()
    if bad_code.any():
        i = int(np.flatnonzero(bad_code.to_numpy())[0])
        raise fail(
            f"row without a name or an integer Location code ({body.iat[i, 3]!r})", int(rows[i]), 3
        )

    cells = body.iloc[:, 5:]
    text = cells.map(lambda v: v.strip() if isinstance(v, str) else None)  # cells, not rows
    values = cells.where(text.isna()).apply(pd.to_numeric, errors="coerce")
    unexplained = (values.isna() & ~text.isin(list(MISSING_MARKERS))).to_numpy()
    if unexplained.any():
        i, j = np.argwhere(unexplained)[0]
        raise fail(
            f"value cell is neither a number nor '..'/'~': {cells.iat[i, j]!r}",
            int(rows[i]),
            int(j) + 5,
        )

    n_rows, n_cols = cells.shape
    ri = np.repeat(np.arange(n_rows), n_cols)
    cj = np.tile(np.arange(n_cols), n_rows)
    code_i = code.astype("int64").to_numpy()[ri]
    indicator = titles.map(lambda t: blocks[t][0]).to_numpy()[cj]
    unit = titles.map(lambda t: blocks[t][1]).to_numpy()[cj]
    type_of_data = body.iloc[:, 4].astype("str").str.strip().replace("", pd.NA).to_numpy()[ri]
    marker = text.to_numpy().ravel()
    flag = np.where(pd.isna(marker), type_of_data, marker)
    label = body.iloc[:, 1].astype(str).str.strip().str.rstrip("*").str.strip().to_numpy()[ri]
    return raw_table(
        ds,
        name,
        indicator=indicator,
        geo=code_i.astype(str),
        geo_label=label,
        geo_level=np.where(code_i >= AGGREGATE_M49_MIN, "aggregate", "country"),
        year=year.astype("int64").to_numpy()[cj],
        value=values.to_numpy(dtype="float64").ravel(),
        unit=unit,
        flag=pd.Series(flag, dtype="str"),
        source_row=rows[ri],
    )


def read_file(ds: Dataset, name: str) -> pd.DataFrame:
    path = workbook_path(ds, name)
    try:
        grids = pd.read_excel(path, sheet_name=list(BLOCKS), header=None, engine="openpyxl")
    except ValueError as exc:  # missing sheet
        raise SourceError(
            f"workbook lacks an expected sheet: {exc}", dataset=ds.id, file=name
        ) from exc
    except Exception as exc:  # zip/xml damage
        raise SourceError(f"not a readable XLSX workbook: {exc}", dataset=ds.id, file=name) from exc
    return pd.concat([_sheet(ds, name, s, g) for s, g in grids.items()], ignore_index=True)


def read(ds: Dataset) -> pd.DataFrame:
    return read_data_files(ds, read_file)
