"""The map crosswalk: which country key each world-map geometry draws, and what it cannot draw.

The world map (Natural Earth 1:110m, `natural_earth_world_110m`) keys geometries by ISO 3166-1
numeric id. `staged.map_crosswalk` lists every geometry with the ISO3 it draws, every project
country (`staged.countries`) that has no polygon at this scale, and the id -99 geometries by
name (identified by location, `map_110m.yaml`), so a map can say which units it cannot show.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from dividend.safe_yaml import load_yaml
from sources.errors import SourceError
from sources.geography._model import StrictModel

MAP_TABLE_PATH = Path(__file__).with_name("map_110m.yaml")
MAP_DATASET = "natural_earth_world_110m"
DRAWN, NO_POLYGON, NO_ISO_CODE = "drawn", "no_polygon_at_110m", "no_iso_code"
NO_POLYGON_NOTE = (
    "no polygon of its own at 1:110m (too small at this scale, or drawn inside another "
    "country's polygon, e.g. French Guiana in France)"
)


@cache
def no_iso_features() -> list[dict]:
    return load_yaml(MAP_TABLE_PATH)["no_iso_features"]


class MapCrosswalk(StrictModel):
    """`staged.map_crosswalk`: one row per map geometry or undrawable project country."""

    iso3: Series[str] = pa.Field(nullable=True, str_matches=r"^[A-Z]{3}$")
    name: Series[str] = pa.Field(str_length={"min_value": 1})
    topo_id: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=-99, lt=1000)
    geometry_index: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0)
    status: Series[str] = pa.Field(isin=[DRAWN, NO_POLYGON, NO_ISO_CODE])
    note: Series[str] = pa.Field(nullable=True)

    @pa.dataframe_check(error="a country key appears at most once")
    @classmethod
    def iso3_once(cls, df: pd.DataFrame) -> Series[bool]:
        return df["iso3"].isna() | ~df["iso3"].duplicated(keep=False)

    @pa.dataframe_check(error="a geometry appears at most once")
    @classmethod
    def geometry_once(cls, df: pd.DataFrame) -> Series[bool]:
        return df["geometry_index"].isna() | ~df["geometry_index"].duplicated(keep=False)

    @pa.dataframe_check(
        error="status does not match the keys: drawn = ISO3 + geometry, "
        "no_polygon = ISO3 only, no_iso_code = geometry with id -99 only"
    )
    @classmethod
    def status_matches_keys(cls, df: pd.DataFrame) -> Series[bool]:
        has_iso = df["iso3"].notna()
        has_geom = df["geometry_index"].notna() & df["topo_id"].notna()
        minus99 = df["topo_id"].eq(-99).fillna(False)
        return (
            (df["status"].eq(DRAWN) & has_iso & has_geom & ~minus99)
            | (df["status"].eq(NO_POLYGON) & has_iso & ~has_geom)
            | (df["status"].eq(NO_ISO_CODE) & ~has_iso & has_geom & minus99)
        )


def _identify(regions: pd.DataFrame, file: str) -> pd.DataFrame:
    """Name each id -99 geometry by the listed point its bounding box contains (exactly one)."""
    table = no_iso_features()
    lon = np.array([f["contains"][0] for f in table])
    lat = np.array([f["contains"][1] for f in table])
    inside = (
        (regions["bbox_west"].to_numpy()[:, None] <= lon)
        & (lon <= regions["bbox_east"].to_numpy()[:, None])
        & (regions["bbox_south"].to_numpy()[:, None] <= lat)
        & (lat <= regions["bbox_north"].to_numpy()[:, None])
    )
    hits = inside.sum(axis=1)
    if (hits != 1).any() or (inside.sum(axis=0) != 1).any():
        i = int(np.flatnonzero(hits != 1)[0]) if (hits != 1).any() else None
        raise SourceError(
            "id -99 geometries and the named features of sources/geography/map_110m.yaml do not "
            f"match one to one (matches per geometry {hits.tolist()}, per feature "
            f"{inside.sum(axis=0).tolist()})",
            dataset=MAP_DATASET,
            file=file,
            row=None if i is None else int(regions["source_row"].iat[i]),
            column="objects.countries.geometries",
        )
    pick = inside.argmax(axis=1)
    return pd.DataFrame(
        {
            "iso3": pd.Series(pd.NA, index=range(len(regions)), dtype="str"),
            "name": [table[k]["name"] for k in pick],
            "topo_id": -99,
            "geometry_index": regions["source_row"].to_numpy() - 1,
            "status": NO_ISO_CODE,
            "note": [table[k]["note"] for k in pick],
        }
    )


def build_map_crosswalk(countries: pd.DataFrame, geometries: pd.DataFrame) -> pd.DataFrame:
    """`countries`: staged.countries; `geometries`: staged.natural_earth_world_110m."""
    file = str(geometries["source_file"].iat[0]) if len(geometries) else "?"
    keys = geometries.drop_duplicates("geo").set_index("geo")
    wide = (
        geometries.pivot(index="geo", columns="indicator", values="value")
        .join(keys[["geo_level", "country_iso3", "source_row"]])
        .reset_index()
        .sort_values("source_row", ignore_index=True)
    )
    drawn = wide[wide["geo_level"].eq("country")]
    unknown = sorted(set(drawn["country_iso3"]) - set(countries["iso3"]))
    if unknown:
        raise SourceError(
            f"map geometries whose ISO3 is not in staged.countries: {unknown}",
            dataset=MAP_DATASET,
            file=file,
            column="id",
        )
    names = countries.set_index("iso3")["name"]
    numeric = countries.set_index("iso3")["m49"]
    drawn_rows = pd.DataFrame(
        {
            "iso3": drawn["country_iso3"].to_numpy(),
            "name": drawn["country_iso3"].map(names).to_numpy(),
            "topo_id": drawn["country_iso3"].map(numeric).to_numpy(),  # the id it was read from
            "geometry_index": drawn["source_row"].to_numpy() - 1,
            "status": DRAWN,
            "note": pd.Series(pd.NA, index=range(len(drawn)), dtype="str"),
        }
    )
    regions = _identify(wide[wide["geo_level"].eq("region")].reset_index(drop=True), file)
    missing = countries[~countries["iso3"].isin(drawn_rows["iso3"])]
    by_key = {f.get("project_key"): f["note"] for f in no_iso_features() if f.get("project_key")}
    undrawn = pd.DataFrame(
        {
            "iso3": missing["iso3"].to_numpy(),
            "name": missing["name"].to_numpy(),
            "topo_id": pd.NA,
            "geometry_index": pd.NA,
            "status": NO_POLYGON,
            "note": [by_key.get(k, NO_POLYGON_NOTE) for k in missing["iso3"]],
        }
    )
    out = pd.concat([drawn_rows, regions, undrawn], ignore_index=True)
    out["topo_id"] = out["topo_id"].astype("Int64")
    out["geometry_index"] = out["geometry_index"].astype("Int64")
    out = out.sort_values(["status", "iso3", "name"], ignore_index=True)
    return MapCrosswalk.validate(out, lazy=True)
