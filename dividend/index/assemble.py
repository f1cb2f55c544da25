"""From a warehouse and a weight scenario to the index tables (no Dagster).

Shared by ``dividend build``, the Dagster assets and the tests, so the UI and the CLI
produce the same tables. Split in two steps so Dagster can store the indicator tables once
and re-score cheaply when only the weights change:

1. :func:`evaluate_all`: formulas -> units and long indicator table (weights not involved);
2. :func:`index_tables`: scenario -> country and city index, coherence, weights.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import duckdb
import pandas as pd

from dividend.index.contributions import typed_contributions
from dividend.index.definition import FrameworkConfig, Scenario
from dividend.index.formulas import evaluate
from dividend.index.unit_tables import COHERENCE_COLUMNS, city_table, score_panel

STUDY_COLUMNS = ["study_city", "country_iso3", "city_key"]


@dataclass(frozen=True)
class IndicatorTables:
    units: pd.DataFrame  # framework, geo, name, country_iso3, peer_group
    long: pd.DataFrame  # dividend.index.formulas.LONG_COLUMNS


@dataclass(frozen=True)
class IndexTables:
    country: pd.DataFrame
    city: pd.DataFrame
    coherence: pd.DataFrame
    weights: pd.DataFrame
    contributions: pd.DataFrame | None = None  # dividend.index.contributions


def evaluate_all(
    con: duckdb.DuckDBPyConnection, frameworks: dict[str, FrameworkConfig]
) -> IndicatorTables:
    parts = [evaluate(con, fw) for fw in frameworks.values()]
    return IndicatorTables(
        pd.concat([u for u, _ in parts], ignore_index=True),
        pd.concat([lg for _, lg in parts], ignore_index=True),
    )


def study_cities(
    con: duckdb.DuckDBPyConnection,
    fallback: Callable[[duckdb.DuckDBPyConnection], pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """The eight study cities from ``staged.study_cities``.

    A warehouse without that table (built before the geography assets existed) needs
    ``fallback``: the caller resolves them from the raw tables with ``sources``, which this
    library does not import.
    """
    has = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'staged' AND table_name = 'study_cities'"
    ).fetchone()[0]
    if has:
        return con.execute(
            "SELECT study_city, country_iso3, city_key FROM staged.study_cities"
        ).df()
    if fallback is None:
        raise ValueError(
            "warehouse has no table staged.study_cities: materialise the geography assets"
        )
    return fallback(con)[STUDY_COLUMNS]


def node_weights(frameworks: dict[str, FrameworkConfig], scenario: Scenario) -> pd.DataFrame:
    """Every node's nominal and effective weight per framework under the scenario."""
    rows = []
    for fw in frameworks.values():
        if not fw.scored:
            continue
        f = fw.framework(scenario)
        eff = f.effective_weights()
        level = {1: "indicator", 2: "pillar", 3: "dimension", 4: "index"}
        for lev, codes in enumerate(f.codes, start=1):
            for c in codes:
                rows.append(
                    (
                        scenario.name,
                        fw.name,
                        level[lev],
                        c,
                        f.parent[c] or "",
                        f.weight[c],
                        float(eff[c]),
                    )
                )
    return pd.DataFrame(
        rows,
        columns=["scenario", "framework", "level", "code", "parent", "weight", "effective_weight"],
    )


def index_tables(
    frameworks: dict[str, FrameworkConfig],
    scenario: Scenario,
    ind: IndicatorTables,
    study: pd.DataFrame,
    min_coverage: float = 0.0,
    detail_years: Collection[int] | None = None,
) -> IndexTables:
    """Score every framework under the scenario and assemble the country and city tables
    (coherence and contributions of ``detail_years`` only, default every year)."""
    scored = {}
    for name, fw in frameworks.items():
        units = ind.units[ind.units["framework"] == name].drop(columns="framework")
        units.insert(0, "framework", name)
        long = ind.long[ind.long["framework"] == name]
        scored[name] = score_panel(fw, scenario, units, long, min_coverage, detail_years)
    country_names = [n for n, fw in frameworks.items() if fw.level == "country"]
    city_names = [n for n, fw in frameworks.items() if fw.level == "city"]
    country = pd.concat([scored[n].table for n in country_names], ignore_index=True)
    city = city_table([scored[n].table for n in city_names], country, study)
    coh = pd.concat([scored[n].coherence for n in scored], ignore_index=True)[COHERENCE_COLUMNS]
    contrib = typed_contributions([scored[n].contributions for n in scored])
    return IndexTables(country, city, coh, node_weights(frameworks, scenario), contrib)
