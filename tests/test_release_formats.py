"""Issue 14: the release's CSV and XLSX writers are fast and change no value.

* ``dividend.release.csv_text`` must write exactly the bytes of pandas' ``to_csv`` (the
  release id hashes them, readers diff them): checked against pandas itself on every table of
  a real release and on a table built to break quoting and number formatting.
* The workbook's shared strings and reference-free cells must read back, in openpyxl, as the
  same values of the same types as the tables; a real release's workbook keeps only the
  headline tables (the detail tables are CSV only), each sheet cell for cell its CSV.
"""

from __future__ import annotations

import json
import math
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

import dividend.release.csv_text as csv_text
from dividend.release.contents import CSV_ONLY
from dividend.release.csv_text import csv_chunks
from dividend.release.xlsx import sheet_names, write_xlsx
from tests.portal_fixtures import portal_release  # noqa: F401  (session fixture)

CSV_TRAPS = ["plain", 'say "hi"', "a,b", "line\nbreak", "cr\ronly", "", " lead", "=1+2", "é ü ✓"]
# XML reads a carriage return as a line feed (the CSV keeps it): none in the workbook test
XML_TRAPS = ["plain", 'say "hi"', "a,b", "line\nbreak", "tab\there", "", " lead", "<&>", "✓"]


def _hostile(text: list[str] = CSV_TRAPS) -> pd.DataFrame:
    """Every column kind a release table has, with the values that trip CSV and XML writers."""
    n = len(text)
    return pd.DataFrame(
        {
            "text": pd.array(text, dtype="str"),
            "nullable_text": pd.array([None, *text[1:]], dtype="string"),
            "object_text": pd.Series([*text[:-1], None], dtype=object),
            "float": [0.1, -0.0, np.nan, np.inf, -np.inf, 1e-5, 1e16, 123456.789, 2.0],
            "Float64": pd.array([1.5, None, -0.0, 3.0, 1e-7, 2.0, None, 0.1, 7.25], "Float64"),
            "int": np.arange(n, dtype=np.int64) * -7,
            "Int64": pd.array([1, None, 3, None, 5, 6, 7, 8, 9], dtype="Int64"),
            "bool": [True, False] * 4 + [True],
            "boolean": pd.array([True, None, False] * 3, dtype="boolean"),
        }
    )


@pytest.mark.parametrize("float_format", [None, "%.12g"])
def test_csv_text_is_pandas_to_csv_byte_for_byte(float_format, monkeypatch):
    frame = _hostile()
    monkeypatch.setattr(csv_text, "CHUNK_ROWS", 4)  # chunk boundaries inside the table
    want = frame.to_csv(index=False, lineterminator="\n", float_format=float_format)
    assert "".join(csv_chunks(frame, float_format)) == want
    one = frame[["object_text"]]  # a lone empty field is written "" (not a blank line)
    assert "".join(csv_chunks(one)) == one.to_csv(index=False, lineterminator="\n")
    dates = frame.assign(when=pd.Timestamp("2026-11-26"))  # a kind it leaves to pandas
    assert "".join(csv_chunks(dates)) == dates.to_csv(index=False, lineterminator="\n")


def test_csv_text_matches_pandas_on_every_table_of_a_real_release(portal_release):  # noqa: F811
    pkg = json.loads((portal_release / "datapackage.json").read_text(encoding="utf-8"))
    assert len(pkg["resources"]) >= 10
    for res in pkg["resources"]:
        raw = (portal_release / res["path"]).read_bytes()
        frame = pd.read_csv(portal_release / res["path"], low_memory=False)
        for fmt in (None, "%.12g"):  # how the release writes it; how the release id hashes it
            want = frame.to_csv(index=False, lineterminator="\n", float_format=fmt)
            assert "".join(csv_chunks(frame, fmt)) == want, (res["path"], fmt)
        # the file is what the release says it is (datapackage.json: bytes and sha256)
        assert res["bytes"] == len(raw) and res["hash"].startswith("sha256:")


def _expected(v: object) -> object:
    """What a cell must read back as: missing and non-finite numbers are empty cells."""
    if v is None or v is pd.NA or (isinstance(v, float) and not math.isfinite(v)):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def test_workbook_reads_back_every_value_and_type(tmp_path):
    frame = _hostile(XML_TRAPS)
    path = tmp_path / "book.xlsx"
    write_xlsx({"one": frame, "two": frame.head(3)}, path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["one", "two"]
    for name, want in (("one", frame), ("two", frame.head(3))):
        got = [[c.value for c in row] for row in wb[name].iter_rows()]
        assert got[0] == list(want.columns)
        for r, row in enumerate(want.astype(object).itertuples(index=False), start=1):
            exp = [_expected(v) for v in row]
            assert got[r] == exp, (name, r)
            assert [type(v) for v in got[r]] == [type(v) for v in exp], (name, r)
        assert len(got) == len(want) + 1
    with zipfile.ZipFile(path) as z:  # each distinct text once, shared by both sheets
        sst = z.read("xl/sharedStrings.xml").decode()
    assert sst.count("<si>") == len(
        set(frame.columns) | {v for c in frame for v in frame[c] if isinstance(v, str)}
    )
    assert sst.count("a,b") == 1


def _cell(v: object) -> object:
    """A CSV field as pandas reads it, the way the workbook holds it (missing: None)."""
    if isinstance(v, float) and math.isnan(v):
        return None
    return v.item() if isinstance(v, np.generic) else v


def test_release_workbook_sheets_read_back_every_cell_of_their_csv(portal_release):  # noqa: F811
    """The release workbook holds the headline tables only (issue 14: the detail tables are
    CSV only, see dividend.release.contents.CSV_ONLY); every sheet it keeps must read back,
    cell for cell, as the CSV of the same table."""
    pkg = json.loads((portal_release / "datapackage.json").read_text(encoding="utf-8"))
    tables = [r["path"][:-4] for r in pkg["resources"]]
    book = portal_release / "migration_dividend.xlsx"
    sheets = sheet_names(book)
    assert sheets == ["notes", *(t for t in tables if t not in CSV_ONLY)]
    assert {"indicators_long", "data_quality"} <= set(tables) - set(sheets)
    wb = openpyxl.load_workbook(book, read_only=True)
    for name in sheets[1:]:
        want = pd.read_csv(portal_release / f"{name}.csv", keep_default_na=False, na_values=[""])
        got = list(wb[name].iter_rows(values_only=True))
        assert list(got[0]) == list(want.columns), name
        assert len(got) == len(want) + 1, name
        for r, row in enumerate(want.astype(object).itertuples(index=False), start=1):
            # an empty text is "" in the workbook; a CSV writes it as it writes a missing value
            cells = [None if v == "" else v for v in got[r]]
            assert cells == [_cell(v) for v in row], (name, r)
