"""Resources of the code location: the DuckDB warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from dividend.index.sql_sandbox import CONNECTION_CONFIG
from sources.warehouse import warehouse_path

# Every op that opens the warehouse joins this pool; dagster.yaml limits it to one at a time,
# because DuckDB allows one writer per file and a writer locks out other processes' readers.
DUCKDB_POOL = "duckdb"


class WarehouseResource(DuckDBResource):
    """`DuckDBResource` that keeps the warehouse database open in this process for the rest of
    a run once a step has opened it.

    Opening the file (catalogue load) and closing its last connection (checkpoint) cost more
    than most source steps' own work, and a run has a hundred such steps. While one connection
    stays open, DuckDB hands every further `get_connection` of the process a new connection to
    the same database instance. Each step still gets, uses and closes its own connection and
    commits its own transactions; the file lock is held until the run's resources are torn
    down (per step under a multi-process executor, so there nothing changes). Outside a run
    (no setup by Dagster) it behaves exactly like `DuckDBResource`.
    """

    _run_scope: ExitStack | None = PrivateAttr(default=None)
    _held: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._run_scope = ExitStack()

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._run_scope is not None and self._held is None:
            # opened in the first step that needs it, so a locked file fails that step as before
            self._held = self._run_scope.enter_context(super().get_connection())
        with super().get_connection() as con:
            yield con

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._run_scope is not None:
            self._held, scope, self._run_scope = None, self._run_scope, None
            scope.close()


def warehouse_db(path) -> WarehouseResource:
    """The warehouse at `path`, with the sandbox settings of every warehouse connection: no
    file, network or extension access from SQL, configuration locked (see sql_sandbox)."""
    return WarehouseResource(database=str(path), connection_config=dict(CONNECTION_CONFIG))


def warehouse_resource() -> WarehouseResource:
    path = warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return warehouse_db(path)


def warehouse_asset(**kwargs):
    """`dg.asset` for an asset that opens the warehouse: it joins the DuckDB pool and shows
    the duckdb and pandas kinds in the UI."""
    return dg.asset(
        kinds={"duckdb", "pandas"},
        pool=DUCKDB_POOL,
        code_version=kwargs.pop("code_version", "1"),
        **kwargs,
    )
