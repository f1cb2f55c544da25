"""UNHCR refugee statistics (.rda via pyreadr): golden numbers, rules, domain checks, bad files,
and the cross-check against WDI's refugee series.

Golden numbers were computed from the vendored files with pyreadr (and R's `refugees` package
documents the same tables): Germany 2019 refugees summed over origins 1,146,682 (issue 11);
Syria 2019 hosts 16,213 (issue 11; UNHCR README); WDI SYR 2019 578,525 and PSE 2,319,073
(refugee_pop.csv of worldbank_wdi_2022_04_mirror).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadr
import pytest

from sources.catalogue import dataset
from sources.crosschecks import (
    CrossCheckDecisions,
    all_crosschecks,
    crosscheck_summary,
    run_crosschecks,
)
from sources.crosschecks.unhcr_vs_wdi_refugees import CHECK as UNHCR_WDI
from sources.crosschecks.unhcr_vs_wdi_refugees import UNRWA_FIELDS
from sources.datasets import all_specs
from sources.datasets.unhcr_refugee_statistics import (
    ORIGIN_RULES,
    PROVISIONAL,
    SUMMED,
    UNKNOWN_ASYLUM,
)
from sources.errors import SourceError
from sources.readers import unhcr_rda
from sources.tidy import RAW_COLUMNS, RawTidy
from tests.country_sources_helpers import mutated

DS = "unhcr_refugee_statistics"
SOLUTIONS = "solutions.rda"
POPULATION = "population.rda"
DECISIONS = "asylum_decisions.rda"


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return all_specs()[DS].read(dataset(DS))


@pytest.fixture(scope="module")
def staged(raw):
    result = all_specs()[DS].stage(raw)
    return all_specs()[DS].schema.validate(result.table, lazy=True), result.decisions


def _stage(ds, name: str = SOLUTIONS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stage one file of the (mutated) dataset: the rules work on any subset of the raw rows."""
    spec = all_specs()[DS]
    result = spec.stage(unhcr_rda.read_file(ds, name))
    return spec.schema.validate(result.table, lazy=True), result.decisions


def edit_rda(obj: str, edit) -> callable:
    """Mutation: load the R data frame, edit it, write it back as an .rda (pyreadr)."""

    def _mutate(path: Path) -> None:
        frame = pyreadr.read_r(str(path))[obj]
        frame = edit(frame)
        pyreadr.write_rdata(str(path), frame, df_name=obj)

    return _mutate


def test_raw_is_tidy_and_bilateral(raw):
    assert list(raw.columns) == RAW_COLUMNS
    RawTidy.validate(raw, lazy=True)
    # one row per non-zero count: population 207,639, solutions 23,477; decisions summed over
    # origins per asylum country, year, procedure, level and unit: 19,499
    assert raw.groupby("source_file").size().to_dict() == {
        "asylum_decisions.rda": 19_499,
        "population.rda": 207_639,
        "solutions.rda": 23_477,
    }
    first = raw.iloc[0]  # population.rda row 1: 1951, origin Unknown, Australia, 180,000
    assert (first["indicator"], first["geo"], first["year"], first["value"]) == (
        "pop.refugees:UNK",
        "AUS",
        1951,
        180_000,
    )
    assert first["source_row"] == 1


def test_golden_refugees_hosted(staged):
    table, _ = staged
    refugees = table[table["indicator"].str.startswith("pop.refugees:")]
    by = refugees.groupby(["geo", "year"])["value"].sum()
    assert by[("DEU", 2019)] == 1_146_682  # issue 11
    assert by[("SYR", 2019)] == 16_213  # issue 11: UNHCR's own count, UNRWA excluded
    assert by[("TUR", 2019)] == 3_579_531
    syr_in_deu = table[
        table["indicator"].eq("pop.refugees:SYR") & table["geo"].eq("DEU") & table["year"].eq(2019)
    ]
    assert syr_in_deu["value"].tolist() == [572_818]
    assert syr_in_deu["source_row"].tolist() == [99_993]
    assert "PSE" not in set(table["geo"])  # no asylum row for Palestine in any year


