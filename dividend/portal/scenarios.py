"""The country ranking under every weight scenario, for the home page's switcher.

A release is built for one scenario. The other scenarios differ only in weights, so their
country index is recomputed here with the index's own scorer
(:func:`dividend.index.score_framework`) from the release's ``indicators_long.csv`` and the
framework and scenario files shipped with the code: the same values ``dividend build
--weights <scenario>`` would publish, without touching the warehouse.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dividend.config import (
    FrameworkConfig,
    load_frameworks,
    load_scenario,
    scenario_paths,
)
from dividend.index import score_framework
from dividend.portal.data import PortalError, Release

UNIT_KEYS = ["framework", "geo", "name", "country_iso3", "peer_group"]


def country_scenarios(
    rel: Release,
    weights_dir: Path | None = None,
    frameworks: dict[str, FrameworkConfig] | None = None,
) -> dict[str, pd.DataFrame]:
    """Scenario name -> country index table; the release's own scenario is its CSV, unchanged."""
    out = {rel.scenario: rel.country}
    frameworks = frameworks or load_frameworks()
    fw = frameworks.get("country")
    if fw is None:
        raise PortalError("indicators/country.yaml: no framework named 'country'")
    long = rel.long[rel.long["framework"] == fw.name]
    units = rel.country.reindex(columns=UNIT_KEYS)
    units["framework"] = units["framework"].fillna(fw.name)
    units["peer_group"] = units["peer_group"].fillna(fw.peer_group)
    for name, path in scenario_paths(weights_dir).items():  # a handful of scenario files
        if name in out:
            continue
        sc = load_scenario(path, frameworks)
        out[name] = score_framework(fw, sc, units, long).table
    return out
