"""A real release for the portal tests, built once per session from the vendored data.

Sources are materialised by the shared ``source_warehouse`` fixture;
``dividend.release.from_warehouse.build_release`` writes the release (and, through the site
builder handed to the release writer, the site), as ``dividend build`` does. A small real sensitivity analysis (issue 6's ``index_sensitivity`` with its
default inputs, n = 32) is stored in the warehouse's ``sensitivity`` schema first, the way
its asset does, so the release carries uncertainty exactly as the pipeline exports it.
"""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path

import duckdb
import pandas as pd
import pytest

SCENARIO = "faal_five_pillars"


def _add_sensitivity(warehouse: Path) -> None:
    """Issue 6's index sensitivity (small n) written where its asset writes it."""
    from dividend.index.definition import load_frameworks, load_scenario, scenario_paths
    from dividend.index.formulas import evaluate, wide_panel
    from dividend.index.uncertainty import IndexSettings, index_sensitivity
    from pipelines.assets.sensitivity import replace_scenario_rows

    frameworks = load_frameworks()
    scenarios = {n: load_scenario(p, frameworks) for n, p in scenario_paths().items()}
    con = duckdb.connect(str(warehouse))
    try:
        data = {}
        for name, fw in frameworks.items():  # four frameworks, every panel year
            units, long = evaluate(con, fw)
            data[name] = wide_panel(units, long, fw.codes)
        settings = IndexSettings(n=32, nboot=0, n_sets=50)
        tables = index_sensitivity(frameworks, scenarios[SCENARIO], scenarios, data, settings)
        replace_scenario_rows(con, tables, SCENARIO)
    finally:
        con.close()


@pytest.fixture(scope="session")
def portal_release(source_warehouse, tmp_path_factory) -> Path:
    """``exports/<release-id>/`` of a real release (with ``site/``) in a temporary directory."""
    from dividend.commands.build_release import study_cities_from_raw
    from dividend.commands.world_map import world_map
    from dividend.index.definition import load_definition, scenario_paths
    from dividend.portal.site import build_site
    from dividend.release.from_warehouse import build_release
    from sources.catalogue import catalogue

    path, result = source_warehouse
    assert result.success, "source assets failed to materialise"
    root = tmp_path_factory.mktemp("portal")
    warehouse = root / "w.duckdb"
    shutil.copyfile(path, warehouse)  # the shared warehouse stays untouched
    _add_sensitivity(warehouse)
    definition, sources = load_definition(), catalogue()
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        world = world_map(con, sources)
    finally:
        con.close()
    assert world is not None, "the source warehouse has no staged.map_crosswalk"
    out = build_release(
        warehouse,
        definition,
        definition.scenario(scenario_paths()[SCENARIO]),
        root / "exports",
        sources,
        site_builder=partial(build_site, sources=sources, definition=definition, world_map=world),
        study_fallback=study_cities_from_raw,
    )
    assert (out / "site" / "index.html").is_file(), "release writer did not build the site"
    return out


UNIT_KEYS = ["framework", "geo", "name", "country_iso3", "peer_group"]


def headline_inputs(release: Path, framework: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The units of ``framework`` as the release's headline tables list them, and their rows of
    indicators_long.csv: what the index scored for the published numbers (an index v2 release
    keeps every reference year in indicators_long; the headline tables show one per unit)."""
    units = pd.concat(
        [pd.read_csv(release / f) for f in ("country_index.csv", "city_index.csv")],
        ignore_index=True,
    )
    units = units[units["framework"] == framework]
    long = pd.read_csv(release / "indicators_long.csv")
    long = long[long["framework"] == framework]
    keys = list(UNIT_KEYS)
    if "reference_year" in units.columns and "reference_year" in long.columns:
        keys.append("reference_year")
        long = long.merge(units[["geo", "reference_year"]], on=["geo", "reference_year"])
    return units[keys].reset_index(drop=True), long
