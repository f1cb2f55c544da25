"""XLSX sheets as rows of cell values: calamine's speed, openpyxl's values.

The readers were written against openpyxl's read-only `iter_rows(values_only=True)` with
`data_only` (Excel's cached values). Parsing the sheet XML in Python is most of what reading
the sources cost, so the cells are read with calamine (Rust; python-calamine, MIT) and handed
over exactly as openpyxl gives them (tests/test_sources_xlsx_rows.py compares every vendored
workbook cell by cell):
- an empty cell is None (calamine: ""), a whole number an int (calamine: float);
- rows and columns are those of the sheet's `<dimension>`, padded with None or cut, as
  openpyxl's read-only sheet does;
- a formula error (#DIV/0!, #N/A, ...) is its text. calamine reads an error cell as an empty
  string (python-calamine issue 105), so error cells are found in the sheet's XML: every
  `t="e"` cell, its reference and its cached `<v>`;
- text keeps OOXML's `_xHHHH_` escapes of control characters literally, as openpyxl does
  (calamine decodes them).
calamine's "" also stands for an empty string, which openpyxl keeps as ''. So a workbook with
an empty shared string, or a sheet with inline strings, rows or cells without a leading
reference, or error cells written in a form the scan does not read (the count of `t="e"`
differs, or calamine has a value there), is read with openpyxl instead: a surprise costs
time, never a value. A sheet spanning more than MAX_CELLS is refused before either lays it out.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import unescape

import openpyxl
import python_calamine
from openpyxl.utils.cell import column_index_from_string, coordinate_to_tuple

Row = tuple[object, ...]
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Rows x columns a sheet may span: calamine allocates that rectangle, and openpyxl's rows (which
# these reproduce) pad to the <dimension>. The vendored sheets span under 200,000 cells; two
# cells a million rows apart in a few bytes of XML are refused instead of exhausting memory.
MAX_CELLS = 5_000_000
_ROW_REF = re.compile(rb'<row r="([0-9]+)"')
_COLUMN_REF = re.compile(rb'<c r="([A-Z]+)')
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+[0-9]+)(?::([A-Z]+[0-9]+))?"')
_ERROR_CELL = re.compile(rb'<c ([^>]*\bt="e"[^>]*)>')
_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_ERROR_MARK = re.compile(rb"\bt\s*=\s*[\"']e[\"']")
_INLINE_MARK = re.compile(rb"\bt\s*=\s*[\"']inlineStr[\"']")
_EMPTY_TEXT = re.compile(rb"<t(?:\s[^>]*)?(?:/>|></t>)")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f]")


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part in the zip, from the workbook and its relationships."""
    book = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{PKG_REL_NS}Relationship")}
    parts = {}
    for sheet in book.iter(f"{MAIN_NS}sheet"):
        t = target.get(sheet.get(f"{REL_NS}id"), "")
        parts[sheet.get("name")] = t.lstrip("/") if t.startswith("/") else posixpath.join("xl", t)
    return parts


def _error_cells(xml: bytes) -> dict[tuple[int, int], str | None] | None:
    """0-based (row, column) -> cached error text of every formula-error cell; None when
    the XML writes one in a form this scan does not read."""
    found: dict[tuple[int, int], str | None] = {}
    for m in _ERROR_CELL.finditer(xml):
        attrs = m.group(1)
        ref = _REF.search(attrs)
        if ref is None:
            return None
        row, col = coordinate_to_tuple(ref.group(1).decode())
        text = None
        if not attrs.endswith(b"/"):
            body = xml[m.end() : xml.find(b"</c>", m.end())]
            value = _VALUE.search(body)
            text = unescape(value.group(1).decode()) or None if value else None
        found[row - 1, col - 1] = text
    if len(found) != len(_ERROR_MARK.findall(xml)):
        return None
    return found


def _span(xml: bytes) -> tuple[int, int] | None:
    """(last row, last column) of the sheet's cells; None when a row or cell has no reference
    (or not as its first attribute), so the extent is not known from the references."""
    rows = _ROW_REF.findall(xml)
    cells = _COLUMN_REF.findall(xml)
    if len(rows) != xml.count(b"<row ") + xml.count(b"<row>") or len(cells) != xml.count(
        b"<c "
    ) + xml.count(b"<c>"):
        return None
    last_row = max(map(int, rows), default=0)
    last_col = max((column_index_from_string(c.decode()) for c in set(cells)), default=0)
    return last_row, last_col


