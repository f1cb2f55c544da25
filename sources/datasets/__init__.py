"""One module per publisher dataset: how to read it, stage it and validate it.

Each module defines `SPEC: SourceSpec`. The Dagster code location turns every spec into a
`raw_<id>` and a `staged_<id>` asset, and generates its checks from the pandera model.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from sources.catalogue import Dataset


@dataclass(frozen=True)
class StageResult:
    table: pd.DataFrame  # staged tidy table (sources.tidy.STAGED_COLUMNS)
    decisions: pd.DataFrame  # data_quality rows (sources.quality.DQ_COLUMNS)


@dataclass(frozen=True)
class SourceSpec:
    dataset_id: str
    description: str
    read: Callable[[Dataset], pd.DataFrame]  # -> raw tidy table, sha256 verified
    stage: Callable[[pd.DataFrame], StageResult]  # raw -> staged + decisions
    schema: type[pa.DataFrameModel]  # pandera model of the staged table
    code_version: str = "1"
    # True only when the publisher repeats (indicator, geo, year) keys and `stage` resolves
    # them with a named rule; otherwise a repeated key in the raw table is refused.
    raw_duplicates: bool = False


def discover(package: str, path: list[str], attribute: str) -> list:
    """`attribute` of every module of `package` that defines it (modules are the registry)."""
    found = []
    for mod in pkgutil.iter_modules(path):
        value = getattr(importlib.import_module(f"{package}.{mod.name}"), attribute, None)
        if value is not None:
            found.append(value)
    return found


def all_specs() -> dict[str, SourceSpec]:
    specs = {spec.dataset_id: spec for spec in discover(__name__, __path__, "SPEC")}
    return dict(sorted(specs.items()))
