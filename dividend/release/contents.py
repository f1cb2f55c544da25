"""What an index release holds: its tables, notes, documentation and provenance.

Everything here comes from objects the caller already has (frameworks, the scenario, the
index tables read from the warehouse, the source catalogue): nothing is re-read or re-scored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import duckdb
import pandas as pd

from dividend.index.assemble import IndexTables, IndicatorTables
from dividend.index.definition import PILLARS, FrameworkConfig, Scenario
from dividend.index.unit_tables import NO_CITY_DATA
from dividend.release.fields import TABLE_DOCS, field_docs
from dividend.release.methodology import methodology
from dividend.release.timestamps import release_created
from dividend.release.writer import ReleaseTables, frame_bytes, input_hash


class CatalogueEntry(Protocol):
    """What a release needs to know about a source dataset (``sources.catalogue.Dataset``)."""

    publisher: str
    title: str
    landing_url: str
    licence: str


class ProvenanceError(ValueError):
    """A framework names a dataset the catalogue handed in does not know."""


def catalogue_docs(
    frameworks: Mapping[str, FrameworkConfig], catalogue: Mapping[str, CatalogueEntry]
) -> tuple[list[dict], list[dict]]:
    """Sources and licences of the datasets the frameworks use, from the source catalogue."""
    ids = sorted({s for fw in frameworks.values() for i in fw.indicators for s in i.sources})
    sources, licences = [], []
    for i in ids:
        if i not in catalogue:
            raise ProvenanceError(f"dataset {i!r} is used by a framework but not in the catalogue")
        ds = catalogue[i]
        sources.append({"title": f"{ds.publisher}: {ds.title} ({i})", "path": ds.landing_url})
        licences.append({"name": i, "title": f"{i}: {ds.licence}"})
    return sources, licences


def release_tables(
    frameworks: Mapping[str, FrameworkConfig],
    scenario: Scenario,
    ind: IndicatorTables,
    idx: IndexTables,
    data_quality: pd.DataFrame,
    catalogue: Mapping[str, CatalogueEntry],
    extra_tables: dict[str, pd.DataFrame] | None = None,
) -> ReleaseTables:
    """Everything a release holds; the hash covers data, framework files and weights."""
    digest = input_hash(
        {
            "indicators_long": frame_bytes(ind.long),
            **{f"framework:{n}": fw.path.read_bytes() for n, fw in frameworks.items()},
            "weights": scenario.path.read_bytes()
            if scenario.path.exists()
            else repr(scenario).encode(),
            "weights_used": frame_bytes(idx.weights),
        }
    )
    tables = {
        "country_index": idx.country,
        "city_index": idx.city,
        "indicators_long": ind.long,
        "weights": idx.weights,
        "data_quality": data_quality,
        "coherence": idx.coherence,
        **({"contributions": idx.contributions} if idx.contributions is not None else {}),
        **(extra_tables or {}),
    }
    sources, licences = catalogue_docs(frameworks, catalogue)
    notes = [
        ("scenario", scenario.name),
        ("description", scenario.description),
        ("weights file sha256", scenario.sha256),
        ("inputs hash", digest),
        ("built", release_created().isoformat(timespec="seconds")),
        (
            "sign",
            "dividend > 0: net migration gain; < 0: net migration loss (costs outweigh benefits)",
        ),
        (
            "cities",
            "ranked within their peer group only; city frameworks differ between peer groups",
        ),
        (
            "study cities",
            f"without open city-level data they show national values and '{NO_CITY_DATA}'",
        ),
        ("pillars", ", ".join(PILLARS)),
        *[(f"framework {n}", f"{fw.path.name} sha256 {fw.sha256}") for n, fw in frameworks.items()],
    ]
    return ReleaseTables(
        scenario=scenario.name,
        tables=tables,
        methodology=methodology(frameworks, scenario, digest),
        notes=notes,
        input_hash=digest,
        field_docs=field_docs(tables),
        table_docs=dict(TABLE_DOCS),
        sources=sources,
        licences=licences,
    )


def read_data_quality(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("SELECT * FROM quality.data_quality").df()


def sensitivity_tables(con: duckdb.DuckDBPyConnection, scenario: str) -> dict[str, pd.DataFrame]:
    """Every table in schema ``sensitivity`` joins the release.

    Tables with a ``scenario`` column are filtered to this scenario; each becomes
    ``sensitivity_<table>.csv``. Absent schema: nothing (the release is still complete).
    """
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'sensitivity' ORDER BY 1"
        ).fetchall()
    ]
    out = {}
    for t in names:
        df = con.execute(f'SELECT * FROM sensitivity."{t}"').df()
        if "scenario" in df.columns:
            df = df[df["scenario"] == scenario]
        out[f"sensitivity_{t}"] = df.reset_index(drop=True)
    return out
