"""StatCan 2016 census-chart JSON (matrix encoding): decoder, keys and schema, on the real files."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pandas as pd
import pandera.errors
import pytest

from sources.catalogue import dataset
from sources.datasets import StageResult
from sources.datasets import statcan_census2016_immigrants_by_cma as sc
from sources.errors import SourceError
from tests.test_sources_city_support import mutated_dataset

FILE_ALL = "census_birthplace_1.json"


@cache
def staged() -> StageResult:
    return sc.stage(sc.read(dataset(sc.DATASET_ID)))


def cell(geo: str, indicator: str) -> pd.Series:
    t = staged().table
    hit = t[(t["geo"] == geo) & (t["indicator"] == indicator)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_golden_totals() -> None:
    canada = cell("CAN", "total:all")
    assert (
        canada["value"] == 7_540_830
        and canada["geo_level"] == "country"
        and canada["geo_label"] == "Canada"
    )
    assert (canada["source_file"], canada["source_row"]) == (FILE_ALL, 2)  # values.total[1]
    toronto = cell("CA-CMA-535", "total:all")
    assert (
        toronto["value"] == 2_705_545
        and toronto["geo_label"] == "Toronto"
        and toronto["geo_level"] == "city"
    )
    assert cell("CA-CMA-462", "total:all")["value"] == 936_305  # Montréal
    assert cell("CA-CMA-933", "total:all")["value"] == 989_545  # Vancouver
    assert cell("CA-CMA-933", "total:2011_2016")["value"] == 142_530
    assert cell("CAN", "refugee:all")["value"] == 858_850
    assert cell("CA-CMA-535", "refugee:2011_2016")["value"] == 44_640
    assert cell("CA-CMA-535", "total:2011_2016:PH")["value"] == 43_590  # born in the Philippines


def test_keys_levels_and_size() -> None:
    res = staged()
    sc.StatcanStaged.validate(res.table, lazy=True)
    assert len(res.decisions) == 0
    t = res.table
    cities = t.loc[t["geo_level"] == "city", "geo"].unique()
    assert len(cities) == 36  # 34 CMAs + Ottawa - Gatineau in its Quebec and Ontario parts
    assert {"CA-CMA-505-24", "CA-CMA-505-35"} <= set(cities)
    assert cell("CA-PR-35-outside-CMA", "total:all")["geo_level"] == "region"
    # 7 periods × (8 categories + 270 places of birth for the total) × 63 residences
    assert len(t) == 7 * (8 + 270) * 63
    assert (t["country_iso3"] == "CAN").all()


def test_categories_add_up_to_total_within_rounding() -> None:
    t = staged().table
    by_birth_total = t[t["indicator"].str.count(":") == 1]
    wide = by_birth_total.assign(cat=by_birth_total["indicator"].str.split(":").str[0]).pivot_table(
        index=["geo", "source_file"], columns="cat", values="value"
    )
    parts = wide.drop(columns="total").sum(axis=1)
    assert (parts - wide["total"]).abs().max() <= 7 * 5  # each count randomly rounded to 5


def _edit_json(edit) -> object:
    def mutate(data: bytes) -> bytes:
        doc = json.loads(data)
        edit(doc)
        return json.dumps(doc).encode()

    return mutate


def test_negative_count_names_position(tmp_path: Path) -> None:
    ds = mutated_dataset(
        sc.DATASET_ID,
        tmp_path,
        {FILE_ALL: _edit_json(lambda d: d["values"]["total"].__setitem__(1, -5))},
    )
    with pytest.raises(SourceError) as exc:
        sc.read(ds)
    err = exc.value
    assert (err.dataset, err.file, err.row, err.column) == (
        sc.DATASET_ID,
        FILE_ALL,
        2,
        "values.total",
    )


def test_matrix_shape_and_truncation_are_source_errors(tmp_path: Path) -> None:
    ds = mutated_dataset(
        sc.DATASET_ID, tmp_path / "a", {FILE_ALL: _edit_json(lambda d: d["matrix"].pop())}
    )
    with pytest.raises(SourceError, match=r"census_birthplace_1\.json.*matrix is \(270, 63\)"):
        sc.read(ds)
    ds = mutated_dataset(sc.DATASET_ID, tmp_path / "b", {FILE_ALL: lambda b: b[:-100]})
    with pytest.raises(SourceError) as exc:
        sc.read(ds)
    err = exc.value  # the JSON parser's line and character position of the cut
    assert (
        err.file == FILE_ALL
        and "not valid JSON" in str(err)
        and err.row == 6
        and err.column.startswith("char ")
    )


def test_lazy_validation_reports_every_failure() -> None:
    t = staged().table.copy()
    t.loc[t.index[0], "value"] = 7_540_831.0  # not randomly rounded
    t.loc[t.index[1], "geo"] = "Toronto"
    t.loc[t.index[2], "indicator"] = "total:2017"
    with pytest.raises(pandera.errors.SchemaErrors) as exc:
        sc.StatcanStaged.validate(t, lazy=True)
    fc = exc.value.failure_cases
    assert {"value", "geo", "indicator"} <= set(fc["column"].dropna())
    assert any("multiple of 5" in c for c in fc["check"].astype(str))
