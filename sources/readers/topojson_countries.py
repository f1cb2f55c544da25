"""A TopoJSON world atlas (Natural Earth via world-atlas): one row set per country geometry.

The file is a `Topology` whose object `countries` is a GeometryCollection of Polygon and
MultiPolygon geometries, each with `id` = ISO 3166-1 numeric code (-99: no code), and whose
`arcs` are delta-encoded, quantised positions (`transform`: scale and translate). We keep
the geometry itself untouched in the vendored file (the portal draws from it) and read, per
geometry, what the map needs to join and check it: its id, its number of polygons, and its
bounding box in degrees, decoded from the arcs. The bounding box identifies the id -99
features by location (see sources/geography/map_110m.yaml) and is domain-checked.

Tidy layout: `geo` is the id (`-99@<index>` for id -99, which is not unique), `source_row`
is the geometry's 1-based position in `objects.countries.geometries` (the file is one line).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sources.catalogue import Dataset
from sources.errors import SourceError
from sources.readers._common import raw_table, read_data_files, read_json

OBJECT = "countries"
NO_ISO_ID = -99
SNAPSHOT_YEAR = 2015  # vega-datasets commit of the file (2015-10-15); Natural Earth has no year
BBOX = ("bbox_west", "bbox_south", "bbox_east", "bbox_north")
INDICATORS = {"polygons": "count", **dict.fromkeys(BBOX, "degrees")}
LON_LAT_RANGE = {"bbox_west": 180.0, "bbox_east": 180.0, "bbox_south": 90.0, "bbox_north": 90.0}


def _require(ok: bool, ds: Dataset, name: str, message: str, index: int | None = None) -> None:
    if not ok:
        raise SourceError(
            message,
            dataset=ds.id,
            file=name,
            row=None if index is None else index + 1,
            column=f"objects.{OBJECT}.geometries" if index is not None else None,
        )


def _arc_bounds(arcs: list, scale: np.ndarray, translate: np.ndarray) -> np.ndarray:
    """(n_arcs, 4) west, south, east, north of every arc, from its delta-encoded positions."""
    lengths = np.array([len(a) for a in arcs], dtype="int64")
    flat = np.array([p[:2] for a in arcs for p in a], dtype="float64")
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    absolute = np.cumsum(flat, axis=0)  # cumulative over the whole file: subtract each arc's
    offset = np.repeat(absolute[starts] - flat[starts], lengths, axis=0)  # running start
    points = (absolute - offset) * scale + translate
    lo = np.minimum.reduceat(points, starts)
    hi = np.maximum.reduceat(points, starts)
    return np.column_stack([lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1]])


def read_file(ds: Dataset, name: str) -> pd.DataFrame:
    doc = read_json(ds, name)
    _require(isinstance(doc, dict) and doc.get("type") == "Topology", ds, name, "not a Topology")
    tf = doc.get("transform") or {}
    _require(
        len(tf.get("scale", ())) == 2 and len(tf.get("translate", ())) == 2,
        ds,
        name,
        "Topology lacks a transform (scale, translate): positions are not quantised as expected",
    )
    collection = doc.get("objects", {}).get(OBJECT, {})
    geoms = collection.get("geometries")
    _require(
        collection.get("type") == "GeometryCollection" and bool(geoms),
        ds,
        name,
        f"objects.{OBJECT} is not a non-empty GeometryCollection",
    )
    arcs = doc.get("arcs") or []
    _require(len(arcs) > 0 and all(len(a) >= 2 for a in arcs), ds, name, "arcs missing or short")
    bounds = _arc_bounds(arcs, np.asarray(tf["scale"]), np.asarray(tf["translate"]))

    ids, polygons, owner, arc_index = [], [], [], []
    for i, g in enumerate(geoms):
        gid = g.get("id")
        _require(isinstance(gid, int) and not isinstance(gid, bool), ds, name, f"id {gid!r}", i)
        kind = g.get("type")
        _require(kind in ("Polygon", "MultiPolygon"), ds, name, f"geometry type {kind!r}", i)
        polys = g.get("arcs") or []
        polys = [polys] if kind == "Polygon" else polys
        rings = [a for poly in polys for ring in poly for a in ring]
        _require(bool(rings), ds, name, "geometry has no arcs", i)
        ids.append(gid)
        polygons.append(len(polys))
        owner += [i] * len(rings)
        arc_index += rings
    arc_index = np.asarray(arc_index, dtype="int64")
    arc_index = np.where(arc_index < 0, ~arc_index, arc_index)  # ~i: arc i reversed
    bad = arc_index >= len(arcs)
    _require(
        not bad.any(),
        ds,
        name,
        "geometry refers to an arc that does not exist",
        int(np.asarray(owner)[bad][0]) if bad.any() else None,
    )
    n = len(geoms)
    box = np.full((n, 4), np.nan)
    box[:, :2], box[:, 2:] = np.inf, -np.inf
    np.minimum.at(box[:, 0], owner, bounds[arc_index, 0])
    np.minimum.at(box[:, 1], owner, bounds[arc_index, 1])
    np.maximum.at(box[:, 2], owner, bounds[arc_index, 2])
    np.maximum.at(box[:, 3], owner, bounds[arc_index, 3])

    ids = np.asarray(ids, dtype="int64")
    index = np.arange(n)
    geo = np.where(ids == NO_ISO_ID, [f"{NO_ISO_ID}@{i}" for i in index], ids.astype(str))
    values = np.column_stack([np.asarray(polygons, dtype="float64"), box])
    k = len(INDICATORS)
    return raw_table(
        ds,
        name,
        indicator=np.tile(list(INDICATORS), n),
        geo=np.repeat(geo, k),
        geo_label=pd.Series(pd.NA, index=range(n * k), dtype="str"),
        geo_level=np.repeat(np.where(ids == NO_ISO_ID, "region", "country"), k),
        year=SNAPSHOT_YEAR,
        value=values.ravel(),
        unit=np.tile(list(INDICATORS.values()), n),
        flag=pd.Series(pd.NA, index=range(n * k), dtype="str"),
        source_row=np.repeat(index + 1, k),
    )


def read(ds: Dataset) -> pd.DataFrame:
    return read_data_files(ds, read_file)
