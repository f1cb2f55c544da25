"""A release is exactly what it claims (issue 13, item 1, plus the writer's crash safety).

Before: a Launchpad override released under the plain scenario's name and moved `latest`;
`dividend build` mixed in sensitivity tables computed under other weights (Aruba 20.82, rank
15 in country_index.csv but 4.57, rank 95 in sensitivity_units.csv); a new scenario file
crashed the CLI ("zero-size array to reduction operation maximum"); `latest` followed
whichever scenario was built last; a same-day rebuild had a window with `latest` dangling.
"""

from __future__ import annotations

import json
import shutil
import threading
import time

import pandas as pd
import pytest
import yaml

from dividend.cli import main as cli_main
from dividend.index.assemble import node_weights
from dividend.index.definition import load_frameworks, load_scenario, scenario_paths
from dividend.paths import WEIGHTS_DIR
from dividend.release.contents import require_same_weights, weights_digest
from dividend.release.writer import (
    DEFAULT_SCENARIO,
    ReleaseError,
    ReleaseTables,
    latest,
    write_lock,
    write_release,
)

TABLE = pd.DataFrame({"geo": ["ABW", "NLD"], "dividend": [20.82, -3.5]})


def _rel(scenario: str, digest: str, overrides: dict | None = None) -> ReleaseTables:
    return ReleaseTables(
        scenario=scenario,
        tables={"t": TABLE},
        methodology="# m\n",
        notes=[("scenario", scenario)],
        input_hash=digest,
        licences=[{"name": "cc-by-4.0", "title": "CC BY 4.0"}],
        sources=[{"title": "t"}],
        overrides=overrides or {},
    )


def test_latest_follows_the_default_scenario_and_each_scenario_has_its_own(tmp_path):
    default = write_release(_rel(DEFAULT_SCENARIO, "11" * 32), tmp_path)
    other = write_release(_rel("equal_weights", "22" * 32), tmp_path)  # built after the default
    assert latest(tmp_path) == default.resolve()
    assert latest(tmp_path, "latest-equal_weights") == other.resolve()
    assert latest(tmp_path, f"latest-{DEFAULT_SCENARIO}") == default.resolve()


def test_an_override_release_says_so_and_never_moves_latest(tmp_path):
    plain = write_release(_rel(DEFAULT_SCENARIO, "11" * 32), tmp_path)
    over = write_release(_rel(DEFAULT_SCENARIO, "33" * 32, {"pillars.financial": 2.0}), tmp_path)
    assert "_faal_five_pillars-override_" in over.name
    assert latest(tmp_path) == plain.resolve()
    assert latest(tmp_path, f"latest-{DEFAULT_SCENARIO}") == plain.resolve()
    pkg = json.loads((over / "datapackage.json").read_text(encoding="utf-8"))
    assert pkg["weight_overrides"] == {"pillars.financial": 2.0}
    assert "with weight overrides" in pkg["title"]


def test_sensitivity_under_other_weights_never_enters_a_release():
    frameworks = load_frameworks()
    paths = scenario_paths()
    a = load_scenario(paths[DEFAULT_SCENARIO], frameworks)
    other = next(n for n in paths if n != DEFAULT_SCENARIO)
    b = load_scenario(paths[other], frameworks)
    wa, wb = node_weights(frameworks, a), node_weights(frameworks, b)
    require_same_weights({"weights_sha256": weights_digest(wa)}, wa)  # its own: accepted
    with pytest.raises(ReleaseError, match="computed under other weights"):
        require_same_weights({"weights_sha256": weights_digest(wb)}, wa)
    over = a.with_overrides({"pillars.financial": 7.5}, frameworks)
    with pytest.raises(ReleaseError, match="computed under other weights"):
        require_same_weights({"weights_sha256": weights_digest(wa)}, node_weights(frameworks, over))


