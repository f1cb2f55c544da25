"""RENAPER "personas extranjeras identificadas" CSV: foreign residents by jurisdiction,
country of origin, sex and five-year age group, one count per line.

Layout: UTF-8, every string quoted, header `provincia_id, provincia_nombre, pais_origen,
sexo, edad_quinquenal, cantidad`; `provincia_id` is the INDEC jurisdiction code, `cantidad`
a whole count. The indicator is `residents:<pais_origen>:<sexo>:<edad_quinquenal>` in the
publisher's words; `geo` is the INDEC code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sources.catalogue import Dataset
from sources.geography.argentina import geo_level
from sources.readers._common import (
    fail_first_row,
    raw_table,
    read_data_files,
    read_text_table,
    require_final_newline,
    require_header,
    require_rows,
)

HEADER = ["provincia_id", "provincia_nombre", "pais_origen", "sexo", "edad_quinquenal", "cantidad"]
WHOLE = r"^\d+$"


def read_file(ds: Dataset, name: str, year: int) -> pd.DataFrame:
    """One RENAPER CSV -> raw tidy rows (counts as of `year`), with file line numbers."""
    table = read_text_table(ds, name, encoding="utf-8")  # a re-encoded file fails here
    require_final_newline(ds, name, ds.path(name))
    require_header(ds, name, table.columns, HEADER)
    require_rows(ds, name, table)
    for col in ("provincia_id", "cantidad"):
        cells = table[col]
        fail_first_row(
            ds, name, ~cells.str.match(WHOLE), "not a whole number: {cell}", column=col, cells=cells
        )
    for col in ("provincia_nombre", "pais_origen", "sexo", "edad_quinquenal"):
        fail_first_row(ds, name, table[col].str.strip().eq(""), "empty cell", column=col)
    code = table["provincia_id"].astype("int64")
    return raw_table(
        ds,
        name,
        indicator="residents:"
        + table["pais_origen"]
        + ":"
        + table["sexo"]
        + ":"
        + table["edad_quinquenal"],
        geo=code.astype("str"),
        geo_label=table["provincia_nombre"],
        geo_level=geo_level(code),
        year=year,
        value=table["cantidad"].astype("float64"),
        unit="persons",
        flag=pd.Series(pd.NA, index=table.index, dtype="str"),
        source_row=np.arange(len(table)) + 2,
    )


def read(ds: Dataset, year: int) -> pd.DataFrame:
    return read_data_files(ds, read_file, year)
