"""Natural Earth 1:110m world map: reader, staged geometries, the map crosswalk, and every
rule and check on a mutated copy of the real TopoJSON.

Golden numbers come from the vendored world-110m.json: geometry 130 of objects.countries
has id 620 (Portugal); its bounding box was decoded from the file's arcs and matches
Portugal's mainland (9.5°W-6.4°W, 36.8°N-42.3°N). The three id -99 geometries are at
positions 38, 88 and 145.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sources.catalogue import dataset
from sources.datasets import natural_earth_world_110m as ne
from sources.errors import SourceError
from sources.geography.countries import build_countries
from sources.geography.map_crosswalk import (
    DRAWN,
    NO_ISO_CODE,
    NO_POLYGON,
    MapCrosswalk,
    build_map_crosswalk,
)
from sources.readers import topojson_countries as topo
from sources.validate import ValidationFailed, validate
from tests.country_sources_helpers import mutated

DS = ne.DATASET_ID
FILE = "world-110m.json"


def stage_ds(ds):
    result = ne.SPEC.stage(ne.SPEC.read(ds))
    return validate(result.table, ne.NaturalEarthStaged, dataset=DS, table="staged"), result


@pytest.fixture(scope="module")
def countries():
    return build_countries()


@pytest.fixture(scope="module")
def real(countries):
    table, result = stage_ds(dataset(DS))
    return table, result.decisions, build_map_crosswalk(countries, table)


def edit_topology(edit):
    def _mutate(path: Path) -> None:
        doc = json.loads(path.read_text(encoding="utf-8"))
        edit(doc)
        path.write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")

    return _mutate


def test_portugal_geometry_and_bounding_box(real):
    table, _, _ = real
    prt = table[table["geo"].eq("PRT")].set_index("indicator")
    assert (prt["source_row"] == 131).all()  # geometry index 130, 1-based
    assert prt.loc["polygons", "value"] == 1
    assert prt.loc["bbox_west", "value"] == pytest.approx(-9.527495, abs=1e-5)
    assert prt.loc["bbox_east", "value"] == pytest.approx(-6.388264, abs=1e-5)
    assert prt.loc["bbox_south", "value"] == pytest.approx(36.839114, abs=1e-5)
    assert prt.loc["bbox_north", "value"] == pytest.approx(42.280690, abs=1e-5)
    usa = table[table["geo"].eq("USA") & table["indicator"].eq("polygons")]["value"].item()
    assert usa == 10  # mainland, Alaska, Hawaii's islands: a MultiPolygon
    assert table["source_row"].nunique() == 177  # README: 177 geometries


def test_crosswalk_lists_what_the_map_cannot_draw(real, countries):
    _, decisions, xw = real
    counts = xw["status"].value_counts()
    assert counts[DRAWN] == 174  # 177 geometries less the three -99
    assert counts[NO_ISO_CODE] == 3
    assert counts[NO_POLYGON] == len(countries) - 174  # every other project country
    minus99 = xw[xw["status"].eq(NO_ISO_CODE)].set_index("geometry_index")["name"].to_dict()
    assert minus99 == {38: "Northern Cyprus", 88: "Kosovo", 145: "Somaliland"}
    undrawn = set(xw.loc[xw["status"].eq(NO_POLYGON), "iso3"])
    # README's examples of states too small for 1:110m; Luxembourg is drawn
    assert {"MLT", "SGP", "BHR", "LUX"} & undrawn == {"MLT", "SGP", "BHR"}
    assert "XKX" in undrawn and "id -99" in xw.set_index("iso3").loc["XKX", "note"]
    assert xw.loc[xw["iso3"].eq("PRT"), ["topo_id", "geometry_index"]].values.tolist() == [
        [620, 130]
    ]
    rule = decisions[decisions["rule"].eq(ne.NO_ISO_ID.name)]
    assert set(rule["geo"]) == {"-99@38", "-99@88", "-99@145"}


def test_no_iso_rule_follows_a_mutated_map(tmp_path, countries):
    # Portugal's geometry loses its ISO id: flagged like the others, and then the crosswalk
    # refuses, because four -99 geometries cannot match the three named features.
    def drop_portugal_id(doc):
        doc["objects"]["countries"]["geometries"][130]["id"] = -99

    table, result = stage_ds(mutated(DS, tmp_path, FILE, edit_topology(drop_portugal_id)))
    flagged = result.decisions[result.decisions["rule"].eq(ne.NO_ISO_ID.name)]
    assert set(flagged["geo"]) == {"-99@38", "-99@88", "-99@130", "-99@145"}
    assert "PRT" not in set(table["geo"])
    with pytest.raises(SourceError, match=rf"file '{FILE}', row 131, .*one to one"):
        build_map_crosswalk(countries, table)


def test_bounding_boxes_are_domain_checked(tmp_path):
    # Shift every latitude by 10 degrees: the northernmost boxes leave the globe.
    def shift(doc):
        doc["transform"]["translate"][1] += 10

    ds = mutated(DS, tmp_path, FILE, edit_topology(shift))
    result = ne.SPEC.stage(ne.SPEC.read(ds))
    with pytest.raises(ValidationFailed, match=rf"(?s)file '{FILE}'.*latitude range"):
        validate(result.table, ne.NaturalEarthStaged, dataset=DS, table="staged")


def test_crosswalk_model_rejects_a_duplicate_key(real):
    _, _, xw = real
    bad = pd.concat([xw, xw[xw["iso3"].eq("PRT")]], ignore_index=True)
    with pytest.raises(Exception, match="a country key appears at most once"):
        MapCrosswalk.validate(bad, lazy=True)


def test_reader_rejects_a_truncated_file(tmp_path):
    def truncate(p: Path) -> None:
        p.write_bytes(p.read_bytes()[:50_000])

    with pytest.raises(
        SourceError, match=rf"file '{FILE}', row 1, column 'char [0-9]+': not valid JSON"
    ):
        topo.read(mutated(DS, tmp_path / "parse", FILE, truncate))
    with pytest.raises(SourceError, match="sha256 mismatch \\(truncated"):
        topo.read(mutated(DS, tmp_path / "hash", FILE, truncate, rehash=False))


def test_reader_rejects_a_re_encoded_file(tmp_path):
    def to_utf16(p: Path) -> None:
        p.write_bytes(p.read_text(encoding="utf-8").encode("utf-16"))

    with pytest.raises(SourceError, match=rf"file '{FILE}': not UTF-8 encoded JSON"):
        topo.read(mutated(DS, tmp_path, FILE, to_utf16))


def test_reader_rejects_a_geometry_without_an_id(tmp_path):
    def drop_id(doc):
        del doc["objects"]["countries"]["geometries"][5]["id"]

    with pytest.raises(SourceError, match=r"row 6, column 'objects.countries.geometries': id None"):
        topo.read(mutated(DS, tmp_path, FILE, edit_topology(drop_id)))
