"""The EU "Quality of Life in European Cities 2023" banner workbook (DG REGIO / Ipsos).

Layout of the data sheet: row 2 (from column E) is the city banner `<code> <name>`; below,
question blocks: column A the question (`Q3_4 Is the city …`, only on a block's first row, so
forward-filled), column B the answer (`1 A good place to live`, `Total`), column C the
statistic (`Column N %` = weighted share, `Unweighted Count` = respondents), column D an Excel
`=AVERAGE(…)` formula (ignored: recompute from the city columns), one column per city.

Indicator codes: `<question>:<answer code>` (unit `share`, a fraction) for answer shares and
`<question>:N` (unit `count`) for the block's unweighted respondent count. Answer codes are
SPSS values, so `1,00` is written `1`. `TB_<question>` blocks are the publisher's top-box
recodes; `$<question>` is an SPSS multiple-response set (shares do not add up to 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from sources.catalogue import Dataset
from sources.errors import SourceError
from sources.readers._common import fail_first_row, raw_table, workbook_path
from sources.readers.xlsx_rows import XlsxBook

SHARE, COUNT = "Column N %", "Unweighted Count"
NOT_AVAILABLE = "Not available"
FIRST_CITY_COL = 4  # 0-based: column E
BANNER_ROW = 1  # 0-based: sheet row 2
FIRST_DATA_ROW = 3  # 0-based: sheet row 4


def _sheet(ds: Dataset, name: str, sheet: str) -> np.ndarray:
    path = workbook_path(ds, name)
    try:
        wb = XlsxBook(path)
    except Exception as exc:  # zip/xml errors of a broken workbook
        raise SourceError(
            f"not a readable XLSX workbook: {exc}", dataset=ds.id, file=name
        ) from None
    try:
        if sheet not in wb.sheetnames:
            raise SourceError(
                f"sheet {sheet!r} is missing (has {wb.sheetnames})", dataset=ds.id, file=name
            )
        try:
            rows = wb.rows(sheet)
        except Exception as exc:  # a damaged or oversized sheet part inside a readable zip
            raise SourceError(
                f"sheet {sheet!r} is not readable: {exc}", dataset=ds.id, file=name
            ) from None
    finally:
        wb.close()
    width = max((len(r) for r in rows), default=0)
    return np.array([tuple(r) + (None,) * (width - len(r)) for r in rows], dtype=object)


def city_banner(cells: np.ndarray, *, dataset: str, file: str) -> pd.DataFrame:
    """The banner of row 2 as (column index, qol_code, qol_name), one row per city column."""
    banner = pd.Series(cells[BANNER_ROW, FIRST_CITY_COL:], dtype=object)
    n = int(banner.notna().to_numpy().argmin()) if banner.isna().any() else len(banner)
    if n == 0 or banner.iloc[n:].notna().any():
        raise SourceError(
            "city banner in row 2 is empty or has gaps", dataset=dataset, file=file, row=2
        )
    parts = banner.iloc[:n].astype(str).str.extract(r"^\s*(?P<code>\d+)\s+(?P<name>\S.*?)\s*$")
    if parts["code"].isna().any():
        i = int(np.flatnonzero(parts["code"].isna().to_numpy())[0])
        raise SourceError(
            f"banner cell {banner.iloc[i]!r} is not '<code> <name>'",
            dataset=dataset,
            file=file,
            row=2,
            column=get_column_letter(FIRST_CITY_COL + i + 1),
        )
    if parts["code"].duplicated().any():
        raise SourceError("duplicate city code in banner", dataset=dataset, file=file, row=2)
    return pd.DataFrame(
        {
            "col": np.arange(FIRST_CITY_COL, FIRST_CITY_COL + n),
            "qol_code": parts["code"],
            "qol_name": parts["name"],
        }
    )


def read_banner(ds: Dataset, name: str, sheet: str) -> pd.DataFrame:
    """Only the city banner (qol_code, qol_name) of the workbook, e.g. for the crosswalk."""
    return city_banner(_sheet(ds, name, sheet), dataset=ds.id, file=name)[["qol_code", "qol_name"]]


def read_qol_banner_xlsx(ds: Dataset, name: str, sheet: str, *, year: int) -> pd.DataFrame:
    """Parse the banner sheet into the raw tidy layout, one row per (indicator, city)."""
    cells = _sheet(ds, name, sheet)
    cities = city_banner(cells, dataset=ds.id, file=name)
    body = cells[FIRST_DATA_ROW:]
    sheet_row = np.arange(FIRST_DATA_ROW + 1, len(cells) + 1)
    stat = pd.Series(body[:, 2], dtype=object)
    occupied = pd.DataFrame(body).notna().any(axis=1).to_numpy()
    data = stat.notna().to_numpy()

    def fail(i: int, col: int, what: str) -> None:
        raise SourceError(
            what, dataset=ds.id, file=name, row=int(sheet_row[i]), column=get_column_letter(col + 1)
        )

    if (occupied & ~data).any():
        fail(
            int(np.flatnonzero(occupied & ~data)[0]),
            2,
            "row has content but no statistic in column C",
        )
    bad_stat = data & ~stat.isin([SHARE, COUNT]).to_numpy()
    if bad_stat.any():
        fail(int(np.flatnonzero(bad_stat)[0]), 2, f"statistic is not {SHARE!r} or {COUNT!r}")

    question = pd.Series(body[:, 0], dtype=object).where(data).ffill()
    answer = pd.Series(body[:, 1], dtype=object)
    rows = np.flatnonzero(data)
    if question.iloc[rows].isna().any():
        fail(
            int(rows[question.iloc[rows].isna().to_numpy()][0]),
            0,
            "statistic row before any question",
        )
    q_code = question.iloc[rows].astype(str).str.extract(r"^\s*(\S+)")[0]
    a_code = answer.iloc[rows].astype(str).str.extract(r"^\s*(-?\d+)(?:,0+)?\s")[0]
    is_count = stat.iloc[rows].eq(COUNT).to_numpy()
    no_code = ~is_count & a_code.isna().to_numpy()
    if no_code.any():
        fail(int(rows[no_code][0]), 1, "answer has no numeric code")
    indicator = (
        q_code.to_numpy(dtype=object) + ":" + np.where(is_count, "N", a_code.to_numpy(dtype=object))
    )

    block = body[rows][:, cities["col"].to_numpy()]  # (indicator rows, cities)
    flat = pd.Series(block.ravel(), dtype=object)
    not_avail = flat.eq(NOT_AVAILABLE).to_numpy()
    numeric = flat.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool)).to_numpy()
    bad = ~(numeric | not_avail)
    if bad.any():
        r, c = divmod(int(np.flatnonzero(bad)[0]), len(cities))
        fail(
            int(rows[r]),
            int(cities["col"].iloc[c]),
            f"city cell {block[r, c]!r} is neither a number nor {NOT_AVAILABLE!r}",
        )
    value = np.where(numeric, flat, np.nan).astype("float64")

    n_city = len(cities)
    out = raw_table(
        ds,
        name,
        indicator=np.repeat(indicator, n_city),
        geo=np.tile(cities["qol_code"].to_numpy(), len(rows)),
        geo_label=np.tile(cities["qol_name"].to_numpy(), len(rows)),
        geo_level="city",
        year=year,
        value=value,
        unit=np.repeat(np.where(is_count, "count", "share"), n_city),
        flag=np.where(not_avail, "not available", None),
        source_row=np.repeat(sheet_row[rows], n_city),
    )
    fail_first_row(
        ds,
        name,
        out.duplicated(["indicator", "geo"]),
        "indicator {cell} appears twice",
        cells=out["indicator"],
        rows=out["source_row"],
    )
    return out
