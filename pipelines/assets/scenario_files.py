"""The framework and weight files as observable source assets, versioned by their sha256.

The index reads these files directly, so Dagster cannot see an edit unless they are assets:
each observation records the files' sha256 as the data version, and an edit therefore marks
`indicator_values` (frameworks), `dividend_index` (frameworks and the scenario's weights)
and everything downstream (sensitivity, release) stale. `make run` observes both first.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import dagster as dg

from dividend.index.definition import FRAMEWORK_FILES, scenario_paths
from dividend.paths import INDICATORS_DIR

# observable source assets are "beta" in dagster 1.13; the warning would print on every import
warnings.filterwarnings("ignore", category=dg.BetaWarning, message=".*observable_source_asset")


def _digest(files: dict[str, Path]) -> str:
    """sha256 over each file's name and sha256, in name order."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0{hashlib.sha256(files[name].read_bytes()).hexdigest()}\n".encode())
    return digest.hexdigest()


@dg.observable_source_asset(
    key=["indicators", "framework_files"],
    group_name="index",
    description=f"The framework files {', '.join(FRAMEWORK_FILES)} in indicators/; data version "
    "= sha256 over their names and bytes.",
)
def framework_files() -> dg.DataVersion:
    return dg.DataVersion(_digest({name: INDICATORS_DIR / name for name in FRAMEWORK_FILES}))


@dg.observable_source_asset(
    key=["indicators", "weight_files"],
    group_name="index",
    description="The weight scenario files indicators/weights/*.yaml; data version = sha256 "
    "over their names and bytes, so an edited, added or deleted scenario changes it.",
)
def weight_files() -> dg.DataVersion:
    # One version for all scenarios, not one per partition: dagster 1.13 reads partitioned
    # inputs' versions from materialisations only (data_version_cache: "TODO: this needs to
    # account for observations also"), so per-scenario observations would never make an index
    # partition stale. An edit of one scenario therefore marks every scenario's index stale.
    return dg.DataVersion(_digest(scenario_paths()))


scenario_file_assets = [framework_files, weight_files]
