"""Maddison Project Database 2020 (OWID long CSV): GDP per capita, population, GDP.

No row-level hazard is known. Regions (World, Western Europe, …) and historical unions
(Former USSR, Czechoslovakia, Former Yugoslavia) are aggregates, never countries.
"""

from __future__ import annotations

import pandas as pd

from sources.catalogue import Dataset
from sources.datasets import SourceSpec, StageResult
from sources.datasets._country import keys_from_names, range_model
from sources.quality import concat_decisions
from sources.readers import owid_long_csv

DATASET_ID = "maddison_project_2020_owid"
UNITS = {"Population": "persons"}  # the datapackage gives units for the $ series only


def read(ds: Dataset) -> pd.DataFrame:
    return owid_long_csv.read(ds, units=UNITS)


def stage(raw: pd.DataFrame) -> StageResult:
    return StageResult(keys_from_names(raw), concat_decisions([]))


MaddisonStaged = range_model(
    "MaddisonStaged",
    {"GDP per capita": (0.0, 1e6), "Population": (0.0, 1e10), "GDP": (0.0, 2e14)},
    "Staged Maddison 2020: ISO3 keys, aggregates apart, per-indicator ranges.",
)

SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description="Maddison Project Database 2020: real GDP per capita (2011 int-$), "
    "population and GDP, long-run country series to 2018 (OWID re-publication).",
    read=read,
    stage=stage,
    schema=MaddisonStaged,
)
