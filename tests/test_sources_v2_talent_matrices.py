"""World Bank–LinkedIn talent migration and the KNOMAD bilateral matrices: golden numbers from
the vendored files, every rule on a mutated copy, each reader on a truncated and a re-encoded
file.

Golden numbers read off the files themselves: LinkedIn line 1117 (de -> gb) net_per_10K_2019
= 2.3; KNOMAD migration matrix row 129 (Mexico) x column "United States" = 10,924,662 and the
grand total (row 222 "World" x column "World") = 282,222,943; remittance matrix row 204
(United Arab Emirates) x "India" = 19,821.05 and x "WORLD" = 44,926.04 US$ million; the
stray cell DF218 holds =SUM(DF3:DF216) = 6,393.53 (Lebanon's column).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sources.catalogue import dataset
from sources.datasets import all_specs
from sources.datasets.knomad_bilateral_matrices_2021 import (
    CHECK_SUM_ROW,
    FOOTNOTE_ROW,
    NOT_AVAILABLE,
    REMITTANCE_FILE,
    RESAVED,
    TOTAL,
)
from sources.datasets.wb_linkedin_talent_migration import TRAILING, WEAK_PROVENANCE
from sources.errors import SourceError
from sources.readers import knomad_matrix_xlsx, linkedin_talent_csv
from sources.tidy import RAW_COLUMNS, RawTidy
from tests.country_sources_helpers import mutated, replace_text

LI = "wb_linkedin_talent_migration"
LI_FILE = "country_migration_public.csv"
KM = "knomad_bilateral_matrices_2021"
MIGRATION_FILE = "bilateral_migration_matrix_2021_latest.xlsx"


def stage(ds_id: str, ds) -> tuple[pd.DataFrame, pd.DataFrame]:
    spec = all_specs()[ds_id]
    result = spec.stage(spec.read(ds))
    return spec.schema.validate(result.table, lazy=True), result.decisions


@pytest.fixture(scope="module")
def linkedin():
    return stage(LI, dataset(LI))


@pytest.fixture(scope="module")
def matrices():
    return stage(KM, dataset(KM))


def value(table: pd.DataFrame, geo: str, indicator: str, year: int) -> pd.Series:
    hit = table[table["geo"].eq(geo) & table["indicator"].eq(indicator) & table["year"].eq(year)]
    assert len(hit) == 1, (geo, indicator, year, len(hit))
    return hit.iloc[0]


# ---------------------------------------------------------------- LinkedIn


def test_linkedin_raw_contract_and_golden_pair():
    raw = linkedin_talent_csv.read(dataset(LI))
    assert list(raw.columns) == RAW_COLUMNS
    RawTidy.validate(raw, lazy=True)
    assert len(raw) == 4_148 * 5  # 4,148 pairs x 2015-2019 (README)
    de_gb = raw[raw["geo"].eq("de") & raw["indicator"].eq("net_per_10k:gb") & raw["year"].eq(2019)]
    assert de_gb[["value", "source_row"]].values.tolist() == [[2.3, 1117]]


def test_linkedin_staged_iso3_both_sides(linkedin):
    table, _ = linkedin
    r = value(table, "DEU", "net_per_10k:GBR", 2019)
    assert (r["value"], r["source_row"]) == (2.3, 1117)
    assert value(table, "GBR", "net_per_10k:DEU", 2019)["value"] == -0.79
    assert table["geo"].nunique() == 140 and table["indicator"].nunique() == 140
    assert set(table["year"]) == {2015, 2016, 2017, 2018, 2019}


def test_linkedin_rules_flag_every_row(linkedin):
    table, decisions = linkedin
    counts = decisions.groupby("rule").size()
    assert counts[WEAK_PROVENANCE.name] == len(table)
    assert counts[TRAILING.name] == len(table)
    assert (table["qc_rule"] == WEAK_PROVENANCE.name).all()


def _strip_trailing(path: Path) -> None:
    lines = path.read_bytes().decode("utf-8").split("\n")
    path.write_bytes("\n".join(line.removesuffix(",,,,,,,,,") for line in lines).encode("utf-8"))


def test_linkedin_without_trailing_columns_keeps_only_the_provenance_flag(tmp_path):
    table, decisions = stage(LI, mutated(LI, tmp_path, LI_FILE, _strip_trailing))
    assert set(decisions["rule"]) == {WEAK_PROVENANCE.name}
    assert value(table, "DEU", "net_per_10k:GBR", 2019)["value"] == 2.3


@pytest.mark.parametrize(
    ("old", "new", "message", "row", "column"),
    [
        (
            "-0.05,-0.02,,,,,,,,,",
            "-0.05,-0.02,,,,x,,,,,",
            "trailing column expected empty",
            2,
            "trailing column 4",
        ),
        ("0.19,0.16,0.11,-0.05", "0.19,abc,0.11,-0.05", "not a number", 2, "net_per_10K_2016"),
        ("0.19,0.16,0.11,-0.05", "0.19,20000,0.11,-0.05", "beyond", 2, "net_per_10K_2016"),
    ],
)
def test_linkedin_bad_cells_are_named(tmp_path, old, new, message, row, column):
    ds = mutated(LI, tmp_path, LI_FILE, replace_text(old, new))
    with pytest.raises(SourceError, match=message) as err:
        linkedin_talent_csv.read(ds)
    assert (err.value.dataset, err.value.file, err.value.row, err.value.column) == (
        LI,
        LI_FILE,
        row,
        column,
    )


def test_linkedin_unknown_country_code_names_its_row(tmp_path):
    ds = mutated(LI, tmp_path, LI_FILE, replace_text("\nae,United Arab", "\nqq,United Arab"))
    with pytest.raises(SourceError, match="'qq' is not an ISO alpha-2") as err:
        stage(LI, ds)
    assert (err.value.row, err.value.column) == (2, "base_country_code")


def _truncate(fraction: float) -> Callable[[Path], None]:
    def _cut(path: Path) -> None:
        data = path.read_bytes()
        cut = int(len(data) * fraction)
        assert data[cut - 1 : cut] not in (b"\n", b"\r")  # mid-line
        path.write_bytes(data[:cut])

    return _cut


def test_linkedin_truncated_file_names_the_cut_row(tmp_path):
    ds = mutated(LI, tmp_path, LI_FILE, _truncate(0.6))
    with pytest.raises(SourceError, match="truncated") as err:
        linkedin_talent_csv.read(ds)
    lines = (tmp_path / LI / LI_FILE).read_bytes().count(b"\n") + 1
    assert (err.value.file, err.value.row) == (LI_FILE, lines)


def test_linkedin_utf16_file_is_refused(tmp_path):
    def utf16(path: Path) -> None:
        path.write_bytes(path.read_bytes().decode("utf-8-sig").encode("utf-16"))

    ds = mutated(LI, tmp_path, LI_FILE, utf16)
    with pytest.raises(SourceError, match="not utf-8-sig text") as err:
        linkedin_talent_csv.read(ds)
    assert (err.value.dataset, err.value.file, err.value.row) == (LI, LI_FILE, 1)


# ---------------------------------------------------------------- KNOMAD matrices


def test_matrices_golden_cells(matrices):
    table, _ = matrices
    mex = value(table, "MEX", "bmm.stock:USA", 2021)
    assert (mex["value"], mex["source_row"], mex["source_file"]) == (
        10_924_662,
        129,
        MIGRATION_FILE,
    )
    assert value(table, "WORLD", "bmm.stock:WORLD", 2021)["value"] == 282_222_943
    uae = value(table, "ARE", "brm.sent:IND", 2021)
    assert uae["value"] == pytest.approx(19_821.051397) and uae["source_row"] == 204
    assert value(table, "ARE", "brm.sent:WORLD", 2021)["value"] == pytest.approx(44_926.039786)
    assert value(table, "TUR", "bmm.stock:DEU", 2021)["value"] == 1_837_282


def test_matrices_rules_on_the_real_files(matrices):
    table, decisions = matrices
    counts = decisions.groupby("rule").size()
    assert counts[FOOTNOTE_ROW.name] == table["indicator"].eq("footnote").sum() == 15
    check = decisions[decisions["rule"].eq(CHECK_SUM_ROW.name)]
    assert check[["source_file", "source_row", "value_raw"]].values.tolist() == [
        [REMITTANCE_FILE, 218, pytest.approx(6_393.53)]
    ]
    na = decisions[decisions["rule"].eq(NOT_AVAILABLE.name)]
    assert na[["geo", "indicator", "source_row"]].values.tolist() == [["GHA", "bmm.stock:LVA", 76]]
    totals = table["qc_rule"].eq(TOTAL.name)
    assert counts[TOTAL.name] == totals.sum() > 0
    assert (table.loc[totals, "value"].notna()).all()  # flagged, never changed
    remit = table["source_file"].eq(REMITTANCE_FILE)
    resaved = decisions[decisions["rule"].eq(RESAVED.name)]
    assert len(resaved) == remit.sum()  # every row of the re-saved file
    assert (
        not decisions.loc[decisions["source_file"].eq(MIGRATION_FILE), "rule"]
        .eq(RESAVED.name)
        .any()
    )


def edit_sheet(**cells: object) -> Callable[[Path], None]:
    """Mutation: set sheet cells (A1 notation) and save the workbook again with openpyxl."""

    def _edit(path: Path) -> None:
        book = openpyxl.load_workbook(path)
        sheet = book.worksheets[0]
        for ref, v in cells.items():
            sheet[ref] = v
        book.save(path)

    return _edit


def test_not_available_marker_rule_on_a_mutated_cell(tmp_path):
    ds = mutated(KM, tmp_path, MIGRATION_FILE, edit_sheet(C5="…"))  # Algeria -> Albania
    table, decisions = stage(KM, ds)
    na = decisions[decisions["rule"].eq(NOT_AVAILABLE.name)]
    assert ["DZA", "bmm.stock:ALB", 5] in na[["geo", "indicator", "source_row"]].values.tolist()
    assert (
        value(table, "DZA", "bmm.stock:ALB", 2021)["value"]
        != value(table, "DZA", "bmm.stock:ALB", 2021)["value"]
    )  # NaN: dropped


@pytest.mark.parametrize(
    ("name", "cells", "message", "row", "column"),
    [
        (MIGRATION_FILE, {"C5": "n/a"}, "neither a number, empty nor", 5, "C"),
        (MIGRATION_FILE, {"C5": -3}, "negative value", 5, "C"),
        (MIGRATION_FILE, {"B224": 7}, "footnote row holds a value", 224, "B"),
        (REMITTANCE_FILE, {"DF218": 1.0}, "not its column's sum", 218, "DF"),
        (MIGRATION_FILE, {"A1": "Some other table"}, "unknown matrix title", 1, "A"),
        (MIGRATION_FILE, {"B1500": 1}, "exceeds 1000 x 1000", 1001, None),
    ],
)
def test_matrix_bad_cells_are_named(tmp_path, name, cells, message, row, column):
    ds = mutated(KM, tmp_path, name, edit_sheet(**cells))
    with pytest.raises(SourceError, match=message) as err:
        knomad_matrix_xlsx.read_file(ds, name)
    assert (err.value.dataset, err.value.file, err.value.row) == (KM, name, row)
    if column is not None:
        assert err.value.column.endswith(f"!{column}")


def test_footnote_rule_on_a_mutated_sheet(tmp_path):
    ds = mutated(KM, tmp_path, MIGRATION_FILE, edit_sheet(A230="An added note"))
    table, decisions = stage(KM, ds)
    notes = decisions[decisions["rule"].eq(FOOTNOTE_ROW.name)]
    assert len(notes) == 16  # 15 in the real files
    assert notes.loc[notes["source_file"].eq(MIGRATION_FILE), "source_row"].max() == 230
    added = table[table["source_row"].eq(230) & table["source_file"].eq(MIGRATION_FILE)]
    assert added[["geo_label", "qc_action"]].values.tolist() == [["An added note", "drop"]]


def test_matrix_total_label_must_be_known(tmp_path):
    ds = mutated(KM, tmp_path, MIGRATION_FILE, edit_sheet(A220="Atlantis"))
    with pytest.raises(SourceError, match="Atlantis"):
        stage(KM, ds)


def test_matrix_without_footnotes_is_truncated(tmp_path):
    def drop_footer(path: Path) -> None:
        book = openpyxl.load_workbook(path)
        sheet = book.worksheets[0]
        sheet.delete_rows(223, sheet.max_row - 222)
        book.save(path)

    ds = mutated(KM, tmp_path, MIGRATION_FILE, drop_footer)
    with pytest.raises(SourceError, match="truncated"):
        knomad_matrix_xlsx.read_file(ds, MIGRATION_FILE)


@pytest.mark.parametrize(
    "damage",
    [
        _truncate(0.6),
        lambda p: p.write_bytes(p.read_bytes().decode("latin-1").encode("utf-8")),
    ],
    ids=["truncated", "re-encoded"],
)
def test_damaged_workbook_is_refused_by_name(tmp_path, damage):
    ds = mutated(KM, tmp_path, REMITTANCE_FILE, damage)
    with pytest.raises(SourceError, match="not a readable XLSX") as err:
        knomad_matrix_xlsx.read_file(ds, REMITTANCE_FILE)
    assert (err.value.dataset, err.value.file) == (KM, REMITTANCE_FILE)
