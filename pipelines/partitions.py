"""One Dagster partition per weight scenario file in indicators/weights/*.yaml.

Read at import time, so adding a scenario file adds a partition when the code location
reloads; the file stem is the partition key and the scenario name.
"""

from __future__ import annotations

import dagster as dg

from dividend.index.definition import scenario_paths
from dividend.release.writer import DEFAULT_SCENARIO

__all__ = ["DEFAULT_SCENARIO", "SCENARIOS", "scenario_partitions"]

SCENARIOS = tuple(scenario_paths())

scenario_partitions = dg.StaticPartitionsDefinition(list(SCENARIOS))
