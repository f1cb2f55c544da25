"""Every country hazard rule: fires on the real file, and follows a mutated copy of it."""

from __future__ import annotations

import openpyxl
import pytest

from sources.catalogue import dataset
from sources.datasets import all_specs
from sources.errors import SourceError
from tests.country_sources_helpers import edit_worldbank_csv, mutated, replace_text

NETM = "API_SM.POP.NETM_DS2_en_csv_v2_3401672.csv"
PAID = "API_BM.TRF.PWKR.CD.DT_DS2_en_csv_v2_3012027.csv"
ICTD = "taxes_ictd_grd_2021.csv"
UNDESA = "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
OTHER = "Other taxes (% of GDP) (ICTD (2019))"


def staged(ds):
    spec = all_specs()[ds.id]
    result = spec.stage(spec.read(ds))
    spec.schema.validate(result.table, lazy=True)
    return result


def rows(result, rule):
    return result.decisions[result.decisions["rule"] == rule]


# --- net migration: WPP projection years -------------------------------------------------


def test_projection_years_dropped_on_the_real_file():
    res = staged(dataset("worldbank_wdi_net_migration"))
    proj = rows(res, "wpp_projection_years")
    assert set(proj["year"]) == {2022, 2023}
    assert len(proj) == 2 * 265  # every economy and aggregate with a value
    t = res.table
    nzl = t[(t["geo"] == "NZL") & (t["year"] == 2023)].iloc[0]
    assert (
        nzl["value"] != nzl["value"] and nzl["value_raw"] == 12_999 and nzl["qc_action"] == "drop"
    )
    kept_2021 = t[(t["geo"] == "NZL") & (t["year"] == 2021)].iloc[0]
    assert kept_2021["value"] == 38_220 and kept_2021["qc_action"] == "flag"  # = 2020 value
    assert rows(res, "wpp_repeated_value")["year"].eq(2021).sum() == 75


def test_projection_start_follows_the_data(tmp_path):
    # Make 2021 look like a projection year (round thousands everywhere): it is dropped too.
    def round_2021(frame):
        v = frame["2021"].replace("", None).astype(float)
        frame["2021"] = ((v / 1000).round() * 1000).map(lambda x: "" if x != x else f"{x:.0f}")

    ds = mutated(
        "worldbank_wdi_net_migration",
        tmp_path / "a",
        NETM,
        lambda p: edit_worldbank_csv(p, round_2021),
    )
    assert set(rows(staged(ds), "wpp_projection_years")["year"]) == {2021, 2022, 2023}

    # Replace the 2022-23 assumptions by ordinary, distinct numbers: no projection detected.
    def unround(frame):
        for y, k in (("2022", 7), ("2023", 13)):
            v = frame["2021"].replace("", None).astype(float)
            frame[y] = (v + k).map(lambda x: "" if x != x else f"{x:.0f}")

    ds = mutated(
        "worldbank_wdi_net_migration",
        tmp_path / "b",
        NETM,
        lambda p: edit_worldbank_csv(p, unround),
    )
    assert rows(staged(ds), "wpp_projection_years").empty


# --- remittances paid: single-year outliers -----------------------------------------------


def test_kenya_2019_remittances_paid_dropped_on_the_real_file():
    res = staged(dataset("worldbank_wdi_remittances_paid"))
    out = rows(res, "remittances_paid_outlier")
    ken = out[(out["geo"] == "KEN") & (out["year"] == 2019)]
    assert len(ken) == 1 and ken["value_raw"].iat[0] == pytest.approx(2563928.55203916)
    assert ken["source_row"].iat[0] == 127
    assert len(out) <= 10  # a rule for recording errors, not a trimming of the tails


def test_outlier_rule_follows_a_mutated_file(tmp_path):
    def edit(frame):
        ken = frame["Country Code"] == "KEN"
        frame.loc[ken, "2019"] = "15000000"  # in line with Kenya's own series
        fra = frame["Country Code"] == "FRA"
        frame.loc[fra, "2015"] = (
            f"{float(frame.loc[fra, '2015'].iat[0]) / 100:.4f}"  # 100x too small
        )

    ds = mutated(
        "worldbank_wdi_remittances_paid", tmp_path, PAID, lambda p: edit_worldbank_csv(p, edit)
    )
    out = rows(staged(ds), "remittances_paid_outlier")
    hits = set(zip(out["geo"], out["year"], strict=True))
    assert ("KEN", 2019) not in hits
    assert ("FRA", 2015) in hits


# --- ICTD: negative tax components --------------------------------------------------------


