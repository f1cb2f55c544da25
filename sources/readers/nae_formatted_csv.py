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
from sources.tidy import RAW_COLUMNS

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
    path = ds.path(name)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except pd.errors.ParserError as exc:
        raise SourceError(f"not a well-formed CSV: {exc}", dataset=ds.id, file=name) from None
    df.columns = [c.strip() for c in df.columns]
    if df.columns[0] != GEO_COLUMN or len(set(df.columns)) != len(df.columns):
        raise SourceError(
            f"first column must be {GEO_COLUMN!r} and headers unique",
            dataset=ds.id,
            file=name,
            row=1,
        )
    if df.isna().any().any():
        r, c = np.argwhere(df.isna().to_numpy())[0]
        raise SourceError(
            "line has too few cells (truncated?)",
            dataset=ds.id,
            file=name,
            row=int(r) + 2,
            column=df.columns[c],
        )
    places = df[GEO_COLUMN].str.strip()
    bad_place = ~places.str.match(r"^.+, [A-Z]{2}$")
    if bad_place.any():
        r = int(np.flatnonzero(bad_place.to_numpy())[0])
        raise SourceError(
            f"place {places.iloc[r]!r} is not '<place>, <state>'",
            dataset=ds.id,
            file=name,
            row=r + 2,
            column=GEO_COLUMN,
        )
    if places.duplicated().any():
        r = int(np.flatnonzero(places.duplicated().to_numpy())[0])
        raise SourceError(
            f"duplicate place {places.iloc[r]!r}",
            dataset=ds.id,
            file=name,
            row=r + 2,
            column=GEO_COLUMN,
        )

    parts = []
    for column in df.columns[1:]:  # a loop over ~70 columns, each vectorised over the cities
        cells = df[column].str.strip()
        matches = pd.DataFrame({kind: cells.str.match(rx) for kind, rx in FORMATS.items()})
        kind = matches.sum().idxmax()
        bad = ~matches[kind].to_numpy()
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            raise SourceError(
                f"cell {df[column].iloc[r]!r} is not in the column's {kind} format",
                dataset=ds.id,
                file=name,
                row=r + 2,
                column=column,
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
    out["dataset"], out["geo_label"], out["geo_level"] = ds.id, out["geo"], "city"
    out["year"], out["flag"], out["vintage"], out["source_file"] = year, None, ds.vintage, name
    return out[RAW_COLUMNS]
