"""Geography assets: the country and city key tables every other table joins on.

Each table passes its pandera model and the rules of its blocking checks *before* it is
written (the builders raise SourceError naming dataset, file and column), so a failing check
never has a bad table to look at: the checks re-verify what is stored.
"""

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from pipelines.checks import schema_check
from pipelines.metadata import table_metadata
from pipelines.resources import DUCKDB_POOL, warehouse_asset
from sources.geography import cities, countries, map_crosswalk
from sources.warehouse import read_table, write_tables

CITY_SOURCES = (
    cities.PERCEP_ID,
    cities.AUDIT_ID,
    cities.QOL_ID,
    cities.NAE_ID,
    cities.STATCAN_ID,
    *cities.ARGENTINA_IDS,
)


def _raw_key(ds_id: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", f"raw_{ds_id}"])


def _write(
    duckdb: DuckDBResource, table: str, frame: pd.DataFrame, **extra
) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        write_tables(con, {table: frame})
    return dg.MaterializeResult(metadata={**table_metadata(frame, table), **extra})


@warehouse_asset(
    key=["staged", "countries"],
    group_name="geography",
    deps=[_raw_key("worldbank_wdi_net_migration"), _raw_key("oecd_foreign_born_population_share")],
    description="ISO 3166-1 countries (plus XKX Kosovo and CHI Channel Islands, which the World "
    "Bank reports) with M49, World Bank region and income group, and OECD coverage. ISO3 is "
    "the country key everywhere.",
)
def countries_table(duckdb: DuckDBResource) -> dg.MaterializeResult:
    return _write(duckdb, "staged.countries", countries.build_countries())


@warehouse_asset(
    key=["staged", "qol_city_crosswalk"],
    group_name="geography",
    deps=[_raw_key(cities.QOL_ID), _raw_key(cities.PERCEP_ID)],
    description="QoL 2023 survey city codes to Eurostat core-city codes: accent-folded name "
    "matches, plus explicit overrides (sources/geography/city_overrides.yaml).",
)
def qol_city_crosswalk(duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        banner = con.execute(f'SELECT DISTINCT geo, geo_label FROM raw."{cities.QOL_ID}"').df()
    frame = cities.build_qol_crosswalk(cities.qol_banner(banner))
    counts = frame["method"].value_counts().to_dict()
    return _write(
        duckdb, "staged.qol_city_crosswalk", frame, by_method=dg.MetadataValue.json(counts)
    )


@warehouse_asset(
    key=["staged", "cities"],
    group_name="geography",
    deps=[
        *(_raw_key(d) for d in CITY_SOURCES),
        dg.AssetKey(["staged", "qol_city_crosswalk"]),
        dg.AssetKey(["staged", "countries"]),
    ],
    description="Every city in the city sources: European cities by Eurostat code (CC###C), US "
    "cities by Census place, Canadian cities by StatCan CMA code, the City of Buenos Aires "
    "(AR-CABA, context only), each with its country's ISO3 and peer group (eu, us, ca, ar).",
)
def cities_table(duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        raw = {d: read_table(con, f"raw.{d}") for d in CITY_SOURCES}
        country_keys = con.execute("SELECT iso3 FROM staged.countries").df()["iso3"]
    frame = cities.build_cities(raw)
    cities.require_known_countries(frame, country_keys)
    by_peer = frame["peer_group"].value_counts().to_dict()
    return _write(duckdb, "staged.cities", frame, by_peer_group=dg.MetadataValue.json(by_peer))


@warehouse_asset(
    key=["staged", "study_cities"],
    group_name="geography",
    deps=[dg.AssetKey(["staged", "cities"])],
    description="The eight study cities of the research brief with whatever city codes exist; "
    "those no open city-level source covers say so.",
)
def study_cities(duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        city_table = read_table(con, "staged.cities")
    return _write(duckdb, "staged.study_cities", cities.build_study_cities(city_table))


@warehouse_asset(
    key=["staged", "map_crosswalk"],
    group_name="geography",
    deps=[
        dg.AssetKey(["staged", "countries"]),
        dg.AssetKey(["staged", f"staged_{map_crosswalk.MAP_DATASET}"]),
    ],
    description="World map (Natural Earth 1:110m TopoJSON, vendored byte-identical for the "
    "portal) to country keys: each geometry with the ISO3 it draws (ISO numeric id -> ISO3), "
    "each project country with no polygon at this scale, and the id -99 geometries by name "
    "(sources/geography/map_110m.yaml). The map lists these as units it cannot draw.",
)
def map_crosswalk_table(duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        country_table = read_table(con, "staged.countries")
        geometries = read_table(con, f"staged.{map_crosswalk.MAP_DATASET}")
    frame = map_crosswalk.build_map_crosswalk(country_table, geometries)
    by_status = frame["status"].value_counts().to_dict()
    undrawn = frame.loc[frame["status"].ne(map_crosswalk.DRAWN), ["iso3", "name", "status"]]
    return _write(
        duckdb,
        "staged.map_crosswalk",
        frame,
        by_status=dg.MetadataValue.json(by_status),
        cannot_draw=dg.MetadataValue.md(undrawn.to_markdown(index=False)),
    )


map_crosswalk_schema = schema_check(
    dg.AssetKey(["staged", "map_crosswalk"]), "staged.map_crosswalk", map_crosswalk.MapCrosswalk
)


@dg.asset_check(
    asset=map_crosswalk_table,
    name="every_country_and_geometry_listed_once",
    blocking=True,
    pool=DUCKDB_POOL,
    description="Every staged.countries key and every map geometry appears exactly once; every "
    "id -99 geometry has a name.",
)
def map_crosswalk_complete(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        countries_off = con.execute(
            "SELECT k.iso3, count(x.iso3) AS n FROM staged.countries k "
            "LEFT JOIN staged.map_crosswalk x ON x.iso3 = k.iso3 GROUP BY k.iso3 HAVING n <> 1"
        ).df()
        orphans = con.execute(
            "SELECT x.iso3 FROM staged.map_crosswalk x LEFT JOIN staged.countries k "
            "ON x.iso3 = k.iso3 WHERE x.iso3 IS NOT NULL AND k.iso3 IS NULL"
        ).df()
        geometries, listed, unnamed = con.execute(
            f"SELECT (SELECT count(DISTINCT source_row) FROM staged.{map_crosswalk.MAP_DATASET}), "
            "(SELECT count(DISTINCT geometry_index) FROM staged.map_crosswalk), "
            "(SELECT count(*) FROM staged.map_crosswalk WHERE topo_id = -99 "
            "AND (name IS NULL OR name = ''))"
        ).fetchone()
    passed = countries_off.empty and orphans.empty and geometries == listed and unnamed == 0
    return dg.AssetCheckResult(
        passed=bool(passed),
        metadata={
            "countries_not_listed_once": dg.MetadataValue.json(countries_off["iso3"].tolist()),
            "keys_not_in_countries": dg.MetadataValue.json(orphans["iso3"].tolist()),
            "geometries": int(geometries),
            "geometries_listed": int(listed),
            "unnamed_minus_99": int(unnamed),
        },
    )


@dg.asset_check(
    asset=qol_city_crosswalk,
    name="every_qol_city_mapped_once",
    blocking=True,
    pool=DUCKDB_POOL,
    description="All 83 QoL cities map to distinct Eurostat codes that exist in the city table.",
)
def crosswalk_complete(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        xw = read_table(con, "staged.qol_city_crosswalk")
    known = set(cities.eurostat_core_cities()["eurostat_code"])
    unknown = xw[~xw["eurostat_code"].isin(known)]
    expected = len(cities.qol_expected_cities())
    passed = len(xw) == expected and xw["eurostat_code"].is_unique and unknown.empty
    return dg.AssetCheckResult(
        passed=bool(passed),
        metadata={
            "cities": len(xw),
            "unknown_codes": dg.MetadataValue.json(unknown["eurostat_code"].tolist()),
        },
    )


@dg.asset_check(
    asset=cities_table,
    name="every_city_in_a_known_country",
    blocking=True,
    pool=DUCKDB_POOL,
    description="Every city's country_iso3 is a row of staged.countries.",
)
def cities_link_to_countries(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        orphans = con.execute(
            "SELECT c.city_key, c.country_iso3 FROM staged.cities c "
            "LEFT JOIN staged.countries k ON c.country_iso3 = k.iso3 WHERE k.iso3 IS NULL"
        ).df()
    return dg.AssetCheckResult(
        passed=orphans.empty,
        metadata={
            "orphans": dg.MetadataValue.md(
                orphans.head(20).to_markdown(index=False) if len(orphans) else "_none_"
            )
        },
    )


geography_assets = [
    countries_table,
    qol_city_crosswalk,
    cities_table,
    study_cities,
    map_crosswalk_table,
]
geography_checks = [
    crosswalk_complete,
    cities_link_to_countries,
    map_crosswalk_schema,
    map_crosswalk_complete,
]
