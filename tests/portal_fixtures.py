"""A real release for the portal tests, built once per session from the vendored data.

Sources are materialised by the shared ``source_warehouse`` fixture; the index colleague's
``dividend.build.build_release`` writes the release (and, through the release writer's
hook, the site). A small real sensitivity analysis of the country index (issue 6's
library: ±25 % pillar and dimension weight noise and ±25 % goalposts, Saltelli design)
is stored in the warehouse's ``sensitivity`` schema first, so the release carries
uncertainty exactly the way the pipeline exports it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

SCENARIO = "faal_five_pillars"


def _add_sensitivity(warehouse: Path) -> None:
    from dividend.config import load_frameworks, load_scenario, scenario_paths
    from dividend.indicators import evaluate, wide
    from dividend.sensitivity.inputs import ScoringFactor, WeightNoise
    from dividend.sensitivity.models import ScoringModel
    from dividend.sensitivity.runner import run_sensitivity

    frameworks = load_frameworks()
    fw = frameworks["country"]
    scenario = load_scenario(scenario_paths()[SCENARIO], frameworks)
    con = duckdb.connect(str(warehouse))
    try:
        units, long = evaluate(con, fw)
        model = ScoringModel(
            fw.scoring_spec(scenario),
            wide(units, long, fw.codes),
            min_coverage=fw.rank_min_coverage,
        )
        inputs = [
            WeightNoise(name="weights", noise={2: 0.25, 3: 0.25}, n_sets=50),
            ScoringFactor(name="goalposts", what="goalpost", low=0.75, high=1.25),
        ]
        res = run_sensitivity(model, inputs, n=64, seed=7, nboot=0, leave_one_out=False)
        unit_table = res.units.assign(scenario=SCENARIO, framework=fw.name)
        input_table = res.inputs.assign(scenario=SCENARIO, framework=fw.name)
        con.execute("CREATE SCHEMA IF NOT EXISTS sensitivity")
        con.register("u", unit_table)
        con.register("i", input_table)
        con.execute("CREATE OR REPLACE TABLE sensitivity.units AS SELECT * FROM u")
        con.execute("CREATE OR REPLACE TABLE sensitivity.inputs AS SELECT * FROM i")
    finally:
        con.close()


@pytest.fixture(scope="session")
def portal_release(source_warehouse, tmp_path_factory) -> Path:
    """``exports/<release-id>/`` of a real release (with ``site/``) in a temporary directory."""
    from dividend.build import build_release
    from dividend.config import scenario_paths

    path, result = source_warehouse
    assert result.success, "source assets failed to materialise"
    root = tmp_path_factory.mktemp("portal")
    warehouse = root / "w.duckdb"
    shutil.copyfile(path, warehouse)  # the shared warehouse stays untouched
    _add_sensitivity(warehouse)
    out = build_release(warehouse, scenario_paths()[SCENARIO], root / "exports")
    assert (out / "site" / "index.html").is_file(), "release writer did not build the site"
    return out
