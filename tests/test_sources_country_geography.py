"""Country geography: every non-aggregate publisher key maps to one ISO3, aggregates stay apart."""

from __future__ import annotations

import csv

import openpyxl
import pandas as pd
import pytest

from sources.catalogue import dataset
from sources.errors import SourceError
from sources.geography.countries import (
    aggregate_names,
    build_countries,
    m49_to_iso3,
    name_to_iso3,
)


def names_in(ds_id: str, file: str, column: int, delimiter: str = ",") -> set[str]:
    """Distinct names in a column, read with the csv module (independent of the readers)."""
    with dataset(ds_id).path(file).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=delimiter))
    return {r[column] for r in rows[1:]}


@pytest.mark.parametrize(
    ("ds_id", "file", "delimiter", "n_names", "n_aggregates"),
    [
        ("ictd_grd_2021_taxes_owid", "taxes_ictd_grd_2021.csv", ",", 195, 0),
        ("maddison_project_2020_owid", "maddison_project_database_2020.csv", ",", 178, 12),
        ("mipex_overall_scores_handcompiled", "mipex.csv", ";", 32, 0),
    ],
)
def test_every_name_maps_or_is_a_listed_aggregate(ds_id, file, delimiter, n_names, n_aggregates):
    names = names_in(ds_id, file, 0, delimiter)
    assert len(names) == n_names
    aggregates = names & aggregate_names()
    assert len(aggregates) == n_aggregates
    iso3 = name_to_iso3(sorted(names - aggregates), dataset=ds_id, file=file)
    assert iso3.notna().all() and iso3.str.fullmatch(r"[A-Z]{3}").all()
    assert iso3.is_unique, "two publisher names collapsed onto one ISO3"


def test_specific_names():
    got = name_to_iso3(
        [
            "Kosovo",
            "Timor",
            "Namibia",
            "Cote d'Ivoire",
            "Micronesia (country)",
            "Czech Republic",
            "World",
            "Czechoslovakia",
        ],
        dataset="t",
        file="f",
    )
    assert got.iloc[:6].tolist() == ["XKX", "TLS", "NAM", "CIV", "FSM", "CZE"]
    assert got.iloc[6:].isna().all()  # aggregates, never countries (coco would say CZE)


def test_unknown_name_is_an_error_not_a_drop():
    with pytest.raises(SourceError, match="Atlantis") as err:
        name_to_iso3(["France", "Atlantis"], dataset="x", file="y.csv")
    assert (err.value.dataset, err.value.file) == ("x", "y.csv")


def test_every_undesa_country_code_maps():
    ds = dataset("undesa_ims2020_destination")
    wb = openpyxl.load_workbook(
        ds.path("undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"), read_only=True
    )
    codes = [
        r[3] for r in wb["Table 1"].iter_rows(min_row=12, values_only=True) if r[3] is not None
    ]
    assert len(codes) == 283 and len(set(codes)) == 282  # 927 twice
    countries = pd.Series([c for c in codes if c < 900])
    assert len(countries) == 235
    iso3 = m49_to_iso3(countries, dataset=ds.id, file="x")
    assert iso3.notna().all() and iso3.is_unique
    assert dict(zip(countries, iso3, strict=True))[554] == "NZL"
    assert dict(zip(countries, iso3, strict=True))[830] == "CHI"  # Channel Islands: WB code
    assert m49_to_iso3([900, 927], dataset=ds.id, file="x").isna().all()
    with pytest.raises(SourceError, match=r"\[899\]"):
        m49_to_iso3([528, 899], dataset=ds.id, file="x")


def test_countries_table():
    c = build_countries().set_index("iso3")
    assert c.loc["NAM", "iso2"] == "NA"  # the value pandas would read as missing
    assert c.loc["XKX", "name"] == "Kosovo" and not c.loc["XKX", "is_iso3166"]
    assert c.loc["NZL", "m49"] == 554 and c.loc["NZL", "wb_income_group"] == "High income"
    assert c["is_wb_economy"].sum() == 217  # every World Bank economy has a row
    assert c["is_oecd_fb_reporter"].sum() == 34
    assert c.loc["SWE", "wb_region"] == "Europe & Central Asia"
