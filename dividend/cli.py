"""The ``dividend`` command line.

Subcommands are discovered, not listed: every module in :mod:`dividend.commands`
that defines ``add_parser(subparsers)`` contributes one. To add ``dividend build``,
create ``dividend/commands/build.py`` with::

    def add_parser(subparsers):
        p = subparsers.add_parser("build", help="...")
        p.set_defaults(func=run)   # run(args) -> int exit code

No edit of this file is needed, so engineers can add commands in parallel.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

import dividend.commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dividend", description="Migration-dividend index tools.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod in sorted(pkgutil.iter_modules(dividend.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"dividend.commands.{mod.name}")
        if hasattr(module, "add_parser"):
            module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point (``dividend = dividend.cli:main``); returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args) or 0)
    except (
        ValueError
    ) as exc:  # our input errors (FrameworkError, DataError, RecipeError) subclass it
        print(f"dividend {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
