"""The country ranking under every weight scenario, for the home page's switcher.

A release is built for one scenario. The other scenarios differ only in weights, so their
country index is recomputed here with the index's own scorer
(:func:`dividend.index.unit_tables.score_framework`) from the release's ``indicators_long.csv``
and the frameworks and scenarios the build already read (:class:`IndexDefinition`): the same
values ``dividend build --weights <scenario>`` would publish, without touching the warehouse.
"""

from __future__ import annotations

import pandas as pd

from dividend.index.definition import IndexDefinition
from dividend.index.unit_tables import score_framework
from dividend.portal.release_data import PortalError, Release

UNIT_KEYS = ["framework", "geo", "name", "country_iso3", "peer_group"]


def country_scenarios(rel: Release, definition: IndexDefinition) -> dict[str, pd.DataFrame]:
    """Scenario name -> country index table; the release's own scenario is its CSV, unchanged."""
    out = {rel.scenario: rel.country}
    fw = definition.frameworks.get("country")
    if fw is None:
        raise PortalError("indicators/country.yaml: no framework named 'country'")
    long = rel.long[rel.long["framework"] == fw.name]
    keys = UNIT_KEYS
    if "reference_year" in rel.country.columns and "reference_year" in long.columns:
        # the headline year only (the release's country table holds that year alone)
        long = long[long["reference_year"].isin(rel.country["reference_year"].unique())]
        keys = [*UNIT_KEYS, "reference_year"]
    units = rel.country.reindex(columns=keys)
    units["framework"] = units["framework"].fillna(fw.name)
    units["peer_group"] = units["peer_group"].fillna(fw.peer_group)
    for name, sc in definition.scenarios.items():
        if name in out:
            continue
        t = score_framework(fw, sc, units, long).table
        # no uncertainty run for other scenarios: like the headline tables, no dividend for
        # units the verdict rule leaves unranked (insufficient data)
        t["dividend"] = t["dividend"].where(t["ranked"].astype(bool))
        out[name] = t
    return out
