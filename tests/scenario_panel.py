"""One scenario materialised over every reference year on a copy of the shared source
warehouse, as `make run` does it: the starting point of the end-to-end index tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg

from pipelines.materialise import materialise, materialise_scenario


def materialise_panel(source: Path, root: Path, exports: Path, scenario: str):
    """Copy ``source`` to ``root/w.duckdb``, point DIVIDEND_EXPORTS at ``exports``, then
    materialise the indicator values and ``scenario`` (index and sensitivity over every year,
    then its release). Returns the warehouse, the instance and the scenario's runs."""
    wh = root / "w.duckdb"
    shutil.copyfile(source, wh)
    os.environ["DIVIDEND_EXPORTS"] = str(exports)
    inst = dg.DagsterInstance.ephemeral()
    assert materialise(wh, "key:indicators/indicator_values", instance=inst).success
    runs = materialise_scenario(wh, scenario, instance=inst)
    assert [r.success for r in runs] == [True, True]
    return wh, inst, runs
