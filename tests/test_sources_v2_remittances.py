"""Remittance sources: KNOMAD flows, WDI remittance costs (.xls), RPW corridors, and the
KNOMAD-vs-WDI cross-checks. Golden numbers are read off the vendored publisher files; every
rule and reader is also run on a mutated temporary copy."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sources.catalogue import dataset
from sources.crosschecks import CrossCheckDecisions, all_crosschecks, run_crosschecks
from sources.errors import SourceError
from tests.country_sources_helpers import mutated, one_row, replace_text, staged_of
from tests.country_sources_helpers import read_raw as read

KNOMAD = "knomad_remittance_flows_2023_06"
WDI = "wdi_remittances_2023_05"
RPW = "rpw_corridors_databank"
INFLOWS, OUTFLOWS = "remittance-inflows.xlsx", "remittance-outflows.xlsx"
COST_TO = "sending-cost-to-country.xls"
RPW_FILE = "36d1ed87-9a2d-41da-8eac-c1c25d45fa65_Data.csv"


@pytest.fixture(scope="module")
def real() -> dict:
    return {d: staged_of(dataset(d)) for d in (KNOMAD, WDI, RPW)}


def edit_cell(cell: str, value: object) -> Callable[[Path], None]:
    """Mutate one cell of a KNOMAD workbook (openpyxl re-saves the copy)."""

    def _mutate(path: Path) -> None:
        wb = openpyxl.load_workbook(path)
        wb.worksheets[0][cell] = value
        wb.save(path)

    return _mutate


# ---------------------------------------------------------------- KNOMAD


def test_knomad_golden_numbers(real):
    t = real[KNOMAD].table
    # issue 11 / README: UAE outflows 2019 = US$ 44,955.75 million (outflows sheet row 204, column U)
    uae = one_row(t, indicator="KNOMAD.OUTFLOWS", geo="ARE", year=2019)
    assert uae["value"] == pytest.approx(44955.75, abs=0.005)
    assert (uae["source_file"], uae["source_row"]) == (OUTFLOWS, 204)
    # README: Afghanistan's latest years are rounded estimates (2021 = 300, 2022 = 350)
    assert one_row(t, indicator="KNOMAD.INFLOWS", geo="AFG", year=2022)["value"] == 350
    # inflows sheet, row "World", column X (2022)
    world = one_row(t, indicator="KNOMAD.INFLOWS", geo="World", year=2022)
    assert world["value"] == pytest.approx(831102.9592088049) and world["geo_level"] == "aggregate"
    # outflows "% of GDP in 2022", Albania (row 4, column Y)
    alb = one_row(t, indicator="KNOMAD.OUTFLOWS.PCT_GDP", geo="ALB", year=2022)
    assert alb["value"] == pytest.approx(0.8076592642072595)
    # World Bank names keyed to the project's ISO3 (Kosovo: XKX), inflows sheet row 105
    kosovo = one_row(t, indicator="KNOMAD.INFLOWS", geo="XKX", year=2019)
    assert kosovo["geo_label"] == "Kosovo" and kosovo["value"] == pytest.approx(1248.990731)
    countries = t.loc[t["geo_level"].eq("country") & t["value"].notna(), "geo"].nunique()
    # 195 economies have a non-zero value in either sheet (counted with openpyxl: 199 rows
    # with a non-zero number in B:X, minus the two header rows and the two aggregates)
    assert countries == 195
    assert set(t.loc[t["indicator"].str.startswith("KNOMAD.I"), "year"]) == set(range(2000, 2023))


def test_knomad_zero_rule_on_real_file(real):
    t, d = real[KNOMAD].table, real[KNOMAD].decisions
    # README: Afghanistan inflows 2000-2007 are written as 0
    afg = t[(t["indicator"] == "KNOMAD.INFLOWS") & (t["geo"] == "AFG") & (t["year"] < 2008)]
    assert len(afg) == 8 and (afg["value_raw"] == 0).all() and afg["value"].isna().all()
    assert set(afg["qc_rule"]) == {"knomad_zero_is_no_data"}
    zeros = d[d["rule"] == "knomad_zero_is_no_data"]
    assert len(zeros) == int((t["value_raw"] == 0).sum()) > 0
    assert not (t["value"] == 0).any()


def test_knomad_zero_rule_on_mutated_copy(tmp_path, real):
    # Albania inflows 2005 (row 3, column G) is 1,289.70 in the real file; write 0 instead
    assert (
        one_row(real[KNOMAD].table, indicator="KNOMAD.INFLOWS", geo="ALB", year=2005)["value"] > 0
    )
    ds = mutated(KNOMAD, tmp_path, INFLOWS, edit_cell("G3", 0))
    res = staged_of(ds)
    row = one_row(res.table, indicator="KNOMAD.INFLOWS", geo="ALB", year=2005)
    assert row["qc_rule"] == "knomad_zero_is_no_data" and pd.isna(row["value"])
    n_real = (real[KNOMAD].decisions["rule"] == "knomad_zero_is_no_data").sum()
    assert (res.decisions["rule"] == "knomad_zero_is_no_data").sum() == n_real + 1


def test_knomad_footnote_rule_on_real_and_mutated_copy(tmp_path, real):
    notes = real[KNOMAD].decisions
    notes = notes[notes["rule"] == "knomad_footnote_row"]
    # 8 notes under the inflows table (rows 220-227), 7 under the outflows table (218-224)
    assert notes.groupby("source_file").size().to_dict() == {INFLOWS: 8, OUTFLOWS: 7}
    t = real[KNOMAD].table
    labels = t.loc[t["indicator"] == "footnote", "geo_label"]
    assert labels.str.contains("Date: June 2023").sum() == 2
    ds = mutated(KNOMAD, tmp_path, INFLOWS, edit_cell("A228", "Extra note"))
    res = staged_of(ds)
    extra = res.decisions[(res.decisions["rule"] == "knomad_footnote_row")]
    assert len(extra) == len(notes) + 1
    assert one_row(res.table, geo=f"footnote:{INFLOWS}:228")["geo_label"] == "Extra note"


def test_knomad_number_in_the_footnotes_is_an_error(tmp_path):
    ds = mutated(KNOMAD, tmp_path, INFLOWS, edit_cell("C221", 12.5))
    with pytest.raises(SourceError, match="below the blank row") as err:
        read(ds)
    assert (err.value.file, err.value.row, err.value.column) == (
        INFLOWS,
        221,
        "Inward remittance flows!C",
    )


def test_knomad_text_value_names_row_and_column(tmp_path):
    ds = mutated(KNOMAD, tmp_path, OUTFLOWS, edit_cell("U204", "n/a"))
    with pytest.raises(SourceError, match="not a number") as err:
        read(ds)
    assert (err.value.row, err.value.column) == (204, "Outward remittance flows!U")


def test_knomad_changed_year_header_names_its_cell(tmp_path):
    # inflows header row 1, column G is 2005; a gap in the years means the layout changed
    ds = mutated(KNOMAD, tmp_path / "a", INFLOWS, edit_cell("G1", "year 2005"))
    with pytest.raises(SourceError, match="unexpected column header") as err:
        read(ds)
    assert (err.value.row, err.value.column) == (1, "Inward remittance flows!G")
    ds = mutated(KNOMAD, tmp_path / "b", INFLOWS, edit_cell("G1", 2006))
    with pytest.raises(SourceError, match="not consecutive years"):
        read(ds)


def test_knomad_negative_flow_fails_in_its_own_file_row_and_column(tmp_path):
    ds = mutated(KNOMAD, tmp_path, OUTFLOWS, edit_cell("U204", -44955.75))
    with pytest.raises(SourceError, match="outside its domain") as err:
        staged_of(ds)
    e = err.value
    assert (e.dataset, e.file, e.row, e.column) == (KNOMAD, OUTFLOWS, 204, "2019")


def test_knomad_truncated_and_reencoded_workbooks(tmp_path):
    def cut(path: Path) -> None:
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    with pytest.raises(SourceError, match="not a readable XLSX") as err:
        read(mutated(KNOMAD, tmp_path / "a", INFLOWS, cut))
    assert err.value.dataset == KNOMAD and err.value.file == INFLOWS

    def as_utf16_csv(path: Path) -> None:  # the sheet saved as text under the same name
        grid = pd.read_excel(path, header=None, engine="openpyxl")
        path.write_bytes(grid.to_csv(index=False).encode("utf-16"))

    with pytest.raises(SourceError, match="not a readable XLSX"):
        read(mutated(KNOMAD, tmp_path / "b", INFLOWS, as_utf16_csv))
    with pytest.raises(SourceError, match="sha256 mismatch"):
        read(mutated(KNOMAD, tmp_path / "c", INFLOWS, cut, rehash=False))


# ---------------------------------------------------------------- WDI .xls


def test_wdi_xls_golden_numbers(real):
    t = real[WDI].table
    # sending-cost-to-country.xls, Data sheet row 159 (Mexico), column 2019
    mex = one_row(t, indicator="SI.RMT.COST.IB.ZS", geo="MEX", year=2019)
    assert mex["value"] == pytest.approx(4.610356) and mex["source_row"] == 159
    assert mex["unit"] == "% of amount sent" and mex["vintage"] == "2023-05-10"
    # sending-cost-from-country.xls, row 13 (United Arab Emirates), 2019
    assert one_row(t, indicator="SI.RMT.COST.OB.ZS", geo="ARE", year=2019)[
        "value"
    ] == pytest.approx(3.472717, abs=1e-6)
    # the README's coverage: at most 104 receiving and 48 sending countries a year, 2011-2020
    cost = t[t["indicator"].str.startswith("SI.RMT") & t["geo_level"].eq("country")]
    per_year = cost.groupby(["indicator", "year"]).size()
    assert per_year["SI.RMT.COST.IB.ZS"].max() == 104
    assert per_year["SI.RMT.COST.OB.ZS"].max() == 48
    assert set(cost["year"]) == set(range(2011, 2021))
    # aggregates come from the workbook's own "Metadata - Countries" sheet
    assert (
        one_row(t, indicator="BX.TRF.PWKR.CD.DT", geo="WLD", year=2022)["geo_level"] == "aggregate"
    )
    # no UAE row for remittances paid in this vintage either (the gap KNOMAD fills)
    assert t[(t["indicator"] == "BM.TRF.PWKR.CD.DT") & (t["geo"] == "ARE")].empty


def _replace_double(old: float, new: float):
    def _mutate(path: Path) -> None:
        data = path.read_bytes()
        packed = struct.pack("<d", old)
        assert data.count(packed) == 1
        path.write_bytes(data.replace(packed, struct.pack("<d", new)))

    return _mutate


def test_wdi_cost_outside_0_100_names_file_row_and_year(tmp_path):
    ds = mutated(WDI, tmp_path, COST_TO, _replace_double(4.610356, -4.610356))
    with pytest.raises(SourceError, match="outside its domain") as err:
        staged_of(ds)
    e = err.value
    assert (e.dataset, e.file, e.row, e.column) == (WDI, COST_TO, 159, "2019")


def test_wdi_truncated_and_reencoded_xls(tmp_path):
    def cut(path: Path) -> None:
        path.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])

    with pytest.raises(SourceError, match="not a readable XLS") as err:
        read(mutated(WDI, tmp_path / "a", COST_TO, cut))
    assert err.value.file == COST_TO

    def latin1_to_utf8(path: Path) -> None:  # a text tool "re-encoding" the binary file
        path.write_bytes(path.read_bytes().decode("latin-1").encode("utf-8"))

    with pytest.raises(SourceError, match="not a readable XLS"):
        read(mutated(WDI, tmp_path / "b", COST_TO, latin1_to_utf8))


# ---------------------------------------------------------------- RPW corridors


def test_rpw_golden_numbers_and_corridor_keys(real):
    t = real[RPW].table
    # file line 5281: United States of America -> Mexico, column 2019Q1 [YR2019Q1]
    usa_mex = one_row(t, geo="USA", indicator="ATCR.CORR.Q1:MEX", year=2019)
    assert usa_mex["value"] == pytest.approx(4.53357124328613)
    assert usa_mex["source_row"] == 5281 and usa_mex["vintage"] == "2020-12-07"
    # README: 377 priced corridors, 48 sending x 111 receiving countries
    corridors = t[["geo", "indicator"]].assign(to=t["indicator"].str[-3:])[["geo", "to"]]
    assert len(corridors.drop_duplicates()) == 377
    assert t["geo"].nunique() == 48 and corridors["to"].nunique() == 111
    # RPW's KSV is the project's XKX; the withdrawn ANT is kept as published
    assert (
        t["indicator"].str.endswith(":XKX").any() and not t["indicator"].str.contains("KSV").any()
    )
    assert t["indicator"].str.endswith(":ANT").any()


def test_rpw_rules_on_real_file(real):
    d = real[RPW].decisions
    neg = d[d["rule"] == "rpw_negative_total_cost"]
    # five corridor-quarters below zero, e.g. Saudi Arabia -> Sudan 2017Q4 (line 3978)
    assert len(neg) == 5 and (neg["action"] == "flag").all()
    sau = one_row(neg, geo="SAU", indicator="ATCR.CORR.Q4:SDN", year=2017)
    assert sau["value"] == pytest.approx(-11.3599996566772) and sau["source_row"] == 3978
    na = d[d["rule"] == "rpw_not_available"]
    assert len(na) == int(real[RPW].table["value_raw"].isna().sum()) > 0


def test_rpw_rules_on_mutated_copy(tmp_path, real):
    # USA -> Mexico 2019Q1 becomes ".." and USA -> Yemen's first value becomes negative
    def mutate(path: Path) -> None:
        replace_text(",4.53357124328613,", ",..,")(path)
        replace_text(",5.52199983596802,", ",-5.52199983596802,")(path)

    res = staged_of(mutated(RPW, tmp_path, RPW_FILE, mutate))
    mex = one_row(res.table, geo="USA", indicator="ATCR.CORR.Q1:MEX", year=2019)
    assert mex["qc_rule"] == "rpw_not_available" and pd.isna(mex["value"])
    yem = one_row(res.table, geo="USA", indicator="ATCR.CORR.Q1:YEM", year=2014)
    assert yem["qc_rule"] == "rpw_negative_total_cost" and yem["value"] == pytest.approx(-5.522)
    by_rule = res.decisions.groupby("rule").size()
    real_by_rule = real[RPW].decisions.groupby("rule").size()
    assert (by_rule - real_by_rule).to_dict() == {
        "rpw_negative_total_cost": 1,
        "rpw_not_available": 1,
    }


def test_rpw_bad_cell_truncated_and_reencoded(tmp_path):
    ds = mutated(RPW, tmp_path / "a", RPW_FILE, replace_text(",4.53357124328613,", ",4,5,"))
    with pytest.raises(SourceError):  # one extra field: pandas' tokenizer names the line
        read(ds)
    ds = mutated(RPW, tmp_path / "b", RPW_FILE, replace_text(",4.53357124328613,", ",n/a,"))
    with pytest.raises(SourceError, match="neither a number") as err:
        read(ds)
    assert (err.value.row, err.value.column) == (5281, "2019Q1 [YR2019Q1]")

    def cut(path: Path) -> None:  # ends at a line break, so only the lost footer shows it
        data = path.read_bytes()
        path.write_bytes(data[: data.index(b"\n", len(data) // 2) + 1])

    with pytest.raises(SourceError, match="footer") as err:
        read(mutated(RPW, tmp_path / "c", RPW_FILE, cut))
    assert err.value.file == RPW_FILE

    def utf16(path: Path) -> None:
        path.write_bytes(path.read_bytes().decode("utf-8-sig").encode("utf-16"))

    with pytest.raises(SourceError, match="re-encoded"):
        read(mutated(RPW, tmp_path / "d", RPW_FILE, utf16))


# ---------------------------------------------------------------- cross-checks


@pytest.fixture(scope="module")
def crosschecks(real) -> pd.DataFrame:
    tables = {d: r.table for d, r in real.items()}
    for d in ("worldbank_wdi_2022_04_mirror", "worldbank_wdi_remittances_paid"):
        tables[d] = staged_of(dataset(d)).table
    checks = {k: v for k, v in all_crosschecks().items() if k.startswith("knomad_")}
    out = run_crosschecks(tables, checks)
    return CrossCheckDecisions.validate(out, lazy=True)


def test_knomad_vs_wdi_differences(crosschecks, real):
    d = crosschecks
    assert set(d["rule"]) == {
        "knomad_inflows_vs_wdi_received",
        "knomad_outflows_vs_wdi_paid",
        "knomad_vs_wdi_2023_vintage",
    }
    # China 2019 inflows: KNOMAD 68,398.48 vs WDI (2022-04) 18,294.31 US$ million
    chn = one_row(d, rule="knomad_inflows_vs_wdi_received", geo="CHN", year=2019)
    assert chn["value"] == pytest.approx(68398.47511360464)
    assert chn["other_value"] == pytest.approx(18294.31310425)
    assert chn["difference"] == pytest.approx(50104.16200935, abs=1e-4)
    # the UAE has no WDI remittances-paid row in either vintage: nothing to compare
    assert d[(d["geo"] == "ARE") & d["indicator"].eq("KNOMAD.OUTFLOWS")].empty
    # zeros dropped as "no data" are never compared
    zero = real[KNOMAD].table
    zero = zero[zero["qc_rule"] == "knomad_zero_is_no_data"][["indicator", "geo", "year"]]
    assert zero.merge(d, on=["indicator", "geo", "year"]).empty
    # decisions belong to the KNOMAD file and row
    assert set(d["dataset"]) == {KNOMAD} and set(d["source_file"]) == {INFLOWS, OUTFLOWS}


def test_knomad_cross_check_on_mutated_copy(tmp_path, real):
    """A changed KNOMAD value changes exactly its pair's difference."""
    before = one_row(real[KNOMAD].table, indicator="KNOMAD.OUTFLOWS", geo="KWT", year=2019)
    ds = mutated(KNOMAD, tmp_path, OUTFLOWS, edit_cell(f"U{before['source_row']}", 1.0))
    tables = {KNOMAD: staged_of(ds).table, WDI: real[WDI].table}
    check = all_crosschecks()["knomad_vs_wdi_2023_vintage"]
    out = run_crosschecks(tables, {check.check_id: check})
    kwt = one_row(out, indicator="KNOMAD.OUTFLOWS", geo="KWT", year=2019)
    assert kwt["value"] == 1.0
    assert kwt["difference"] == pytest.approx(1.0 - kwt["other_value"])
    assert "1 US$ million" in kwt["reason"]
