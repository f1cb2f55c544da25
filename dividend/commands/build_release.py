"""``dividend build --weights indicators/weights/<scenario>.yaml``: a release without the UI.

Reads the warehouse the source assets wrote (default ``data/warehouse.duckdb``), scores every
framework under the scenario and writes ``exports/<release-id>/`` atomically, then points
``exports/latest`` at it: the same files the Dagster release asset writes.

The command is where the library meets the data layer: it hands the source catalogue and the
portal builder to :func:`dividend.release.from_warehouse.build_release`, which imports neither.
"""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path

import duckdb
import pandas as pd

from dividend.commands.world_map import world_map
from dividend.index.definition import load_definition
from dividend.paths import REPO_ROOT
from dividend.portal.site import build_site
from dividend.release.from_warehouse import build_release
from sources.catalogue import catalogue
from sources.geography import cities
from sources.warehouse import warehouse_path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("build", help="build a downloadable release for one weight scenario")
    p.add_argument(
        "--weights", type=Path, required=True, help="scenario file, indicators/weights/<name>.yaml"
    )
    p.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="DuckDB warehouse (default: data/warehouse.duckdb)",
    )
    p.add_argument("--exports", type=Path, default=REPO_ROOT / "exports", help="exports directory")
    p.add_argument(
        "--min-coverage", type=float, default=0.0, help="blank aggregates below this coverage"
    )
    p.set_defaults(func=run)


def study_cities_from_raw(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The study cities resolved from the raw city tables, for a warehouse without them staged."""
    raw = {
        i: con.execute(f'SELECT * FROM raw."{i}"').df()
        for i in (cities.PERCEP_ID, cities.AUDIT_ID, cities.NAE_ID, cities.STATCAN_ID)
    }
    return cities.build_study_cities(cities.build_cities(raw))


def run(args: argparse.Namespace) -> int:
    warehouse = args.warehouse or warehouse_path()
    if not Path(warehouse).exists():
        raise ValueError(
            f"warehouse {warehouse} not found: run `make run` (or materialise the source assets) first"
        )
    definition = load_definition()  # every framework and scenario file, read once
    sources = catalogue()
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        world = world_map(con, sources)
    finally:
        con.close()
    out = build_release(
        warehouse,
        definition,
        definition.scenario(args.weights),
        args.exports,
        sources,
        site_builder=partial(build_site, sources=sources, definition=definition, world_map=world),
        min_coverage=args.min_coverage,
        study_fallback=study_cities_from_raw,
    )
    print(f"release written: {out}")
    print(f"latest -> {out.name}")
    return 0
