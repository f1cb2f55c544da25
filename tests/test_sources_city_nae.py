"""NAE Cities Index formatted CSV: reader, identical-median rule and schema, on the real file."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pandera.errors
import pytest

from sources.catalogue import dataset
from sources.datasets import StageResult
from sources.datasets import nae_cities_index_us as nae
from sources.errors import SourceError
from tests.test_sources_city_support import mutated_dataset, replace_once

CHICAGO = b'"Chicago city, IL"," 2,707,692 "," 554,271 ",20.5%'


@cache
def staged() -> StageResult:
    return nae.stage(nae.read(dataset(nae.DATASET_ID)))


def cell(df: pd.DataFrame, geo: str, indicator: str) -> pd.Series:
    hit = df[(df["geo"] == geo) & (df["indicator"] == indicator)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_golden_chicago_line_18() -> None:
    t = staged().table
    key = "US-IL-Chicago city"
    assert cell(t, key, "pop_tot")["value"] == 2_707_692
    assert cell(t, key, "pop_fb")["unit"] == "count" and cell(t, key, "pop_fb")["value"] == 554_271
    share = cell(t, key, "pop_fb_share")
    assert share["value"] == pytest.approx(0.205) and share["unit"] == "share"
    assert (
        cell(t, key, "hsnbmediantotinc")["value"],
        cell(t, key, "hsnbmediantotinc")["unit"],
    ) == (61_087, "USD")
    assert cell(t, key, "lsfbmediantotinc")["value"] == 18_561
    assert (cell(t, key, "overall_ranking")["value"], cell(t, key, "overall_ranking")["unit"]) == (
        1,
        "rank",
    )
    assert (cell(t, key, "overall_score")["value"], cell(t, key, "overall_score")["unit"]) == (
        4.38,
        "score",
    )
    row = cell(t, key, "pop_tot")
    assert (row["source_row"], row["year"], row["country_iso3"]) == (18, 2019, "USA")
    assert cell(t, "US-NM-Albuquerque city", "lsnbmediantotinc")["value"] == 17_046  # '" $17,046 "'


def test_shape_and_stripped_headers() -> None:
    t = staged().table
    assert t["geo"].nunique() == 100 and t["indicator"].nunique() == 72
    assert "pop_tot" in set(t["indicator"]) and not t["indicator"].str.contains(" ").any()
    assert "US-AK-Anchorage municipality" in set(t["geo"])


def test_identical_medians_are_flagged() -> None:
    res = staged()
    nae.NaeStaged.validate(res.table, lazy=True)
    dec = res.decisions
    assert set(dec["rule"]) == {"nae_identical_native_foreign_median"}
    pairs = set(zip(dec["geo"], dec["indicator"], strict=True))
    assert pairs == {
        ("US-AK-Anchorage municipality", "lsnbmediantotinc"),
        ("US-AK-Anchorage municipality", "lsfbmediantotinc"),
        ("US-NC-Greensboro city", "nbmedianbusinessincome"),
        ("US-NC-Greensboro city", "fbmedianbusinessincome"),
    }
    assert (dec["value"] == dec["value_raw"]).all()  # flagged, kept


def test_identical_median_rule_on_mutated_file(tmp_path: Path) -> None:
    # Chicago's foreign-born low-skill median set equal to the native-born one
    mutate = replace_once(b'" $13,767 "," $18,561 "', b'" $13,767 "," $13,767 "')
    ds = mutated_dataset(nae.DATASET_ID, tmp_path, {nae.DATA_FILE: mutate})
    res = nae.stage(nae.read(ds))
    hit = res.decisions[res.decisions["geo"] == "US-IL-Chicago city"]
    assert (
        set(hit["indicator"]) == {"lsnbmediantotinc", "lsfbmediantotinc"}
        and len(res.decisions) == 6
    )


@pytest.mark.parametrize(
    ("mutation", "column"),
    [
        (
            replace_once(CHICAGO, b'"Chicago city, IL"," 2,707,692 "," 554,271 ",20.5'),
            "pop_fb_share",
        ),
        (replace_once(CHICAGO, b'"Chicago city, IL"," 2,707,692 "," n/a ",20.5%'), "pop_fb"),
        (lambda b: b[: b.index(CHICAGO) + len(CHICAGO)], "natrate"),
    ],
    ids=["percent-sign-lost", "text-count", "truncated"],
)
def test_malformed_file_names_row_and_column(tmp_path: Path, mutation, column: str) -> None:
    ds = mutated_dataset(nae.DATASET_ID, tmp_path, {nae.DATA_FILE: mutation})
    with pytest.raises(SourceError) as exc:
        nae.read(ds)
    err = exc.value
    assert (err.dataset, err.file, err.row, err.column) == (
        nae.DATASET_ID,
        nae.DATA_FILE,
        18,
        column,
    )


def test_lazy_validation_reports_every_failure() -> None:
    t = staged().table.copy()
    t.loc[(t["geo"] == "US-IL-Chicago city") & (t["indicator"] == "pop_fb"), "value"] = 9e6
    t.loc[(t["geo"] == "US-IL-Chicago city") & (t["indicator"] == "natrate"), "value"] = (
        73.0  # percent, not share
    )
    t.loc[t.index[0], "country_iso3"] = "CAN"
    with pytest.raises(pandera.errors.SchemaErrors) as exc:
        nae.NaeStaged.validate(t, lazy=True)
    fc = exc.value.failure_cases
    checks = " ".join(fc["check"].astype(str))
    assert "foreign-born population exceeds total" in checks and "share outside [0, 1]" in checks
    assert "country_iso3" in set(fc["column"].dropna())
