"""World Bank API bulk CSV (the `?downloadformat=csv` zip): one indicator, wide by year.

Layout: UTF-8 with BOM; 4 preamble lines ("Data Source", blank, "Last Updated Date", blank);
header `Country Name, Country Code, Indicator Name, Indicator Code, 1960 … YYYY,` with a
trailing empty column; empty string = missing. The vintage is the file's own
"Last Updated Date" (the three WDI folders are three different vintages).

Whether a code is a country or an aggregate comes from the publisher's country metadata
(`Metadata_Country_*.csv` / `gdp_meta.csv`): the explicit list of codes, where an empty
Region means aggregate. A code the metadata does not list is refused, never guessed to be an
aggregate (that would silently drop a country). A dataset without its own metadata file uses
the newest WDI metadata in the catalogue.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sources.catalogue import Dataset, dataset
from sources.errors import SourceError
from sources.geography.countries import overrides
from sources.readers._common import (
    fail_first_cell,
    fail_first_row,
    raw_table,
    read_data_files,
    read_text_table,
    require_final_newline,
    require_rows,
)

PREAMBLE_LINES = 4
HEADER_LINE = PREAMBLE_LINES + 1  # 1-based line of the column header
ID_COLUMNS = ["Country Name", "Country Code", "Indicator Name", "Indicator Code"]
META_COLUMNS = ["Country Code", "Region", "IncomeGroup", "SpecialNotes", "TableName"]
FALLBACK_METADATA = "worldbank_wdi_net_migration"  # newest WDI country metadata vintage
_UNIT = re.compile(r"\(([^()]*)\)\s*$")


def _preamble(ds: Dataset, name: str, lines: list[str]) -> str:
    """Check the 4 preamble lines and return the Last Updated Date (ISO date)."""
    if len(lines) < HEADER_LINE:
        raise SourceError("file ends inside the preamble", dataset=ds.id, file=name)
    first = next(csv.reader([lines[0]]))
    updated = next(csv.reader([lines[2]]))
    if first[:1] != ["Data Source"] or updated[:1] != ["Last Updated Date"]:
        raise SourceError(
            'not a World Bank API CSV: expected "Data Source" on line 1 and '
            '"Last Updated Date" on line 3',
            dataset=ds.id,
            file=name,
            row=1,
        )
    date = updated[1] if len(updated) > 1 else ""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        raise SourceError(f"unparsable Last Updated Date {date!r}", dataset=ds.id, file=name, row=3)
    return date


def _metadata_name(ds: Dataset) -> str | None:
    for f in ds.files:
        if f.role == "metadata" and (
            f.name.startswith("Metadata_Country") or f.name.endswith("_meta.csv")
        ):
            return f.name
    return None


def read_country_metadata(ds: Dataset, name: str | None = None) -> pd.DataFrame:
    """Publisher country metadata: code, region (NA = aggregate), income_group, table_name."""
    name = name or _metadata_name(ds)
    if name is None:
        raise SourceError("dataset has no World Bank country metadata file", dataset=ds.id)
    meta = read_text_table(ds, name, encoding="utf-8-sig", index_col=False)
    if list(meta.columns[: len(META_COLUMNS)]) != META_COLUMNS:
        raise SourceError(
            f"unexpected metadata header {list(meta.columns)}; expected {META_COLUMNS}",
            dataset=ds.id,
            file=name,
            row=1,
        )
    meta = meta[META_COLUMNS].mask(meta[META_COLUMNS].eq(""))
    if meta["Country Code"].isna().any():
        row = int(np.flatnonzero(meta["Country Code"].isna())[0]) + 2
        raise SourceError(
            "empty Country Code", dataset=ds.id, file=name, row=row, column="Country Code"
        )
    return pd.DataFrame(
        {
            "code": meta["Country Code"],
            "region": meta["Region"],
            "income_group": meta["IncomeGroup"],
            "table_name": meta["TableName"],
        }
    )


@dataclass(frozen=True)
class GeoCodes:
    """The publisher's explicit lists: economies (non-empty Region) and aggregates."""

    countries: frozenset[str]
    aggregates: frozenset[str]
    metadata_file: str


def country_codes(ds: Dataset) -> GeoCodes:
    """Economies and aggregates per the dataset's (or the newest) country metadata."""
    source = ds if _metadata_name(ds) else dataset(FALLBACK_METADATA)
    meta = read_country_metadata(source)
    country = meta["region"].notna()
    unlisted = overrides()["worldbank_unlisted_aggregates"]
    return GeoCodes(
        frozenset(meta.loc[country, "code"]),
        frozenset(meta.loc[~country, "code"]) | frozenset(unlisted),
        f"{source.id}/{_metadata_name(source)}",
    )


