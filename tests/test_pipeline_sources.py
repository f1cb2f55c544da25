"""End to end: every source asset materialised into a temporary DuckDB, checks and all."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import defs
from pipelines.materialise import PARTITIONED, materialise
from sources.catalogue import RAW_DIR, catalogue
from sources.datasets import all_specs
from sources.errors import SourceError


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)


def test_every_catalogued_dataset_has_a_source_asset():
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    for ds_id in catalogue():
        assert f"raw/raw_{ds_id}" in keys
        assert f"staged/staged_{ds_id}" in keys
    assert set(all_specs()) == set(catalogue())


def test_all_sources_materialise_and_every_check_passes(source_warehouse):
    path, result = source_warehouse
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    failed = [e.check_name for e in evaluations if not e.passed]
    assert failed == []
    # every staged table, geography table and raw table is in the warehouse with rows
    with duckdb.connect(str(path), read_only=True) as con:
        tables = dict(
            con.execute(
                "SELECT schema_name || '.' || table_name, estimated_size FROM duckdb_tables()"
            ).fetchall()
        )
        for ds_id in catalogue():
            for layer in ("raw", "staged"):
                n = con.execute(f'SELECT count(*) FROM {layer}."{ds_id}"').fetchone()[0]
                assert n > 0, f"{layer}.{ds_id} is empty"
        for t in (
            "staged.countries",
            "staged.cities",
            "staged.qol_city_crosswalk",
            "staged.study_cities",
            "quality.data_quality",
        ):
            assert t in tables
        n_checks = len(evaluations)
    # four generated checks per dataset, plus the geography checks
    assert n_checks >= 4 * len(catalogue())


def test_golden_numbers_survive_the_warehouse(source_warehouse):
    path, _ = source_warehouse
    with duckdb.connect(str(path), read_only=True) as con:

        def one(sql: str) -> float:
            return con.execute(sql).fetchone()[0]

        nl_fb = one(
            "SELECT value FROM staged.eurostat_urban_audit_sdmxcsv "
            "WHERE geo='NL037C' AND indicator='DE2009V' AND year=2023"
        )
        nl_pop = one(
            "SELECT value FROM staged.eurostat_urban_audit_sdmxcsv "
            "WHERE geo='NL037C' AND indicator='DE1001V' AND year=2023"
        )
        assert (nl_fb, nl_pop) == (315071, 1264220)
        assert one(
            "SELECT value FROM staged.ictd_grd_2021_taxes_owid WHERE geo='NLD' AND year=2019 "
            "AND indicator LIKE 'Total tax revenue%'"
        ) == pytest.approx(39.810206, abs=1e-9)
        study = con.execute("SELECT study_city, eurostat_code, note FROM staged.study_cities").df()
    assert len(study) == 8
    assert study.set_index("study_city").loc["Rotterdam", "eurostat_code"] == "NL037C"


def test_every_hazard_rule_lands_in_data_quality(source_warehouse):
    path, _ = source_warehouse
    with duckdb.connect(str(path), read_only=True) as con:
        dq = con.execute(
            "SELECT dataset, rule, action, count(*) n FROM quality.data_quality GROUP BY ALL"
        ).df()
    by_dataset = set(dq["dataset"])
    for ds in (
        "eurostat_urban_audit_sdmxcsv",
        "eu_qol_european_cities_2023",
        "worldbank_wdi_net_migration",
        "worldbank_wdi_remittances_paid",
        "undesa_ims2020_destination",
        "ictd_grd_2021_taxes_owid",
        "nae_cities_index_us",
    ):
        assert ds in by_dataset, f"no quality decision recorded for {ds}"
    assert set(dq["action"]) <= {"drop", "flag", "rescale"}


def test_corrupted_file_fails_loudly_and_keeps_last_good_tables(
    source_warehouse, tmp_path, monkeypatch
):
    """A truncated publisher file: one clear error naming dataset and file, nothing downstream
    runs, and the tables materialised before stay exactly as they were."""
    path, _ = source_warehouse
    warehouse = tmp_path / "w.duckdb"
    shutil.copyfile(path, warehouse)
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    target = raw / "oecd_foreign_born_population_share" / "foreign_born_OECD.csv"
    target.write_bytes(target.read_bytes()[:5000])
    monkeypatch.setenv("DIVIDEND_RAW_DIR", str(raw))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        before = con.execute(
            "SELECT * FROM staged.oecd_foreign_born_population_share ORDER BY ALL"
        ).df()

    # everything downstream up to the indicators: the scenario chain has other partitions
    # definitions (scenario x year, scenario), so its assets run in runs of their own
    selection = (
        dg.AssetSelection.assets(["raw", "raw_oecd_foreign_born_population_share"]).downstream()
        - PARTITIONED
    )
    with pytest.raises(
        SourceError, match=r"oecd_foreign_born_population_share.*foreign_born_OECD\.csv.*sha256"
    ):
        materialise(warehouse, selection=selection)
    result = materialise(warehouse, selection=selection, raise_on_error=False)
    assert not result.success
    assert not result.get_asset_materialization_events()  # nothing downstream ran
    with duckdb.connect(str(warehouse), read_only=True) as con:
        after = con.execute(
            "SELECT * FROM staged.oecd_foreign_born_population_share ORDER BY ALL"
        ).df()
    assert after.equals(before)


def test_every_asset_has_a_code_version_and_make_run_uses_named_jobs():
    """Before: assets without a code version, and `make run` ran Dagster's anonymous
    __ASSET_JOB / __ephemeral_asset_job__."""
    from pipelines.materialise import make_run_jobs

    nodes = [n for n in defs.resolve_asset_graph().asset_nodes if n.is_materializable]
    assert nodes and [n.key for n in nodes if not n.code_version] == []
    jobs = make_run_jobs(Path("unused.duckdb"))
    assert sorted(jobs) == ["scenario_release", "scenario_years", "sources_and_indicators"]
    assert not any(name.startswith("__") for name in jobs)