def test_golden_solutions_and_decisions(staged):
    table, _ = staged
    res = table[table["indicator"].str.startswith("sol.resettlement:") & table["year"].eq(2019)]
    assert res.groupby("geo")["value"].sum()[["CAN", "USA"]].tolist() == [30_082, 27_501]
    dec = table[table["geo"].eq("DEU") & table["year"].eq(2019)].set_index("indicator")
    # Germany 2019, government procedure, new applications, persons, all origins (pyreadr sum
    # of the 2019 DEU G/NA/P rows of asylum_decisions.rda; Syrians alone: 22,158 of 44,023)
    recognized = dec.loc["dec.recognized.G.NA.P"]
    assert (recognized["value"], recognized["source_row"]) == (43_817, 93_360)
    assert recognized["flag"] == "sum of 126 rows over origins"
    assert dec.loc["dec.total.G.NA.P", "value"] == 157_721
    units = table.loc[table["indicator"].str.startswith("dec."), ["indicator", "unit"]]
    cases = units["indicator"].str.endswith(".C")
    assert set(units.loc[cases, "unit"]) == {"cases"}
    assert set(units.loc[~cases, "unit"]) == {"persons"}


def test_rules_on_the_real_file(staged):
    table, decisions = staged
    counts = decisions.groupby("rule").size()
    assert counts[SUMMED.name] == table["indicator"].str.startswith("dec.").sum() == 19_499
    origin = table["indicator"].str.rsplit(":", n=1).str[1]
    for code, rule in ORIGIN_RULES.items():
        assert counts[rule.name] == origin.eq(code).sum() > 0
    assert counts[UNKNOWN_ASYLUM.name] == table["geo"].eq("UNK").sum() > 0
    assert (table.loc[table["geo"].eq("UNK"), "geo_level"] == "aggregate").all()
    flagged = decisions[decisions["rule"].eq(PROVISIONAL.name)]
    assert set(flagged["year"]) == {2025}
    assert counts[PROVISIONAL.name] == table["year"].eq(2025).sum()
    assert (table.loc[table["year"].eq(2025), "qc_rule"] == PROVISIONAL.name).all()


def test_provisional_rule_follows_the_latest_year(tmp_path):
    ds = mutated(DS, tmp_path, SOLUTIONS, edit_rda("solutions", lambda f: f[f["year"] < 2025]))
    table, decisions = _stage(ds)
    sol = decisions[decisions["source_file"].eq(SOLUTIONS) & decisions["rule"].eq(PROVISIONAL.name)]
    assert set(sol["year"]) == {2024}
    assert len(sol) == (table["source_file"].eq(SOLUTIONS) & table["year"].eq(2024)).sum()


@pytest.mark.parametrize("code", sorted(ORIGIN_RULES))
def test_non_country_origin_rules_on_a_mutated_row(tmp_path, code):
    picked = {}

    def edit(f):
        # the first row whose asylum country and year list no non-country origin yet
        special = f["coo_iso"].isin(list(ORIGIN_RULES)).groupby([f["coa_iso"], f["year"]])
        i = int((~special.transform("any")).to_numpy().argmax())
        picked.update(row=i + 1, geo=f.loc[i, "coa_iso"])
        f.loc[i, "coo_iso"] = code
        return f

    ds = mutated(DS, tmp_path, SOLUTIONS, edit_rda("solutions", edit))
    _, decisions = _stage(ds)
    hit = decisions[
        decisions["rule"].eq(ORIGIN_RULES[code].name) & decisions["source_row"].eq(picked["row"])
    ]
    assert hit["indicator"].str.endswith(f":{code}").all() and len(hit) >= 1
    assert set(hit["geo"]) == {picked["geo"]}


def test_unknown_asylum_rule_on_a_mutated_row(tmp_path):
    def edit(f):
        f.loc[0, "coa_iso"] = "UNK"
        return f

    ds = mutated(DS, tmp_path, SOLUTIONS, edit_rda("solutions", edit))
    table, decisions = _stage(ds)
    row = table[table["source_row"].eq(1)].iloc[0]
    assert (row["geo"], row["geo_level"]) == ("UNK", "aggregate")
    assert pd.isna(row["country_iso3"])
    assert decisions[decisions["source_row"].eq(1)]["rule"].tolist() == [UNKNOWN_ASYLUM.name]


def test_decisions_sum_follows_a_mutated_row(tmp_path):
    """Raising one decision row (asylum_decisions.rda row 93,468: Germany 2019, Syrians, G/NA/P,
    22,158 recognised) raises Germany's sum over origins by exactly as much."""
    row = 93_468

    def edit(f):
        assert (f.loc[row - 1, "coo_iso"], f.loc[row - 1, "dec_recognized"]) == ("SYR", 22_158)
        f.loc[row - 1, "dec_recognized"] += 1_000
        return f

    ds = mutated(DS, tmp_path, DECISIONS, edit_rda("asylum_decisions", edit))
    table, decisions = _stage(ds, DECISIONS)
    hit = table[
        table["geo"].eq("DEU")
        & table["year"].eq(2019)
        & table["indicator"].eq("dec.recognized.G.NA.P")
    ]
    assert hit[["value", "qc_rule"]].values.tolist() == [[43_817 + 1_000, SUMMED.name]]
    assert len(decisions[decisions["rule"].eq(SUMMED.name)]) == len(table) == 19_499


