"""``dividend build --weights indicators/weights/<scenario>.yaml``: a release without the UI.

Reads the warehouse the source assets wrote (default ``data/warehouse.duckdb``), scores every
framework under the scenario and writes ``exports/<release-id>/`` atomically, then points
``exports/latest`` at it: the same files the Dagster release asset writes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dividend.config import REPO_ROOT


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


def run(args: argparse.Namespace) -> int:
    from dividend.build import build_release
    from sources.warehouse import warehouse_path

    warehouse = args.warehouse or warehouse_path()
    if not Path(warehouse).exists():
        raise ValueError(
            f"warehouse {warehouse} not found: run `make run` (or materialise the source assets) first"
        )
    out = build_release(warehouse, args.weights, args.exports, min_coverage=args.min_coverage)
    print(f"release written: {out}")
    print(f"latest -> {out.name}")
    return 0
