"""City geography: QoL -> Eurostat crosswalk, the city table and the study cities."""

from __future__ import annotations

import importlib
from functools import cache

import pandas as pd
import pytest

from sources.catalogue import dataset
from sources.errors import SourceError
from sources.geography import cities as geo
from tests.research_brief import STUDY_CITIES

CITY_IDS = (geo.PERCEP_ID, geo.AUDIT_ID, geo.QOL_ID, geo.NAE_ID, geo.STATCAN_ID)


@cache
def raw_tables() -> dict[str, pd.DataFrame]:
    mods = {i: importlib.import_module(f"sources.datasets.{i}") for i in CITY_IDS}
    return {i: m.SPEC.read(dataset(i)) for i, m in mods.items()}


@cache
def city_table() -> pd.DataFrame:
    return geo.build_cities(raw_tables())


def test_crosswalk_counts_78_name_matches_and_5_overrides() -> None:
    x = geo.build_qol_crosswalk()
    assert len(x) == 83
    assert (x["method"] == "name-match").sum() == 78
    over = x[x["method"] == "override"].set_index("qol_name")["eurostat_code"].to_dict()
    assert over == {
        "Marseille": "FR004C",
        "Valletta": "MT001C",
        "Tyneside conurbation": "UK013C",
        "Podgorica": "ME001C",
        "Beograd": "RS001C",
    }
    assert not x["qol_code"].duplicated().any() and not x["eurostat_code"].duplicated().any()
    assert x[x["method"] == "override"]["note"].str.len().gt(10).all()
    by_name = x.set_index("qol_name")["eurostat_code"]
    # accent and spacing folding: 'Białystok' = 'Bialystok', 'Oulu / Uleåborg' = 'Oulu/Uleåborg'
    assert by_name["Rotterdam"] == "NL037C" and by_name["Lisboa"] == "PT001C"
    assert by_name["Białystok"] == "PL011C" and by_name["Oulu / Uleåborg"] == "FI004C"


def test_crosswalk_fails_loudly_without_an_override() -> None:
    banner = geo.qol_cities()
    extra = pd.concat([banner, pd.DataFrame({"qol_code": ["9999"], "qol_name": ["Atlantis"]})])
    with pytest.raises(SourceError, match="Atlantis"):
        geo.build_qol_crosswalk(extra)


def test_fold_name() -> None:
    names = pd.Series(["Bruxelles / Brussel", "Piatra Neamţ", "Białystok", "  Genève "])
    assert geo.fold_name(names).tolist() == [
        "bruxelles/brussel",
        "piatra neamt",
        "bialystok",
        "geneve",
    ]


def test_eurostat_prefix_to_iso3() -> None:
    codes = pd.Series(["EL001C", "UK013C", "NL037C", "NL", "ME001C"])
    assert geo.eurostat_geo_iso3(codes, dataset="t").tolist() == ["GRC", "GBR", "NLD", "NLD", "MNE"]
    with pytest.raises(SourceError, match="XX"):
        geo.eurostat_geo_iso3(pd.Series(["XX001C"]), dataset="t")


def test_city_table() -> None:
    c = city_table()
    assert c["peer_group"].value_counts().to_dict()["us"] == 100
    assert (c["peer_group"] == "ca").sum() == 36
    assert c["country_iso3"].notna().all() and not c["city_key"].duplicated().any()
    rot = c.set_index("city_key").loc["NL037C"]
    assert (rot["name"], rot["qol_code"], rot["country_iso3"]) == ("Rotterdam", "2003", "NLD")
    assert set(rot["sources"].split(",")) == {geo.PERCEP_ID, geo.AUDIT_ID, geo.QOL_ID}
    assert c.set_index("city_key").loc["CA-CMA-535", "statcan_cma"] == "535"
    assert c.set_index("city_key").loc["US-IL-Chicago city", "nae_place"] == "Chicago city, IL"
    assert c["qol_code"].notna().sum() == 83


def test_study_cities_are_honest_about_coverage() -> None:
    s = geo.build_study_cities(city_table()).set_index("study_city")
    assert list(s.index) == STUDY_CITIES
    assert (
        s.loc["Rotterdam", "eurostat_code"] == "NL037C" and s.loc["Rotterdam", "qol_code"] == "2003"
    )
    assert s.loc["Lisbon", "eurostat_code"] == "PT001C" and s.loc["Lisbon", "qol_code"] == "2202"
    assert (
        s.loc["Chicago", "city_key"] == "US-IL-Chicago city"
        and s.loc["Chicago", "coverage"] == geo.NAE_ID
    )
    # Buenos Aires: the City of Buenos Aires has context data (RENAPER, DNM), never scored
    ba = s.loc["Buenos Aires"]
    assert ba["city_key"] == "AR-CABA" and "context data, not scored" in ba["note"]
    assert set(ba["coverage"].split(",")) == {
        "argentina_dnm_foreign_residents",
        "argentina_dnm_residence_permits",
    }
    uncovered = ["Auckland", "Kuala Lumpur", "Nairobi", "São Paulo"]
    assert (s.loc[uncovered, "note"] == geo.NO_CITY_DATA).all()
    assert (s.loc[uncovered, "coverage"] == "none").all() and s.loc[
        uncovered, "city_key"
    ].isna().all()
    assert s["country_iso3"].tolist() == ["NZL", "ARG", "USA", "MYS", "PRT", "KEN", "NLD", "BRA"]
