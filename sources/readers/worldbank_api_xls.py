"""World Bank API Excel download (`?downloadformat=excel`): legacy `.xls` (BIFF8), one indicator.

Sheets: "Data" (row 1 "Data Source", row 2 "Last Updated Date" with an Excel date serial,
header on row 4: Country Name, Country Code, Indicator Name, Indicator Code, 1960 … YYYY),
"Metadata - Countries" (Country Code, Region, IncomeGroup, …; an empty Region marks an
aggregate) and "Metadata - Indicators". A code that neither that sheet nor
`worldbank_unlisted_aggregates` in country_overrides.yaml lists is refused, never taken for
an aggregate. Read with xlrd, so neither Excel nor R is needed.
Empty cells are missing and not emitted; a text cell among the values is an error.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import xlrd

from sources.catalogue import Dataset
from sources.errors import SourceError
from sources.geography.countries import overrides
from sources.readers._common import fail_first_row, raw_table, read_data_files
from sources.readers.worldbank_api_csv import GeoCodes, indicator_unit

DATA_SHEET, META_SHEET = "Data", "Metadata - Countries"
HEADER_ROW = 4  # 1-based sheet row of the column header
ID_COLUMNS = ["Country Name", "Country Code", "Indicator Name", "Indicator Code"]
META_COLUMNS = ["Country Code", "Region"]


def _open(ds: Dataset, name: str) -> xlrd.book.Book:
    try:
        return xlrd.open_workbook(ds.path(name), on_demand=True)
    except SourceError:
        raise
    except Exception as exc:  # truncated compound document, not an .xls at all, re-encoded
        raise SourceError(f"not a readable XLS workbook: {exc}", dataset=ds.id, file=name) from exc


def _sheet(ds: Dataset, name: str, book: xlrd.book.Book, sheet: str) -> xlrd.sheet.Sheet:
    try:
        return book.sheet_by_name(sheet)
    except xlrd.biffh.XLRDError:
        raise SourceError(
            f"workbook lacks sheet {sheet!r} (has {book.sheet_names()})", dataset=ds.id, file=name
        ) from None


def _vintage(ds: Dataset, name: str, book: xlrd.book.Book, data: xlrd.sheet.Sheet) -> str:
    ok = data.nrows > HEADER_ROW and data.ncols > 1
    if (
        not ok
        or data.cell_value(0, 0) != "Data Source"
        or data.cell_value(1, 0) != "Last Updated Date"
    ):
        raise SourceError(
            'not a World Bank API workbook: expected "Data Source" in A1 and "Last Updated Date" '
            "in A2",
            dataset=ds.id,
            file=name,
            row=1,
            column=f"{DATA_SHEET}!A",
        )
    if data.cell_type(1, 1) != xlrd.XL_CELL_DATE:
        raise SourceError(
            f"Last Updated Date is not a date: {data.cell_value(1, 1)!r}",
            dataset=ds.id,
            file=name,
            row=2,
            column=f"{DATA_SHEET}!B",
        )
    y, m, d, *_ = xlrd.xldate_as_tuple(data.cell_value(1, 1), book.datemode)
    return f"{y:04d}-{m:02d}-{d:02d}"


def _geo_codes(ds: Dataset, name: str, book: xlrd.book.Book) -> GeoCodes:
    meta = _sheet(ds, name, book, META_SHEET)
    header = meta.row_values(0)[: len(META_COLUMNS)] if meta.nrows else []
    if header != META_COLUMNS:
        raise SourceError(
            f"unexpected metadata header {header}; expected {META_COLUMNS} first",
            dataset=ds.id,
            file=name,
            row=1,
            column=META_SHEET,
        )
    codes, regions = meta.col_values(0, 1), meta.col_values(1, 1)
    listed = [(str(c), bool(str(r).strip())) for c, r in zip(codes, regions, strict=True) if c]
    unlisted = overrides()["worldbank_unlisted_aggregates"]
    return GeoCodes(
        frozenset(c for c, country in listed if country),
        frozenset(c for c, country in listed if not country) | frozenset(unlisted),
        f"{name} sheet {META_SHEET!r}",
    )


def read_file(ds: Dataset, name: str, units: dict[str, str] | None = None) -> pd.DataFrame:
    """One API workbook -> raw tidy rows (non-empty value cells), with sheet row numbers."""
    book = _open(ds, name)
    data = _sheet(ds, name, book, DATA_SHEET)
    vintage = _vintage(ds, name, book, data)
    geo_codes = _geo_codes(ds, name, book)
    header = [str(v) for v in data.row_values(HEADER_ROW - 1)]
    years = header[len(ID_COLUMNS) :]
    if (
        header[: len(ID_COLUMNS)] != ID_COLUMNS
        or not years
        or not all(re.fullmatch(r"\d{4}", y) for y in years)
    ):
        raise SourceError(
            f"unexpected header {header[:6]}…: expected {ID_COLUMNS} then year columns",
            dataset=ds.id,
            file=name,
            row=HEADER_ROW,
            column=DATA_SHEET,
        )
    n = data.nrows - HEADER_ROW
    if n <= 0:
        raise SourceError("no data rows after the header", dataset=ds.id, file=name)
    ids = pd.DataFrame(
        [data.row_values(r, 0, len(ID_COLUMNS)) for r in range(HEADER_ROW, data.nrows)],
        columns=ID_COLUMNS,
    )
    types = np.array([data.row_types(r, len(ID_COLUMNS)) for r in range(HEADER_ROW, data.nrows)])
    cells = np.array(
        [data.row_values(r, len(ID_COLUMNS)) for r in range(HEADER_ROW, data.nrows)], dtype=object
    )
    bad = (types != xlrd.XL_CELL_EMPTY) & (types != xlrd.XL_CELL_NUMBER)
    bad &= ~((types == xlrd.XL_CELL_BLANK) | ((types == xlrd.XL_CELL_TEXT) & (cells == "")))
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise SourceError(
            f"value cell is not a number: {cells[i, j]!r}",
            dataset=ds.id,
            file=name,
            row=HEADER_ROW + 1 + int(i),
            column=years[j],
        )
    codes = ids["Indicator Code"].unique()
    if len(codes) != 1 or not codes[0] or ids["Country Code"].eq("").any():
        raise SourceError(
            f"expected one indicator code and a Country Code on every row, found {list(codes)[:5]}",
            dataset=ds.id,
            file=name,
            column="Indicator Code",
        )
    fail_first_row(
        ds,
        name,
        ~ids["Country Code"].isin(geo_codes.countries | geo_codes.aggregates).to_numpy(),
        f"country code {{cell}} is neither an economy nor an aggregate in {geo_codes.metadata_file}",
        column="Country Code",
        cells=ids["Country Code"],
        first_row=HEADER_ROW + 1,
    )
    numeric = types == xlrd.XL_CELL_NUMBER
    ri, cj = np.nonzero(numeric)
    unit = indicator_unit(codes[0], ids["Indicator Name"].iat[0], units)
    geo = ids["Country Code"].to_numpy()[ri]
    return raw_table(
        ds,
        name,
        vintage=vintage,
        indicator=codes[0],
        geo=geo,
        geo_label=ids["Country Name"].to_numpy()[ri],
        geo_level=np.where(pd.Series(geo).isin(geo_codes.countries), "country", "aggregate"),
        year=np.asarray(years, dtype="int64")[cj],
        value=cells[ri, cj].astype("float64"),
        unit=unit,
        flag=pd.Series(pd.NA, index=range(len(ri)), dtype="str"),
        source_row=HEADER_ROW + 1 + ri,
    )


def read(ds: Dataset, units: dict[str, str] | None = None) -> pd.DataFrame:
    """Every data workbook of the dataset, stacked; `units` overrides the name's parentheses."""
    return read_data_files(ds, read_file, units)
