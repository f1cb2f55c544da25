"""The NAE Cities Index "formatted" CSV: spreadsheet-formatted cells, one row per US city.

Cells are as the publisher's spreadsheet shows them: `9.7%`, `" 557,473 "`, `" $17,046 "`,
`3.54`; header cells carry stray spaces. Each column must use one format throughout, which
fixes its unit: percent -> `share` (a fraction), dollars -> `USD`, thousands-separated
population -> `count`, `overall_ranking` -> `rank`, other plain numbers -> `score` (1–5).
The numeric sibling file rounds shares to 2 decimals, so it is not used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sources.catalogue import Dataset
from sources.errors import SourceError
from sources.readers._common import fail_first_cell, fail_first_row, raw_table, read_text_table

GEO_COLUMN = "city"
FORMATS = {  # kind -> full-cell pattern (after stripping spaces)
    "percent": r"^-?\d+(?:\.\d+)?%$",
    "dollar": r"^\$-?\d{1,3}(?:,\d{3})*(?:\.\d+)?$",
    "number": r"^-?\d{1,3}(?:,\d{3})*(?:\.\d+)?$|^-?\d+(?:\.\d+)?$",
}
COUNT_COLUMNS = ("pop_tot", "pop_fb")
RANK_COLUMNS = ("overall_ranking",)


def _unit(column: str, kind: str) -> str:
    if kind == "percent":
        return "share"
    if kind == "dollar":
        return "USD"
    if column in COUNT_COLUMNS:
        return "count"
    return "rank" if column in RANK_COLUMNS else "score"


def read_nae_formatted_csv(ds: Dataset, name: str, *, year: int) -> pd.DataFrame:
    """Parse the formatted CSV into the raw tidy layout (one row per city and column)."""
    df = read_text_table(ds, name, na_filter=False)
    df.columns = [c.strip() for c in df.columns]
    if df.columns[0] != GEO_COLUMN or len(set(df.columns)) != len(df.columns):
        raise SourceError(
            f"first column must be {GEO_COLUMN!r} and headers unique",
            dataset=ds.id,
            file=name,
            row=1,
        )
    fail_first_cell(ds, name, df.isna(), "line has too few cells (truncated?)")
    places = df[GEO_COLUMN].str.strip()
    for bad, what in (
        (~places.str.match(r"^.+, [A-Z]{2}$"), "place {cell} is not '<place>, <state>'"),
        (places.duplicated(), "duplicate place {cell}"),
    ):
        fail_first_row(ds, name, bad, what, column=GEO_COLUMN, cells=places)

    parts = []
    for column in df.columns[1:]:  # a loop over ~70 columns, each vectorised over the cities
        cells = df[column].str.strip()
        matches = pd.DataFrame({kind: cells.str.match(rx) for kind, rx in FORMATS.items()})
        kind = matches.sum().idxmax()
        fail_first_row(
            ds,
            name,
            ~matches[kind],
            f"cell {{cell}} is not in the column's {kind} format",
            column=column,
            cells=df[column],
        )
        number = pd.to_numeric(cells.str.replace(r"[$,%]", "", regex=True)).astype("float64")
        parts.append(
            pd.DataFrame(
                {
                    "indicator": column,
                    "geo": places,
                    "value": number / 100 if kind == "percent" else number,
                    "unit": _unit(column, kind),
                    "source_row": np.arange(2, len(df) + 2),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    return raw_table(ds, name, **out, geo_label=out["geo"], geo_level="city", year=year, flag=None)
