"""Weight and framework files as data versions (issue 13, item 2, the Dagster side).

Before: editing a weight file left its index, sensitivity and release partitions FRESH in
Dagster, because the files were invisible to it. Now the framework and weight files are
observable source assets whose data version is a sha256 over the files, and the index records
the version it was built from. (One version covers all scenarios: dagster 1.13 ignores
observations of partitioned source assets in provenance, see pipelines/assets/scenario_files.)
"""

from __future__ import annotations

import shutil

import dagster as dg
import pytest
from dagster._core.definitions.data_version import CachingStaleStatusResolver, StaleStatus
from dagster._core.loader import LoadingContextForTest

from dividend.index.definition import scenario_paths
from dividend.paths import WEIGHTS_DIR
from pipelines.assets.scenario_files import _digest
from pipelines.definitions import defs
from pipelines.materialise import materialise, observe_scenario_files
from pipelines.partitions import year_range_tags

SCENARIO = "faal_five_pillars"
INDEX = dg.AssetKey(["index", "dividend_index"])
WEIGHTS = dg.AssetKey(["indicators", "weight_files"])


def _key(scenario: str) -> str:
    """The index partition of `scenario` in the headline-era year 2021 (any year would do)."""
    return str(dg.MultiPartitionKey({"scenario": scenario, "reference_year": "2021"}))


def _status(instance: dg.DagsterInstance, key: dg.AssetKey, partition: str) -> StaleStatus:
    resolver = CachingStaleStatusResolver(
        instance, defs.resolve_asset_graph(), LoadingContextForTest(instance)
    )
    return resolver.get_status(key, partition)


@pytest.mark.e2e
def test_editing_a_weight_file_marks_its_index_partition_stale(
    source_warehouse, tmp_path, monkeypatch
):
    weights = tmp_path / "weights"
    shutil.copytree(WEIGHTS_DIR, weights)
    monkeypatch.setenv("DIVIDEND_WEIGHTS_DIR", str(weights))
    wh = tmp_path / "w.duckdb"
    shutil.copyfile(source_warehouse[0], wh)
    instance = dg.DagsterInstance.ephemeral()

    observe_scenario_files(instance)
    assert materialise(wh, "key:indicators/indicator_values", instance=instance).success
    assert materialise(
        wh, "key:index/dividend_index", tags=year_range_tags(SCENARIO), instance=instance
    ).success
    event = instance.get_latest_materialization_event(INDEX)
    recorded = event.asset_materialization.tags[
        "dagster/input_data_version/indicators/weight_files"
    ]
    path = weights / f"{SCENARIO}.yaml"
    assert recorded == _digest(scenario_paths())
    assert _status(instance, INDEX, _key(SCENARIO)) == StaleStatus.FRESH

    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    observe_scenario_files(instance)
    assert _status(instance, INDEX, _key(SCENARIO)) == StaleStatus.STALE
    assert _status(instance, INDEX, _key("equal")) == StaleStatus.MISSING  # never built here