def test_ictd_negative_components_on_the_real_file():
    res = staged(dataset("ictd_grd_2021_taxes_owid"))
    dropped, zeroed = (
        rows(res, "ictd_negative_component"),
        rows(res, "ictd_negative_rounding_residual"),
    )
    assert len(dropped) + len(zeroed) == 49  # every negative cell in the file
    t = res.table
    chile = t[(t["geo"] == "CHL") & (t["year"] == 2017) & (t["indicator"] == OTHER)].iloc[0]
    assert chile["value_raw"] == pytest.approx(-1.030799) and chile["qc_action"] == "drop"
    rsa = t[(t["geo"] == "ZAF") & (t["year"] == 2015) & (t["indicator"] == OTHER)].iloc[0]
    assert (
        rsa["value_raw"] == pytest.approx(-0.00001)
        and rsa["value"] == 0
        and rsa["qc_action"] == "rescale"
    )
    assert (t["value"].dropna() >= 0).all()


def test_ictd_rules_follow_a_mutated_file(tmp_path):
    def mutate(path):
        replace_text(
            "Netherlands,2019,39.810206,12.109024,12.206648,0.000000,0.100463,",
            "Netherlands,2019,39.810206,12.109024,12.206648,0.000000,-0.500000,",
        )(path)
        replace_text(
            "Chile,2017,18.933913,10.601373,7.729450,0.000000,-1.030799,",
            "Chile,2017,18.933913,10.601373,7.729450,0.000000,1.030799,",
        )(path)

    res = staged(mutated("ictd_grd_2021_taxes_owid", tmp_path, ICTD, mutate))
    dropped = rows(res, "ictd_negative_component")
    keys = set(zip(dropped["geo"], dropped["year"], strict=True))
    assert ("NLD", 2019) in keys and ("CHL", 2017) not in keys


# --- UN DESA: repeated aggregate 927 and '..' / '~' markers --------------------------------


def test_undesa_repeated_927_and_markers_on_the_real_file():
    res = staged(dataset("undesa_ims2020_destination"))
    rep = rows(res, "undesa_repeated_aggregate")
    assert set(rep["geo"]) == {"927"} and len(rep) == 108  # one row x every value column
    assert set(rep["source_row"]) == {268}  # the later copy (Oceania block); row 19 is kept
    t = res.table
    anz = t[(t["geo"] == "927") & (t["indicator"] == "T1.STOCK.BOTH") & (t["year"] == 2020)]
    assert len(anz) == 1 and anz["value"].iat[0] == 9_067_584 and anz["source_row"].iat[0] == 19
    assert len(rows(res, "undesa_not_available")) == 1309
    assert len(rows(res, "undesa_privacy_suppressed")) == 1724
    assert not t.duplicated(["indicator", "geo", "year"]).any()


def _edit_cell(sheet: str, cell: str, value):
    def _mutate(path):
        wb = openpyxl.load_workbook(path)
        wb[sheet][cell] = value
        wb.save(path)

    return _mutate


def test_undesa_markers_follow_a_mutated_file(tmp_path):
    # New Zealand, Table 1, 2020 both sexes is cell L270.
    ds = mutated(
        "undesa_ims2020_destination", tmp_path, UNDESA, _edit_cell("Table 1", "L270", "..")
    )
    na = rows(staged(ds), "undesa_not_available")
    assert (
        (na["geo"] == "NZL") & (na["year"] == 2020) & (na["indicator"] == "T1.STOCK.BOTH")
    ).sum() == 1


def test_undesa_conflicting_repeat_is_an_error(tmp_path):
    ds = mutated("undesa_ims2020_destination", tmp_path, UNDESA, _edit_cell("Table 1", "L268", 1))
    spec = all_specs()[ds.id]
    with pytest.raises(SourceError, match=r"927 is repeated with a different value") as err:
        spec.stage(spec.read(ds))
    assert err.value.row == 268


# --- WDI mirror: % of GDP beyond any recorded level -----------------------------------------


def test_pct_of_gdp_ceiling_on_real_and_mutated_file(tmp_path):
    res = staged(dataset("worldbank_wdi_2022_04_mirror"))
    hit = rows(res, "wb_pct_of_gdp_above_1000")
    assert set(zip(hit["geo"], hit["year"], strict=True)) == {("ESP", 1970), ("ESP", 1971)}

    def edit(frame):
        frame.loc[frame["Country Code"] == "ESP", "1970"] = "20.0251041517294"

    ds = mutated(
        "worldbank_wdi_2022_04_mirror",
        tmp_path,
        "gov_dept_perc_gdp.csv",
        lambda p: edit_worldbank_csv(p, edit),
    )
    hit = rows(staged(ds), "wb_pct_of_gdp_above_1000")
    assert set(zip(hit["geo"], hit["year"], strict=True)) == {("ESP", 1971)}
