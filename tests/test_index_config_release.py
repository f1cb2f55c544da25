"""Scenario validation, formula errors, formula injection and the atomic release (issue 5).

Small real inputs only: the project's own framework and scenario files, and a tiny DuckDB
with the staged-table layout for the formula errors.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
import yaml
from frictionless import validate

from dividend.index.definition import (
    ConfigError,
    load_framework,
    load_frameworks,
    load_scenario,
    scenario_paths,
)
from dividend.index.formulas import IndicatorError, evaluate
from dividend.release.writer import (
    DEFAULT_SCENARIO,
    ReleaseError,
    ReleaseTables,
    latest,
    neutralise,
    write_release,
)

FRAMEWORKS = load_frameworks()


def _scenario(tmp_path: Path, name: str = "s", **changes) -> Path:
    doc = {
        "scenario": name,
        "description": "test",
        "indicators": {},
        "pillars": {
            "financial": 1,
            "economic": 1,
            "social": 1,
            "political": 1,
            "protection": 1,
            "perception": 1,
        },
        "dimensions": {"actuality": 1, "perception": 1},
    }
    for k, v in changes.items():
        if isinstance(v, dict) and isinstance(doc.get(k), dict):
            doc[k] = {**doc[k], **v}
        else:
            doc[k] = v
    p = tmp_path / f"{name}.yaml"
    p.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return p


# ---------------------------------------------------------------- scenarios
def test_every_shipped_scenario_is_valid_and_named_after_its_file():
    paths = scenario_paths()
    assert {"equal", "faal_five_pillars", "fiscal_first", "actuality_only"} <= set(paths)
    for name, p in paths.items():
        assert load_scenario(p, FRAMEWORKS).name == name


@pytest.mark.parametrize(
    ("changes", "key", "words"),
    [
        (
            {"indicators": {"no_such_indicator": 1}},
            "indicators.no_such_indicator",
            "unknown indicator",
        ),
        ({"pillars": {"cultural": 1}}, "pillars.cultural", "unknown pillar"),
        ({"dimensions": {"mood": 1}}, "dimensions.mood", "unknown dimension"),
        ({"pillars": {"economic": -1}}, "pillars.economic", "negative"),
        ({"indicators": {"mipex_overall": -0.5}}, "indicators.mipex_overall", "negative"),
        ({"dimensions": {"actuality": 0, "perception": 0}}, "dimensions", "sum to zero"),
        (
            {
                "pillars": dict.fromkeys(
                    [
                        "financial",
                        "economic",
                        "social",
                        "political",
                        "protection",
                        "perception",
                    ],
                    0,
                )
            },
            "pillars",
            "sum to zero",
        ),
        ({"pillars": {"economic": "heavy"}}, "pillars.economic", "not a number"),
        ({"weights": {}}, "weights", "unknown top-level"),
    ],
)
def test_scenario_errors_name_the_key(tmp_path, changes, key, words):
    with pytest.raises(ConfigError) as e:
        load_scenario(_scenario(tmp_path, **changes), FRAMEWORKS)
    assert f"key {key!r}" in str(e.value) and words in str(e.value) and "s.yaml" in str(e.value)


def test_all_zero_indicators_of_one_pillar_is_caught_per_framework(tmp_path):
    p = _scenario(tmp_path, indicators={"snap_gap_hs": 0, "snap_gap_ls": 0})
    with pytest.raises(ConfigError, match=r"city_us.*financial"):
        load_scenario(p, FRAMEWORKS)


def test_scenario_name_must_match_file(tmp_path):
    p = _scenario(tmp_path, name="s")
    p2 = p.rename(tmp_path / "other.yaml")
    with pytest.raises(ConfigError, match="must match the file name"):
        load_scenario(p2, FRAMEWORKS)


def test_actuality_only_keeps_perception_computed_but_out_of_the_index():
    sc = load_scenario(scenario_paths()["actuality_only"], FRAMEWORKS)
    fw = FRAMEWORKS["city_eu"].framework(sc)
    eff = fw.effective_weights()
    assert eff["perception_dim"] == 0 and eff["actuality_dim"] == 1
    assert "qol23_immigrants_net" in fw.indicators


def test_framework_errors_name_file_and_key(tmp_path):
    doc = yaml.safe_load((Path("indicators") / "country.yaml").read_text(encoding="utf-8"))
    doc["indicators"][0]["goalpost"] = 0
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"bad.yaml, key 'indicators\[0\] \(net_remittances_gdp\).goalpost'"
    ):
        load_framework(p)
    doc["indicators"][0]["goalpost"] = 17
    doc["indicators"][0]["pillar"] = "cultural"
    p.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"pillar 'cultural'"):
        load_framework(p)
    doc["indicators"][0]["pillar"] = "financial"
    with pytest.raises(ConfigError, match=r"unknown dataset id"):
        p.write_text(yaml.safe_dump(doc), encoding="utf-8")
        load_framework(p, known_datasets={"worldbank_wdi_2022_04_mirror"})


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("neutral_range", [1, 2], "does not contain the neutral 0"),
        ("neutral_range", [2, 1], "lo must be <= hi"),
        ("goalpost_range", [20, 30], "does not contain the goalpost 17"),
        ("goalpost_range", [0, 30], "must be > 0"),
        ("neutral_range", ["a", 1], "net_remittances_gdp"),
    ],
)
def test_sensitivity_ranges_must_contain_the_published_value(tmp_path, key, value, words):
    """A documented range varies the published break-even or goalpost, so it must contain it;
    the error names the file and the key."""
    doc = yaml.safe_load((Path("indicators") / "country.yaml").read_text(encoding="utf-8"))
    assert doc["indicators"][0]["code"] == "net_remittances_gdp"
    doc["indicators"][0][key] = value
    p = tmp_path / "ranges.yaml"
    p.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"ranges.yaml, key .*\.{key}") as err:
        load_framework(p)
    assert words in str(err.value)


# ---------------------------------------------------------------- formulas
def _tiny_warehouse(tmp_path: Path, gdp: float) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "tiny.duckdb"))
    con.execute("CREATE SCHEMA staged")
    rows = pd.DataFrame(
        {
            "geo": ["NLD", "NLD", "NLD"],
            "geo_label": ["Netherlands"] * 3,
            "geo_level": ["country"] * 3,
            "indicator": ["SP.POP.TOTL", "BX.TRF.PWKR.CD.DT", "NY.GDP.MKTP.CD"],
            "year": [2019] * 3,
            "value": [17.3e6, 1.7e9, gdp],
            "source_file": ["f.csv"] * 3,
            "qc_action": ["none"] * 3,
            "qc_rule": [None] * 3,
        }
    )
    con.register("r", rows)
    con.execute("CREATE TABLE staged.worldbank_wdi_2022_04_mirror AS SELECT * FROM r")
    return con


# remittances received in % of GDP over the tiny warehouse's WDI layout
RECEIVED_GDP = (
    "SELECT r.geo, r.year, 100 * r.value / g.value AS value "
    "FROM staged.worldbank_wdi_2022_04_mirror r "
    "JOIN staged.worldbank_wdi_2022_04_mirror g ON g.geo = r.geo AND g.year = r.year "
    "WHERE r.indicator = 'BX.TRF.PWKR.CD.DT' AND g.indicator = 'NY.GDP.MKTP.CD' AND g.value > 0"
)


def _one_indicator_framework(tmp_path: Path, formula: str) -> Path:
    doc = yaml.safe_load((Path("indicators") / "country.yaml").read_text(encoding="utf-8"))
    ind = doc["indicators"][0]
    ind["formula"] = formula
    doc["indicators"] = [ind]
    p = tmp_path / "one.yaml"
    p.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return p


def test_formula_nan_is_an_error_naming_file_indicator_and_geo(tmp_path):
    con = _tiny_warehouse(tmp_path, gdp=0.0)
    formula = (
        "SELECT r.geo, r.year, 100 * r.value / nullif(g.value, 0) AS value FROM staged.worldbank_wdi_2022_04_mirror r "
        "JOIN staged.worldbank_wdi_2022_04_mirror g USING (geo, year) "
        "WHERE r.indicator = 'BX.TRF.PWKR.CD.DT' AND g.indicator = 'NY.GDP.MKTP.CD'"
    )
    fw = load_framework(_one_indicator_framework(tmp_path, formula))
    with pytest.raises(
        IndicatorError, match=r"one.yaml, indicator 'net_remittances_gdp'.*geo 'NLD'"
    ):
        evaluate(con, fw)


def test_formula_sql_error_names_the_indicator(tmp_path):
    con = _tiny_warehouse(tmp_path, gdp=1e12)
    fw = load_framework(
        _one_indicator_framework(tmp_path, "SELECT geo, year, value FROM staged.no_such_table")
    )
    with pytest.raises(IndicatorError, match=r"indicator 'net_remittances_gdp': formula failed"):
        evaluate(con, fw)


def test_formula_value_outside_window_stays_missing(tmp_path):
    con = _tiny_warehouse(tmp_path, gdp=1e12)
    fw = load_framework(_one_indicator_framework(tmp_path, RECEIVED_GDP))
    units, long = evaluate(con, fw)
    assert list(units["geo"].unique()) == ["NLD"]  # one row per panel year
    assert (long["reference_year"] >= 2019).all()  # no value before its year
    r = long[long["reference_year"] == 2019].iloc[0]
    assert (
        r["value"] == pytest.approx(100 * 1.7e9 / 1e12)
        and r["treatment"] == "observed"
        and r["year"] == 2019
    )


# ---------------------------------------------------------------- release writing
EVIL = pd.DataFrame(
    {
        "name": ['=HYPERLINK("http://x","y")', "+1+1", "-2-2", "@SUM(A1)", "plain", "\tTAB"],
        "value": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0],
        "count": [1, -2, 3, 4, 5, 6],
    }
)
# EVIL["name"] as written: text starting with = + - @ or a tab gets a leading quote
EVIL_NEUTRALISED = [
    '\'=HYPERLINK("http://x","y")',
    "'+1+1",
    "'-2-2",
    "'@SUM(A1)",
    "plain",
    "'\tTAB",
]


def _release(
    tables: dict[str, pd.DataFrame], digest: str = "ab" * 32, scenario: str = DEFAULT_SCENARIO
) -> ReleaseTables:
    return ReleaseTables(
        scenario=scenario,
        tables=tables,
        methodology="# m\n",
        notes=[("scenario", "test"), ("evil", "=1+1")],
        input_hash=digest,
        licences=[{"name": "cc-by-4.0", "title": "CC BY 4.0"}],
        sources=[{"title": "test"}],
    )


def test_neutralise_prefixes_text_and_keeps_numbers_numeric():
    out = neutralise(EVIL)
    assert list(out["name"]) == EVIL_NEUTRALISED
    assert (
        out["value"].tolist() == EVIL["value"].tolist()
        and out["count"].dtype == EVIL["count"].dtype
    )


def test_csv_and_xlsx_have_no_formula_cells(tmp_path):
    d = write_release(_release({"evil": EVIL}), tmp_path)
    with (d / "evil.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert [r[0] for r in rows[1:]] == EVIL_NEUTRALISED
    assert [r[1] for r in rows[1:3]] == ["-1.5", "2.0"]  # numbers are written as numbers
    wb = openpyxl.load_workbook(d / "migration_dividend.xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    ws = wb["evil"]
    assert (
        ws["A2"].value == '\'=HYPERLINK("http://x","y")'
        and ws["B2"].value == -1.5
        and ws["C3"].value == -2
    )
    assert wb["notes"]["B3"].value == "'=1+1"


def test_small_release_datapackage_validates(tmp_path):
    d = write_release(_release({"evil": EVIL}), tmp_path)
    report = validate(str(d / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_failed_release_leaves_no_partial_dir_and_latest_unchanged(tmp_path):
    good = write_release(_release({"a": EVIL}, digest="11" * 32), tmp_path)
    assert latest(tmp_path) == good.resolve()
    written = []

    def crash(p: Path) -> None:
        written.append(p.name)
        if len(written) == 2:
            raise OSError("disk full (simulated)")

    with pytest.raises(ReleaseError, match="latest unchanged"):
        write_release(
            _release({"a": EVIL, "b": EVIL, "c": EVIL}, digest="22" * 32),
            tmp_path,
            _after_each_file=crash,
        )
    assert written == ["a.csv", "b.csv"]
    assert latest(tmp_path) == good.resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [good.name, "latest", f"latest-{DEFAULT_SCENARIO}", ".write.lock"]
    )


def test_new_release_switches_latest(tmp_path):
    a = write_release(_release({"a": EVIL}, digest="11" * 32), tmp_path)
    b = write_release(_release({"a": EVIL.head(2)}, digest="33" * 32), tmp_path)
    assert a != b and latest(tmp_path) == b.resolve() and a.exists()
    # same inputs again: a new directory, then one atomic switch; the old copy goes only
    # after the link points at the new one, so latest never points at nothing
    b2 = write_release(_release({"a": EVIL.head(2)}, digest="33" * 32), tmp_path)
    assert b2.name == f"{b.name}-r2" and latest(tmp_path) == b2.resolve()
    assert not b.exists() and a.exists()


def test_xlsx_keeps_nullable_types_and_leaves_missing_cells_empty(tmp_path):
    frame = pd.DataFrame(
        {
            "n": pd.array([3, None, -7], dtype="Int64"),
            "b": pd.array([True, None, False], dtype="boolean"),
            "x": [0.1, float("nan"), float("inf")],
            "t": pd.array(["a & <b>", None, "bell\x07 ok"], dtype="string"),
        }
    )
    d = write_release(_release({"types": frame}), tmp_path)
    ws = openpyxl.load_workbook(d / "migration_dividend.xlsx")["types"]
    got = [[c.value for c in row] for row in ws.iter_rows()]
    assert got == [
        ["n", "b", "x", "t"],
        [3, True, 0.1, "a & <b>"],
        [None, None, None, None],
        [-7, False, None, "bell ok"],  # non-finite numbers and XML-illegal characters dropped
    ]
    assert isinstance(got[1][0], int) and isinstance(got[1][1], bool)


def test_source_date_epoch_makes_two_releases_byte_identical(tmp_path, monkeypatch):
    """Reproducible builds: with SOURCE_DATE_EPOCH fixed, the datapackage's ``created`` and the
    workbook's zip entry times come from it, so rewriting the same inputs gives the same bytes."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")  # 2026-09-21T14:13:20Z
    digests = []
    for run in ("one", "two"):
        d = write_release(_release({"evil": EVIL}), tmp_path / run)
        digests.append(
            {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in d.iterdir() if p.is_file()}
        )
        pkg = json.loads((d / "datapackage.json").read_text(encoding="utf-8"))
        assert pkg["created"] == "2026-09-21T14:13:20Z"
        with zipfile.ZipFile(d / "migration_dividend.xlsx") as z:
            assert {i.date_time for i in z.infolist()} == {(2026, 9, 21, 14, 13, 20)}
        if run == "one":
            time.sleep(2.1)  # zip times have 2-second resolution: without the epoch they'd differ
    assert digests[0] == digests[1]
    assert set(digests[0]) == {
        "evil.csv",
        "migration_dividend.xlsx",
        "METHODOLOGY.md",
        "datapackage.json",
    }


