"""The verdict rule (issue 12, item 5) on small tables: thresholds, the insufficient-data
rule, re-ranking without an uncertainty result, and the headline blanking."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dividend.index.definition import PILLARS, load_frameworks
from dividend.index.verdict import (
    NO_UNCERTAINTY,
    assign_verdicts,
    counted_pillars,
    headline,
    required_pillars,
    sufficiency,
    verdict_of,
)

FW = load_frameworks()


def test_thresholds_are_inclusive_and_nan_is_insufficient():
    p = np.array([0.0, 0.10, 0.1000001, 0.5, 0.8999999, 0.90, 1.0, np.nan])
    got = verdict_of(p, np.ones(len(p), dtype=bool))
    assert list(got) == [
        "net gain",
        "net gain",
        "too close to call",
        "too close to call",
        "too close to call",
        "net loss",
        "net loss",
        "insufficient data",
    ]
    assert set(verdict_of(p, np.zeros(len(p), dtype=bool))) == {"insufficient data"}


def test_counted_pillars_per_frame():
    assert counted_pillars(FW["country"]) == (
        "financial",
        "economic",
        "social",
        "political",
        "protection",
    )
    assert required_pillars(FW["country"]) == 3
    # EU cities: one scored actuality pillar, so every scored pillar counts and 2 are needed
    assert set(counted_pillars(FW["city_eu"])) == {"social", "perception"}
    assert required_pillars(FW["city_eu"]) == 2
    assert required_pillars(FW["city_us"]) == 3


def _table(pillars_observed: list[int], coverage: list[float]) -> pd.DataFrame:
    n = len(coverage)
    t = pd.DataFrame({"framework": "country", "reference_year": 2019, "coverage": coverage})
    for p in PILLARS:
        t[f"{p}_coverage"] = 0.0
    country_pillars = counted_pillars(FW["country"])
    for row, k in enumerate(pillars_observed):
        for p in country_pillars[:k]:
            t.loc[row, f"{p}_coverage"] = 1.0
    t["dividend"] = np.linspace(-10, 10, n)
    return t


def test_sufficiency_counts_pillars_and_coverage():
    t = _table([2, 3, 5, 4], [0.9, 0.5, 0.49, 0.8])
    s = sufficiency(t, FW["country"])
    assert list(s["pillars_observed"]) == [2, 3, 5, 4]
    assert list(s["sufficient"]) == [False, True, False, True]
    assert s["verdict_reason"].iloc[0] == "fewer than 3 pillars observed"
    assert s["verdict_reason"].iloc[2] == "coverage below 0.5"


def test_context_only_frame_is_always_insufficient_with_its_reason():
    ca = FW["city_ca"]
    t = _table([0], [np.nan])
    s = sufficiency(t, ca)
    assert not s["sufficient"].iloc[0] and s["verdict_reason"].iloc[0] == ca.unranked_reason


def test_missing_uncertainty_unranks_and_reranks():
    t = _table([5, 5, 5], [1.0, 1.0, 1.0])
    t["dividend"] = [5.0, -1.0, 3.0]
    t["ranked"] = True
    t["rank"] = pd.array([1, 3, 2], dtype="Int64")
    t["n_ranked"] = 3
    t["verdict_reason"] = ""
    out = assign_verdicts(t, pd.Series([0.05, 0.95, np.nan]))
    assert list(out["verdict"]) == ["net gain", "net loss", "insufficient data"]
    assert out["verdict_reason"].iloc[2] == NO_UNCERTAINTY
    assert out["rank"].iloc[0] == 1 and out["rank"].iloc[1] == 2 and pd.isna(out["rank"].iloc[2])
    h = headline(out)
    assert pd.isna(h["dividend"].iloc[2]) and pd.isna(h["p_net_loss"].iloc[2])
    assert h["dividend"].iloc[0] == 5.0 and h["p_net_loss"].iloc[1] == 0.95
