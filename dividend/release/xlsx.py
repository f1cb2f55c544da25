"""A minimal, vectorised XLSX writer for plain tables (numbers, booleans, text).

openpyxl writes cell by cell in Python (about 2 s for a release's 120,000 cells on this
machine), which alone would eat most of the 5-second budget for re-building a release after a
weight change. A release workbook needs no styles or formulas, so this writer builds each
sheet's XML as one (rows x columns) numpy object array of cell strings, joined once, and zips
the few fixed parts of the SpreadsheetML package (ECMA-376). Text goes into one shared-strings
table, each distinct value once (the data-quality sheet repeats a few long reasons tens of
thousands of times: inline strings made it 121 MB of XML); formula injection is handled before
(``dividend.release.writer.neutralise``), and no ``<f>`` element is ever written.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree
from xml.parsers import expat

import numpy as np
import pandas as pd

from dividend.release.timestamps import zip_entry_time
from dividend.xml_text import strip_xml_forbidden

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "{sheets}</Types>"
)
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{i}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<sheets>{sheets}</sheets></workbook>"
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    "{rels}</Relationships>"
)
_SHEET = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<sheetData>{rows}</sheetData></worksheet>"
)
_SST = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'count="{count}" uniqueCount="{unique}">{items}</sst>'
)
_SST_REL = (
    '<Relationship Id="rId{i}" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/>'
)


# zlib's default: 5.2 MB for a whole release's workbook, against 7.0 MB at level 1, for
# 0.5 s more CPU (level 9: about 4 % smaller again, at 6 times the time)
ZIP_LEVEL = 6
WORKSHEETS = "xl/worksheets/"
_SEP = "\ue000"  # a private-use character: joins distinct values so they are escaped in one pass
# Cells carry no reference (``r`` is optional, ECMA-376 Part 1, 18.3.1.4): each takes the next
# column, and a missing value is an empty ``<c/>``, so no cell is shifted.
_TEXT_CELL = ('<c t="s"><v>', "</v></c>")  # the value: an index into the shared strings
_NUMBER_CELL = ("<c><v>", "</v></c>")
_BOOL_CELL = ('<c t="b"><v>', "</v></c>")
_BLANK = "<c/>"
_SHARED_ITEM = ('<si><t xml:space="preserve">', "</t></si>")


def _escape_one(s: str) -> str:
    s = strip_xml_forbidden(s)  # XML 1.0 forbids them; the CSV keeps every character
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape(values: np.ndarray) -> np.ndarray:
    """XML-escape distinct text values, all of them in one pass over their joined text, then
    split back apart."""
    uniq = np.asarray(values, dtype=object)
    if not len(uniq):
        return uniq
    joined = _SEP.join(uniq.tolist())
    if joined.count(_SEP) == len(uniq) - 1:  # the separator is not in the data
        return np.array(_escape_one(joined).split(_SEP), dtype=object)
    return pd.Index(uniq).map(_escape_one).to_numpy(dtype=object)


def column_kind(s: pd.Series) -> str:
    """bool | int | float | text: how a column is written here, and typed in the data package."""
    if pd.api.types.is_bool_dtype(s):
        return "bool"
    if pd.api.types.is_integer_dtype(s):
        return "int"
    if pd.api.types.is_numeric_dtype(s):
        return "float"
    return "text"


class SharedStrings:
    """The workbook's shared-strings table (``xl/sharedStrings.xml``): every distinct text of
    every sheet once, in order of first appearance; a text cell holds its index."""

    def __init__(self) -> None:
        self._index: dict[str, int] = {}
        self.count = 0  # text cells written (the table's ``count`` attribute)

    def ids(self, uniques: np.ndarray, cells: int) -> np.ndarray:
        """The table index of each distinct text (one dictionary step per distinct value,
        none per cell); ``cells``: how many cells hold them."""
        known = self._index
        self.count += cells
        return np.fromiter(
            (known.setdefault(u, len(known)) for u in uniques.tolist()),
            dtype=np.int64,
            count=len(uniques),
        )

    def xml(self) -> str:
        items = _escape(np.array(list(self._index), dtype=object))
        body = "".join((_SHARED_ITEM[0] + items + _SHARED_ITEM[1]).tolist()) if len(items) else ""
        return _SST.format(count=self.count, unique=len(self._index), items=body)


def _distinct(s: pd.Series, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values) of a column; code -1: no value (missing, or a non-finite
    number, which a cell cannot hold). Floats are told apart by their bits, so -0.0 stays
    -0.0; text that is not plain ``str`` is written as pandas' ``string`` shows it."""
    if kind == "text":
        arr = s.to_numpy()
        plain = arr.dtype == object and pd.api.types.infer_dtype(arr, skipna=True) == "string"
        codes, uniques = pd.factorize(arr if plain else s.astype("string"))
        return codes, np.asarray(uniques, dtype=object)
    if kind == "float":
        v = s.to_numpy(dtype="float64", na_value=np.nan)
        codes, bits = pd.factorize(v.view(np.int64))
        uniques = np.asarray(bits, dtype=np.int64).view(np.float64)
        return np.where(np.isfinite(v), codes, -1), uniques
    values = s.to_numpy(dtype="float64" if kind == "bool" else "int64", na_value=0)
    codes, uniques = pd.factorize(values.astype(np.int64))
    return np.where(s.isna().to_numpy(), -1, codes), np.asarray(uniques)


