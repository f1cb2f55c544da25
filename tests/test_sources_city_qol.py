"""EU QoL 2023 banner workbook: reader, staging rules and schema, on the real workbook."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import openpyxl
import pandas as pd
import pandera.errors
import pytest

from sources.catalogue import dataset
from sources.datasets import StageResult
from sources.datasets import eu_qol_european_cities_2023 as qol
from sources.errors import SourceError
from sources.geography.cities import QOL_FILE, QOL_SHEET
from tests.test_sources_city_support import mutated_dataset


@cache
def raw() -> pd.DataFrame:
    return qol.read(dataset(qol.DATASET_ID))


@cache
def staged() -> StageResult:
    return qol.stage(raw())


def cell(df: pd.DataFrame, geo: str, indicator: str) -> pd.Series:
    hit = df[(df["geo"] == geo) & (df["indicator"] == indicator)]
    assert len(hit) == 1
    return hit.iloc[0]


def edit_workbook(edits: dict[str, object]) -> object:
    """A mutation that sets cells of the data sheet (e.g. {'AY211': 0.9})."""

    def mutate(data: bytes) -> bytes:
        wb = openpyxl.load_workbook(io.BytesIO(data))
        ws = wb[QOL_SHEET]
        for ref, value in edits.items():
            ws[ref] = value
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    return mutate


def test_golden_rotterdam_and_lisboa_immigrant_question() -> None:
    r = raw()
    rot = cell(r, "2003", "Q3_4:1")
    assert rot["value"] == 0.713987891761484 and rot["geo_label"] == "Rotterdam"
    assert (rot["unit"], rot["source_row"], rot["year"]) == ("share", 211, 2023)
    assert (
        cell(r, "2003", "Q3_4:N")["value"] == 843 and cell(r, "2003", "Q3_4:N")["unit"] == "count"
    )
    assert cell(r, "2202", "Q3_4:1")["value"] == 0.8432617861618826
    assert cell(r, "2202", "Q3_4:2")["value"] == 0.09381702682480514
    assert cell(r, "2202", "Q3_4:N")["value"] == 857
    # staged: keyed by Eurostat code
    s = staged().table
    assert cell(s, "NL037C", "Q3_4:1")["value"] == 0.713987891761484
    assert cell(s, "PT001C", "Q3_4:N")["country_iso3"] == "PRT"


def test_shape_codes_and_formula_column_ignored() -> None:
    r = raw()
    assert r["geo"].nunique() == 83
    assert r["indicator"].str.endswith(":N").sum() == 103 * 83  # one count per question block
    # SPSS answer code '1,00' is written '1'; the workbook's 'total' block is total:N
    assert {"Gender:1", "Gender:2", "total:N", "TB_Q1a_1:-1", "$Q5:98"} <= set(r["indicator"])
    assert not r["indicator"].str.contains(",").any()
    # column D (total average, an Excel formula) is not a city
    assert "total average" not in set(r["geo_label"])


def test_staged_validates_and_records_tirana_not_available() -> None:
    res = staged()
    qol.QolStaged.validate(res.table, lazy=True)
    dec = res.decisions
    na = dec[dec["rule"] == "qol_not_available"]
    assert (
        len(na) == 5
        and set(na["geo"]) == {"AL001C"}
        and set(na["source_row"]) == set(range(388, 393))
    )
    zero = dec[dec["rule"] == "qol_zero_respondents"]  # TB_Q13_5 shares of 0 over 0 respondents
    assert set(zero["indicator"]) == {"TB_Q13_5:-1", "TB_Q13_5:1", "TB_Q13_5:99"}
    assert zero["value"].isna().all() and (zero["value_raw"] == 0).all()
    # the real file's exclusive answers all add up to 1
    assert "qol_shares_do_not_sum_to_one" not in set(dec["rule"])


def test_shares_sum_rule_on_mutated_workbook(tmp_path: Path) -> None:
    # Rotterdam is column AY; Q3_4 "good place" 0.714 -> 0.9: the block sums to 1.186
    ds = mutated_dataset(qol.DATASET_ID, tmp_path, {QOL_FILE: edit_workbook({"AY211": 0.9})})
    res = qol.stage(qol.read(ds))
    dec = res.decisions[res.decisions["rule"] == "qol_shares_do_not_sum_to_one"]
    assert set(dec["indicator"]) == {"Q3_4:1", "Q3_4:2", "Q3_4:99"} and set(dec["geo"]) == {
        "NL037C"
    }
    assert cell(res.table, "NL037C", "Q3_4:1")["qc_action"] == "flag"
    qol.QolStaged.validate(res.table, lazy=True)  # flagged, so the schema accepts it


def test_not_available_rule_on_mutated_workbook(tmp_path: Path) -> None:
    ds = mutated_dataset(
        qol.DATASET_ID, tmp_path, {QOL_FILE: edit_workbook({"AY212": "Not available"})}
    )
    res = qol.stage(qol.read(ds))
    row = cell(res.table, "NL037C", "Q3_4:2")
    assert row["qc_rule"] == "qol_not_available" and pd.isna(row["value"])
    # the block has a gap, so the sum rule does not fire on its siblings
    assert cell(res.table, "NL037C", "Q3_4:1")["qc_action"] == "none"


def test_unknown_string_names_sheet_row_and_column(tmp_path: Path) -> None:
    ds = mutated_dataset(qol.DATASET_ID, tmp_path, {QOL_FILE: edit_workbook({"AY211": "n/a"})})
    with pytest.raises(SourceError) as exc:
        qol.read(ds)
    err = exc.value
    assert (err.dataset, err.file, err.row, err.column) == (qol.DATASET_ID, QOL_FILE, 211, "AY")


def test_bad_banner_and_statistic_are_named(tmp_path: Path) -> None:
    ds = mutated_dataset(
        qol.DATASET_ID, tmp_path / "a", {QOL_FILE: edit_workbook({"AY2": "Rotterdam"})}
    )
    with pytest.raises(SourceError) as exc:
        qol.read(ds)
    assert (exc.value.row, exc.value.column) == (2, "AY")
    ds = mutated_dataset(
        qol.DATASET_ID, tmp_path / "b", {QOL_FILE: edit_workbook({"C211": "Row N %"})}
    )
    with pytest.raises(SourceError) as exc:
        qol.read(ds)
    assert (exc.value.row, exc.value.column) == (211, "C")


def test_truncated_workbook_is_a_source_error(tmp_path: Path) -> None:
    ds = mutated_dataset(qol.DATASET_ID, tmp_path, {QOL_FILE: lambda b: b[: len(b) // 2]})
    with pytest.raises(SourceError, match=r"eu_qol_european_cities_2023.*quality_of_life.*XLSX"):
        qol.read(ds)


def test_lazy_validation_reports_every_failure() -> None:
    t = staged().table.copy()
    i = t.index[(t["geo"] == "NL037C") & (t["indicator"] == "Q3_4:1")]
    t.loc[i, "value"] = 1.7  # share above 1, and the block no longer sums to 1
    j = t.index[(t["geo"] == "NL037C") & (t["indicator"] == "Q3_4:N")]
    t.loc[j, "value"] = 842.5  # not a whole count
    t.loc[t.index[0], "geo"] = "2003"  # survey code left unmapped
    with pytest.raises(pandera.errors.SchemaErrors) as exc:
        qol.QolStaged.validate(t, lazy=True)
    fc = exc.value.failure_cases
    checks = " ".join(fc["check"].astype(str))
    assert "share outside [0, 1]" in checks
    assert "count is not a whole" in checks
    assert "do not sum to 1" in checks
    assert "geo" in set(fc["column"].dropna())
