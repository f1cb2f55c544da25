"""Country readers: golden numbers read straight off the vendored publisher files."""

from __future__ import annotations

import pytest

from sources.catalogue import dataset
from sources.datasets import all_specs
from sources.tidy import RAW_COLUMNS, RawTidy

COUNTRY_DATASETS = [
    "worldbank_wdi_2022_04_mirror",
    "worldbank_wdi_net_migration",
    "worldbank_wdi_remittances_paid",
    "oecd_foreign_born_population_share",
    "ictd_grd_2021_taxes_owid",
    "maddison_project_2020_owid",
    "mipex_overall_scores_handcompiled",
    "undesa_ims2020_destination",
]


@pytest.fixture(scope="module")
def raw() -> dict:
    specs = all_specs()
    return {d: specs[d].read(dataset(d)) for d in COUNTRY_DATASETS}


def one(frame, **where):
    mask = True
    for k, v in where.items():
        mask = mask & (frame[k] == v)
    hit = frame[mask]
    assert len(hit) == 1, f"{where}: {len(hit)} rows"
    return hit.iloc[0]


@pytest.mark.parametrize("ds_id", COUNTRY_DATASETS)
def test_raw_tables_satisfy_the_tidy_contract(raw, ds_id):
    frame = raw[ds_id]
    assert list(frame.columns) == RAW_COLUMNS
    RawTidy.validate(frame, lazy=True)
    files = {f.name for f in dataset(ds_id).data_files()}
    assert set(frame["source_file"]) <= files
    assert frame.duplicated(["indicator", "geo", "year", "source_file", "source_row"]).sum() in (0,)


def test_undesa_new_zealand_2020_migrant_stock(raw):
    r = one(raw["undesa_ims2020_destination"], indicator="T1.STOCK.BOTH", geo="554", year=2020)
    assert r["value"] == 1_381_724
    assert r["geo_label"] == "New Zealand"
    assert r["source_row"] == 270  # sheet row of New Zealand in Table 1
    assert r["flag"] == "B"  # Type of data: foreign-born
    assert r["unit"] == "persons"


def test_undesa_other_tables_and_markers(raw):
    u = raw["undesa_ims2020_destination"]
    share = one(u, indicator="T3.STOCK_PCT_POP.BOTH", geo="554", year=2020)["value"]
    assert share == pytest.approx(28.653198632251904)
    assert one(u, indicator="T2.POP.BOTH", geo="554", year=2020)["value"] == pytest.approx(4822.233)
    assert one(u, indicator="T1.STOCK.MALE", geo="554", year=1990)["value"] == 258_223
    south_sudan = one(u, indicator="T1.STOCK.BOTH", geo="728", year=1990)
    assert south_sudan["flag"] == ".." and south_sudan["value"] != south_sudan["value"]  # NaN
    tokelau = one(u, indicator="T6.REFUGEES", geo="772", year=2020)
    assert tokelau["flag"] == "~"
    # 283 rows per sheet x (21+21+21+7+18+20) value columns
    assert len(u) == 283 * 108
    assert (u["geo_level"] == "aggregate").sum() == 48 * 108
    # period columns are keyed by their end year
    assert set(u.loc[u["indicator"] == "T5.STOCK_GROWTH.BOTH", "year"]) == {
        1995,
        2000,
        2005,
        2010,
        2015,
        2020,
    }


def test_ictd_netherlands_2019_total_tax(raw):
    r = one(
        raw["ictd_grd_2021_taxes_owid"],
        indicator="Total tax revenue (% of GDP) (ICTD (2019))",
        geo="Netherlands",
        year=2019,
    )
    assert r["value"] == pytest.approx(39.810206, abs=1e-9)
    assert r["unit"] == "% of GDP"
    assert r["source_row"] == 4019


def test_worldbank_values_and_file_vintages(raw):
    mirror = raw["worldbank_wdi_2022_04_mirror"]
    pop = one(mirror, indicator="SP.POP.TOTL", geo="NZL", year=2020)
    assert (
        pop["value"] == 5_084_300
        and pop["source_row"] == 186
        and pop["source_file"] == "population.csv"
    )
    aruba = one(mirror, indicator="NY.GDP.MKTP.CD", geo="ABW", year=1986)
    assert aruba["value"] == pytest.approx(405463417.11746) and aruba["unit"] == "current US$"
    assert set(mirror["vintage"]) == {"2022-04-08"}
    net = raw["worldbank_wdi_net_migration"]
    assert one(net, geo="NZL", year=2019)["value"] == 103_392
    assert one(net, geo="ABW", year=1961)["value"] == -569
    assert set(net["vintage"]) == {"2024-06-28"}
    paid = raw["worldbank_wdi_remittances_paid"]
    assert one(paid, geo="KEN", year=2019)["value"] == pytest.approx(2563928.55203916)
    assert set(paid["vintage"]) == {"2021-09-15"}


