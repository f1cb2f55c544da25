"""World Bank–KNOMAD remittance workbooks (`remittance-inflows.xlsx`, `remittance-outflows.xlsx`).

Layout: one sheet; a header row (row 1 of the inflows, row 2 of the outflows file) whose first
cell names the series ("Remittance inflows (US$ million)"), then one column per year (ints, or
strings such as '2000' in the outflows file) and, in the outflows file, "% of GDP in 2022".
One row per economy (World Bank names, plus aggregates such as "World"), then a fully blank
row, then footnote rows (text in column A only: notes, citation, "Date: June 2023").

Blank cells (and the one whitespace-only cell) are not emitted. Footnote rows ARE emitted,
as indicator `footnote` with no value and the note as label, so staging records each one as
a quality decision instead of skipping it silently; a footnote row that holds a number means
the layout changed, and fails.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from sources.catalogue import Dataset
from sources.errors import SourceError
from sources.geography.countries import is_aggregate_name
from sources.readers._common import raw_table, read_data_files, workbook_path

SERIES = {  # header cell -> (indicator, unit)
    "Remittance inflows (US$ million)": ("KNOMAD.INFLOWS", "current US$ million"),
    "Remittance outflows (US$ million)": ("KNOMAD.OUTFLOWS", "current US$ million"),
}
PCT_GDP = re.compile(r"^% of GDP in (\d{4})$")
PCT_GDP_SUFFIX = ".PCT_GDP"
FOOTNOTE = "footnote"


def _blank(v: object) -> bool:
    return (
        v is None
        or (isinstance(v, float) and np.isnan(v))
        or (isinstance(v, str) and not v.strip())
    )


def _header_text(v: object) -> str:
    """A header cell as text: 2000 (int), 2000.0 (float) and '2000' (str) all read '2000'."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _columns(fail, header: pd.Series) -> tuple[list[int], list[int], list[bool]]:
    """Value columns after column A: their index, year and whether they are % of GDP.

    The flow columns must be consecutive years in order, or the layout changed."""
    idx, years, pct = [], [], []
    for j, v in header.iloc[1:].items():
        if _blank(v):
            continue
        text = _header_text(v)
        year, share = re.fullmatch(r"\d{4}", text), PCT_GDP.match(text)
        if not (year or share):
            raise fail(f"unexpected column header {v!r}", j)
        idx.append(j)
        years.append(int(text) if year else int(share.group(1)))
        pct.append(not year)
    flows = [y for y, p in zip(years, pct, strict=True) if not p]
    if not flows or flows != list(range(flows[0], flows[0] + len(flows))):
        raise fail(f"year headers are not consecutive years: {years}", 1)
    return idx, years, pct


