"""Blocking asset checks on indicators.*, index.*, sensitivity.* and the release.

The rules are the field registry's pandera schemas (dividend.release.field_checks), the same
ones the release writer runs before writing; here they re-run over what was stored, so a
table changed behind the pipeline's back stops everything downstream.
"""

from __future__ import annotations

import json

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from dividend.release.field_checks import failures
from dividend.release.writer import file_identity, latest
from pipelines.assets.release import exports_dir
from pipelines.partitions import SCENARIOS
from pipelines.resources import DUCKDB_POOL

SAMPLE = 20


def _result(bad: list[pd.DataFrame], tables: list[str]) -> dg.AssetCheckResult:
    frame = pd.concat(bad, ignore_index=True) if bad else pd.DataFrame()
    meta = {"tables": dg.MetadataValue.json(tables), "failures": len(frame)}
    if len(frame):
        meta["sample"] = dg.MetadataValue.md(frame.head(SAMPLE).to_markdown(index=False))
    return dg.AssetCheckResult(passed=frame.empty, metadata=meta)


def warehouse_check(asset: list[str], tables: list[str], what: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(asset),
        name="field_registry_rules",
        blocking=True,
        pool=DUCKDB_POOL,
        description=f"{what} satisfy the field registry's pandera rules "
        "(dividend/release/field_checks.py): keys unique, dividend = benefit - cost, ranks "
        "consistent, provenance on every value, verdicts consistent with p_net_loss.",
    )
    def _check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        bad, seen = [], []
        with duckdb.get_connection() as con:
            present = {
                f"{s}.{t}"
                for s, t in con.execute(
                    "SELECT table_schema, table_name FROM information_schema.tables"
                ).fetchall()
            }
            for table in tables:
                if table not in present:
                    continue
                schema, name = table.split(".")
                frame = con.execute(f'SELECT * FROM "{schema}"."{name}"').df()
                seen.append(table)
                f = failures(table, frame)
                if len(f):
                    bad.append(f.assign(table=table))
        return _result(bad, seen)

    return _check


@dg.asset_check(
    asset=dg.AssetKey(["exports", "release"]),
    name="release_fields_described_and_valid",
    blocking=True,
    description="The run's scenario's newest release (every scenario's in a run without one "
    "partition): every field of datapackage.json has a description (numeric ones a unit), "
    "every CSV has the sha256 datapackage.json states and passes the registry's rules.",
)
def release_check(context) -> dg.AssetCheckResult:  # unannotated: dagster refuses string hints
    exports = exports_dir()
    bad, seen = [], []
    # the run's own scenario partition (the release it just wrote); every scenario when the
    # run has no single partition (a backfill over several)
    own = context.run.tags.get("dagster/partition")
    for scenario in [own] if own in SCENARIOS else SCENARIOS:
        d = latest(exports, f"latest-{scenario}")
        if d is None or not (d / "datapackage.json").is_file():
            continue
        seen.append(d.name)
        pkg = json.loads((d / "datapackage.json").read_text(encoding="utf-8"))
        for res in pkg["resources"]:
            for f in res["schema"]["fields"]:
                undocumented = not f.get("description") or (
                    f["type"] in ("number", "integer") and not f.get("unit")
                )
                if undocumented:
                    bad.append(pd.DataFrame([{"table": res["path"], "column": f["name"]}]))
            f = _file_failures(d / res["path"], res["path"].removesuffix(".csv"), res["hash"])
            if len(f):
                bad.append(f.assign(table=f"{d.name}/{res['path']}"))
    return _result(bad, seen)


# (table, sha256) -> its failures: a file whose exact bytes already passed (or failed) the
# registry's rules in this process is not parsed again. Releases share unchanged files (the
# 40 MB data-quality log is the same in every release of a warehouse), and the sha256 is
# computed from the file every time, so a changed file is always read and checked.
_CHECKED: dict[tuple[str, str], pd.DataFrame] = {}


def _file_failures(path, table: str, declared: str) -> pd.DataFrame:
    """The registry's failures of one release CSV, plus a row when its bytes are not the
    ones datapackage.json declares (``sha256:<hex>``)."""
    sha = file_identity(path)["hash"]
    if sha != declared:
        return pd.DataFrame(
            [{"column": "", "check": "sha256 as declared", "failure_case": f"{sha} != {declared}"}]
        )
    key = (table, sha)
    if key not in _CHECKED:
        if len(_CHECKED) >= 256:  # bounded in a long-lived process
            _CHECKED.clear()
        _CHECKED[key] = failures(table, pd.read_csv(path, low_memory=False))
    return _CHECKED[key]


output_checks = [
    warehouse_check(
        ["indicators", "indicator_values"], ["indicators.long"], "The indicator values"
    ),
    warehouse_check(
        ["index", "dividend_index"],
        ["index.country", "index.city", "index.weights"],
        "Every scenario's index tables",
    ),
    warehouse_check(
        ["sensitivity", "dividend_sensitivity"],
        ["sensitivity.units", "sensitivity.inputs"],
        "Every scenario's sensitivity tables",
    ),
    release_check,
]
