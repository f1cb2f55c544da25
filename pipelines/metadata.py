"""Materialisation metadata for statisticians: schema, row count, preview, provenance."""

from __future__ import annotations

from functools import cache
from typing import Any

import dagster as dg
import pandas as pd

from dividend.index.definition import load_frameworks
from dividend.release.fields import describe, input_doc
from dividend.release.writer import column_type
from sources.catalogue import Dataset

PREVIEW_ROWS = 10


def _dtype_name(s: pd.Series) -> str:
    """The release's column type, with Dagster's name for a number column."""
    kind = column_type(s)
    return "float" if kind == "number" else kind


@cache
def indicator_docs() -> dict[str, str]:
    """Indicator code -> name, unit and framework file: the columns of indicators.<framework>."""
    try:
        frameworks = load_frameworks()
    except ValueError:  # a broken framework file fails its own asset, not every schema
        return {}
    return {
        i.code: f"{i.name} ({i.unit}); defined in indicators/{fw.path.name}"
        for fw in frameworks.values()
        for i in fw.indicators
    }


def column_schema(frame: pd.DataFrame, table: str = "") -> dg.TableSchema:
    """Column names, types and the field registry's description (dividend.release.fields);
    indicator columns are described by their framework file."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                str(c),
                _dtype_name(frame[c]),
                description=describe(str(c))
                or input_doc(table, str(c))
                or indicator_docs().get(str(c)),
            )
            for c in frame.columns
        ]
    )


def markdown_preview(frame: pd.DataFrame, rows: int = PREVIEW_ROWS) -> dg.MarkdownMetadataValue:
    return dg.MetadataValue.md(
        frame.head(rows).to_markdown(index=False) if len(frame) else "_empty_"
    )


def table_metadata(frame: pd.DataFrame, table: str) -> dict[str, Any]:
    return {
        "dagster/row_count": len(frame),
        "dagster/column_schema": column_schema(frame, table.replace(".", "_")),
        "dagster/table_name": table,
        "preview": markdown_preview(frame),
    }


def provenance_metadata(ds: Dataset) -> dict[str, Any]:
    files = {f.name: f.sha256 for f in ds.files if f.role in ("data", "metadata", "dictionary")}
    return {
        "publisher": ds.publisher,
        "licence": ds.licence,
        "vintage": ds.vintage,
        "landing_url": dg.MetadataValue.url(ds.landing_url),
        "sha256": dg.MetadataValue.json(files),
    }


def per_scenario_result(done: dict[str, dict], keep: tuple[str, ...]) -> dg.MaterializeResult:
    """One materialisation for a run of the scenario x year assets: the scenario's metadata,
    or, for a run over several scenarios (a backfill across them), a summary per scenario.
    Dagster records it for every partition of the run."""
    if len(done) == 1:
        return dg.MaterializeResult(metadata=next(iter(done.values())))

    def plain(value: Any) -> Any:
        return value.value if isinstance(value, dg.MetadataValue) else value

    summary = {name: {k: plain(meta[k]) for k in keep} for name, meta in done.items()}
    return dg.MaterializeResult(metadata={"scenarios": dg.MetadataValue.json(summary)})
