"""Checks generated from a pandera model's metadata and run inside DuckDB.

The asset validates its frame with pandera before writing; these checks re-verify the stored
table after the write (so a table changed behind the pipeline's back is caught) without a
second full pandas validation: every column rule with a SQL equivalent becomes one predicate
of a single aggregate query; only the model's custom checks run in pandas.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd
import pandera.pandas as pa

SAMPLE = 20
SQL_TYPES = {
    "int64": {"BIGINT", "INTEGER", "HUGEINT", "SMALLINT"},
    "float64": {"DOUBLE", "FLOAT"},
    "bool": {"BOOLEAN"},
}


@dataclass(frozen=True)
class Rule:
    check: str
    column: str | None
    failing: str  # SQL predicate true for a failing row


def _lit(v: object) -> str:
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    return repr(v)


def _q(col: str) -> str:
    return '"' + col.replace('"', '""') + '"'


def _check_sql(col: str, check: pa.Check) -> str | None:
    c, s = _q(col), check.statistics
    if "sql_failing" in s:  # a custom check that states its own SQL equivalent
        return s["sql_failing"].replace("{c}", c)
    match check.name:
        case "isin":
            return f"{c} NOT IN ({', '.join(_lit(v) for v in s['allowed_values'])})"
        case "str_matches":
            return f"NOT regexp_matches({c}, {_lit('^(?:' + s['pattern'] + ')')})"
        case "str_length":
            parts = []
            if s.get("exact_value") is not None:
                parts.append(f"length({c}) <> {s['exact_value']}")
            if s.get("min_value") is not None:
                parts.append(f"length({c}) < {s['min_value']}")
            if s.get("max_value") is not None:
                parts.append(f"length({c}) > {s['max_value']}")
            return " OR ".join(parts) or None
        case "greater_than_or_equal_to":
            return f"{c} < {_lit(s['min_value'])}"
        case "less_than_or_equal_to":
            return f"{c} > {_lit(s['max_value'])}"
        case "greater_than":
            return f"{c} <= {_lit(s['min_value'])}"
        case "less_than":
            return f"{c} >= {_lit(s['max_value'])}"
        case "equal_to":
            return f"{c} <> {_lit(s['value'])}"
        case "in_range":
            lo = ">=" if s.get("include_min", True) else ">"
            hi = "<=" if s.get("include_max", True) else "<"
            return f"NOT ({c} {lo} {_lit(s['min_value'])} AND {c} {hi} {_lit(s['max_value'])})"
    return None


def sql_rules(schema: pa.DataFrameSchema) -> tuple[list[Rule], list[tuple[str, pa.Check]]]:
    """SQL rules for every column constraint that has one; the rest run in pandas."""
    rules: list[Rule] = []
    in_pandas: list[tuple[str, pa.Check]] = []
    for name, col in schema.columns.items():
        if not col.nullable:
            rules.append(Rule("not_nullable", name, f"{_q(name)} IS NULL"))
        for check in col.checks:
            sql = _check_sql(name, check)
            if sql is None:
                in_pandas.append((name, check))
            else:  # NULLs are the nullable rule's business, as in pandera
                rules.append(Rule(str(check.name), name, f"{_q(name)} IS NOT NULL AND ({sql})"))
    return rules, in_pandas


def check_table(
    con: duckdb.DuckDBPyConnection, table: str, model: type[pa.DataFrameModel]
) -> pd.DataFrame:
    """Every failure of the stored `table` against `model`: one row per failing check with its
    count and a sample of (source_file, source_row, value). Empty when the table is valid."""
    schema = model.to_schema()
    schema_name, _, table_name = table.partition(".")
    cols = dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ?",
            [schema_name, table_name],
        ).fetchall()
    )
    problems: list[dict] = []
    expected = set(schema.columns)
    for missing in sorted(expected - set(cols)):
        problems.append({"check": "column_present", "column": missing, "failures": 1, "sample": ""})
    if schema.strict:
        for extra in sorted(set(cols) - expected):
            problems.append(
                {"check": "strict_columns", "column": extra, "failures": 1, "sample": ""}
            )
    for name, col in schema.columns.items():
        want = SQL_TYPES.get(str(col.dtype))
        if name in cols and want is not None and cols[name] not in want:
            problems.append({"check": "dtype", "column": name, "failures": 1, "sample": cols[name]})
    if problems:
        return pd.DataFrame(problems)

    rules, in_pandas = sql_rules(schema)
    ref = f"{_q(schema_name)}.{_q(table_name)}"
    counts = (
        con.execute(
            "SELECT "
            + ", ".join(f"count(*) FILTER (WHERE {r.failing})" for r in rules)
            + f" FROM {ref}"
        ).fetchone()
        if rules
        else ()
    )
    prov = "source_file, source_row" if {"source_file", "source_row"} <= set(cols) else "NULL, NULL"
    for rule, n in zip(rules, counts, strict=True):
        if n:
            sample = con.execute(
                f"SELECT {prov}, CAST({_q(rule.column)} AS VARCHAR) FROM {ref} WHERE {rule.failing} LIMIT {SAMPLE}"
            ).fetchall()
            problems.append(
                {"check": rule.check, "column": rule.column, "failures": n, "sample": sample}
            )

    frame_checks = list(schema.checks)
    if frame_checks or in_pandas:
        frame = con.execute(f"SELECT * FROM {ref}").df()
        for col_name, check in in_pandas:
            ok = check(frame[col_name]).check_output
            _record(problems, str(check.name), col_name, frame, ok)
        for check in frame_checks:
            ok = check(frame).check_output
            _record(problems, str(check.error or check.name), None, frame, ok)
    return pd.DataFrame(problems, columns=["check", "column", "failures", "sample"])


def _record(problems: list[dict], check: str, column: str | None, frame: pd.DataFrame, ok) -> None:
    ok = pd.Series(ok).fillna(False).astype(bool).to_numpy() if not isinstance(ok, bool) else ok
    if ok is True or (not isinstance(ok, bool) and ok.all()):
        return
    bad = frame.loc[~ok] if not isinstance(ok, bool) else frame
    cols = [c for c in ("source_file", "source_row", column) if c and c in frame]
    problems.append(
        {
            "check": check,
            "column": column,
            "failures": len(bad),
            "sample": bad[cols].head(SAMPLE).to_records(index=False).tolist(),
        }
    )


PROVENANCE_SQL = """
WITH s AS (SELECT * FROM {staged}),
problems AS (
    SELECT 'source_file not in catalogue' AS problem, indicator, geo, year, source_file,
           source_row
    FROM s WHERE source_file IS NULL OR NOT list_contains(?, source_file)
    UNION ALL
    SELECT 'rule applied but no decision row', indicator, geo, year, source_file, source_row
    FROM s WHERE qc_action <> 'none' AND NOT EXISTS (
        SELECT 1 FROM {quality} q
        WHERE CAST(q.indicator AS VARCHAR) = s.indicator AND CAST(q.geo AS VARCHAR) = s.geo
          AND TRY_CAST(q.year AS BIGINT) = s.year)
)
SELECT * FROM problems ORDER BY problem, source_file, source_row
"""


def provenance_failures(
    con: duckdb.DuckDBPyConnection, ds_id: str, known_files: list[str]
) -> tuple[dict[str, int], pd.DataFrame]:
    """Rows of staged.<ds_id> that name no catalogued file, or carry a rule without a decision
    in quality.<ds_id> (same indicator, geo and year), in SQL: nothing is read into pandas
    but the problems. Returns (row counts, problems)."""
    staged, quality = (f"{_q(layer)}.{_q(ds_id)}" for layer in ("staged", "quality"))
    rows, with_rule = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE qc_action <> 'none') FROM {staged}"
    ).fetchone()
    problems = con.execute(
        PROVENANCE_SQL.format(staged=staged, quality=quality), [known_files]
    ).df()
    return {"rows": int(rows), "rows_with_rule": int(with_rule)}, problems
