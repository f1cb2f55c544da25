"""MIPEX 2020 "core indicators 2007–2019" workbook: one sheet per country, blocks of scores.

Each sheet (named by a two-letter code, not always ISO: `TU`, `UK`) holds
- the overall table: row 2 is the header `Year | Overall Score (with health) | … (with/out
  health) | … (with/out health and education)`, one row per year below it;
- eight policy-strand blocks, each starting with `Policy strand` in column A, then label rows
  (`Indicator`, `Sub-indicator`, `Title`, …) and a `Year` header row. The block is a row of
  three-column groups `Year | Score | Comments`: the first group is the strand average (code
  a…h), the others its indicators (code in the Indicator row, else the Sub-indicator row).

The workbook's cells are the values Excel cached for its formulas, as openpyxl's read-only
`data_only` mode gives them (read with calamine, sources.readers.xlsx_rows). What we keep, and how a cell is marked in `flag`:
- a number: the score;
- a cached formula error `#DIV/0!` (the strand/indicator was not covered that year): value
  missing, flag `#DIV/0!`;
- any other text in a score cell (a note such as "DON'T FILL THESE YEARS FOR HEALTH", or a
  pasted answer key): value missing, flag `text`;
- an empty cell: not an observation, no row.
A row's year is the first group's (column A); where column A is empty (UAE 2021), the year
all other groups state. Some group year cells are typos (Israel's 2014 health row says 2019 in
11 of 13 groups; the values are scored as of both years): such a cell adds `year_cell=<its
year>` to the flag. A row without a year, or years that do not follow each other, raise a
SourceError naming sheet, row and column; so does a number typed below a table in a row
without a year, except the one listed in KNOWN_STRAY_NUMBERS.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from sources.catalogue import Dataset
from sources.errors import SourceError
from sources.readers._common import raw_table, read_data_files, workbook_path
from sources.readers.xlsx_rows import XlsxBook

# Numbers typed below a table, in a row without any year: not observations. Any other such
# number raises, so this list is exhaustive for the vendored file.
KNOWN_STRAY_NUMBERS = {("CN", "AI58")}  # 100 under the Family Reunification block
# Domain of every value: MIPEX scores are 0-100; years 2007-2019 (the edition) plus the 2020 and
# 2021 updates a few sheets carry (flagged when staged).
SCORE_RANGE = (0.0, 100.0)
YEARS = (2007, 2021)
UNIT = "score 0-100 (MIPEX 2020 core indicators)"
DIV0, TEXT = "#DIV/0!", "text"
OVERALL_HEADER_ROW = 2  # 1-based
OVERALL = {
    "Overall Score (with health)": "overall.with_health",
    "Overall Score (with/out health)": "overall.without_health",
    "Overall Score (with/out health and education)": "overall.without_health_education",
}
STRANDS = {  # strand code (first group of a block) -> name, in the workbook's order
    "a": "labour_market_mobility",
    "b": "family_reunification",
    "c": "education",
    "d": "political_participation",
    "e": "permanent_residence",
    "f": "access_to_nationality",
    "g": "anti_discrimination",
    "h": "health",
}
BLOCK_START = "Policy strand"


def _label(v: object) -> str | None:
    return v.strip() if isinstance(v, str) else None


def _code(v: object) -> str | None:
    """Indicator codes are text (`aa1`, ` fb107 `) or numbers typed as such (148)."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