def indicator_unit(code: str, name: str, units: dict[str, str] | None) -> str:
    """`units[code]` if given, else the indicator name's last parentheses ("GDP (current US$)"
    -> "current US$"), else the whole name: World Bank names carry the unit that way."""
    if units and code in units:
        return units[code]
    found = _UNIT.search(name)
    return found.group(1) if found else name


def read_file(
    ds: Dataset, name: str, geo_codes: GeoCodes, units: dict[str, str] | None = None
) -> pd.DataFrame:
    """One API CSV -> raw tidy rows (non-empty cells only), with file line numbers."""
    path = ds.path(name)
    require_final_newline(ds, name, path)
    text = path.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    vintage = _preamble(ds, name, lines)
    wide = read_text_table(
        ds,
        name,
        skiprows=PREAMBLE_LINES,
        encoding="utf-8-sig",
        index_col=False,
        skip_blank_lines=False,
    )
    cols = list(wide.columns)
    years = cols[len(ID_COLUMNS) : -1]
    if (
        cols[: len(ID_COLUMNS)] != ID_COLUMNS
        or not cols[-1].startswith("Unnamed")
        or not years
        or not all(re.fullmatch(r"\d{4}", y) for y in years)
    ):
        raise SourceError(
            f"unexpected header {cols[:6]}…{cols[-2:]}: expected {ID_COLUMNS}, year columns "
            "and a trailing empty column",
            dataset=ds.id,
            file=name,
            row=HEADER_LINE,
        )
    # pandas pads a short (truncated) row with "", so count fields on the text itself: every
    # field is quoted, hence a complete row has one '","' between each pair of quoted fields
    # and ends with '",' (the trailing empty column).
    data_lines = pd.Series(lines[HEADER_LINE:], dtype="str")
    data_lines = data_lines[: len(data_lines) - (data_lines[::-1] == "").cumprod().sum()]
    expected = len(ID_COLUMNS) + len(years) - 1
    short = pd.Series(
        data_lines.str.count('","').ne(expected) | ~data_lines.str.endswith('",'),
        index=range(len(data_lines)),
    )
    if len(data_lines) != len(wide):
        raise SourceError(
            f"{len(data_lines)} data lines but {len(wide)} parsed rows (stray quote or line break)",
            dataset=ds.id,
            file=name,
        )
    short |= wide[cols[-1]].ne("").to_numpy()
    if short.any():
        i = int(np.flatnonzero(short)[0])
        raise SourceError(
            "row has the wrong number of fields (truncated or shifted)",
            dataset=ds.id,
            file=name,
            row=HEADER_LINE + 1 + i,
            column=cols[-1],
        )
    require_rows(ds, name, wide)
    codes = wide["Indicator Code"].unique()
    if len(codes) != 1 or not codes[0]:
        raise SourceError(
            f"expected one indicator per file, found {list(codes)[:5]}",
            dataset=ds.id,
            file=name,
            column="Indicator Code",
        )
    listed = wide["Country Code"].isin(geo_codes.countries | geo_codes.aggregates)
    fail_first_row(
        ds,
        name,
        ~listed.to_numpy(),
        f"country code {{cell}} is neither an economy nor an aggregate in {geo_codes.metadata_file}",
        column="Country Code",
        cells=wide["Country Code"],
        first_row=HEADER_LINE + 1,
    )
    cells = wide[years]
    values = cells.apply(pd.to_numeric, errors="coerce")
    fail_first_cell(
        ds,
        name,
        values.isna() & cells.ne(""),
        "unparsable number {cell}",
        cells=cells,
        first_row=HEADER_LINE + 1,
    )
    long = values.assign(_row=np.arange(len(wide)) + HEADER_LINE + 1).melt(
        id_vars="_row", var_name="year", value_name="value"
    )
    long = long[long["value"].notna()]
    ix = long["_row"].to_numpy() - HEADER_LINE - 1
    geo = wide["Country Code"].to_numpy()[ix]
    unit = indicator_unit(codes[0], wide["Indicator Name"].iat[0], units)
    return raw_table(
        ds,
        name,
        vintage=vintage,
        indicator=codes[0],
        geo=geo,
        geo_label=wide["Country Name"].to_numpy()[ix],
        geo_level=np.where(pd.Series(geo).isin(geo_codes.countries), "country", "aggregate"),
        year=long["year"].astype("int64").to_numpy(),
        value=long["value"].astype("float64").to_numpy(),
        unit=unit,
        flag=pd.Series(pd.NA, index=range(len(long)), dtype="str"),
        source_row=long["_row"].to_numpy(),
    )


def read(ds: Dataset, units: dict[str, str] | None = None) -> pd.DataFrame:
    """Every data file of a World Bank API CSV dataset, stacked.

    `units` names the unit of indicators whose name carries none in parentheses.
    """
    return read_data_files(ds, read_file, country_codes(ds), units)