def test_worldbank_aggregates_come_from_the_metadata(raw):
    net = raw["worldbank_wdi_net_migration"]
    levels = net.drop_duplicates("geo").set_index("geo")["geo_level"]
    assert levels["WLD"] == "aggregate" and levels["HIC"] == "aggregate"
    assert levels["XKX"] == "country" and levels["CHI"] == "country"
    assert (levels == "country").sum() == 217
    # remittances paid has no metadata of its own: the newest WDI metadata classifies it
    paid = raw["worldbank_wdi_remittances_paid"].drop_duplicates("geo").set_index("geo")
    assert paid.loc["EUU", "geo_level"] == "aggregate" and paid.loc["KEN", "geo_level"] == "country"


def test_oecd_values(raw):
    o = raw["oecd_foreign_born_population_share"]
    assert one(o, geo="AUS", year=2000)["value"] == 23.2
    r = one(o, geo="NZL", year=2018)
    assert r["value"] == 26.8 and r["source_row"] == 372
    assert set(o["indicator"]) == {"FBORNPOP.TOT.PC_POP"}
    assert o["geo"].nunique() == 34 and len(o) == 597


def test_maddison_values(raw):
    m = raw["maddison_project_2020_owid"]
    nl = one(m, indicator="GDP per capita", geo="Netherlands", year=2018)
    assert nl["value"] == pytest.approx(47474.1095) and nl["unit"] == "2011 int-$"
    assert one(m, indicator="Population", geo="Afghanistan", year=1950)["value"] == 8_150_000
    assert one(m, indicator="Population", geo="Afghanistan", year=1950)["unit"] == "persons"
    assert one(m, indicator="GDP per capita", geo="World", year=2018)["geo_level"] == "aggregate"


def test_mipex_scores_and_assumed_year(raw):
    m = raw["mipex_overall_scores_handcompiled"]
    sweden = one(m, geo="Sweden")
    assert sweden["value"] == 83 and sweden["source_row"] == 30
    assert sweden["year"] == 2010 and sweden["flag"] == "year_assumed_2010"
    assert "2010 assumed" in sweden["unit"]
    assert one(m, geo="Latvia")["value"] == 31 and len(m) == 32


@pytest.mark.parametrize("ds_id", COUNTRY_DATASETS)
def test_staged_tables_validate_and_key_countries_by_iso3(raw, ds_id):
    spec = all_specs()[ds_id]
    result = spec.stage(raw[ds_id])
    table = spec.schema.validate(result.table, lazy=True)
    countries = table[table["geo_level"] == "country"]
    assert countries["country_iso3"].notna().all()
    assert (countries["geo"] == countries["country_iso3"]).all()
    touched = table[table["qc_action"] != "none"]
    recorded = set(
        zip(
            result.decisions["indicator"],
            result.decisions["geo"],
            result.decisions["year"],
            strict=True,
        )
    )
    assert set(zip(touched["indicator"], touched["geo"], touched["year"], strict=True)) <= recorded


def test_staged_keys_for_name_and_m49_sources(raw):
    undesa = (
        all_specs()["undesa_ims2020_destination"].stage(raw["undesa_ims2020_destination"]).table
    )
    nz = undesa[
        (undesa["indicator"] == "T1.STOCK.BOTH")
        & (undesa["year"] == 2020)
        & (undesa["geo"] == "NZL")
    ]
    assert nz["value"].tolist() == [1_381_724]
    ictd = all_specs()["ictd_grd_2021_taxes_owid"].stage(raw["ictd_grd_2021_taxes_owid"]).table
    nl = ictd[
        (ictd["geo"] == "NLD")
        & (ictd["year"] == 2019)
        & ictd["indicator"].eq("Total tax revenue (% of GDP) (ICTD (2019))")
    ]
    assert nl["value"].tolist() == [pytest.approx(39.810206)]