class _Sheet:
    """One country sheet as an object grid, with errors that name its cells."""

    def __init__(self, ds: Dataset, name: str, sheet: str, rows: list[tuple]) -> None:
        self.ds, self.name, self.sheet = ds, name, sheet
        width = max((len(r) for r in rows), default=0)
        self.grid = np.array([tuple(r) + (None,) * (width - len(r)) for r in rows], dtype=object)

    def error(self, message: str, row: int, col: int | None = None) -> SourceError:
        """`row` and `col` are 0-based grid positions."""
        column = self.sheet if col is None else f"{self.sheet}!{get_column_letter(col + 1)}"
        return SourceError(
            f"sheet {self.sheet!r}: {message}",
            dataset=self.ds.id,
            file=self.name,
            row=row + 1,
            column=column,
        )

    def years(self, first: int, stop: int, year_cols: list[int], score_cols: list[int]) -> tuple:
        """Rows `first`..: the data rows of a table (until a row without any year cell), each
        row's year (see `_row_year`) and, per (row, group), the group's own year cell where it
        disagrees with its row (else None).

        Notes typed below a table (an answer key in a score column) end it; a number there
        would be a score without a year, and raises."""
        g = self.grid
        rows = []
        for r in range(first, stop):
            if all(g[r, c] is None for c in year_cols):
                number = [c for c in score_cols if isinstance(g[r, c], (int, float))]
                if number:
                    cell = f"{get_column_letter(number[0] + 1)}{r + 1}"
                    if (self.sheet, cell) not in KNOWN_STRAY_NUMBERS:
                        raise self.error(
                            f"score {g[r, number[0]]!r} in a row without a year", r, number[0]
                        )
                break
            rows.append(r)
        if not rows:
            raise self.error("table has no data rows under its header", first)
        cells = g[np.ix_(rows, year_cols)]
        years = np.empty(len(rows), dtype="int64")
        for i, r in enumerate(rows):
            years[i] = self._row_year(r, cells[i])
            if not YEARS[0] <= years[i] <= YEARS[1]:
                raise self.error(
                    f"year {years[i]} is outside the file's coverage {YEARS[0]}-{YEARS[1]}",
                    r,
                    year_cols[0],
                )
        if (np.diff(years) != 1).any():
            i = int(np.flatnonzero(np.diff(years) != 1)[0]) + 1
            raise self.error(
                f"year {years[i]} does not follow {years[i - 1]}", rows[i], year_cols[0]
            )
        other = np.where(
            (cells == years[:, None]) | pd.isna(cells), None, cells
        )  # typo'd year cells only
        return np.array(rows), years, other

    def _row_year(self, r: int, cells: np.ndarray) -> int:
        """The first group's year (column A); if it is empty, the year all others agree on."""
        stated = [v for v in cells if isinstance(v, int) and not isinstance(v, bool)]
        if isinstance(cells[0], int):
            return int(cells[0])
        if cells[0] is None and len(set(stated)) == 1:
            return int(stated[0])
        raise self.error(f"no year for the row: year cells {list(cells)}", r)

    def values(self, rows: np.ndarray, col: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores of one column: float values and flags (None, #DIV/0!, text); empty cells NaN."""
        cells = self.grid[rows, col]
        text = np.array([isinstance(v, str) for v in cells])
        number = np.array([isinstance(v, (int, float)) and not isinstance(v, bool) for v in cells])
        odd = ~text & ~number & pd.notna(cells)
        if odd.any():
            i = int(np.flatnonzero(odd)[0])
            raise self.error(f"score cell holds {cells[i]!r}", int(rows[i]), col)
        value = np.where(number, cells, np.nan).astype("float64")
        outside = number & ~((value >= SCORE_RANGE[0]) & (value <= SCORE_RANGE[1]))  # NaN, inf too
        if outside.any():
            i = int(np.flatnonzero(outside)[0])
            raise self.error(
                f"score {cells[i]!r} is not a finite value in {SCORE_RANGE}", int(rows[i]), col
            )
        marker = np.array([_label(v) for v in cells], dtype=object)
        flag = np.where(text, np.where(marker == DIV0, DIV0, TEXT), None)
        return value, flag


def _observations(sh: _Sheet, rows, years, other, cols, indicators) -> list[dict]:
    """One frame-part per score column: only non-empty cells become observations."""
    parts = []
    for k, (col, indicator) in enumerate(zip(cols, indicators, strict=True)):
        value, flag = sh.values(rows, col)
        keep = ~np.isnan(value) | pd.notna(flag)  # empty cells are no observation
        typo = other[:, k] if other is not None else np.full(len(rows), None)
        flag = np.array(
            [
                ";".join(x for x in (f, None if t is None else f"year_cell={t}") if x) or None
                for f, t in zip(flag, typo, strict=True)
            ],
            dtype=object,
        )
        parts.append(
            {
                "indicator": np.full(keep.sum(), indicator, dtype=object),
                "year": years[keep],
                "value": value[keep],
                "flag": flag[keep],
                "source_row": rows[keep] + 1,
            }
        )
    return parts


def _overall(sh: _Sheet) -> list[dict]:
    g = sh.grid
    h = OVERALL_HEADER_ROW - 1
    header = [_label(v) for v in g[h, : 1 + len(OVERALL)]]
    if header != ["Year", *OVERALL]:
        raise sh.error(f"overall header {header} is not ['Year', *{list(OVERALL)}]", h)
    stop = next((r for r in range(h, len(g)) if _label(g[r, 0]) == BLOCK_START), len(g))
    rows, years, _ = sh.years(h + 1, stop, [0], list(range(1, 1 + len(OVERALL))))
    return _observations(sh, rows, years, None, range(1, 1 + len(OVERALL)), OVERALL.values())


def _block(sh: _Sheet, start: int, stop: int, strand: str) -> list[dict]:
    g = sh.grid
    labels = {_label(g[r, 0]): r for r in range(start + 1, stop) if _label(g[r, 0])}
    for need in ("Indicator", "Sub-indicator", "Year"):
        if need not in labels:
            raise sh.error(f"policy-strand block lacks its {need!r} row", start)
    head = labels["Year"]
    groups = [j for j in range(g.shape[1] - 1) if _label(g[head, j]) == "Year"]
    codes = [
        _code(g[labels["Indicator"], j + 1]) or _code(g[labels["Sub-indicator"], j + 1])
        for j in groups
    ]
    if codes[0] != strand:
        raise sh.error(f"block's first group is {codes[0]!r}, expected strand {strand!r}", start, 1)
    missing = [j for j, c in zip(groups, codes, strict=True) if c is None]
    if missing:
        raise sh.error("indicator group without a code", labels["Indicator"], missing[0] + 1)
    if len(set(codes)) != len(codes):
        dup = next(c for c in codes if codes.count(c) > 1)
        raise sh.error(f"indicator code {dup!r} appears twice in the block", labels["Indicator"])
    name = STRANDS[strand]
    indicators = [f"strand.{name}"] + [f"indicator.{name}.{c}" for c in codes[1:]]
    rows, years, other = sh.years(head + 1, stop, groups, [j + 1 for j in groups])
    return _observations(sh, rows, years, other, [j + 1 for j in groups], indicators)


def _sheet_frame(ds: Dataset, name: str, sheet: str, rows: list[tuple]) -> pd.DataFrame:
    sh = _Sheet(ds, name, sheet, rows)
    if sh.grid.shape[0] <= OVERALL_HEADER_ROW:
        raise sh.error("sheet ends before its overall table", 0)
    starts = [r for r in range(len(sh.grid)) if _label(sh.grid[r, 0]) == BLOCK_START]
    if len(starts) != len(STRANDS):
        raise sh.error(f"{len(starts)} policy-strand blocks, expected {len(STRANDS)}", 0, 0)
    parts = _overall(sh)
    for start, stop, strand in zip(starts, [*starts[1:], len(sh.grid)], STRANDS, strict=True):
        parts += _block(sh, start, stop, strand)
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return raw_table(
        ds,
        name,
        indicator=cols["indicator"],
        geo=sheet,
        geo_label=sheet,
        geo_level="country",
        year=cols["year"].astype("int64"),
        value=cols["value"],
        unit=UNIT,
        flag=pd.Series(cols["flag"], dtype="str"),
        source_row=cols["source_row"].astype("int64"),
    )


def read_file(ds: Dataset, name: str) -> pd.DataFrame:
    path = workbook_path(ds, name)
    try:
        wb = XlsxBook(path)
    except Exception as exc:  # zip/xml damage of a truncated or re-encoded file
        raise SourceError(
            f"not a readable XLSX workbook: {exc}", dataset=ds.id, file=name
        ) from None
    try:
        frames = []
        for sheet in wb.sheetnames:
            try:
                rows = wb.rows(sheet)
            except Exception as exc:  # a damaged sheet part inside a readable zip
                raise SourceError(
                    f"sheet {sheet!r} is not readable: {exc}", dataset=ds.id, file=name
                ) from None
            frames.append(_sheet_frame(ds, name, sheet, rows))
    finally:
        wb.close()
    if not frames:
        raise SourceError("workbook has no sheets", dataset=ds.id, file=name)
    return pd.concat(frames, ignore_index=True)


def read(ds: Dataset) -> pd.DataFrame:
    return read_data_files(ds, read_file)
