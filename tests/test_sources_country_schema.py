"""Pandera models of the staged country tables reject bad data, reporting every failure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.errors as pe
import pytest

from sources.catalogue import dataset
from sources.datasets import all_specs


@pytest.fixture(scope="module")
def oecd():
    spec = all_specs()["oecd_foreign_born_population_share"]
    return spec, spec.stage(spec.read(dataset(spec.dataset_id))).table


def test_lazy_validation_reports_every_broken_rule(oecd):
    spec, table = oecd
    bad = table.copy()
    bad.loc[0, "value"] = 150.0  # outside 0-100
    bad.loc[1, "value"] = np.nan  # missing without a rule
    bad.loc[2, "country_iso3"] = "NZL"  # key disagrees with geo
    bad.loc[3, "qc_action"] = "flag"  # an action without a rule name
    bad.loc[4, "year"] = 1990  # before the series starts
    with pytest.raises(pe.SchemaErrors) as err:
        spec.schema.validate(bad, lazy=True)
    cases = err.value.failure_cases
    failed = set(cases["check"].astype(str))
    assert any("plausible range" in c for c in failed)
    assert any("no silent NaN" in c for c in failed)
    assert any("country_iso3 == geo" in c for c in failed)
    assert any("qc_rule is named" in c for c in failed)
    assert any("greater_than_or_equal_to(2000)" in c for c in failed)
    assert {0, 1, 2, 3, 4} <= set(cases["index"].dropna().astype(int))


def test_unknown_indicator_and_duplicate_key_rejected():
    spec = all_specs()["undesa_ims2020_destination"]
    table = spec.stage(spec.read(dataset(spec.dataset_id))).table
    bad = table.copy()
    bad.loc[0, "indicator"] = "T9.NEW_SERIES"
    bad = pd.concat([bad, table.iloc[[5]]], ignore_index=True)
    with pytest.raises(pe.SchemaErrors) as err:
        spec.schema.validate(bad, lazy=True)
    failed = set(err.value.failure_cases["check"].astype(str))
    assert any("plausible range" in c for c in failed)
    assert any("duplicate" in c for c in failed)


def test_mipex_schema_insists_on_the_assumed_year(oecd):
    spec = all_specs()["mipex_overall_scores_handcompiled"]
    table = spec.stage(spec.read(dataset(spec.dataset_id))).table
    spec.schema.validate(table, lazy=True)
    bad = table.copy()
    bad["flag"] = None
    bad.loc[0, "year"] = 2014
    with pytest.raises(pe.SchemaErrors) as err:
        spec.schema.validate(bad, lazy=True)
    cols = set(err.value.failure_cases["column"].astype(str))
    assert {"year", "flag"} <= cols


def test_aggregates_carry_no_country_key():
    spec = all_specs()["maddison_project_2020_owid"]
    table = spec.stage(spec.read(dataset(spec.dataset_id))).table
    agg = table[table["geo_level"] == "aggregate"]
    assert agg["country_iso3"].isna().all() and "World" in set(agg["geo"])
    bad = table.copy()
    bad.loc[agg.index[0], "country_iso3"] = "USA"
    with pytest.raises(pe.SchemaErrors):
        spec.schema.validate(bad, lazy=True)


@pytest.mark.parametrize(
    ("ds_id", "message"),
    [
        ("oecd_foreign_born_population_share", "OECD DP_LIVE FBORNPOP lists countries only"),
        ("mipex_overall_scores_handcompiled", "MIPEX scores are per country"),
    ],
)
def test_countries_only_datasets_reject_an_aggregate_row(ds_id, message):
    spec = all_specs()[ds_id]
    bad = spec.stage(spec.read(dataset(ds_id))).table.copy()
    bad.loc[0, ["geo_level", "country_iso3"]] = ["aggregate", None]
    with pytest.raises(pe.SchemaErrors) as err:
        spec.schema.validate(bad, lazy=True)
    assert message in set(err.value.failure_cases["check"].astype(str))
