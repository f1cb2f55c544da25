"""The world map's inputs, read where the library may not: the vendored Natural Earth file
(through the source catalogue) and ``staged.map_crosswalk`` from the warehouse."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

from dividend.portal.chart_map import WorldMap
from sources.geography.map_crosswalk import MAP_DATASET

MAP_FILE = "world-110m.json"


def world_map(con: duckdb.DuckDBPyConnection, catalogue: Mapping) -> WorldMap | None:
    """The map, or None when the warehouse has no ``staged.map_crosswalk`` yet."""
    has = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'staged' AND table_name = 'map_crosswalk'"
    ).fetchone()[0]
    if not has or MAP_DATASET not in catalogue:
        return None
    crosswalk = con.execute("SELECT * FROM staged.map_crosswalk").df()
    topology = catalogue[MAP_DATASET].path(MAP_FILE).read_text(encoding="utf-8")
    return WorldMap(topology, crosswalk)
