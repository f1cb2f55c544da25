"""``dividend build``: from a warehouse and a weight scenario to ``exports/<release-id>/``.

The caller hands in what this library must not import: the source catalogue (provenance of
every dataset) and the site builder, which the writer calls on its temporary directory so the
release and its portal appear together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import duckdb
import pandas as pd

from dividend.index.assemble import evaluate_all, index_tables, study_cities
from dividend.index.definition import IndexDefinition, Scenario
from dividend.release.contents import (
    CatalogueEntry,
    read_data_quality,
    release_tables,
    sensitivity_tables,
)
from dividend.release.writer import SiteBuilder, write_release


def build_release(
    warehouse: Path,
    definition: IndexDefinition,
    scenario: Scenario,
    exports: Path,
    catalogue: Mapping[str, CatalogueEntry],
    site_builder: SiteBuilder | None = None,
    min_coverage: float = 0.0,
    study_fallback: Callable[[duckdb.DuckDBPyConnection], pd.DataFrame] | None = None,
) -> Path:
    """The whole pipeline from a warehouse file to ``exports/<release-id>``."""
    frameworks = definition.frameworks
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        ind = evaluate_all(con, frameworks)
        study = study_cities(con, study_fallback)
        dq = read_data_quality(con)
        extra = sensitivity_tables(con, scenario.name)
    finally:
        con.close()
    idx = index_tables(frameworks, scenario, ind, study, min_coverage)
    rel = release_tables(frameworks, scenario, ind, idx, dq, catalogue, extra)
    return write_release(rel, exports, site_builder=site_builder)
