"""sources.readers.xlsx_rows reads every vendored workbook exactly as openpyxl does.

The readers were written against openpyxl's read-only `iter_rows(values_only=True)` with
cached values; XlsxBook reads the cells with calamine and must hand over the same rows: same
sheets, same row count and width, every cell equal *and* of the same type (None for empty,
int for whole numbers, error text such as MIPEX's 1,374 #DIV/0! cells, literal _x000D_
escapes). The expected rows come from openpyxl on the same file, not from this test.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from sources.catalogue import catalogue
from sources.errors import SourceError
from sources.readers import mipex_country_sheets_xlsx as mipex_reader
from sources.readers.xlsx_rows import XlsxBook
from tests.country_sources_helpers import mutated

MIPEX, MIPEX_BOOK = "mipex2020_core_2007_2019", "mipex_core_2007-2019.xlsx"

WORKBOOKS = sorted(
    (ds.id, f.name) for ds in catalogue().values() for f in ds.files if f.name.endswith(".xlsx")
)


def openpyxl_rows(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {s: list(book[s].iter_rows(values_only=True)) for s in book.sheetnames}
    finally:
        book.close()


def test_every_vendored_workbook_is_covered():
    assert {name for _, name in WORKBOOKS} >= {
        "mipex_core_2007-2019.xlsx",
        "quality_of_life_european_cities_2023_aggregated_data.xlsx",
    }


@pytest.mark.parametrize(("ds_id", "name"), WORKBOOKS, ids=[n for _, n in WORKBOOKS])
def test_rows_equal_openpyxl_cell_by_cell(ds_id, name):
    path = catalogue()[ds_id].path(name)
    expected = openpyxl_rows(path)
    with XlsxBook(path) as book:
        assert book.sheetnames == list(expected)
        for sheet, rows in expected.items():
            got = book.rows(sheet)
            assert len(got) == len(rows), sheet
            for i, (want, have) in enumerate(zip(rows, got, strict=True), start=1):
                assert have == want, (sheet, i)
                assert [type(v) for v in have] == [type(v) for v in want], (sheet, i)


def test_error_cells_are_their_cached_text():
    # MIPEX 2020, sheet AL, cell D3: Excel cached #DIV/0! (openpyxl reads the same text).
    ds = catalogue()["mipex2020_core_2007_2019"]
    with XlsxBook(ds.path("mipex_core_2007-2019.xlsx")) as book:
        assert book.rows("AL")[2][3] == "#DIV/0!"


def test_a_missing_sheet_raises():
    ds = catalogue()["mipex2020_core_2007_2019"]
    with XlsxBook(ds.path("mipex_core_2007-2019.xlsx")) as book, pytest.raises(KeyError):
        book.rows("no such sheet")


def _far_cell(path: Path) -> None:
    """Add one cell at XFD1048576 to the first sheet: a few bytes of XML that span the whole
    grid (17 billion cells) for any reader that lays the sheet out as a rectangle."""
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    parts[sheet] = parts[sheet].replace(b"</sheetData>", far, 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_a_sheet_spanning_the_whole_grid_is_refused_by_name(tmp_path):
    ds = mutated(MIPEX, tmp_path, MIPEX_BOOK, _far_cell)
    with pytest.raises(SourceError, match=r"sheet 'AE' is not readable.*more than 5,000,000"):
        mipex_reader.read(ds)