def test_writer_removes_stale_temp_dirs_of_a_killed_writer(tmp_path):
    stale = tmp_path / ".2026-01-01_x_abc.q1w2e3"
    stale.mkdir(parents=True)
    (stale / "country_index.csv").write_text("half", encoding="utf-8")
    (tmp_path / ".latest.4242").symlink_to("nowhere")
    write_release(_rel(DEFAULT_SCENARIO, "11" * 32), tmp_path)
    assert not stale.exists() and not (tmp_path / ".latest.4242").is_symlink()


def test_a_second_writer_waits_for_the_lock_with_a_message(tmp_path, capfd):
    done = {}
    with write_lock(tmp_path):
        t = threading.Thread(
            target=lambda: done.update(d=write_release(_rel(DEFAULT_SCENARIO, "11" * 32), tmp_path))
        )
        t.start()
        time.sleep(1.0)
        assert "d" not in done  # still waiting
    t.join(30)
    assert done["d"].is_dir() and latest(tmp_path) == done["d"].resolve()
    assert "another release is being written" in capfd.readouterr().err


# ----------------------------------------------------------------------- the CLI, end to end
@pytest.fixture(scope="module")
def cli_builds(source_warehouse, tmp_path_factory):
    """A brand-new scenario file (not known to Dagster's partitions) built with the CLI, with
    its own sensitivity; and the default scenario built with --no-sensitivity."""
    root = tmp_path_factory.mktemp("cli_identity")
    wh = root / "w.duckdb"
    shutil.copyfile(source_warehouse[0], wh)
    doc = yaml.safe_load((WEIGHTS_DIR / f"{DEFAULT_SCENARIO}.yaml").read_text(encoding="utf-8"))
    doc["scenario"] = "brand_new"
    doc["description"] = "A scenario file added after make run."
    doc["pillars"] = {**doc.get("pillars", {}), "financial": 3.0}
    new = root / "brand_new.yaml"
    new.write_text(yaml.safe_dump(doc), encoding="utf-8")
    args = ["--warehouse", str(wh)]
    assert cli_main(["build", "--weights", str(new), *args, "--exports", str(root / "a")]) == 0
    default = WEIGHTS_DIR / f"{DEFAULT_SCENARIO}.yaml"
    rc = cli_main(
        [
            "build",
            "--weights",
            str(default),
            *args,
            "--exports",
            str(root / "b"),
            "--no-sensitivity",
        ]
    )
    assert rc == 0
    return root


def test_a_new_scenario_file_builds_from_the_cli_with_its_own_sensitivity(cli_builds):
    d = latest(cli_builds / "a", "latest-brand_new")
    assert d is not None and "_brand_new_" in d.name
    assert latest(cli_builds / "a") is None  # not the default scenario: latest untouched
    country = pd.read_csv(d / "country_index.csv")
    sens = pd.read_csv(d / "sensitivity_units.csv")
    assert set(sens["scenario"]) == {"brand_new"}
    # the Aruba case: the same unit has the same nominal rank in both files
    year = country["reference_year"].iloc[0]  # the headline year; the panel has the others
    s = sens[(sens["framework"] == "country") & (sens["reference_year"] == year)]
    s = s.set_index("uCode")
    ranked = country[country["rank"].notna()].set_index("geo")
    both = ranked.index.intersection(s.index)
    assert len(both) > 50
    assert (ranked.loc[both, "rank"].astype(int) == s.loc[both, "nominal_rank"].astype(int)).all()
    assert (ranked.loc[both, "dividend"] - s.loc[both, "nominal_score"]).abs().max() < 1e-9
    pkg = json.loads((d / "datapackage.json").read_text(encoding="utf-8"))
    weights = pd.read_csv(d / "weights.csv")
    assert pkg["sensitivity"]["weights_sha256"] == weights_digest(weights)
    assert "Uncertainty intervals: design sa" in (d / "METHODOLOGY.md").read_text(encoding="utf-8")


