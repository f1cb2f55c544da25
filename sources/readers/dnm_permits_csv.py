"""DNM "residencias otorgadas" CSV: residence permits granted in one quarter, by province.

Layout: plain comma-separated, header `PROVINCIA, TRANSITORIAS, TEMPORARIAS, PERMANENTES,
TOTAL` (temporary-stay, temporary and permanent permits, and their sum), one row per
jurisdiction. Quirk: one vendored file (2019Q3) has no header line; a first line that is a
jurisdiction row with four whole numbers is read as data in the standard column order, and
its rows carry flag `no_header` so staging can mark the assumption. The indicator is
`<column>:Q<quarter>`; `geo` is the jurisdiction name as written.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from sources.catalogue import Dataset
from sources.errors import SourceError
from sources.readers._common import (
    fail_first_cell,
    fail_first_row,
    raw_table,
    require_rows,
    undecodable,
)

HEADER = ["PROVINCIA", "TRANSITORIAS", "TEMPORARIAS", "PERMANENTES", "TOTAL"]
COUNTS = HEADER[1:]
PARTS = HEADER[1:4]
NO_HEADER = "no_header"


def read_file(
    ds: Dataset, name: str, year: int, quarter: int, *, final_newline: bool = True
) -> pd.DataFrame:
    """One quarter's CSV -> raw tidy rows. `final_newline=False` accepts a file whose last
    line lacks its line break (a re-written file; the TOTAL check still catches a cut row)."""
    data = ds.path(name).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise undecodable(ds, name, data, "utf-8") from None
    lines = text.splitlines()
    if final_newline and not text.endswith("\n"):
        raise SourceError(
            "file ends mid-line without a final line break (truncated)",
            dataset=ds.id,
            file=name,
            row=len(lines),
        )
    if not lines:
        raise SourceError("empty file", dataset=ds.id, file=name)
    first = lines[0].split(",")
    has_header = first == HEADER
    if not has_header and not (
        len(first) == len(HEADER) and all(f.strip().isdigit() for f in first[1:])
    ):
        raise SourceError(
            f"unexpected header {first}; expected {HEADER}", dataset=ds.id, file=name, row=1
        )
    body = lines[1:] if has_header else lines
    first_row = 2 if has_header else 1
    fields = pd.Series([len(line.split(",")) for line in body], dtype="int64")
    fail_first_row(
        ds, name, fields.ne(len(HEADER)), "row has the wrong number of fields", first_row=first_row
    )
    table = pd.read_csv(
        io.StringIO("\n".join(body)), header=None, names=HEADER, dtype=str, keep_default_na=False
    )
    require_rows(ds, name, table)
    cells = table[COUNTS]
    fail_first_cell(
        ds,
        name,
        ~cells.apply(lambda c: c.str.fullmatch(r"\d+")),
        "not a whole number: {cell}",
        cells=cells,
        first_row=first_row,
    )
    counts = cells.astype("int64")
    fail_first_row(
        ds,
        name,
        counts[PARTS].sum(axis=1).ne(counts["TOTAL"]),
        "TOTAL is not TRANSITORIAS + TEMPORARIAS + PERMANENTES (cut or edited row)",
        column="TOTAL",
        first_row=first_row,
    )
    n = len(table)
    ri, cj = np.repeat(np.arange(n), len(COUNTS)), np.tile(np.arange(len(COUNTS)), n)
    return raw_table(
        ds,
        name,
        indicator=np.asarray(COUNTS, dtype=object)[cj] + f":Q{quarter}",
        geo=table["PROVINCIA"].to_numpy()[ri],
        geo_label=table["PROVINCIA"].to_numpy()[ri],
        geo_level="region",  # the dataset module marks the city
        year=year,
        value=counts.to_numpy(dtype="float64").ravel(),
        unit="permits",
        flag=pd.Series(None if has_header else NO_HEADER, index=range(len(ri)), dtype="str"),
        source_row=ri + first_row,
    )
