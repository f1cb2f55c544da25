"""Blocking asset checks, generated from each dataset's pandera model and catalogue entry.

They re-read what was written, so they catch a table changed behind the pipeline's back, and
being blocking they stop everything downstream. Failing checks show a sample of the failures.

The checks of one asset run as one op (a multi-asset check) on one warehouse connection:
raw_<id> gets `sha256_matches_catalogue` and `pandera_schema`, staged_<id> gets
`pandera_schema` and `provenance_complete`. Each is still its own blocking check with its own
result; batching only saves a Dagster step and a connection per check.
"""

from collections.abc import Callable, Iterator

import dagster as dg
import duckdb
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
# A check's result from an open warehouse connection: (passed, metadata)
CheckFn = Callable[[duckdb.DuckDBPyConnection], tuple[bool, dict]]


def _sample(frame: pd.DataFrame) -> dg.MarkdownMetadataValue:
    return dg.MetadataValue.md(frame.head(SAMPLE).astype(str).to_markdown(index=False))


def schema_result(con, table: str, schema: type[pa.DataFrameModel]) -> tuple[bool, dict]:
    failures = check_table(con, table, schema)
    meta = {
        "failed_rules": len(failures),
        "failing_rows": int(failures["failures"].sum()) if len(failures) else 0,
    }
    if len(failures):
        meta["sample"] = _sample(failures)
    return failures.empty, meta


def sha256_result(ds_id: str) -> tuple[bool, dict]:
    ds = dataset(ds_id)
    bad = []
    for f in ds.files:
        try:
            verify_file(ds.id, ds.directory / f.name, f)
        except SourceError as err:
            bad.append({"file": f.name, "error": str(err)})
    meta = {"files": len(ds.files)}
    if bad:
        meta["sample"] = _sample(pd.DataFrame(bad))
    return not bad, meta


def provenance_result(con, ds_id: str) -> tuple[bool, dict]:
    known = [f.name for f in dataset(ds_id).files]
    meta, problems = provenance_failures(con, ds_id, known)
    if len(problems):
        meta["sample"] = _sample(problems)
    return problems.empty, meta


def schema_check(
    key: dg.AssetKey, table: str, schema: type[pa.DataFrameModel]
) -> dg.AssetChecksDefinition:
    """A lone `pandera_schema` check, for an asset that has no other check."""

    @dg.asset_check(
        asset=key,
        name="pandera_schema",
        blocking=True,
        pool=DUCKDB_POOL,
        description=_schema_description(table, schema),
    )
    def _check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        with duckdb.get_connection() as con:
            passed, meta = schema_result(con, table, schema)
        return dg.AssetCheckResult(passed=passed, metadata=meta)

    return _check


def asset_checks(
    key: dg.AssetKey, name: str, checks: dict[str, tuple[str, CheckFn]]
) -> dg.AssetChecksDefinition:
    """The blocking checks `{check name: (description, fn)}` of asset `key`, as one op that
    opens one warehouse connection and runs the selected checks on it."""
    specs = [
        dg.AssetCheckSpec(check, asset=key, blocking=True, description=description)
        for check, (description, _) in checks.items()
    ]

    @dg.multi_asset_check(name=name, specs=specs, can_subset=True, pool=DUCKDB_POOL)
    def _checks(
        context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
    ) -> Iterator[dg.AssetCheckResult]:
        selected = {k.name for k in context.selected_asset_check_keys}
        with duckdb.get_connection() as con:
            for check, (_, fn) in checks.items():
                if check in selected:
                    passed, meta = fn(con)
                    yield dg.AssetCheckResult(
                        asset_key=key, check_name=check, passed=passed, metadata=meta
                    )

    return _checks


def _schema_description(table: str, schema: type[pa.DataFrameModel]) -> str:
    return (
        f"The stored {table} satisfies every rule of pandera model {schema.__name__} "
        "(column rules and the custom rules that state a SQL equivalent inside DuckDB, the "
        "other custom rules in pandas)."
    )


def raw_checks(spec: SourceSpec) -> dg.AssetChecksDefinition:
    ds_id = spec.dataset_id
    table, model = f"raw.{ds_id}", raw_model(*dataset(ds_id).coverage())
    return asset_checks(
        dg.AssetKey(["raw", f"raw_{ds_id}"]),
        f"raw_{ds_id}_checks",
        {
            "sha256_matches_catalogue": (
                "Every vendored file still has the sha256 recorded in sources/catalogue.yaml.",
                lambda _con: sha256_result(ds_id),
            ),
            "pandera_schema": (
                _schema_description(table, model),
                lambda con: schema_result(con, table, model),
            ),
        },
    )


def staged_checks(spec: SourceSpec) -> dg.AssetChecksDefinition:
    ds_id = spec.dataset_id
    table = f"staged.{ds_id}"
    return asset_checks(
        dg.AssetKey(["staged", f"staged_{ds_id}"]),
        f"staged_{ds_id}_checks",
        {
            "pandera_schema": (
                _schema_description(table, spec.schema),
                lambda con: schema_result(con, table, spec.schema),
            ),
            "provenance_complete": (
                "Every row names a catalogued file and row, and every rule applied to a row "
                "has its decision recorded in the quality table.",
                lambda con: provenance_result(con, ds_id),
            ),
        },
    )


def source_checks() -> list[dg.AssetChecksDefinition]:
    return [c for spec in all_specs().values() for c in (raw_checks(spec), staged_checks(spec))]
