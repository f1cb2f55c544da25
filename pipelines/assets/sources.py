"""A raw and a staged asset per publisher dataset, generated from `sources.datasets` specs.

raw_<id>:    verify size and sha256 → parse → validate raw (RawTidy, the catalogue's year
             coverage, unique keys) → stage and validate staged too → write raw.<id>
staged_<id>: read raw.<id> → keys + quality rules → validate (the dataset's model, lazy)
             → write staged.<id> and quality.<id> in one transaction
Validation of *every* layer runs before the first write (sources.dataset_check), so a file
that the staged model would reject never replaces the last good raw table either.

The staged table the raw asset validated is kept in this process with the fingerprint of the
raw table it wrote; the staged asset reuses it only while raw.<id> still has exactly that
fingerprint (rows and a hash of every row, computed in DuckDB), and otherwise stages and
validates the stored raw table afresh. So staging and its validation run once per run, not
twice, and a raw table changed in between is still staged from what is stored.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.metadata import provenance_metadata, table_metadata
from pipelines.resources import warehouse_asset
from sources.catalogue import dataset
from sources.dataset_check import check_dataset, check_staged
from sources.datasets import SourceSpec, StageResult, all_specs
from sources.warehouse import read_table, table_fingerprint, write_tables

# dataset id -> (fingerprint of the raw table as written, the staged result validated with it)
_VALIDATED_STAGE: dict[str, tuple[tuple[int, int], StageResult]] = {}


def decisions_markdown(decisions) -> dg.MarkdownMetadataValue:
    if not len(decisions):
        return dg.MetadataValue.md("_no quality rule fired_")
    summary = (
        decisions.groupby(["rule", "action", "reason"], dropna=False)
        .size()
        .rename("rows")
        .reset_index()
    )
    return dg.MetadataValue.md(summary.to_markdown(index=False))


def raw_asset(spec: SourceSpec) -> dg.AssetsDefinition:
    ds_id = spec.dataset_id

    @warehouse_asset(
        name=f"raw_{ds_id}",
        key_prefix=["raw"],
        group_name=ds_id,
        description=f"{spec.description}\n\nPublisher values and keys, parsed from the vendored files "
        f"after their sha256 is checked against sources/catalogue.yaml.",
        code_version=spec.code_version,
        metadata={"dataset": ds_id},
    )
    def _raw(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
        ds = dataset(ds_id)
        checked = check_dataset(spec, ds)
        frame = checked.raw
        _VALIDATED_STAGE.pop(ds_id, None)
        with duckdb.get_connection() as con:
            write_tables(con, {f"raw.{ds_id}": frame})
            written = table_fingerprint(con, f"raw.{ds_id}")
        _VALIDATED_STAGE[ds_id] = (written, StageResult(checked.staged, checked.decisions))
        context.log.info("raw.%s: %d rows", ds_id, len(frame))
        return dg.MaterializeResult(
            metadata={**table_metadata(frame, f"raw.{ds_id}"), **provenance_metadata(ds)}
        )

    return _raw


def _stage_stored_raw(spec: SourceSpec, con) -> StageResult:
    """The validated staging of raw.<id> as stored: reused from the raw asset of this run when
    the stored table is still the one it wrote, else staged and validated now."""
    ds_id = spec.dataset_id
    kept = _VALIDATED_STAGE.pop(ds_id, None)
    if kept is not None and kept[0] == table_fingerprint(con, f"raw.{ds_id}"):
        return kept[1]
    return check_staged(spec, read_table(con, f"raw.{ds_id}"))


def staged_asset(spec: SourceSpec) -> dg.AssetsDefinition:
    ds_id = spec.dataset_id

    @warehouse_asset(
        name=f"staged_{ds_id}",
        key_prefix=["staged"],
        group_name=ds_id,
        deps=[dg.AssetKey(["raw", f"raw_{ds_id}"])],
        description=f"{spec.description}\n\nTidy and validated: ISO3 or city keys, named quality "
        f"rules applied (see quality.{ds_id} and the data_quality table).",
        code_version=spec.code_version,
        metadata={"dataset": ds_id, "pandera_model": spec.schema.__name__},
    )
    def _staged(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
        ds = dataset(ds_id)
        # One connection for read, stage and write: the asset holds the duckdb pool anyway,
        # and opening the warehouse file twice per asset costs more than staging most sources.
        with duckdb.get_connection() as con:
            result = _stage_stored_raw(spec, con)
            table, decisions = result.table, result.decisions
            write_tables(con, {f"staged.{ds_id}": table, f"quality.{ds_id}": decisions})
        context.log.info(
            "staged.%s: %d rows, %d quality decisions", ds_id, len(table), len(decisions)
        )
        return dg.MaterializeResult(
            metadata={
                **table_metadata(table, f"staged.{ds_id}"),
                **provenance_metadata(ds),
                "quality_decisions": len(decisions),
                "quality_rules": decisions_markdown(decisions),
            }
        )

    return _staged


def source_assets() -> list[dg.AssetsDefinition]:
    return [a for spec in all_specs().values() for a in (raw_asset(spec), staged_asset(spec))]
