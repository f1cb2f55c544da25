"""``dividend build --weights indicators/weights/<scenario>.yaml``: a release without the UI.

Reads the warehouse the source assets wrote (default ``data/warehouse.duckdb``), scores every
framework under the scenario and writes ``exports/<release-id>/`` atomically, then points
``exports/latest`` at it: the same files the Dagster release asset writes.

The command is where the library meets the data layer: it hands the source catalogue and the
portal builder to :func:`dividend.release.from_warehouse.build_release`, which imports neither.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

import duckdb
import pandas as pd

from dividend.commands.world_map import world_map
from dividend.index.definition import load_definition
from dividend.index.uncertainty import IndexSettings
from dividend.paths import REPO_ROOT
from dividend.portal.site import build_site
from dividend.release.file_store import store_dir
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
    p.add_argument(
        "--no-sensitivity",
        action="store_true",
        help="skip the scenario's sensitivity run: the release says on every page that it has "
        "no uncertainty intervals",
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
    definition = load_definition()  # every framework and valid scenario file, read once
    for name, why in definition.skipped.items():
        print(f"scenario {name} skipped: {why}", file=sys.stderr)
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
        site_builder=partial(
            build_site,
            sources=sources,
            definition=definition,
            world_map=world,
            gzip_store=store_dir(Path(args.exports)),
        ),
        min_coverage=args.min_coverage,
        study_fallback=study_cities_from_raw,
        settings=None if args.no_sensitivity else IndexSettings(),
    )
    print(f"release written: {out}")
    links = sorted(p.name for p in Path(args.exports).iterdir() if _points_at(p, out))
    print(f"links to it: {', '.join(links) or 'none (weight overrides never move latest)'}")
    return 0


def _points_at(link: Path, target: Path) -> bool:
    return link.name.startswith("latest") and link.is_symlink() and link.resolve() == target
