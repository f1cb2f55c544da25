"""A minimal, vectorised XLSX writer for plain tables (numbers, booleans, text).

openpyxl writes cell by cell in Python (about 2 s for a release's 120,000 cells on this
machine), which alone would eat most of the 5-second budget for re-building a release after a
weight change. A release workbook needs no styles or formulas, so this writer builds each
sheet's XML column-wise with pandas string operations and zips the few fixed parts of the
SpreadsheetML package (ECMA-376). Text goes in as inline strings; formula injection is handled
before (``dividend.release.neutralise``), and no ``<f>`` element is ever written.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML 1.0

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


def _escape(values: np.ndarray) -> np.ndarray:
    """XML-escape text values; each distinct value is escaped once (columns repeat a lot)."""
    codes, uniques = pd.factorize(values)
    escaped = (
        pd.Index(uniques, dtype=object)
        .str.replace(_ILLEGAL, "", regex=True)
        .str.replace("&", "&amp;", regex=False)
        .str.replace("<", "&lt;", regex=False)
        .str.replace(">", "&gt;", regex=False)
    )
    return np.asarray(escaped, dtype=object)[codes]


def _values(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """One column as (cell body after the reference, missing mask), both numpy arrays.

    Numbers use numpy's shortest round-trip repr (the same digits as ``str(float)``).
    """
    if pd.api.types.is_bool_dtype(s):
        na = s.isna().to_numpy()
        v = s.to_numpy(dtype="float64", na_value=0.0).astype("int64").astype(str)
        return '" t="b"><v>' + v.astype(object) + "</v></c>", na
    if pd.api.types.is_integer_dtype(s):
        na = s.isna().to_numpy()
        v = s.to_numpy() if isinstance(s.dtype, np.dtype) else s.to_numpy("int64", na_value=0)
        v = v.astype(str)
        return '"><v>' + v.astype(object) + "</v></c>", na
    if pd.api.types.is_numeric_dtype(s):
        v = s.to_numpy(dtype="float64", na_value=np.nan)
        return '"><v>' + v.astype(str).astype(object) + "</v></c>", ~np.isfinite(v)
    txt = s.astype("string")
    na = txt.isna().to_numpy()
    text = _escape(txt.fillna("").to_numpy(dtype=object))
    return '" t="inlineStr"><is><t xml:space="preserve">' + text + "</t></is></c>", na


def _rows_xml(columns: list[pd.Series], first_row: int) -> str:
    """``<row>`` elements for equally long columns, built as one (rows x columns) object array
    and joined once: the only per-cell work is numpy's element-wise string addition."""
    n = len(columns[0]) if columns else 0
    if n == 0:
        return ""
    rownum = np.arange(first_row, first_row + n).astype(str).astype(object)
    grid = np.empty((n, len(columns) + 2), dtype=object)
    grid[:, 0] = '<row r="' + rownum + '">'
    grid[:, -1] = "</row>"
    for j, (letters, s) in enumerate(zip(_col_letters(len(columns)), columns, strict=True)):
        body, na = _values(s)  # loop over columns; rows are vectorised
        grid[:, j + 1] = np.where(na, "", ('<c r="' + letters + rownum) + body)
    return "".join(grid.ravel().tolist())


def sheet_xml(frame: pd.DataFrame) -> str:
    """One worksheet: a header row of column names, then the data rows."""
    header = [pd.Series([str(c)], dtype=object) for c in frame.columns]
    data = [frame.iloc[:, j] for j in range(frame.shape[1])]
    return _SHEET.format(rows=_rows_xml(header, 1) + _rows_xml(data, 2))


def write_xlsx(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """Write the frames as sheets (names cut to Excel's 31 characters) into one workbook."""
    names = [n[:31] for n in sheets]
    if len(set(names)) != len(names):
        raise ValueError(f"sheet names collide after cutting to 31 characters: {names}")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr(
            "[Content_Types].xml",
            _CONTENT_TYPES.format(
                sheets="".join(_SHEET_TYPE.format(i=i) for i in range(1, len(names) + 1))
            ),
        )
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr(
            "xl/workbook.xml",
            _WORKBOOK.format(
                sheets="".join(
                    f'<sheet name="{_escape(np.array([n], dtype=object))[0]}" sheetId="{i}" r:id="rId{i}"/>'
                    for i, n in enumerate(names, start=1)
                )
            ),
        )
        z.writestr(
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
            z.writestr(f"xl/worksheets/sheet{i}.xml", sheet_xml(frame))
