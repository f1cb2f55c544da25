"""``dividend sensitivity CONFIG --n N --seed S --out DIR``: uncertainty / sensitivity analysis.

CONFIG is a sensitivity config (see :mod:`dividend.sensitivity.config_file`) or a bare recipe
(then ``--inputs FILE`` names the uncertain inputs, else ±25% weight noise). Command-line
options override the config. Writes ``units.csv``, ``inputs.csv`` (design sa),
``unit_indices.csv``, ``runs.csv``, ``leave_one_out.csv``, ``loo_shifts.csv``, the
scores/ranks of every run and ``meta.json`` to DIR, with a progress bar on stderr.
``--scheduler ADDRESS`` (or ``--workers K`` for a local cluster) runs on Dask.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from dividend.safe_yaml import load_yaml


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "sensitivity", help="uncertainty and Sobol sensitivity analysis of a recipe or scoring"
    )
    p.add_argument("config", type=Path, help="sensitivity config YAML, or a recipe YAML")
    p.add_argument("--out", type=Path, required=True, help="output directory for the CSVs")
    p.add_argument("--n", type=int, help="base sample size N (SA runs N(d+2))")
    p.add_argument("--seed", type=int, help="seed of the whole analysis")
    p.add_argument("--design", choices=["ua", "sa"], help="uncertainty (ua) or Saltelli (sa)")
    p.add_argument("--sampler", choices=["sobol", "random"], help="quasi-random or random")
    p.add_argument("--nboot", type=int, help="bootstrap resamples for the index intervals")
    p.add_argument("--inputs", type=Path, help="YAML of uncertain inputs (overrides the config)")
    p.add_argument("--scheduler", help="Dask scheduler address (run on that cluster)")
    p.add_argument("--workers", type=int, help="run on a local Dask cluster with K workers")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run_command)


def run_command(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from dividend.sensitivity import SensitivityError, load_config, parse_inputs, run_sensitivity
    from dividend.sensitivity.config_file import PLAN_KEYS

    cfg = load_config(args.config)
    if args.inputs is not None:
        if not args.inputs.is_file():
            raise SensitivityError(f"--inputs: file not found: {args.inputs}")
        doc = load_yaml(args.inputs)
        doc = doc.get("inputs", doc) if isinstance(doc, dict) else doc
        cfg.inputs = parse_inputs(doc, args.inputs.parent)
    for key in PLAN_KEYS:  # command-line options override the config
        if getattr(args, key, None) is not None:
            setattr(cfg, key, getattr(args, key))
    bar = tqdm(
        total=None, unit="run", desc="sensitivity", disable=args.no_progress, file=sys.stderr
    )

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    t0 = time.perf_counter()
    try:
        if args.scheduler or args.workers:
            from dividend.sensitivity.distributed import dask_client

            with dask_client(args.scheduler, args.workers or 1, processes=True) as client:
                res = run_sensitivity(
                    cfg.model, cfg.inputs, progress=progress, client=client, **cfg.plan()
                )
        else:
            res = run_sensitivity(cfg.model, cfg.inputs, progress=progress, **cfg.plan())
    finally:
        bar.close()
    elapsed = time.perf_counter() - t0
    res.meta["elapsed_s"] = elapsed
    files = res.to_csv(args.out)
    print(
        f"{res.meta['n_runs']} runs ({res.n_failed} failed) in {elapsed:.2f} s; "
        f"wrote {len(files)} files to {args.out}"
    )
    if res.inputs is not None:
        cols = [c for c in ("input", "Si", "STi") if c in res.inputs]
        print(res.inputs[cols].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0