def test_no_sensitivity_release_says_so_on_every_page(cli_builds):
    d = latest(cli_builds / "b")
    assert d is not None and not list(d.glob("sensitivity_*.csv"))
    pkg = json.loads((d / "datapackage.json").read_text(encoding="utf-8"))
    assert pkg["sensitivity"].startswith("none")
    assert "no uncertainty intervals" in (d / "METHODOLOGY.md").read_text(encoding="utf-8")
    pages = sorted((d / "site").rglob("*.html"))
    assert len(pages) > 100
    missing = [p.name for p in pages if "has no uncertainty intervals" not in p.read_text("utf-8")]
    assert not missing


def test_every_release_field_is_described_and_numeric_fields_have_a_unit(cli_builds):
    """Issue 13, item 4: 8 of 46 country_index fields had a description, 0 of 58 sensitivity
    fields, and no field a unit; now every field of both releases has both."""
    from frictionless import validate

    for which in ("a", "b"):
        d = next(p for p in (cli_builds / which).iterdir() if p.is_dir() and not p.is_symlink())
        pkg = json.loads((d / "datapackage.json").read_text(encoding="utf-8"))
        fields = [(r["name"], f) for r in pkg["resources"] for f in r["schema"]["fields"]]
        assert len(fields) > 100
        assert not [(r, f["name"]) for r, f in fields if not f.get("description")]
        numeric = [(r, f) for r, f in fields if f["type"] in ("number", "integer")]
        assert not [(r, f["name"]) for r, f in numeric if not f.get("unit")]
        report = validate(str(d / "datapackage.json"))
        assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "note"])


def test_same_inputs_same_id_different_sensitivity_config_different_id(cli_builds):
    """The id covers the sensitivity configuration: the same scenario with and without
    intervals are two different releases."""
    a = latest(cli_builds / "b")
    assert a is not None
    rc = cli_main(
        [
            "build",
            "--weights",
            str(WEIGHTS_DIR / f"{DEFAULT_SCENARIO}.yaml"),
            "--warehouse",
            str(cli_builds / "w.duckdb"),
            "--exports",
            str(cli_builds / "b"),
        ]
    )
    assert rc == 0
    b = latest(cli_builds / "b")
    assert b is not None and b != a and a.name.rsplit("_", 1)[-1] != b.name.rsplit("_", 1)[-1]


def test_registry_rules_catch_tampered_tables(cli_builds):
    """The pandera rules the writer and the blocking asset checks share: each tampering of a
    real release table is caught by its named rule; the untouched tables pass."""
    from dividend.release.field_checks import failures

    d = latest(cli_builds / "a", "latest-brand_new")
    country = pd.read_csv(d / "country_index.csv")
    long = pd.read_csv(d / "indicators_long.csv")
    assert failures("country_index", country).empty and failures("indicators_long", long).empty

    def rules(table: str, frame: pd.DataFrame) -> set[str]:
        return set(failures(table, frame)["check"])

    i = country.index[country["rank"].notna()][0]
    assert any(
        "ranks consistent" in r
        for r in rules(
            "country_index",
            country.assign(
                rank=country["rank"].where(country.index != i, country["rank"].max() + 5)
            ),
        )
    )
    assert "dividend = benefit - cost" in rules(
        "country_index",
        country.assign(dividend=country["dividend"].where(country.index != i, 99.0)),
    )
    assert any(
        r.startswith("keys_unique")
        for r in rules("country_index", pd.concat([country, country.iloc[[i]]]))
    )
    assert any(
        "source, year and rule" in r
        for r in rules(
            "indicators_long", long.assign(sources=long["sources"].where(long.index != 0, ""))
        )
    )
    verdicts = country.assign(
        p_net_loss=0.5, verdict=["net gain"] + ["too close to call"] * (len(country) - 1)
    )
    assert rules("country_index", verdicts) == {"verdict consistent with p_net_loss"}
