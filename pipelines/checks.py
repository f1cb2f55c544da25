"""Blocking asset checks, generated from each dataset's pandera model and catalogue entry.

They re-read what was written, so they catch a table changed behind the pipeline's back, and
being blocking they stop everything downstream. Failing checks show a sample of the failures.
"""

import dagster as dg
import pandas as pd
import pandera.pandas as pa
from dagster_duckdb import DuckDBResource

from pipelines.resources import DUCKDB_POOL
from sources.catalogue import dataset, verify_file
from sources.datasets import SourceSpec, all_specs
from sources.errors import SourceError
from sources.schema_checks import check_table, provenance_failures
from sources.tidy import raw_model

SAMPLE = 20


def _sample(frame: pd.DataFrame) -> dg.MarkdownMetadataValue:
    return dg.MetadataValue.md(frame.head(SAMPLE).astype(str).to_markdown(index=False))


def schema_check(
    key: dg.AssetKey, table: str, schema: type[pa.DataFrameModel]
) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=key,
        name="pandera_schema",
        blocking=True,
        pool=DUCKDB_POOL,
        description=f"The stored {table} satisfies every rule of pandera model {schema.__name__} "
        "(column rules as SQL inside DuckDB, custom rules in pandas).",
    )
    def _check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        with duckdb.get_connection() as con:
            failures = check_table(con, table, schema)
        meta = {
            "failed_rules": len(failures),
            "failing_rows": int(failures["failures"].sum()) if len(failures) else 0,
        }
        if len(failures):
            meta["sample"] = _sample(failures)
        return dg.AssetCheckResult(passed=failures.empty, metadata=meta)

    return _check


def sha256_check(spec: SourceSpec) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["raw", f"raw_{spec.dataset_id}"]),
        name="sha256_matches_catalogue",
        blocking=True,
        description="Every vendored file still has the sha256 recorded in sources/catalogue.yaml.",
    )
    def _check() -> dg.AssetCheckResult:
        ds = dataset(spec.dataset_id)
        bad = []
        for f in ds.files:
            try:
                verify_file(ds.id, ds.directory / f.name, f)
            except SourceError as err:
                bad.append({"file": f.name, "error": str(err)})
        meta = {"files": len(ds.files)}
        if bad:
            meta["sample"] = _sample(pd.DataFrame(bad))
        return dg.AssetCheckResult(passed=not bad, metadata=meta)

    return _check


def provenance_check(spec: SourceSpec) -> dg.AssetChecksDefinition:
    ds_id = spec.dataset_id

    @dg.asset_check(
        asset=dg.AssetKey(["staged", f"staged_{ds_id}"]),
        name="provenance_complete",
        blocking=True,
        pool=DUCKDB_POOL,
        description="Every row names a catalogued file and row, and every rule applied to a row "
        "has its decision recorded in the quality table.",
    )
    def _check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        known = [f.name for f in dataset(ds_id).files]
        with duckdb.get_connection() as con:
            meta, problems = provenance_failures(con, ds_id, known)
        if len(problems):
            meta["sample"] = _sample(problems)
        return dg.AssetCheckResult(passed=problems.empty, metadata=meta)

    return _check


def source_checks() -> list[dg.AssetChecksDefinition]:
    checks: list[dg.AssetChecksDefinition] = []
    for spec in all_specs().values():
        raw_key = dg.AssetKey(["raw", f"raw_{spec.dataset_id}"])
        staged_key = dg.AssetKey(["staged", f"staged_{spec.dataset_id}"])
        checks += [
            sha256_check(spec),
            schema_check(
                raw_key, f"raw.{spec.dataset_id}", raw_model(*dataset(spec.dataset_id).coverage())
            ),
            schema_check(staged_key, f"staged.{spec.dataset_id}", spec.schema),
            provenance_check(spec),
        ]
    return checks
