"""The sandbox for framework SQL: every formula is one SELECT over the warehouse, nothing else.

Framework YAML is data that researchers edit, so its SQL is treated as untrusted. Two layers:

* **Before it runs**, DuckDB's own parser checks the text (:func:`check_select`): exactly one
  statement, of type SELECT; no table function that reads files or runs SQL (``read_csv``,
  ``read_text``, ``glob``, ``query``, …: only ``unnest``, ``range`` and ``generate_series``
  are allowed); no table outside the warehouse schemas and no file path used as a table.
  ``COPY``, ``ATTACH``, ``INSTALL``, ``LOAD``, ``PRAGMA``, ``SET`` and any DDL or DML are
  refused with an error that names the framework file and the indicator.
* **While it runs**, the connection has external access disabled and its configuration
  locked (:data:`CONNECTION_CONFIG`, used by the Dagster resource and the CLI alike), and the
  formula runs inside a transaction that is rolled back (:func:`run_select`), so even a
  function with side effects cannot change a warehouse table.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import duckdb
import pandas as pd

# Every warehouse connection (Dagster resource, CLI): no file system, network or extension
# access from SQL, and no SET that could turn it back on.
CONNECTION_CONFIG: dict[str, Any] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}
ALLOWED_SCHEMAS = frozenset({"staged", "quality", "indicators"})
ALLOWED_TABLE_FUNCTIONS = frozenset({"unnest", "range", "generate_series"})
_PATH_CHARS = ("/", "\\", ".", ":", "~")


class SqlRefused(ValueError):
    """Framework SQL that is not a single, self-contained SELECT; names the file and key."""


@cache
def _parser() -> duckdb.DuckDBPyConnection:
    """An in-memory, locked connection used only for ``json_serialize_sql`` (parsing)."""
    return duckdb.connect(":memory:", config=CONNECTION_CONFIG)


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        yield tree
        for v in tree.values():
            yield from _nodes(v)
    elif isinstance(tree, list):
        for v in tree:
            yield from _nodes(v)


def check_select(sql: str, *, where: str) -> None:
    """Refuse ``sql`` unless DuckDB parses it as one SELECT over warehouse tables only.

    ``where`` names the origin in the error, e.g. ``"country.yaml, indicator 'mipex'"``.
    """
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise SqlRefused(f"{where}: SQL does not parse: {exc}") from None
    if len(statements) != 1:
        raise SqlRefused(
            f"{where}: a formula must be exactly one SELECT statement, found {len(statements)}"
        )
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        verb = (statements[0].query.split() or ["?"])[0].upper()
        raise SqlRefused(
            f"{where}: {verb} statement refused ({kind.name}); a formula must be a single "
            "SELECT (no COPY, ATTACH, INSTALL, LOAD, PRAGMA, SET, DDL or DML)"
        )
    doc = json.loads(_parser().execute("SELECT json_serialize_sql(?)", [sql]).fetchone()[0])
    if doc.get("error"):
        raise SqlRefused(f"{where}: refused by the SQL parser: {doc.get('error_message')}")
    for node in _nodes(doc["statements"]):
        kind = node.get("type")
        if kind == "TABLE_FUNCTION":
            fn = str(node.get("function", {}).get("function_name", "")).lower()
            if fn not in ALLOWED_TABLE_FUNCTIONS:
                raise SqlRefused(
                    f"{where}: table function {fn}() refused; formulas read warehouse tables "
                    f"only (allowed: {', '.join(sorted(ALLOWED_TABLE_FUNCTIONS))})"
                )
        elif kind == "BASE_TABLE":
            catalog, schema = node.get("catalog_name", ""), node.get("schema_name", "")
            table = str(node.get("table_name", ""))
            if catalog or (schema and schema not in ALLOWED_SCHEMAS):
                name = ".".join(p for p in (catalog, schema, table) if p)
                raise SqlRefused(
                    f"{where}: table {name} refused; formulas read the schemas "
                    f"{', '.join(sorted(ALLOWED_SCHEMAS))} only"
                )
            if any(ch in table for ch in _PATH_CHARS):
                raise SqlRefused(f"{where}: {table!r} looks like a file path; refused")


def run_select(con: duckdb.DuckDBPyConnection, sql: str, *, where: str) -> pd.DataFrame:
    """Check ``sql`` (:func:`check_select`) and run it in a transaction that is rolled back."""
    check_select(sql, where=where)
    con.execute("BEGIN TRANSACTION")
    try:
        return con.execute(sql).df()
    finally:
        con.execute("ROLLBACK")
