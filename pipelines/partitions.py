"""The Dagster partitions: weight scenario, and weight scenario x reference year.

* ``scenario_partitions``: one partition per weight scenario file in
  indicators/weights/*.yaml (the file stem is the key and the scenario name); the release.
* ``scenario_year_partitions``: scenario x ``reference_year``, the years of every frame
  (:func:`dividend.index.definition.reference_years`: the country panel 2010-2023 and the
  city frames' unit years); the index and its sensitivity. Dagster orders the dimensions by
  name, so a key reads ``<year>|<scenario>``, e.g. ``2021|faal_five_pillars``.

Read at import time, so adding a scenario file (or widening the panel) adds partitions when
the code location reloads.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import dagster as dg

from dividend.index.definition import load_frameworks, reference_years, scenario_paths
from dividend.release.writer import DEFAULT_SCENARIO

__all__ = [
    "DEFAULT_SCENARIO",
    "EVERY_YEAR_OF_SCENARIO",
    "REFERENCE_YEARS",
    "SCENARIOS",
    "scenario_partitions",
    "scenario_year_partitions",
    "scenario_years",
    "year_range_tags",
]

# single-run backfills and this mapping are "beta" in dagster 1.13; the warnings would print
# on every import
warnings.filterwarnings("ignore", category=dg.BetaWarning, message=".*backfill_policy")
warnings.filterwarnings(
    "ignore", category=dg.BetaWarning, message=".*MultiToSingleDimensionPartitionMapping"
)

SCENARIOS = tuple(scenario_paths())
REFERENCE_YEARS = tuple(str(y) for y in reference_years(load_frameworks()))

scenario_partitions = dg.StaticPartitionsDefinition(list(SCENARIOS))
scenario_year_partitions = dg.MultiPartitionsDefinition(
    {
        "scenario": scenario_partitions,
        "reference_year": dg.StaticPartitionsDefinition(list(REFERENCE_YEARS)),
    }
)

# a scenario partition (the release) depends on every reference year of its scenario
EVERY_YEAR_OF_SCENARIO = dg.MultiToSingleDimensionPartitionMapping(
    partition_dimension_name="scenario"
)


def scenario_years(keys: Iterable[str]) -> dict[str, list[int]]:
    """scenario -> its reference years, sorted, from a run's multi-partition keys."""
    out: dict[str, set[int]] = {}
    for key in keys:
        dims = scenario_year_partitions.get_partition_key_from_str(key).keys_by_dimension
        out.setdefault(dims["scenario"], set()).add(int(dims["reference_year"]))
    return {s: sorted(y) for s, y in out.items()}


def year_range_tags(scenario: str, years: Iterable[str] = REFERENCE_YEARS) -> dict[str, str]:
    """Run tags for one run over `years` (first to last) of one scenario: with the assets'
    single-run backfill policy the run sees every (scenario, year) key at once."""
    ys = sorted(years)

    def key(year: str) -> str:
        return str(dg.MultiPartitionKey({"scenario": scenario, "reference_year": year}))

    return {
        "dagster/asset_partition_range_start": key(ys[0]),
        "dagster/asset_partition_range_end": key(ys[-1]),
    }
