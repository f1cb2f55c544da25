"""A minimal, vectorised XLSX writer for plain tables (numbers, booleans, text).

openpyxl writes cell by cell in Python (about 2 s for a release's 120,000 cells on this
machine), which alone would eat most of the 5-second budget for re-building a release after a
weight change. A release workbook needs no styles or formulas, so this writer builds each
sheet's XML as one (rows x columns) numpy object array of cell strings, joined once, and zips
the few fixed parts of the SpreadsheetML package (ECMA-376). Text goes in as inline strings; formula injection is handled
before (``dividend.release.writer.neutralise``), and no ``<f>`` element is ever written.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
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


def _col_letters(n: int) -> list[str]:
    out = []
    for i in range(n):
        s, k = "", i + 1
        while k:
            k, r = divmod(k - 1, 26)
            s = chr(65 + r) + s
        out.append(s)
    return out


_SEP = "\ue000"  # a private-use character: joins distinct values so they are escaped in one pass
_TEXT_CELL = ('" t="inlineStr"><is><t xml:space="preserve">', "</t></is></c>")
_NUMBER_CELL = ('"><v>', "</v></c>")
_BOOL_CELL = ('" t="b"><v>', "</v></c>")


def _escape_one(s: str) -> str:
    s = strip_xml_forbidden(s)  # XML 1.0 forbids them; the CSV keeps every character
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape(values: np.ndarray) -> np.ndarray:
    """XML-escape text values. Each distinct value is escaped once (columns repeat a lot), all
    of them in one pass over their joined text, then split back apart."""
    codes, uniques = pd.factorize(values)
    uniq = np.asarray(uniques, dtype=object)
    joined = _SEP.join(uniq.tolist())
    if joined.count(_SEP) == max(len(uniq) - 1, 0):  # the separator is not in the data
        escaped = np.array(_escape_one(joined).split(_SEP), dtype=object)
    else:
        escaped = pd.Index(uniq).map(_escape_one).to_numpy(dtype=object)
    return escaped[codes] if len(uniq) else np.full(len(codes), "", dtype=object)


def column_kind(s: pd.Series) -> str:
    """bool | int | float | text: how a column is written here, and typed in the data package."""
    if pd.api.types.is_bool_dtype(s):
        return "bool"
    if pd.api.types.is_integer_dtype(s):
        return "int"
    if pd.api.types.is_numeric_dtype(s):
        return "float"
    return "text"


def _numbers(block: pd.DataFrame, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """A block of same-kind numeric columns as (cell-value text, missing mask), 2-D.

    Numbers use numpy's shortest round-trip repr (the same digits as ``str(float)``).
    """
    if kind == "float":
        v = block.to_numpy(dtype="float64", na_value=np.nan)
        return v.astype(str), ~np.isfinite(v)
    na = block.isna().to_numpy()
    if kind == "bool":
        return block.to_numpy(dtype="float64", na_value=0.0).astype("int64").astype(str), na
    return block.to_numpy(dtype="int64", na_value=0).astype(str), na


def _text(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A text column as (escaped text, missing mask)."""
    arr = s.to_numpy()
    if arr.dtype == object and pd.api.types.infer_dtype(arr, skipna=False) == "string":
        return _escape(arr), np.zeros(len(arr), dtype=bool)  # plain str, nothing missing
    txt = s.astype("string")
    return _escape(txt.fillna("").to_numpy(dtype=object)), txt.isna().to_numpy()


def _data_rows(frame: pd.DataFrame) -> str:
    """``<row>`` elements of the data, built as one (rows x columns) object array and joined
    once: columns of one numeric kind are formatted together, text columns one by one."""
    n, m = frame.shape
    if n == 0:
        return ""
    rownum = np.arange(2, n + 2).astype(str).astype(object)
    grid = np.empty((n, m + 2), dtype=object)
    grid[:, 0] = '<row r="' + rownum + '">'
    grid[:, -1] = "</row>"
    refs = '<c r="' + np.array(_col_letters(m), dtype=object)
    kinds = np.array([column_kind(frame.iloc[:, j]) for j in range(m)], dtype=object)
    for kind, (pre, post) in (("float", _NUMBER_CELL), ("int", _NUMBER_CELL), ("bool", _BOOL_CELL)):
        js = np.flatnonzero(kinds == kind)
        if len(js):
            v, na = _numbers(frame.iloc[:, js], kind)
            cells = (refs[js][None, :] + rownum[:, None]) + (pre + v.astype(object) + post)
            grid[:, js + 1] = np.where(na, "", cells)
    for j in np.flatnonzero(kinds == "text"):  # loop over text columns; rows are vectorised
        v, na = _text(frame.iloc[:, j])
        cells = (refs[j] + rownum) + (_TEXT_CELL[0] + v + _TEXT_CELL[1])
        grid[:, j + 1] = np.where(na, "", cells)
    return "".join(grid.ravel().tolist())


def sheet_xml(frame: pd.DataFrame) -> str:
    """One worksheet: a header row of column names, then the data rows."""
    names = _escape(np.array([str(c) for c in frame.columns], dtype=object))
    refs = np.array(_col_letters(frame.shape[1]), dtype=object)
    header = "".join(('<c r="' + refs + "1" + _TEXT_CELL[0] + names + _TEXT_CELL[1]).tolist())
    return _SHEET.format(rows=f'<row r="1">{header}</row>' + _data_rows(frame))


def write_xlsx(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """Write the frames as sheets (names cut to Excel's 31 characters) into one workbook."""
    names = [n[:31] for n in sheets]
    if len(set(names)) != len(names):
        raise ValueError(f"sheet names collide after cutting to 31 characters: {names}")
    stamp = zip_entry_time()  # one time for every member; SOURCE_DATE_EPOCH makes it fixed

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:

        def put(name: str, text: str) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o600 << 16  # what ZipFile.writestr gives a member named by a str
            z.writestr(info, text, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)

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
            ),
        )
        for i, frame in enumerate(sheets.values(), start=1):
            put(f"xl/worksheets/sheet{i}.xml", sheet_xml(frame))
    require_well_formed(path)


class XlsxError(ValueError):
    """A written workbook part is not well-formed XML (Excel would refuse the file)."""


def require_well_formed(path: Path) -> None:
    """Parse every XML part of the workbook, streaming (expat, 1 MiB at a time); raise
    :class:`XlsxError` naming the part, line and column of the first error."""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if not name.endswith((".xml", ".rels")):
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
