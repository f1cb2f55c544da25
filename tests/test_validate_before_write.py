"""Validate before anything is written, at every layer (issue 13, item 5).

Real publisher files mutated in a temporary copy, re-catalogued so that the sha256 guard lets
them through to the parsers and models (tests/mutated_sources.py).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pandas as pd
import pytest

from pipelines.materialise import materialise
from pipelines.run_all import summary
from sources.catalogue import load_catalogue
from sources.dataset_check import check_dataset
from sources.datasets import all_specs
from sources.errors import SourceError
from sources.geography.cities import QOL_FILE, QOL_SHEET, build_qol_crosswalk
from tests.country_sources_helpers import edit_worldbank_csv
from tests.mutated_sources import mutated_sources

NETM = "worldbank_wdi_net_migration"
NETM_FILE = "API_SM.POP.NETM_DS2_en_csv_v2_3401672.csv"
QOL = "eu_qol_european_cities_2023"
# Aruba (ABW) is the first data row of the World Bank file: line 6 under the 4-line preamble
# and the header on line 5. Its year columns start at 1960.
ABW_LINE = 6


def _netm(tmp_path: Path, edit) -> tuple[Path, Path]:
    return mutated_sources(tmp_path, NETM, {NETM_FILE: lambda p: edit_worldbank_csv(p, edit)})


def _check(raw: Path, cat: Path, ds_id: str = NETM):
    return check_dataset(all_specs()[ds_id], load_catalogue(cat, raw)[ds_id])


def _duplicate_aruba(frame: pd.DataFrame) -> None:
    frame.loc[len(frame)] = frame.iloc[0]


def _set_aruba_2000(value: str):
    def edit(frame: pd.DataFrame) -> None:
        frame.loc[frame["Country Code"].eq("ABW"), "2000"] = value

    return edit


def _year_2023_becomes_2099(frame: pd.DataFrame) -> None:
    frame.columns = [("2099" if c == "2023" else c) for c in frame.columns]


def _unknown_code(frame: pd.DataFrame) -> None:
    frame.loc[frame["Country Code"].eq("ABW"), "Country Code"] = "ABX"


def _uffff_in_name(frame: pd.DataFrame) -> None:
    frame.loc[frame["Country Code"].eq("ABW"), "Country Name"] = "Ar\uffffuba"


@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        # before: pandas' "Index contains duplicate entries" from the staging pivot
        (_duplicate_aruba, rf"row {ABW_LINE + 266}, column 'geo'.*duplicate key.*'ABW'"),
        # before: stored in raw; 1e308 passed every source check
        (_set_aruba_2000("inf"), rf"row {ABW_LINE}, column 'value'.*value is inf"),
        (_set_aruba_2000("1e308"), rf"row {ABW_LINE}, column 'value'.*1e\+308"),
        # before: accepted (RawTidy allowed up to 2100); catalogue coverage is 1960-2023
        (
            _year_2023_becomes_2099,
            rf"row {ABW_LINE}, column 'year'.*year_within_coverage_1960_2023.*2099",
        ),
        # before: silently an "aggregate", so Aruba dropped out of the country index
        (_unknown_code, rf"row {ABW_LINE}, column 'Country Code'.*'ABX' is neither"),
        # before: reached the release, where Excel refuses the ill-formed worksheet XML
        (_uffff_in_name, rf"row {ABW_LINE}, column 'geo_label'.*U\+FFFF"),
    ],
    ids=["duplicate-key", "inf", "1e308", "year-2099", "unknown-code", "U+FFFF"],
)
def test_bad_cell_is_refused_naming_dataset_file_row_and_column(tmp_path, edit, pattern):
    raw, cat = _netm(tmp_path, edit)
    with pytest.raises(SourceError, match=rf"(?s)dataset '{NETM}', file '{NETM_FILE}', {pattern}"):
        _check(raw, cat)


def test_unmutated_copy_passes(tmp_path):
    """The guard of the cases above: the same copy without an edit validates."""
    raw, cat = _netm(tmp_path, lambda frame: None)
    checked = _check(raw, cat)
    assert len(checked.raw) == 16_960  # README's sources table, from the publisher file


@pytest.mark.parametrize(
    "edit", [_duplicate_aruba, _set_aruba_2000("1e308")], ids=["duplicate-key", "1e308"]
)
def test_raw_table_is_not_replaced_when_any_layer_rejects(
    source_warehouse, tmp_path, monkeypatch, edit
):
    """Before: raw.worldbank_wdi_net_migration went from 16,960 to 17,024 rows (duplicates) or
    stored 1e308 before the staged model failed. Now raw validation, staging and the staged
    model all run before the raw write, and the summary says nothing was replaced."""
    path, _ = source_warehouse
    warehouse = tmp_path / "w.duckdb"
    shutil.copyfile(path, warehouse)
    raw, cat = _netm(tmp_path, edit)
    monkeypatch.setenv("DIVIDEND_RAW_DIR", str(raw))
    monkeypatch.setenv("DIVIDEND_CATALOGUE", str(cat))
    monkeypatch.setenv("DIVIDEND_EXPORTS", str(tmp_path / "exports"))
    sql = f"SELECT count(*), max(abs(value)) FROM raw.{NETM}"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        before = con.execute(sql).fetchone()
    selection = dg.AssetSelection.assets(["raw", f"raw_{NETM}"], ["staged", f"staged_{NETM}"])
    result = materialise(warehouse, selection=selection, raise_on_error=False)
    assert not result.success
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(sql).fetchone() == before
    assert before[0] == 16_960
    ok, lines = summary([result], None, tmp_path / "exports")
    assert not ok
    assert lines[1] == "replaced in this run (0): nothing"
    assert f"raw/raw_{NETM}" in lines[2] and lines[2].startswith("not replaced")
    assert lines[3] == "exports/latest: unchanged (none)"


def _delete_qol_column(letter: str):
    def mutate(path: Path) -> None:
        wb = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))
        ws = wb[QOL_SHEET]
        ws.delete_cols(openpyxl.utils.column_index_from_string(letter))
        wb.save(path)

    return mutate


def test_deleted_qol_city_column_is_refused_not_a_shorter_crosswalk(tmp_path):
    """Before: the crosswalk shrank from 83 to 82 cities and was written before its check.
    Now the reader and the crosswalk refuse, naming the workbook, banner row 2 and the column
    where the city is missing (J: Burgas, the 6th city from column E)."""
    raw, cat = mutated_sources(tmp_path, QOL, {QOL_FILE: _delete_qol_column("J")})
    pattern = rf"file '{QOL_FILE}', row 2, column 'J'.*82 city columns.*missing \['301 Burgas'\]"
    with pytest.raises(SourceError, match=pattern):
        _check(raw, cat, QOL)
    ds = load_catalogue(cat, raw)[QOL]
    from sources.readers.qol_banner_xlsx import read_banner

    with pytest.raises(SourceError, match=pattern):
        build_qol_crosswalk(read_banner(ds, QOL_FILE, QOL_SHEET))
