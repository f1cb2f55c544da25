"""Eurostat LFS and EU-SILC by citizenship, OECD IMD inflows: golden numbers from the real
files, every named rule on a mutated copy, every reader on a truncated and a re-encoded copy."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from sources.catalogue import dataset
from sources.datasets import StageResult
from sources.datasets import eurostat_lfs_by_citizenship as lfs
from sources.datasets import eurostat_silc_by_citizenship as silc
from sources.datasets import oecd_imd_inflows_b11 as imd
from sources.errors import SourceError
from sources.validate import validate
from tests.test_sources_city_eurostat import one
from tests.test_sources_city_support import mutated_dataset, replace_once

ERGAN = "lfsa_ergan_employment_rates_by_citizenship.csv"
URGAN = "lfsa_urgan_unemployment_rates_by_citizenship.csv"
INCOME = "ilc_di15_mean_median_income_by_citizenship.csv"
HEALTH = "hlth_silc_24_self_perceived_health_by_citizenship.csv"
IMD = "International-migration-database.csv"
# ERGAN line 5964, the Netherlands' 2019 employment rate of foreign citizens, both sexes.
NL_FOR_2019 = b"T,Total,Y15-64,From 15 to 64 years,FOR,Foreign country,NL,Netherlands,2019,,66.1,,"
NL_FOR_2019_LINE = NL_FOR_2019 + b",,,"  # value, then empty flag and CONF_STATUS cells
NL_FOR_2019_ROW = 5964
# IMD line 113: inflows of foreign population into Germany, 2019.
DEU_2019 = b"DEU,Germany,W,World,A,Annual,B11,Inflows of foreign population,_T,Total,_Z,"
DEU_2019_VALUE = b"PS,Persons,2019,,1345943,,A,Normal value,0"


def staged(module, ds=None) -> StageResult:
    ds = dataset(module.DATASET_ID) if ds is None else ds
    res = module.stage(module.read(ds))
    validate(res.table, module.SPEC.schema, dataset=module.DATASET_ID, table="staged")
    return res


@cache
def real(module_name: str) -> StageResult:
    return staged({"lfs": lfs, "silc": silc, "imd": imd}[module_name])


def mutated(module, tmp_path: Path, file: str, mutate) -> StageResult:
    return staged(module, mutated_dataset(module.DATASET_ID, tmp_path, {file: mutate}))


def replace_all(old: bytes, new: bytes):
    def mutate(data: bytes) -> bytes:
        assert old in data, f"{old!r} not in file"
        return data.replace(old, new)

    return mutate


def error_of(module, tmp_path: Path, file: str, mutate) -> SourceError:
    with pytest.raises(SourceError) as exc:
        mutated(module, tmp_path, file, mutate)
    return exc.value


# --- golden numbers, each read from the publisher file at the line named -------------------


def test_lfs_golden_numbers() -> None:
    t = real("lfs").table
    # ERGAN lines 5964 / 6821: NL 2019, 15-64, both sexes: foreign 66.1, nationals 79.1 (issue 11)
    nl_for = one(t, indicator="LFSA_ERGAN.Y15-64.FOR.T", geo="NLD", year=2019)
    nl_nat = one(t, indicator="LFSA_ERGAN.Y15-64.NAT.T", geo="NLD", year=2019)
    assert (nl_for["value"], nl_for["source_row"], nl_for["source_file"]) == (66.1, 5964, ERGAN)
    assert (nl_nat["value"], nl_nat["source_row"]) == (79.1, 6821)
    # URGAN lines 6105 / 6962: Sweden 2019 unemployment, foreign 20.2, nationals 5.5
    se_for = one(t, indicator="LFSA_URGAN.Y15-64.FOR.T", geo="SWE", year=2019)
    se_nat = one(t, indicator="LFSA_URGAN.Y15-64.NAT.T", geo="SWE", year=2019)
    assert (se_for["value"], se_for["source_row"], se_nat["value"]) == (20.2, 6105, 5.5)
    # ERGAN line 5606: Greece is "EL" in the file; 2019 foreign-citizen rate 53.0
    gr = one(t, indicator="LFSA_ERGAN.Y15-64.FOR.T", geo="GRC", year=2019)
    assert (gr["value"], gr["source_row"], gr["country_iso3"]) == (53.0, 5606, "GRC")
    assert t["geo"].nunique() == 36 and (t["year"].min(), t["year"].max()) == (1995, 2024)
    assert len(t) == 2 * 7983  # every line of both files


def test_silc_golden_numbers_and_aggregates() -> None:
    t = real("silc").table
    # ilc_di15 lines 765 / 1144: Germany 2019 median equivalised net income, adults 18+
    de_for = one(t, indicator="ILC_DI15.MED_E.FOR.T.Y_GE18", geo="DEU", year=2019)
    de_nat = one(t, indicator="ILC_DI15.MED_E.NAT.T.Y_GE18", geo="DEU", year=2019)
    assert (de_for["value"], de_for["source_row"], de_for["source_file"]) == (22373, 765, INCOME)
    assert (de_nat["value"], de_nat["source_row"]) == (23725, 1144)
    # hlth_silc_24 lines 7529 / 10182: NL 2019 health "very good or good", 16+
    nl_for = one(t, indicator="HLTH_SILC_24.T.Y_GE16.FOR.VG_G", geo="NLD", year=2019)
    nl_nat = one(t, indicator="HLTH_SILC_24.T.Y_GE16.NAT.VG_G", geo="NLD", year=2019)
    assert (nl_for["value"], nl_for["source_row"], nl_nat["value"]) == (72.9, 7529, 75.0)
    # the 8 EU / euro-area labels are aggregates from the explicit list, without ISO3
    agg = t[t["geo_level"] == "aggregate"]
    assert agg["geo"].nunique() == 8 and agg["country_iso3"].isna().all()
    assert (
        "Euro area (EA11-1999, EA12-2001, EA13-2007, EA15-2008, EA16-2009, EA17-2011, "
        "EA18-2014, EA19-2015, EA20-2023)" in set(agg["geo"])
    )
    countries = t[t["geo_level"] == "country"]
    assert countries["geo"].nunique() == 37 and "XKX" in set(countries["geo"])  # "Kosovo*"
    assert set(t["vintage"]) == {"2025-03-21"}  # LAST UPDATE 21/03/25 in both files


def test_imd_golden_numbers() -> None:
    t = real("imd").table
    # IMD line 113: Germany 2019, 1,345,943 inflows; line 346: Netherlands 2019, 215,228
    de = one(t, geo="DEU", year=2019)
    assert (de["value"], de["source_row"], de["indicator"]) == (1345943, 113, "B11.W._T")
    assert one(t, geo="NLD", year=2019)["value"] == 215228
    assert t["geo"].nunique() == 37 and (t["year"].min(), t["year"].max()) == (2012, 2022)
    assert real("imd").decisions.empty  # every status in the file is A (normal value)


def test_real_files_decision_counts() -> None:
    by_rule = real("lfs").decisions["rule"].value_counts().to_dict()
    # EL and UK rows of both files: (30 Greek + 25 British years) x 9 series x 2 files
    assert by_rule["eurostat_non_iso_country_code"] == (30 + 25) * 9 * 2
    assert by_rule["eurostat_empty_value_with_flag"] == (34 + 154) + (110 + 620)
    silc_rules = set(real("silc").decisions["rule"])
    assert {"eurostat_low_reliability", "eurostat_empty_value_with_flag"} <= silc_rules


# --- every named rule on a mutated copy -----------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "rule", "action"),
    [
        (b"u,low reliability,,", "eurostat_low_reliability", "flag"),
        (b"b,break in time series,,", "eurostat_series_break", "flag"),
        (b"d,definition differs,,", "eurostat_definition_differs", "flag"),
        (b"e,estimated,,", "eurostat_estimated", "flag"),
        (b"p,provisional,,", "eurostat_provisional", "flag"),
        (b"f,forecast,,", "eurostat_forecast", "flag"),
        (b"r,revised,,", "eurostat_revised", "flag"),
        (b"s,Eurostat estimate,,", "eurostat_estimate_by_eurostat", "flag"),
        (b"n,not significant,,", "eurostat_not_significant", "flag"),
        (b'bu,"break in time series, low reliability",,', "eurostat_low_reliability", "flag"),
        (b"c,confidential,,", "eurostat_confidential", "drop"),
        (b"z,not applicable,,", "eurostat_not_applicable", "drop"),
        (b"m,missing,,", "eurostat_missing", "drop"),
        (b",,C,Confidential", "eurostat_confidential", "drop"),  # CONF_STATUS, not OBS_FLAG
    ],
)
def test_lfs_flag_rules(tmp_path: Path, flags: bytes, rule: str, action: str) -> None:
    res = mutated(lfs, tmp_path, ERGAN, replace_once(NL_FOR_2019_LINE, NL_FOR_2019 + flags))
    row = one(res.table, indicator="LFSA_ERGAN.Y15-64.FOR.T", geo="NLD", year=2019)
    dec = one(res.decisions[res.decisions["rule"] == rule], geo="NLD", year=2019)
    assert (row["qc_rule"], row["qc_action"], row["value_raw"]) == (rule, action, 66.1)
    assert dec["source_row"] == NL_FOR_2019_ROW and dec["source_file"] == ERGAN
    assert pd.isna(row["value"]) if action == "drop" else row["value"] == 66.1
    assert not (real("lfs").table["flag"].fillna("").str.contains("c")).any()


# the same line with OBS_VALUE emptied and flag u: "…,2019,,,,u,low reliability,,"
EMPTY_WITH_FLAG = NL_FOR_2019.removesuffix(b"66.1,,") + b",,u,low reliability,,"


def test_lfs_empty_value_with_flag(tmp_path: Path) -> None:
    res = mutated(lfs, tmp_path, ERGAN, replace_once(NL_FOR_2019_LINE, EMPTY_WITH_FLAG))
    row = one(res.table, indicator="LFSA_ERGAN.Y15-64.FOR.T", geo="NLD", year=2019)
    assert row["qc_rule"] == "eurostat_empty_value_with_flag" and pd.isna(row["value"])
    assert row["flag"] == "u"


def test_lfs_non_iso_codes_rule_fires_only_on_el_and_uk(tmp_path: Path) -> None:
    # the copy writes Greece as ISO "GR": its rows still key GRC but are no longer flagged
    res = mutated(lfs, tmp_path, ERGAN, replace_all(b",EL,Greece,", b",GR,Greece,"))
    dec = res.decisions[res.decisions["rule"] == "eurostat_non_iso_country_code"]
    ergan_greece = dec[(dec["geo"] == "GRC") & (dec["source_file"] == ERGAN)]
    assert ergan_greece.empty and (dec["source_file"] == URGAN).sum() == (30 + 25) * 9
    assert (res.table["geo"] == "GRC").sum() == (real("lfs").table["geo"] == "GRC").sum()


def test_lfs_unknown_flag_names_file_row_column(tmp_path: Path) -> None:
    err = error_of(lfs, tmp_path, ERGAN, replace_once(NL_FOR_2019_LINE, NL_FOR_2019 + b"x,what,,"))
    assert (err.dataset, err.file, err.row, err.column) == (
        lfs.DATASET_ID,
        ERGAN,
        NL_FOR_2019_ROW,
        "OBS_FLAG",
    )


@pytest.mark.parametrize(
    ("old", "new", "column"),
    [
        (b"Netherlands,2019,,66.1,", b"Netherlands,2019,,166.1,", "OBS_VALUE"),  # share > 100
        (b"Netherlands,2019,,66.1,", b"Netherlands,2019,,-6.1,", "OBS_VALUE"),  # negative
        (b"Netherlands,2019,,66.1,", b"Netherlands,1990,,66.1,", "TIME_PERIOD"),  # not covered
    ],
    ids=["above-100", "negative", "year"],
)
def test_lfs_domain_checks_name_file_row_column(tmp_path, old, new, column) -> None:
    full_old = NL_FOR_2019.replace(b"Netherlands,2019,,66.1,", old)
    full_new = NL_FOR_2019.replace(b"Netherlands,2019,,66.1,", new)
    err = error_of(lfs, tmp_path, ERGAN, replace_once(full_old, full_new))
    assert (err.dataset, err.file, err.row, err.column) == (
        lfs.DATASET_ID,
        ERGAN,
        NL_FOR_2019_ROW,
        column,
    )


def test_silc_rules_and_label_tables(tmp_path: Path) -> None:
    line = b"Foreign country,Total,18 years or over,Germany,2019,22373,,"
    res = mutated(silc, tmp_path / "u", INCOME, replace_once(line, line[:-2] + b",u,"))
    row = one(res.table, indicator="ILC_DI15.MED_E.FOR.T.Y_GE18", geo="DEU", year=2019)
    assert (row["qc_rule"], row["value"]) == ("eurostat_low_reliability", 22373)
    res = mutated(silc, tmp_path / "m", INCOME, replace_once(line, line[:-7] + b",m,"))
    row = one(res.table, indicator="ILC_DI15.MED_E.FOR.T.Y_GE18", geo="DEU", year=2019)
    assert row["qc_rule"] == "eurostat_empty_value_with_flag" and pd.isna(row["value"])
    # an unknown label is not a new series: it fails at its line and column
    err = error_of(
        silc, tmp_path / "l", INCOME, replace_once(line, line.replace(b"Foreign", b"Alien"))
    )
    assert (err.file, err.row, err.column) == (INCOME, 765, "citizen")
    # a health share above 100 fails where it lives
    health = b"Foreign country,Very good or good,Percentage,Netherlands,2019,72.9,,"
    err = error_of(
        silc, tmp_path / "s", HEALTH, replace_once(health, health.replace(b"72.9", b"172.9"))
    )
    assert (err.file, err.row, err.column) == (HEALTH, 7529, "OBS_VALUE")


def test_silc_unlisted_aggregate_label_fails(tmp_path: Path) -> None:
    # an aggregate label that is not in the explicit list is never guessed to be one
    err = error_of(
        silc,
        tmp_path,
        INCOME,
        replace_all(b"Euro area - 18 countries (2014)", b"Euro area - 17 countries (2011-2013)"),
    )
    assert err.column == "geo" and "Euro area - 17 countries" in str(err)


@pytest.mark.parametrize(
    ("status", "rule", "action"),
    [
        (b"E,Estimated value", "oecd_status_estimated", "flag"),
        (b"B,Break", "oecd_status_series_break", "flag"),
        (b"P,Provisional value", "oecd_status_provisional", "flag"),
        (b"F,Forecast value", "oecd_status_forecast", "flag"),
        (b"I,Imputed value", "oecd_status_imputed", "flag"),
        (b"U,Low reliability", "oecd_status_low_reliability", "flag"),
        (b"M,Missing value", "oecd_status_missing", "drop"),
    ],
)
def test_imd_status_rules(tmp_path: Path, status: bytes, rule: str, action: str) -> None:
    new = DEU_2019_VALUE.replace(b"A,Normal value", status)
    res = mutated(imd, tmp_path, IMD, replace_once(DEU_2019_VALUE, new))
    row = one(res.table, geo="DEU", year=2019)
    assert (row["qc_rule"], row["qc_action"], row["source_row"]) == (rule, action, 113)
    assert pd.isna(row["value"]) if action == "drop" else row["value"] == 1345943


@pytest.mark.parametrize(
    ("old", "new", "column"),
    [
        (b"2019,,1345943,", b"2019,,-1345943,", "OBS_VALUE"),  # negative count
        (b"2019,,1345943,", b"2031,,1345943,", "TIME_PERIOD"),  # beyond coverage
        (b"A,Normal value", b"Z,Whatever", "OBS_STATUS"),  # unknown status
        (b"A,Normal value,0", b"A,Normal value,3", "UNIT_MULT"),  # thousands: refused
    ],
    ids=["negative", "year", "status", "unit-mult"],
)
def test_imd_bad_values_name_file_row_column(tmp_path, old, new, column) -> None:
    err = error_of(
        imd, tmp_path, IMD, replace_once(DEU_2019_VALUE, DEU_2019_VALUE.replace(old, new))
    )
    assert (err.dataset, err.file, err.row, err.column) == (imd.DATASET_ID, IMD, 113, column)


# --- every reader on a truncated and a re-encoded copy --------------------------------------


def first_line_with(data: bytes, needle: bytes) -> int:
    return data[: data.index(needle)].count(b"\n") + 1


READER_CASES = [(lfs, ERGAN, b"Netherlands,2019,,66.1"), (silc, HEALTH, b"Netherlands,2019,72.9")]
READER_CASES += [(imd, IMD, b"2019,,1345943")]


@pytest.mark.parametrize(("module", "file", "cut_at"), READER_CASES, ids=["lfs", "silc", "imd"])
def test_reader_truncated_file(tmp_path: Path, module, file: str, cut_at: bytes) -> None:
    data = dataset(module.DATASET_ID).path(file).read_bytes()
    cut = data.index(cut_at) + len(cut_at) - 2  # inside the value: the line loses its cells
    with pytest.raises(SourceError) as exc:
        module.read(mutated_dataset(module.DATASET_ID, tmp_path, {file: lambda b: b[:cut]}))
    err = exc.value
    assert (err.dataset, err.file) == (module.DATASET_ID, file)
    assert err.row == first_line_with(data, cut_at) and "truncated" in str(err)


@pytest.mark.parametrize(("module", "file", "_"), READER_CASES, ids=["lfs", "silc", "imd"])
@pytest.mark.parametrize("encoding", ["utf-16", "cp1252"])
def test_reader_reencoded_file(tmp_path: Path, module, file: str, _, encoding: str) -> None:
    data = dataset(module.DATASET_ID).path(file).read_bytes()
    recode = lambda b: b.decode("utf-8").encode(encoding)  # noqa: E731
    with pytest.raises(SourceError) as exc:
        module.read(mutated_dataset(module.DATASET_ID, tmp_path, {file: recode}))
    err = exc.value
    assert (err.dataset, err.file) == (module.DATASET_ID, file)
    # UTF-16 fails at its byte-order mark; Windows-1252 at the first non-ASCII character
    # (Türkiye, or the en dash of "Euro area – 20 countries")
    first_non_ascii = next(i for i, byte in enumerate(data) if byte >= 0x80)
    expected = 1 if encoding == "utf-16" else data[:first_non_ascii].count(b"\n") + 1
    assert err.row == expected and "re-encoded" in str(err)
