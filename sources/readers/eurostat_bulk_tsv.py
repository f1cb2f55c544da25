"""Eurostat legacy bulk TSV (`*.tsv` from the bulk-download listing) and its `.dic` dictionaries.

Wire format: TAB-separated; the first column is a comma-joined key whose header names the
dimensions (`indic_ur,unit,cities\\time`); the other headers are years with a trailing space;
every cell is `value<space>flags` with `:` for "not available". The file is rectangular, so
most `:` cells are padding, not observations: they are left out of the raw table unless they
carry a flag (then they are kept with a missing value, so staging can record them).
"""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd

from sources.catalogue import Dataset
from sources.errors import SourceError
from sources.readers._common import (
    fail_first_cell,
    fail_first_row,
    raw_table,
    read_text_table,
)
from sources.tidy import per_distinct

CELL_RE = r"^(?P<value>:|-?\d+(?:\.\d+)?)\s?(?P<flag>[a-z]*)\s*$"
YEAR_RE = r"^\d{4}$"
EUROSTAT_UNITS = {"PC": "percent"}


def read_dic(ds: Dataset, name: str) -> pd.Series:
    """A bulk `.dic` dictionary (`CODE<TAB>label`) as a code-indexed Series of labels."""
    dic = read_text_table(
        ds,
        name,
        sep="\t",
        header=None,
        names=["code", "label"],
        quoting=csv.QUOTE_NONE,
        encoding="utf-8",
    )
    fail_first_row(
        ds,
        name,
        dic["code"].eq("") | dic["label"].eq(""),
        "dictionary line without code or label",
        first_row=1,
    )
    if dic["code"].duplicated().any():
        code = dic.loc[dic["code"].duplicated(), "code"].iloc[0]
        raise SourceError(f"duplicate dictionary code {code!r}", dataset=ds.id, file=name)
    return dic.set_index("code")["label"]


def read_bulk_tsv(
    ds: Dataset,
    name: str,
    *,
    dimensions: tuple[str, ...] = ("indic_ur", "unit", "cities"),
    geo_labels: pd.Series | None = None,
) -> pd.DataFrame:
    """Parse one bulk TSV into the raw tidy layout (one row per observed or flagged cell)."""
    key_header = ",".join(dimensions) + "\\time"
    wide = read_text_table(
        ds, name, what="not a rectangular TSV", sep="\t", na_filter=False, quoting=csv.QUOTE_NONE
    )
    if wide.columns[0] != key_header:
        raise SourceError(
            f"first header cell is {wide.columns[0]!r}, expected {key_header!r}",
            dataset=ds.id,
            file=name,
            row=1,
            column=str(wide.columns[0]),
        )
    years = pd.Series(wide.columns[1:]).str.strip()
    if not years.str.match(YEAR_RE).all():
        bad = wide.columns[1:][~years.str.match(YEAR_RE).to_numpy()][0]
        raise SourceError(
            "year header is not a 4-digit year", dataset=ds.id, file=name, row=1, column=bad
        )
    # a short (truncated) line leaves NaN in the last cells
    fail_first_cell(ds, name, wide.isna(), "line has too few cells (truncated?)")

    keys = wide.iloc[:, 0].str.split(",", expand=True)
    fail_first_row(  # a key with too few parts leaves NaN; too many fails every line
        ds,
        name,
        keys.isna().any(axis=1).to_numpy() | (keys.shape[1] != len(dimensions)),
        f"key does not have the {len(dimensions)} dimensions {dimensions}",
        column=key_header,
    )
    keys.columns = list(dimensions)

    cells = wide.iloc[:, 1:]
    flat = pd.Series(cells.to_numpy().ravel(), dtype="str")  # row-major
    parsed = per_distinct(flat, lambda distinct: distinct.str.extract(CELL_RE))
    n_lines, n_years = len(wide), len(years)
    unparsed = parsed["value"].isna().to_numpy().reshape(n_lines, n_years)
    fail_first_cell(
        ds,
        name,
        pd.DataFrame(unparsed, columns=cells.columns),
        "cell {cell} is not 'value flags'",
        cells=cells,
    )
    line_no = np.repeat(np.arange(2, n_lines + 2), n_years)
    missing = parsed["value"].eq(":").to_numpy()
    flag = parsed["flag"].to_numpy(dtype=object)
    keep = ~missing | (flag != "")

    geo = np.repeat(keys["cities"].to_numpy(), n_years)[keep]
    unit_code = np.repeat(keys["unit"].to_numpy(), n_years)[keep]
    unknown = set(unit_code) - set(EUROSTAT_UNITS)
    if unknown:
        raise SourceError(
            f"unknown unit code(s) {sorted(unknown)}", dataset=ds.id, file=name, column="unit"
        )
    value = pd.to_numeric(parsed["value"].where(~pd.Series(missing)), errors="raise").to_numpy()[
        keep
    ]
    labels = (
        geo_labels.reindex(geo).to_numpy() if geo_labels is not None else np.full(len(geo), None)
    )
    return raw_table(
        ds,
        name,
        indicator=np.repeat(keys["indic_ur"].to_numpy(), n_years)[keep],
        geo=geo,
        geo_label=labels,
        geo_level=np.where(pd.Series(geo).str.len().to_numpy() == 2, "country", "city"),
        year=np.tile(years.astype(int).to_numpy(), n_lines)[keep],
        value=value.astype("float64"),
        unit=pd.Series(unit_code).map(EUROSTAT_UNITS).to_numpy(),
        flag=np.where(flag[keep] == "", None, flag[keep]),
        source_row=line_no[keep],
    )