def column_cells(s: pd.Series, strings: SharedStrings) -> np.ndarray:
    """Every row's ``<c>`` element for one column. Each distinct value's cell is built once
    and picked per row, so no string is formatted per cell.

    Numbers use numpy's shortest round-trip repr (the same digits as ``str(float)``).
    """
    kind = column_kind(s)
    codes, uniques = _distinct(s, kind)
    if kind == "text":
        (pre, post), body = _TEXT_CELL, strings.ids(uniques, int((codes >= 0).sum())).astype(str)
    else:
        (pre, post), body = (_BOOL_CELL if kind == "bool" else _NUMBER_CELL), uniques.astype(str)
    table = np.concatenate([pre + body.astype(object) + post, np.array([_BLANK], dtype=object)])
    return table[codes]  # code -1 picks the blank cell at the end


def _data_rows(frame: pd.DataFrame, strings: SharedStrings) -> str:
    """``<row>`` elements of the data, built as one (rows x columns) object array and joined
    once; one column at a time, rows vectorised."""
    n, m = frame.shape
    if n == 0:
        return ""
    grid = np.empty((n, m + 2), dtype=object)
    grid[:, 0] = '<row r="' + np.arange(2, n + 2).astype(str).astype(object) + '">'
    grid[:, -1] = "</row>"
    for j in range(m):  # loop over columns; rows are vectorised
        grid[:, j + 1] = column_cells(frame.iloc[:, j], strings)
    return "".join(grid.ravel().tolist())


def sheet_xml(frame: pd.DataFrame, strings: SharedStrings) -> str:
    """One worksheet: a header row of column names, then the data rows; its text joins
    ``strings``."""
    header = column_cells(pd.Series([str(c) for c in frame.columns], dtype=object), strings)
    return _SHEET.format(rows=f'<row r="1">{"".join(header)}</row>' + _data_rows(frame, strings))


def write_xlsx(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """Write the frames as sheets (names cut to Excel's 31 characters) into one workbook."""
    names = [n[:31] for n in sheets]
    if len(set(names)) != len(names):
        raise ValueError(f"sheet names collide after cutting to 31 characters: {names}")
    stamp = zip_entry_time()  # one time for every member; SOURCE_DATE_EPOCH makes it fixed
    strings = SharedStrings()

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as z:

        def put(name: str, text: str) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o600 << 16  # what ZipFile.writestr gives a member named by a str
            z.writestr(info, text, compress_type=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL)

        put(
            "[Content_Types].xml",
            _CONTENT_TYPES.format(
                sheets="".join(_SHEET_TYPE.format(i=i) for i in range(1, len(names) + 1))
            ),
        )
        put("_rels/.rels", _ROOT_RELS)
        put(
            "xl/workbook.xml",
            _WORKBOOK.format(
                sheets="".join(
                    f'<sheet name="{_escape(np.array([n], dtype=object))[0]}" sheetId="{i}" r:id="rId{i}"/>'
                    for i, n in enumerate(names, start=1)
                )
            ),
        )
        put(
            "xl/_rels/workbook.xml.rels",
            _WB_RELS.format(
                rels="".join(
                    f'<Relationship Id="rId{i}" '
                    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                    f'Target="worksheets/sheet{i}.xml"/>'
                    for i in range(1, len(names) + 1)
                )
                + _SST_REL.format(i=len(names) + 1)
            ),
        )
        for i, frame in enumerate(sheets.values(), start=1):
            put(f"{WORKSHEETS}sheet{i}.xml", sheet_xml(frame, strings))
        put("xl/sharedStrings.xml", strings.xml())
    # every text is in the shared strings (and sheet names in the workbook part): those are
    # parsed; a worksheet holds only this module's markup, numbers and indexes
    require_well_formed(path, skip=(WORKSHEETS,))


class XlsxError(ValueError):
    """A written workbook part is not well-formed XML (Excel would refuse the file)."""


def require_well_formed(path: Path, skip: tuple[str, ...] = ()) -> None:
    """Parse every XML part of the workbook (but those whose name starts with one of
    ``skip``), streaming (expat, 1 MiB at a time); raise :class:`XlsxError` naming the part,
    line and column of the first error."""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if not name.endswith((".xml", ".rels")) or name.startswith(skip):
                continue
            parser = expat.ParserCreate()
            try:
                with z.open(name) as fh:
                    while chunk := fh.read(1 << 20):
                        parser.Parse(chunk, False)
                parser.Parse(b"", True)
            except expat.ExpatError as exc:
                raise XlsxError(
                    f"{path.name}: part {name} is not well-formed XML "
                    f"(line {exc.lineno}, column {exc.offset}: {expat.ErrorString(exc.code)})"
                ) from None


def sheet_names(path: Path) -> list[str]:
    """The sheet names of a workbook, in order (from its ``xl/workbook.xml``): what a
    reader finds in it, whatever wrote it."""
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read("xl/workbook.xml"))
    return [s.get("name", "") for s in root.iter(f"{ns}sheet")]
