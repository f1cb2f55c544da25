"""World Bank–KNOMAD bilateral matrices (migrant stocks, remittances): one square-ish sheet.

Layout: row 1 = title (names the matrix and its unit), row 2 = corner cell ("Destination
country (across) - Source country (down)") then one column per counterpart economy (World Bank
names, plus the publisher's totals "World"/"WORLD" and residuals "Other North"/"Other South"),
then one row per economy; the data end at the first blank row; below it, footnote rows hold
text in column A only. Empty cells mean "no estimate" and are not emitted; a cell holding only
"…" is the publisher's not-available marker (emitted with no value and flag "…").

Raw layout (bilateral): `geo` = row economy as published, `indicator` = `<code>:<column
economy>` (`bmm.stock:Germany` = migrants born in `geo` living in Germany; `brm.sent:India` =
US$ million sent from `geo` to India). Footnotes are emitted as indicator `footnote` rows
without a value (staging drops them by name), so nothing under the table is skipped silently.

Memory is bounded: the sheet is streamed (openpyxl read-only) and refused beyond
MAX_ROWS x MAX_COLS, far above the ~230 x 230 economies a world matrix can hold.
"""

from __future__ import annotations

import numbers
import zipfile
from dataclasses import dataclass

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from sources.catalogue import Dataset
from sources.errors import SourceError
from sources.readers._common import raw_table, read_data_files, workbook_path

MAX_ROWS, MAX_COLS = 1_000, 1_000
TITLE_ROW, HEADER_ROW = 1, 2
NOT_AVAILABLE = "…"
FOOTNOTE = "footnote"
CHECK_SUM = "check_sum"
TOTALS = {  # publisher total/residual labels -> staged key (never a country)
    "World": "WORLD",
    "WORLD": "WORLD",
    "Other North": "OTHER_NORTH",
    "Other South": "OTHER_SOUTH",
}


@dataclass(frozen=True)
class Matrix:
    indicator: str
    unit: str
    year: int


MATRICES = {
    "Bilateral Estimates of Migrant Stocks in 2021": Matrix("bmm.stock", "persons", 2021),
    "Bilateral Remittance Estimates for 2021 using Migrant Stocks, Host Country Incomes, and "
    "Origin Country Incomes (millions of US$) (December 2022 Version)": Matrix(
        "brm.sent", "current US$ million", 2021
    ),
}


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _grid(ds: Dataset, name: str) -> tuple[str, np.ndarray]:
    """The only sheet as an object array, streamed and bounded."""
    path = workbook_path(ds, name)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SourceError(
            f"not a readable XLSX workbook: {exc}", dataset=ds.id, file=name
        ) from None
    try:
        if len(book.sheetnames) != 1:
            raise SourceError(
                f"expected one sheet, found {book.sheetnames}", dataset=ds.id, file=name
            )
        sheet = book.worksheets[0]
        rows: list[tuple] = []
        for i, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if i > MAX_ROWS or len(row) > MAX_COLS:
                raise SourceError(
                    f"sheet exceeds {MAX_ROWS} x {MAX_COLS} cells: not a country matrix",
                    dataset=ds.id,
                    file=name,
                    row=i,
                    column=sheet.title,
                )
            rows.append(row)
    except SourceError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:  # damaged sheet XML
        raise SourceError(f"not a readable XLSX sheet: {exc}", dataset=ds.id, file=name) from None
    finally:
        book.close()
    width = max((len(r) for r in rows), default=0)
    grid = np.full((len(rows), width), None, dtype=object)
    for i, r in enumerate(rows):
        grid[i, : len(r)] = r
    return sheet.title, grid


