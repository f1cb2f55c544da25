"""Pandera schemas for every published table, built from the field registry (fields.py).

One set of rules, run twice: by the release writer before anything is written, and by the
blocking Dagster asset checks over the stored ``indicators.*``, ``index.*`` and
``sensitivity.*`` tables and the written release. Column rules come from the registry's
constraints; table rules are the index's promises:

* keys unique (per scenario, framework, unit and, where present, reference year);
* dividend = benefit - cost, overall and per pillar;
* ranks consistent: a unit has a rank exactly when it is ranked, and its rank is 1 + the
  number of ranked units of its group with a larger dividend (ties share the best rank);
* every published indicator value has its source, year and the rule that produced it;
* where a ``verdict`` column exists, it agrees with ``p_net_loss`` (net gain at most 0.10,
  net loss at least 0.90, too close to call in between, insufficient data without one).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pandera.pandas as pa

from dividend.release.fields import FIELD_CONSTRAINTS

TOLERANCE = 1e-6  # dividend = benefit - cost, in score points
GAIN_MAX_P, LOSS_MIN_P = 0.10, 0.90  # the verdict rule (dividend.index.verdict on wip-index)
UNIT = ("geo", "uCode")
GROUP = ("scenario", "framework", "reference_year")


def _keys(columns: pd.Index, table: str) -> list[str]:
    """The unit key of the index-like tables: index rows, indicator values, per-unit
    sensitivity results (other tables, e.g. the data-quality log, have no unit key)."""
    cols = set(columns)
    if "indicator" in cols and {"framework", "geo", "value"} <= cols:  # indicators long
        # index v2: one value per reference year of the panel
        return ["framework", "geo", "indicator"] + (
            ["reference_year"] if "reference_year" in cols else []
        )
    unit = "geo" if "dividend" in cols else "uCode" if "rank_q05" in cols else None
    if unit is None or unit not in cols:
        return []
    keys = [c for c in ("scenario", "framework") if c in cols] + [unit]
    return keys + (["reference_year"] if "reference_year" in cols else [])


def _column_checks(column: str) -> list[pa.Check]:
    c = FIELD_CONSTRAINTS.get(column, {})
    out = []
    if "minimum" in c:
        out.append(pa.Check.ge(c["minimum"], ignore_na=True))
    if "maximum" in c:
        out.append(pa.Check.le(c["maximum"], ignore_na=True))
    if "enum" in c:
        out.append(pa.Check.isin(c["enum"], ignore_na=True))
    return out


def _unique(keys: list[str]) -> pa.Check:
    return pa.Check(
        lambda df: ~df.duplicated(keys, keep=False), name=f"keys_unique({', '.join(keys)})"
    )


def _balance(prefix: str) -> pa.Check:
    d, b, c = (f"{prefix}{k}" for k in ("dividend", "benefit", "cost"))

    def ok(df: pd.DataFrame) -> pd.Series:
        diff = (df[d] - (df[b] - df[c])).abs()
        return diff.isna() | (diff <= TOLERANCE)

    return pa.Check(ok, name=f"{d} = {b} - {c}")


def _ranks(group: list[str]) -> pa.Check:
    def ok(df: pd.DataFrame) -> pd.Series:
        ranked = df["ranked"].astype("boolean").fillna(False).astype(bool)
        has_rank = pd.to_numeric(df["rank"], errors="coerce").notna()
        div = pd.to_numeric(df["dividend"], errors="coerce").where(ranked)
        want = (
            div.groupby([df[g] for g in group], dropna=False).rank(method="min", ascending=False)
            if group
            else div.rank(method="min", ascending=False)
        )
        got = pd.to_numeric(df["rank"], errors="coerce")
        same = (got == want) | (got.isna() & want.isna())
        return (has_rank == ranked) & same

    return pa.Check(ok, name="ranks consistent with dividend and ranked")


def _provenance() -> pa.Check:
    def ok(df: pd.DataFrame) -> pd.Series:
        value = pd.to_numeric(df["value"], errors="coerce")
        filled = [df[c].astype("string").fillna("").str.strip() != "" for c in ("sources",)]
        rule = df["treatment"].astype("string").fillna("").str.strip() != ""
        return np.isfinite(value) & df["year"].notna() & filled[0] & rule

    return pa.Check(ok, name="every value has source, year and rule (treatment)")


def _verdict() -> pa.Check:
    def ok(df: pd.DataFrame) -> pd.Series:
        p = pd.to_numeric(df["p_net_loss"], errors="coerce")
        v = df["verdict"].astype("string")
        return (
            ((v == "net gain") & (p <= GAIN_MAX_P))
            | ((v == "net loss") & (p >= LOSS_MIN_P))
            | ((v == "too close to call") & (p > GAIN_MAX_P) & (p < LOSS_MIN_P))
            | ((v == "insufficient data") & p.isna())
            | v.isna()
        ).fillna(False)

    return pa.Check(ok, name="verdict consistent with p_net_loss")


def table_schema(table: str, columns: pd.Index) -> pa.DataFrameSchema:
    """The schema of one published table (by name) with the columns it has."""
    cols = {
        str(c): pa.Column(checks=_column_checks(str(c)), nullable=True, required=False)
        for c in columns
        if _column_checks(str(c))
    }
    checks: list[pa.Check] = []
    keys = _keys(columns, table)
    if keys:
        checks.append(_unique(keys))
    pillars = {m.group(1) for c in columns if (m := re.fullmatch(r"([a-z_]+_)benefit", str(c)))}
    for prefix in ["", *sorted(pillars)]:
        if all(f"{prefix}{k}" in columns for k in ("dividend", "benefit", "cost")):
            checks.append(_balance(prefix))
    if {"rank", "ranked", "dividend"} <= set(columns):
        checks.append(_ranks([g for g in GROUP if g in columns]))
    if {"value", "year", "sources", "treatment"} <= set(columns):
        checks.append(_provenance())
    if {"verdict", "p_net_loss"} <= set(columns):
        checks.append(_verdict())
    return pa.DataFrameSchema(cols, checks=checks, strict=False, name=table)


def failures(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Every failed rule of ``frame`` (lazy: all at once), empty when the table is good."""
    try:
        table_schema(table, frame.columns).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        fc = err.failure_cases
        return fc[["schema_context", "column", "check", "index", "failure_case"]].astype(str)
    return pd.DataFrame(columns=["schema_context", "column", "check", "index", "failure_case"])