def test_unlisted_origin_code_names_file_row_and_column(tmp_path):
    def edit(f):
        f.loc[9, "coo_iso"] = "ZZZ"
        return f

    ds = mutated(DS, tmp_path, SOLUTIONS, edit_rda("solutions", edit))
    with pytest.raises(SourceError, match="'ZZZ' is neither ISO3") as err:
        _stage(ds)
    assert (err.value.file, err.value.row, err.value.column) == (SOLUTIONS, 10, "coo_iso")


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("resettlement", -5.0, "not a finite, whole, non-negative"),
        ("resettlement", 2.5, "not a finite, whole, non-negative"),
        ("year", 1930.0, "outside the table's coverage 1959-2025"),
        ("coa_iso", "", "empty key cell"),
    ],
)
def test_domain_checks_name_the_cell(tmp_path, column, value, message):
    def edit(f):
        f.loc[41, column] = value
        return f

    ds = mutated(DS, tmp_path, SOLUTIONS, edit_rda("solutions", edit))
    with pytest.raises(SourceError, match=message) as err:
        unhcr_rda.read_file(ds, SOLUTIONS)
    assert (err.value.dataset, err.value.file, err.value.row, err.value.column) == (
        DS,
        SOLUTIONS,
        42,
        column,
    )


def test_missing_column_is_refused(tmp_path):
    ds = mutated(
        DS, tmp_path, SOLUTIONS, edit_rda("solutions", lambda f: f.drop(columns="resettlement"))
    )
    with pytest.raises(SourceError, match="unexpected columns"):
        unhcr_rda.read_file(ds, SOLUTIONS)


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.6)])


def _reencode(path: Path) -> None:
    """A binary file passed through a text re-encoding (read as latin-1, written as UTF-8)."""
    path.write_bytes(path.read_bytes().decode("latin-1").encode("utf-8"))


@pytest.mark.parametrize("damage", [_truncate, _reencode])
def test_damaged_rda_is_refused_by_name(tmp_path, damage):
    ds = mutated(DS, tmp_path, SOLUTIONS, damage)
    with pytest.raises(SourceError, match="not a readable R data file") as err:
        unhcr_rda.read_file(ds, SOLUTIONS)
    assert (err.value.dataset, err.value.file) == (DS, SOLUTIONS)


def test_truncated_rda_fails_the_sha256_guard(tmp_path):
    ds = mutated(DS, tmp_path, POPULATION, _truncate, rehash=False)
    with pytest.raises(SourceError, match="sha256 mismatch \\(truncated"):
        unhcr_rda.read_file(ds, POPULATION)


def test_crosscheck_is_discovered_with_its_datasets():
    assert all_crosschecks()[UNHCR_WDI.check_id].datasets == (
        "worldbank_wdi_2022_04_mirror",
        DS,
    )


def test_crosscheck_against_wdi_explains_unrwa(staged):
    wdi_spec = all_specs()[UNHCR_WDI.datasets[0]]
    wdi = wdi_spec.stage(wdi_spec.read(dataset(UNHCR_WDI.datasets[0]))).table
    tables = {UNHCR_WDI.datasets[0]: wdi, DS: staged[0]}
    out = run_crosschecks(tables, {UNHCR_WDI.check_id: UNHCR_WDI})
    CrossCheckDecisions.validate(out, lazy=True)
    at = out.set_index(["geo", "year"])
    syr = at.loc[("SYR", 2019)]
    assert (syr["value"], syr["other_value"], syr["difference"]) == (578_525, 16_213, 562_312)
    assert "UNRWA" in syr["reason"] and syr["source_file"] == "refugee_pop.csv"
    pse = at.loc[("PSE", 2019)]
    assert (pse["value"], pse["other_value"]) == (2_319_073, 0)
    assert at.loc[("DEU", 2019), "difference"] == 0
    unrwa = out["geo"].isin(list(UNRWA_FIELDS))
    assert out.loc[unrwa, "reason"].str.contains("UNRWA").all()
    assert not out.loc[~unrwa, "reason"].str.contains("registered with UNRWA").any()
    # outside UNRWA's fields WDI republishes UNHCR: small differences (revisions) only
    assert (
        out.loc[~unrwa, "difference"].abs().mean()
        < out.loc[unrwa, "difference"].abs().mean() / 1000
    )
    summary = crosscheck_summary(out, {UNHCR_WDI.check_id: UNHCR_WDI}).iloc[0]
    assert summary["pairs"] == len(out) and summary["units"] == out["geo"].nunique()