def read_file(ds: Dataset, name: str) -> pd.DataFrame:
    sheet, grid = _grid(ds, name)

    def fail(msg: str, row: int | None, col: int | None = None) -> SourceError:
        column = sheet if col is None else f"{sheet}!{get_column_letter(col + 1)}"
        return SourceError(msg, dataset=ds.id, file=name, row=row, column=column)

    if grid.shape[0] < HEADER_ROW + 1:
        raise fail("sheet ends before its first data row (truncated?)", grid.shape[0])
    title = str(grid[TITLE_ROW - 1, 0] or "").strip()
    if title not in MATRICES:
        raise fail(f"unknown matrix title {title!r}; expected one of {list(MATRICES)}", 1, 0)
    matrix = MATRICES[title]
    header = grid[HEADER_ROW - 1]
    if not (isinstance(header[0], str) and "(across)" in header[0] and "(down)" in header[0]):
        raise fail(f"corner cell {header[0]!r} does not say '(across)' and '(down)'", 2, 0)
    cols = [j for j in range(1, grid.shape[1]) if not _blank(header[j])]
    if not cols or cols != list(range(1, cols[-1] + 1)):
        raise fail("column headers are not one contiguous block from column B", 2)
    bad_head = [j for j in cols if not isinstance(header[j], str)]
    if bad_head:
        raise fail(f"column header {header[bad_head[0]]!r} is not a name", 2, bad_head[0])

    body = grid[HEADER_ROW:]
    is_blank = np.vectorize(_blank, otypes=[bool])(body) if body.size else np.zeros((0, 0), bool)
    unlabeled = is_blank[:, 0] if len(body) else np.zeros(0, bool)
    if not unlabeled.any():
        raise fail("no row after the data: footnotes missing (truncated?)", len(grid))
    end = int(np.flatnonzero(unlabeled)[0])  # the data end at the first row without a name
    if end == 0:
        raise fail("no data rows after the header", HEADER_ROW + 1)
    outside = ~is_blank[:end, cols[-1] + 1 :]
    if outside.any():
        i, j = np.argwhere(outside)[0]
        raise fail("value in a column without a header", HEADER_ROW + i + 1, cols[-1] + 1 + j)

    data = body[:end]
    labels = np.array([str(v).strip() for v in data[:, 0]], dtype=object)
    cells = data[:, cols]
    number = _is_number(cells)
    marker = np.vectorize(lambda v: isinstance(v, str) and v.strip() == NOT_AVAILABLE)(cells)
    unexplained = ~(number | marker | is_blank[:end][:, cols])
    if unexplained.any():
        i, j = np.argwhere(unexplained)[0]
        raise fail(
            f"cell is neither a number, empty nor {NOT_AVAILABLE!r}: {cells[i, j]!r}",
            HEADER_ROW + int(i) + 1,
            cols[j],
        )
    values = np.where(number, cells, np.nan).astype("float64")
    if not np.isfinite(values[number]).all():
        i, j = np.argwhere(number & ~np.isfinite(values))[0]
        raise fail(
            f"cell is not a finite number: {cells[i, j]!r}", HEADER_ROW + int(i) + 1, cols[j]
        )

    negative = number & (np.nan_to_num(values) < 0)
    if negative.any():  # stocks and flows are counts of people and dollars
        i, j = np.argwhere(negative)[0]
        raise fail(f"negative value {cells[i, j]!r}", HEADER_ROW + int(i) + 1, cols[j])

    tail = body[end:]
    sums = _check_sums(fail, tail, is_blank[end:], values, labels, cols, HEADER_ROW + end + 1)
    notes = np.flatnonzero(~is_blank[end:, 0]) + end
    if len(notes) == 0:
        raise fail("no footnote rows after the data (truncated?)", HEADER_ROW + end + 1)

    ri, cj = np.nonzero(number | marker)
    col_names = np.array([header[j].strip() for j in cols], dtype=object)
    extra = [
        *(
            (
                matrix.indicator.split(".")[0] + "." + CHECK_SUM + ":" + col_names[cols.index(j)],
                f"{CHECK_SUM}:{name}:{r}",
                f"=SUM of column {header[j].strip()!r} (verified)",
                v,
                matrix.unit,
                r,
            )
            for r, j, v in sums
        ),
        *(
            (
                FOOTNOTE,
                f"{FOOTNOTE}:{name}:{HEADER_ROW + k + 1}",
                str(body[k, 0]).strip(),
                np.nan,
                "text",
                HEADER_ROW + k + 1,
            )
            for k in notes
        ),
    ]
    ex = list(zip(*extra, strict=True)) if extra else [[]] * 6
    is_total = pd.Series(labels[ri]).isin(list(TOTALS)).to_numpy()
    return raw_table(
        ds,
        name,
        indicator=np.concatenate([matrix.indicator + ":" + col_names[cj], ex[0]]),
        geo=np.concatenate([labels[ri], ex[1]]),
        geo_label=np.concatenate([labels[ri], ex[2]]),
        geo_level=np.concatenate(
            [np.where(is_total, "aggregate", "country"), np.full(len(extra), "aggregate")]
        ),
        year=np.full(len(ri) + len(extra), matrix.year, dtype="int64"),
        value=np.concatenate([values[ri, cj], np.asarray(ex[3], dtype="float64")]),
        unit=np.concatenate([np.full(len(ri), matrix.unit), ex[4]]),
        flag=pd.Series(
            np.concatenate([np.where(marker[ri, cj], NOT_AVAILABLE, None), [None] * len(extra)]),
            dtype="str",
        ),
        source_row=np.concatenate([HEADER_ROW + ri + 1, ex[5]]).astype("int64"),
    )


def _is_number(cells: np.ndarray) -> np.ndarray:
    return np.vectorize(
        lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool), otypes=[bool]
    )(cells)


def _check_sums(
    fail,
    tail: np.ndarray,
    blank: np.ndarray,
    values: np.ndarray,
    labels: np.ndarray,
    cols: list[int],
    first_row: int,
) -> list[tuple[int, int, float]]:
    """Numbers under the table in rows without a name: each must be its column's sum over the
    economies (totals excluded), i.e. a spreadsheet check such as `=SUM(DF3:DF216)`."""
    found = []
    economies = ~pd.Series(labels).isin(list(TOTALS)).to_numpy()
    column_sum = np.nansum(values[economies], axis=0)
    for i, j in np.argwhere(~blank[:, 1:]):
        row, col, cell = first_row + int(i), int(j) + 1, tail[i, j + 1]
        if not blank[i, 0]:
            raise fail("footnote row holds a value outside column A", row, col)
        if col not in cols or not _is_number(np.array([cell], dtype=object))[0]:
            raise fail(f"unexpected cell under the table: {cell!r}", row, col)
        expected = column_sum[cols.index(col)]
        if not np.isclose(float(cell), expected, rtol=1e-9, atol=1e-9):
            raise fail(
                f"number {cell!r} under the table is not its column's sum ({expected!r})", row, col
            )
        found.append((row, col, float(cell)))
    return found


def read(ds: Dataset) -> pd.DataFrame:
    return read_data_files(ds, read_file)
