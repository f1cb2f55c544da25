"""``dividend build``: from a warehouse and a weight scenario to ``exports/<release-id>/``.

The caller hands in what this library must not import: the source catalogue (provenance of
every dataset) and the site builder, which the writer calls on its temporary directory so the
release and its portal appear together or not at all.

The build runs the scenario's own index *and its own sensitivity* from the indicator values:
nothing computed under other weights is read back from the warehouse, so any new or edited
scenario file builds, and the release's intervals always belong to its weights.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path

import duckdb
import pandas as pd

from dividend.index.assemble import evaluate_all, index_tables, study_cities
from dividend.index.definition import IndexDefinition, Scenario
from dividend.index.formulas import wide_panel
from dividend.index.sql_sandbox import CONNECTION_CONFIG
from dividend.index.uncertainty import IndexSettings, index_sensitivity, survey_table
from dividend.release.contents import (
    CatalogueEntry,
    read_data_quality,
    release_tables,
    weights_digest,
)
from dividend.release.writer import SiteBuilder, write_release

LOCK_WAIT_S = 2.0


@contextmanager
def read_warehouse(warehouse: Path, wait_s: float = 3600.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only, sandboxed connection; while ``make run`` holds the write lock, say so and
    wait (up to ``wait_s``) instead of failing with DuckDB's lock error."""
    deadline = time.monotonic() + wait_s
    told = False
    while True:
        try:
            con = duckdb.connect(str(warehouse), read_only=True, config=CONNECTION_CONFIG)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            if not told:
                print(
                    f"the warehouse {warehouse} is being written (make run?); waiting for it "
                    "to finish …",
                    file=sys.stderr,
                    flush=True,
                )
                told = True
            time.sleep(LOCK_WAIT_S)
    try:
        yield con
    finally:
        con.close()


def sensitivity_config(settings: IndexSettings, weights: pd.DataFrame) -> dict:
    """What the release records about its intervals: the settings and the weights sha256."""
    doc = {k: v for k, v in asdict(settings).items() if k != "extra"}
    doc["vary"], doc["goalpost_scale"] = list(settings.vary), list(settings.goalpost_scale)
    return {**doc, "weights_sha256": weights_digest(weights)}


def build_release(
    warehouse: Path,
    definition: IndexDefinition,
    scenario: Scenario,
    exports: Path,
    catalogue: Mapping[str, CatalogueEntry],
    site_builder: SiteBuilder | None = None,
    min_coverage: float = 0.0,
    study_fallback: Callable[[duckdb.DuckDBPyConnection], pd.DataFrame] | None = None,
    settings: IndexSettings | None = IndexSettings(),  # noqa: B008 (frozen defaults)
) -> Path:
    """The whole pipeline from a warehouse file to ``exports/<release-id>``.

    ``settings``: the sensitivity run of this scenario (None: a release without intervals).
    """
    frameworks = definition.frameworks
    with read_warehouse(warehouse) as con:
        ind = evaluate_all(con, frameworks)
        study = study_cities(con, study_fallback)
        dq = read_data_quality(con)
        surveys = {n: survey_table(con, fw) for n, fw in frameworks.items()}
    idx = index_tables(frameworks, scenario, ind, study, min_coverage)
    extra: dict[str, pd.DataFrame] = {}
    config = None
    if settings is not None:
        # the same panel, survey draws and headline years as the Dagster sensitivity asset
        data = {
            n: wide_panel(
                ind.units[ind.units["framework"] == n],
                ind.long[ind.long["framework"] == n],
                fw.codes,
            )
            for n, fw in frameworks.items()
        }
        units = pd.concat([idx.country, idx.city], ignore_index=True)
        headline = (
            units.dropna(subset=["headline_year"])
            .drop_duplicates("framework")
            .set_index("framework")["headline_year"]
            .astype(int)
            .to_dict()
            if "headline_year" in units.columns
            else None
        )
        settings = replace(settings, min_coverage=min_coverage)
        tables = index_sensitivity(
            frameworks,
            scenario,
            definition.scenarios,
            data,
            settings,
            surveys=surveys,
            headline=headline,
        )
        extra = {f"sensitivity_{t}": f for t, f in tables.items()}
        config = sensitivity_config(settings, idx.weights)
    rel = release_tables(frameworks, scenario, ind, idx, dq, catalogue, extra, sensitivity=config)
    return write_release(rel, exports, site_builder=site_builder)
