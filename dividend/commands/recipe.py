"""``dividend recipe run RECIPE --out DIR``: run a recipe file, write every stage as CSV.

Each dataset goes to ``DIR/<name>.csv`` in COINr's layout (``uCode`` first, then
COINr's column names), analysis tables to ``DIR/analysis_<name>.csv`` and the recipe
plus run log to ``DIR/log.yaml`` and ``DIR/log.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import yaml

from dividend.engine.recipe import Recipe, load_inputs, log_document, run_recipe


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("recipe", help="run composite-indicator recipes")
    sub = p.add_subparsers(dest="recipe_command", metavar="ACTION", required=True)
    run = sub.add_parser("run", help="run a recipe file and write every stage as CSV")
    run.add_argument("recipe", type=Path, help="recipe YAML file")
    run.add_argument("--out", type=Path, required=True, help="output directory")
    run.set_defaults(func=run_command)


def run_command(args: argparse.Namespace) -> int:
    recipe = Recipe.load(args.recipe)
    data, fw = load_inputs(recipe)
    result = run_recipe(recipe, data, fw)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for name in result.names:
        result.dset(name).to_csv(out / f"{name}.csv", index=False, float_format="%.17g")
    for name, table in result.analysis.items():
        if hasattr(table, "to_frame"):  # built on request only (COINr's Treated_Points)
            table = table.to_frame()
        if isinstance(table, pd.DataFrame):
            table.to_csv(out / f"analysis_{name}.csv", index=False)
    doc = log_document(recipe, result)
    (out / "log.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    (out / "log.json").write_text(json.dumps(doc, indent=2))
    print(f"wrote {len(result.names)} datasets ({', '.join(result.names)}) and log to {out}")
    return 0