def _bounded_span(xml: bytes, name: str) -> tuple[int, int] | None:
    """`_span`, after refusing a sheet whose cells or <dimension> span more than MAX_CELLS."""
    dim = _DIMENSION.search(xml)
    cells = _span(xml)
    for rows, cols in [
        cells or (0, 0),
        coordinate_to_tuple(dim.group(dim.lastindex).decode()) if dim else (0, 0),
    ]:
        if rows * cols > MAX_CELLS:
            raise ValueError(
                f"sheet {name!r} spans {rows:,} rows x {cols:,} columns, more than "
                f"{MAX_CELLS:,} cells"
            )
    return cells


def _has_empty_shared_string(z: zipfile.ZipFile) -> bool:
    """Whether a shared string is '' (its text runs, phonetic runs aside, are all empty)."""
    if "xl/sharedStrings.xml" not in z.namelist():
        return False
    if not _EMPTY_TEXT.search(z.read("xl/sharedStrings.xml")):
        return False  # every text element has content
    for _, si in ET.iterparse(z.open("xl/sharedStrings.xml")):
        if si.tag == f"{MAIN_NS}si":
            runs = [si.find(f"{MAIN_NS}t"), *si.findall(f"{MAIN_NS}r/{MAIN_NS}t")]
            if not "".join(t.text or "" for t in runs if t is not None):
                return True
            si.clear()
    return False


def _escape_control(match: re.Match) -> str:
    return f"_x{ord(match.group(0)):04X}_"


def _value(v: object) -> object:
    if type(v) is str:
        if v == "":
            return None
        return _CONTROL.sub(_escape_control, v) if _CONTROL.search(v) else v
    if type(v) is float and v.is_integer():
        return int(v)
    if type(v) is dt.date:
        return dt.datetime(v.year, v.month, v.day)
    return v


def _openpyxl_rows(path: Path, name: str) -> list[Row]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return list(book[name].iter_rows(values_only=True))
    finally:
        book.close()


def _sheet_rows(
    path: Path, sheet: python_calamine.CalamineSheet, xml: bytes, errors: dict | None
) -> list[Row]:
    cells = sheet.to_python(skip_empty_area=False)
    if errors is None or any(
        r >= len(cells) or c >= len(cells[r]) or cells[r][c] != "" for r, c in errors
    ):
        return _openpyxl_rows(path, sheet.name)
    dim = _DIMENSION.search(xml)
    if dim is None:  # openpyxl then gives each row as far as it has cells
        n_rows, n_cols = len(cells), None
    else:
        n_rows, n_cols = coordinate_to_tuple(dim.group(dim.lastindex).decode())
    rows: list[list] = []
    for i in range(n_rows):
        raw = cells[i] if i < len(cells) else []
        width = len(raw) if n_cols is None else n_cols
        row = [_value(v) for v in raw[:width]]
        rows.append(row + [None] * (width - len(row)))
    for (r, c), text in errors.items():
        if r < n_rows and c < len(rows[r]):
            rows[r][c] = text
    return [tuple(r) for r in rows]


class XlsxBook:
    """An open workbook whose sheets are read as openpyxl's read-only `iter_rows(values_only=
    True)` with cached values gives them. Opening fails on a damaged zip or workbook part;
    `rows` on a damaged sheet part (calamine's, zipfile's or the XML parser's errors)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip = zipfile.ZipFile(path)
        try:
            self._book = python_calamine.CalamineWorkbook.from_path(str(path))
            self._parts = _sheet_parts(self._zip)
            self._empty_strings = _has_empty_shared_string(self._zip)
        except BaseException:
            self._zip.close()
            raise
        self.sheetnames: list[str] = list(self._book.sheet_names)

    def rows(self, name: str) -> list[Row]:
        if name not in self.sheetnames:
            raise KeyError(f"no sheet {name!r}")
        xml = self._zip.read(self._parts[name])
        if _bounded_span(xml, name) is None or self._empty_strings or _INLINE_MARK.search(xml):
            return _openpyxl_rows(self.path, name)
        errors = _error_cells(xml)
        return _sheet_rows(self.path, self._book.get_sheet_by_name(name), xml, errors)

    def close(self) -> None:
        self._book.close()
        self._zip.close()

    def __enter__(self) -> XlsxBook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