def test_site_builder_runs_inside_the_atomic_write(tmp_path):
    """The writer does not know the portal: the caller's site builder writes into the
    temporary directory before the rename, and a failing builder leaves no release."""
    seen = []

    def site(directory: Path, rid: str) -> None:
        seen.append((directory.name.startswith(f".{rid}."), rid))
        (directory / "site").mkdir()
        (directory / "site" / "index.html").write_text("<p>ok</p>", encoding="utf-8")

    d = write_release(_release({"a": EVIL}, digest="11" * 32), tmp_path, site_builder=site)
    assert seen == [(True, d.name)] and (d / "site" / "index.html").is_file()

    def broken(directory: Path, rid: str) -> None:
        raise OSError("portal failed (simulated)")

    with pytest.raises(ReleaseError, match="latest unchanged"):
        write_release(_release({"a": EVIL}, digest="22" * 32), tmp_path, site_builder=broken)
    assert latest(tmp_path) == d.resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [d.name, "latest", f"latest-{DEFAULT_SCENARIO}", ".write.lock"]
    )


def test_resolved_weights_from_the_index_table_rebuild_the_scenario_trees():
    """The sensitivity asset reads the weights the index used (index.weights, Launchpad
    overrides included) instead of re-reading the scenario and re-applying overrides: the
    trees rebuilt from that table carry exactly the scenario's weights."""
    from dividend.index.assemble import node_weights
    from dividend.index.uncertainty import resolved_trees

    frameworks = load_frameworks()
    for path in scenario_paths().values():
        sc = load_scenario(path, frameworks)
        for scenario in (sc, sc.with_overrides({"pillars.financial": 7.5}, frameworks)):
            trees = resolved_trees(frameworks, node_weights(frameworks, scenario))
            scored = {n: fw for n, fw in frameworks.items() if fw.scored}
            assert set(trees) == set(scored) and len(scored) == 3
            for name, fw in scored.items():
                assert dict(trees[name].weight) == dict(fw.framework(scenario).weight)
    assert trees["country"].weight["financial"] == 7.5