def read_file(ds: Dataset, name: str) -> pd.DataFrame:
    path = workbook_path(ds, name)
    try:
        grids = pd.read_excel(
            path, sheet_name=None, header=None, engine="openpyxl", keep_default_na=False
        )
    except Exception as exc:  # zip/xml damage, not a workbook at all
        raise SourceError(f"not a readable XLSX workbook: {exc}", dataset=ds.id, file=name) from exc
    if len(grids) != 1:
        raise SourceError(f"expected one sheet, found {list(grids)}", dataset=ds.id, file=name)
    ((sheet, grid),) = grids.items()

    def fail(msg: str, col: int | None = None, row: int | None = None) -> SourceError:
        column = sheet if col is None else f"{sheet}!{get_column_letter(col + 1)}"
        return SourceError(msg, dataset=ds.id, file=name, row=row, column=column)

    first = grid.iloc[:, 0].map(lambda v: str(v).strip() if isinstance(v, str) else None)
    header_at = np.flatnonzero(first.isin(list(SERIES)).to_numpy())
    if len(header_at) != 1:
        raise fail(f"expected one header row starting with one of {list(SERIES)}", 0)
    h = int(header_at[0])
    indicator, unit = SERIES[first.iat[h]]
    cols, years, pct = _columns(lambda m, j: fail(m, j, h + 1), grid.iloc[h])
    extra = [j for j in range(1, grid.shape[1]) if j not in cols]
    body = grid.iloc[h + 1 :]
    stray = body[extra].map(lambda v: not _blank(v)).to_numpy() if extra else np.zeros((0, 0))
    if stray.any():
        i, j = np.argwhere(stray)[0]
        raise fail("value in a column without a header", extra[j], h + 2 + int(i))

    blank = body.map(_blank).all(axis=1).to_numpy()
    if not blank.any():
        raise fail("no blank row before the footnotes (truncated sheet?)", 0, h + 2 + len(body))
    end = int(np.flatnonzero(blank)[0])
    data, notes = body.iloc[:end], body.iloc[end:][~blank[end:]]
    if data.empty:
        raise fail("no data rows after the header", 0, h + 2)
    if notes.empty:
        raise fail("no footnote rows after the data (truncated sheet?)", 0, h + 2 + end)
    note_values = notes[cols].map(lambda v: not _blank(v)).to_numpy()
    if note_values.any():
        i, j = np.argwhere(note_values)[0]
        raise fail(
            f"number {notes[cols].iat[i, j]!r} below the blank row that ends the data",
            cols[j],
            int(notes.index[i]) + 1,
        )
    labels = data.iloc[:, 0]
    no_label = labels.map(lambda v: _blank(v) or not isinstance(v, str)).to_numpy()
    if no_label.any():
        raise fail("data row without an economy name", 0, int(data.index[no_label.argmax()]) + 1)

    cells = data[cols]
    text = cells.map(lambda v: isinstance(v, str) and bool(v.strip()))
    bad = text.to_numpy() | cells.map(lambda v: isinstance(v, bool)).to_numpy()
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise fail(
            f"value cell is not a number: {cells.iat[i, j]!r}", cols[j], int(data.index[i]) + 1
        )
    values = cells.map(lambda v: np.nan if _blank(v) else float(v)).to_numpy(dtype="float64")

    n_rows, n_cols = values.shape
    ri, cj = np.repeat(np.arange(n_rows), n_cols), np.tile(np.arange(n_cols), n_rows)
    keep = ~np.isnan(values.ravel())
    ri, cj = ri[keep], cj[keep]
    names = labels.astype(str).str.strip().to_numpy()
    is_pct = np.asarray(pct)[cj]
    rows = data.index.to_numpy() + 1
    note_rows = notes.index.to_numpy() + 1
    note_year = int(ds.vintage[:4])  # notes belong to the release ("Date: June 2023")
    geo = np.concatenate([names[ri], [f"{FOOTNOTE}:{name}:{r}" for r in note_rows]])
    level = np.where(is_aggregate_name(pd.Series(names)).to_numpy(), "aggregate", "country")
    return raw_table(
        ds,
        name,
        indicator=np.concatenate(
            [np.where(is_pct, indicator + PCT_GDP_SUFFIX, indicator), [FOOTNOTE] * len(notes)]
        ),
        geo=geo,
        geo_label=np.concatenate([names[ri], notes.iloc[:, 0].astype(str).str.strip().to_numpy()]),
        geo_level=np.concatenate([level[ri], ["aggregate"] * len(notes)]),
        year=np.concatenate([np.asarray(years)[cj], [note_year] * len(notes)]).astype("int64"),
        value=np.concatenate([values.ravel()[keep], np.full(len(notes), np.nan)]),
        unit=np.concatenate([np.where(is_pct, "% of GDP", unit), ["text"] * len(notes)]),
        flag=pd.Series(pd.NA, index=range(len(geo)), dtype="str"),
        source_row=np.concatenate([rows[ri], note_rows]).astype("int64"),
    )


def read(ds: Dataset) -> pd.DataFrame:
    return read_data_files(ds, read_file)
