"""Natural Earth 1:110m country geometries (TopoJSON World Atlas), for the map of the index.

The vendored TopoJSON stays byte-identical: the portal draws from it. This dataset stages
what joins the map to the data: per geometry its ISO3 key (ISO numeric id -> ISO3), its
number of polygons and its bounding box. The three geometries with id -99 have no ISO code;
they keep the key `-99@<geometry index>`, geo_level "region", no ISO3, and a flag. Which
project countries the map cannot draw is `staged.map_crosswalk` (sources/geography).
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from sources.datasets import SourceSpec, StageResult
from sources.geography.countries import m49_to_iso3
from sources.quality import Rule, apply_rule, concat_decisions
from sources.readers import topojson_countries as topo
from sources.row_checks import row_check
from sources.tidy import StagedTidy, to_staged

DATASET_ID = "natural_earth_world_110m"

NO_ISO_ID = Rule(
    "natural_earth_no_iso_id",
    "flag",
    "geometry with id -99: no ISO 3166-1 numeric code (disputed or partially recognised "
    "territory), so no country data joins to it; drawn as no data and named in "
    "staged.map_crosswalk",
)


def stage(raw: pd.DataFrame) -> StageResult:
    country = raw["geo_level"].eq("country")
    file = str(raw["source_file"].iat[0]) if len(raw) else "?"
    ids = pd.to_numeric(raw["geo"].where(country, "0"), errors="raise").astype("int64")
    iso3 = m49_to_iso3(ids.where(country, 999), dataset=DATASET_ID, file=file)
    iso3 = iso3.where(country.to_numpy())
    staged = to_staged(raw, iso3.where(country.to_numpy(), raw["geo"]), iso3)
    decisions = [apply_rule(staged, staged["geo"].str.startswith(f"{topo.NO_ISO_ID}@"), NO_ISO_ID)]
    return StageResult(staged, concat_decisions(decisions))


class NaturalEarthStaged(StagedTidy):
    """One row per geometry and measure: ISO3-keyed countries, flagged -99 regions."""

    indicator: Series[str] = pa.Field(isin=list(topo.INDICATORS))
    geo_level: Series[str] = pa.Field(isin=["country", "region"])
    year: Series[int] = pa.Field(isin=[topo.SNAPSHOT_YEAR])
    value: Series[float] = pa.Field(ge=-180.0, le=180.0)  # degrees; polygon counts are small
    unit: Series[str] = pa.Field(isin=sorted(set(topo.INDICATORS.values())))

    @row_check(error="countries are keyed by ISO3; id -99 regions by -99@<index>")
    @classmethod
    def geo_keys(cls, df: pd.DataFrame) -> Series[bool]:
        country = df["geo_level"].eq("country")
        region = df["geo_level"].eq("region")
        return (country & df["country_iso3"].eq(df["geo"])) | (
            region
            & df["country_iso3"].isna()
            & df["geo"].str.match(rf"^{topo.NO_ISO_ID}@\d+$")
            & df["qc_rule"].eq(NO_ISO_ID.name)
        )

    @row_check(error="a bounding-box value outside its longitude/latitude range")
    @classmethod
    def bbox_in_range(cls, df: pd.DataFrame) -> Series[bool]:
        limit = df["indicator"].map(topo.LON_LAT_RANGE)
        return limit.isna() | df["value"].abs().le(limit)

    @row_check(error="polygons must be a whole number >= 1")
    @classmethod
    def polygon_count(cls, df: pd.DataFrame) -> Series[bool]:
        poly = df["indicator"].eq("polygons")
        return ~poly | (df["value"].ge(1) & df["value"].mod(1).eq(0))

    @row_check(error="a geometry's west edge lies east of its east edge (or south > north)")
    @classmethod
    def bbox_ordered(cls, df: pd.DataFrame) -> Series[bool]:
        wide = df.pivot_table(index="geo", columns="indicator", values="value", aggfunc="first")
        ok = (wide["bbox_west"] <= wide["bbox_east"]) & (wide["bbox_south"] <= wide["bbox_north"])
        return df["geo"].map(ok).fillna(False).astype(bool)


SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description="Natural Earth 1:110m country geometries (TopoJSON World Atlas, public domain): "
    "177 geometries keyed by ISO 3166-1 numeric id, staged as ISO3 with polygon count and "
    "bounding box; 3 geometries with id -99 (Northern Cyprus, Kosovo, Somaliland) flagged. "
    "The TopoJSON stays byte-identical for the portal's map.",
    read=topo.read,
    stage=stage,
    schema=NaturalEarthStaged,
)
