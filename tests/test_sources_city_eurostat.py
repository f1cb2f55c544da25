"""Eurostat city sources: bulk TSV (urb_percep) and SDMX-CSV (Urban Audit), on the real files."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pandera.errors
import pytest

from sources.catalogue import dataset
from sources.datasets import StageResult
from sources.datasets import eurostat_urb_percep_bulk as percep
from sources.datasets import eurostat_urban_audit_sdmxcsv as audit
from sources.errors import SourceError
from tests.test_sources_city_support import mutated_dataset, replace_once

FB_FILE = "urb_cpopcb_DE2009V_foreign_born.csv"
POP_FILE = "urb_cpop1_DE1001V_population.csv"
UNEMP_FILE = "urb_clma_EC1010V_unemployed.csv"


@cache
def percep_raw() -> pd.DataFrame:
    return percep.read(dataset(percep.DATASET_ID))


@cache
def audit_staged() -> StageResult:
    return audit.stage(audit.read(dataset(audit.DATASET_ID)))


def staged_mutated(tmp_path: Path, file: str, old: bytes, new: bytes) -> StageResult:
    """The Urban Audit staged from a copy whose `file` has `old` replaced by `new` once."""
    ds = mutated_dataset(audit.DATASET_ID, tmp_path, {file: replace_once(old, new)})
    return audit.stage(audit.read(ds))


def decisions(res: StageResult, rule: str) -> pd.DataFrame:
    return res.decisions[res.decisions["rule"] == rule]


def one(df: pd.DataFrame, **where: object) -> pd.Series:
    hit = df
    for col, val in where.items():
        hit = hit[hit[col] == val]
    assert len(hit) == 1, f"{len(hit)} rows for {where}"
    return hit.iloc[0]


# --- urb_percep bulk TSV -------------------------------------------------------------------


def test_percep_golden_cells_and_labels() -> None:
    raw = percep_raw()
    # line 12067: PS3082V,PC,PT001C	: 	21.0 	14.0 	27.9 	: 	:
    row = one(raw, indicator="PS3082V", geo="PT001C", year=2015)
    assert row["value"] == 21.0 and row["source_row"] == 12067 and row["geo_label"] == "Lisboa"
    assert one(raw, indicator="PS3082V", geo="PT001C", year=2009)["value"] == 27.9
    assert one(raw, indicator="PS3538V", geo="NL037C", year=2019)["value"] == 78.4
    assert one(raw, indicator="PS1012V", geo="AT001C", year=2004)["value"] == 48.0
    # ':' padding is not an observation
    assert raw[(raw["indicator"] == "PS3082V") & (raw["geo"] == "PT001C")]["year"].tolist() == [
        2015,
        2012,
        2009,
    ]
    assert set(raw["unit"]) == {"percent"} and raw["geo"].nunique() == 115


def test_percep_flag_without_value_is_recorded() -> None:
    raw = percep_raw()
    res = percep.stage(raw)
    percep.UrbPercepStaged.validate(res.table, lazy=True)
    dec = res.decisions
    assert set(dec["rule"]) == {"eurostat_flag_without_value"}
    assert len(dec) == 362  # every ': u' cell in the file
    row = one(dec, indicator="PS1014V", geo="LV004C", year=2015)
    assert row["source_row"] == 312 and pd.isna(row["value"])
    # the estimated flag on real values survives staging
    assert (res.table["flag"] == "e").sum() == 995


@pytest.mark.parametrize(
    ("mutation", "row", "column"),
    [
        (
            replace_once(b"PS3082V,PC,PT001C\t: \t21.0 ", b"PS3082V,PC,PT001C\t: \t21,0 "),
            12067,
            "2015 ",
        ),
        (
            replace_once(b"PS3082V,PC,PT001C\t", b"PS3082V,PT001C\t"),
            12067,
            "indic_ur,unit,cities\\time",
        ),
        (lambda b: b[: b.index(b"PS3082V,PC,PT001C") + 30], 12067, "2012 "),  # cut inside "14.0"
    ],
    ids=["bad-cell", "short-key", "truncated"],
)
def test_percep_malformed_file_names_row_and_column(
    tmp_path: Path, mutation, row: int, column: str
) -> None:
    ds = mutated_dataset(percep.DATASET_ID, tmp_path, {"urb_percep.tsv": mutation})
    with pytest.raises(SourceError) as exc:
        percep.read(ds)
    err = exc.value
    assert (err.dataset, err.file, err.row, err.column) == (
        percep.DATASET_ID,
        "urb_percep.tsv",
        row,
        column,
    )


def test_percep_changed_file_is_refused_before_parsing(tmp_path: Path) -> None:
    ds = mutated_dataset(
        percep.DATASET_ID,
        tmp_path,
        {"urb_percep.tsv": replace_once(b"21.0 ", b"99.0 ")},
        rehash=False,
    )
    with pytest.raises(SourceError, match=r"eurostat_urb_percep_bulk.*urb_percep\.tsv.*sha256"):
        percep.read(ds)


def test_percep_lazy_validation_reports_every_failure() -> None:
    table = percep.stage(percep_raw()).table.copy()
    table.loc[table.index[0], "value"] = 140.0  # percent above 100
    table.loc[table.index[1], "geo"] = "Lisbon"  # not a Eurostat code
    table.loc[table.index[2], "unit"] = "share"
    with pytest.raises(pandera.errors.SchemaErrors) as exc:
        percep.UrbPercepStaged.validate(table, lazy=True)
    failed = set(exc.value.failure_cases["column"].dropna())
    assert {"value", "geo", "unit"} <= failed


# --- Urban Audit SDMX-CSV -----------------------------------------------------------------


def test_audit_golden_rotterdam_2023() -> None:
    t = audit_staged().table
    fb = one(t, indicator="DE2009V", geo="NL037C", year=2023)
    pop = one(t, indicator="DE1001V", geo="NL037C", year=2023)
    assert fb["value"] == 315_071 and pop["value"] == 1_264_220
    assert (fb["source_file"], fb["source_row"]) == (FB_FILE, 3382)
    assert fb["geo_label"] == "Rotterdam (greater city)" and fb["country_iso3"] == "NLD"
    assert one(t, indicator="DE2009V", geo="PT001C", year=2021)["value"] == 325_001
    assert one(t, indicator="DE1001V", geo="DE001C", year=2023)["value"] == 3_755_251
    assert one(t, indicator="DE2009V", geo="BE", year=2015)["geo_level"] == "country"


def test_audit_staged_table_validates() -> None:
    audit.UrbanAuditStaged.validate(audit_staged().table, lazy=True)


def test_dutch_unemployment_in_thousands_is_rescaled() -> None:
    res = audit_staged()
    dec = decisions(res, "eurostat_count_in_thousands")
    assert len(dec) == 96
    assert set(dec["geo"].str[:2]) == {"NL"} and set(dec["year"]) == {2021, 2022}
    row = one(res.table, indicator="EC1010V", geo="NL037C", year=2021)
    assert (row["value_raw"], row["value"], row["qc_action"]) == (41.0, 41_000.0, "rescale")
    assert one(res.table, indicator="EC1010V", geo="NL037C", year=2023)["qc_action"] == "none"


def test_in_thousands_rule_on_mutated_file(tmp_path: Path) -> None:
    # Rotterdam 2023 written in thousands too: the rule must now catch 97 rows.
    res = staged_mutated(
        tmp_path,
        UNEMP_FILE,
        b"NL037C,Rotterdam (greater city),2023,,33841.00",
        b"NL037C,Rotterdam (greater city),2023,,34.00",
    )
    dec = decisions(res, "eurostat_count_in_thousands")
    assert len(dec) == 97
    assert one(dec, geo="NL037C", year=2023)["value"] == 34_000.0


def test_german_population_2024_is_dropped_as_scrambled_year() -> None:
    res = audit_staged()
    berlin = one(res.table, indicator="DE1001V", geo="DE001C", year=2024)
    assert berlin["value_raw"] == 317_050 and pd.isna(berlin["value"])
    assert berlin["qc_rule"] == "eurostat_population_country_year_scrambled"
    dec = decisions(res, "eurostat_population_country_year_scrambled")
    assert set(zip(dec["geo"].str[:2], dec["year"], strict=True)) == {("DE", 2024)}
    assert len(dec) == 132  # every German city with a 2024 population, plausible-looking or not
    # single unconfirmed jumps elsewhere are dropped row by row; confirmed ones only flagged
    single = decisions(res, "eurostat_population_series_break")
    assert set(single["geo"].str[:2]) == {"IT"} and set(single["year"]) == {2024}
    shift = one(res.decisions, rule="eurostat_population_level_shift")
    assert (shift["geo"], shift["year"]) == ("BE009C", 2021)


def test_population_break_rule_on_mutated_file(tmp_path: Path) -> None:
    # a one-year spike in Berlin 2020 (3.67 M -> 367 k), confirmed neither by 2019 nor 2021
    res = staged_mutated(
        tmp_path, POP_FILE, b"DE001C,Berlin,2020,,3669491", b"DE001C,Berlin,2020,,366949"
    )
    row = one(res.table, indicator="DE1001V", geo="DE001C", year=2020)
    assert row["qc_rule"] == "eurostat_population_series_break" and pd.isna(row["value"])
    # 2021 is compared with 2019, not with the spike, so it stays clean
    assert one(res.table, indicator="DE1001V", geo="DE001C", year=2021)["qc_action"] == "none"


def test_german_foreign_born_2021_is_dropped_for_the_country_year() -> None:
    res = audit_staged()
    dec = decisions(res, "eurostat_foreign_born_exceeds_population")
    assert set(dec["geo"].str[:2]) == {"DE"} and set(dec["year"]) == {2021}
    t = res.table
    de21 = t[(t["indicator"] == "DE2009V") & (t["year"] == 2021) & t["geo"].str.startswith("DE")]
    assert len(dec) == len(de21) == 68 and de21["value"].isna().all()
    # the 8 impossible ones are among them, e.g. Göttingen 173,300 foreign-born of 116,845
    assert one(dec, geo="DE020C")["value_raw"] == 173_300
    raw_fb = de21.set_index("geo")["value_raw"]
    pop = t[(t["indicator"] == "DE1001V") & (t["year"] == 2021)].set_index("geo")["value_raw"]
    assert (raw_fb > pop.reindex(raw_fb.index)).sum() == 8


def test_foreign_born_rule_on_mutated_file(tmp_path: Path) -> None:
    # Rotterdam 2023 foreign-born above its population: all Dutch cities of 2023 are dropped.
    res = staged_mutated(
        tmp_path,
        FB_FILE,
        b"NL037C,Rotterdam (greater city),2023,,315071.0",
        b"NL037C,Rotterdam (greater city),2023,,1315071.0",
    )
    dec = decisions(res, "eurostat_foreign_born_exceeds_population")
    assert {("NL", 2023), ("DE", 2021)} == set(zip(dec["geo"].str[:2], dec["year"], strict=True))
    audit.UrbanAuditStaged.validate(res.table, lazy=True)


def test_flag_without_value_rows_are_recorded() -> None:
    res = audit_staged()
    dec = decisions(res, "eurostat_flag_without_value")
    assert len(dec) == 28 + 4  # EC1010V and EC1177V rows with OBS_FLAG and empty OBS_VALUE
    assert set(dec["geo"]) >= {"FR062C"} and dec["value"].isna().all()


def test_audit_schema_catches_foreign_born_above_population() -> None:
    t = audit_staged().table.copy()
    i = t.index[(t["indicator"] == "DE2009V") & (t["geo"] == "NL037C") & (t["year"] == 2023)]
    t.loc[i, "value"] = 2_000_000.0
    t.loc[t.index[0], "unit"] = "thousands"
    with pytest.raises(pandera.errors.SchemaErrors) as exc:
        audit.UrbanAuditStaged.validate(t, lazy=True)
    checks = set(exc.value.failure_cases["check"].astype(str))
    assert any("foreign-born exceeds population" in c for c in checks)
    assert "unit" in set(exc.value.failure_cases["column"].dropna())


@pytest.mark.parametrize(
    ("mutation", "row", "column"),
    [
        (
            replace_once(
                b"NL037C,Rotterdam (greater city),2023,,33841.00",
                b"NL037C,Rotterdam (greater city),2023,,33.841,00",
            ),
            None,
            None,
        ),
        (
            replace_once(
                b"NL037C,Rotterdam (greater city),2023,,33841.00",
                b"NL037C,Rotterdam (greater city),2023,,n/a",
            ),
            3868,
            "OBS_VALUE",
        ),
        (
            replace_once(
                b"NL037C,Rotterdam (greater city),2023,", b"NL037C,Rotterdam (greater city),2023Q1,"
            ),
            3868,
            "TIME_PERIOD",
        ),
    ],
    ids=["extra-cell", "text-value", "quarterly-period"],
)
def test_audit_malformed_file_names_row_and_column(tmp_path: Path, mutation, row, column) -> None:
    ds = mutated_dataset(audit.DATASET_ID, tmp_path, {UNEMP_FILE: mutation})
    with pytest.raises(SourceError) as exc:
        audit.read(ds)
    err = exc.value
    assert (err.dataset, err.file) == (audit.DATASET_ID, UNEMP_FILE)
    if row is not None:
        assert (err.row, err.column) == (row, column)
    else:
        assert "3868" in str(err)  # pandas' parser names the line
