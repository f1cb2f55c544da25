"""Print the sha256 of every file of every release under ``exports/`` (``latest`` skipped).

A refactor that must not change any output runs ``SOURCE_DATE_EPOCH=<n> make run`` before and
after, saves this table each time, and compares them::

    python -m benchmarks.release_digest > /tmp/before.txt
    python -m benchmarks.release_digest --compare /tmp/before.txt

Paths are printed relative to ``exports/`` so the tables of two checkouts line up.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def digests(exports: Path) -> dict[str, str]:
    """``{relative path: sha256}`` over every file of every release folder, sorted by path."""
    out = {}
    for release in sorted(p for p in exports.iterdir() if p.is_dir() and not p.is_symlink()):
        if release.name.startswith("."):
            continue
        for f in sorted(p for p in release.rglob("*") if p.is_file()):
            out[str(f.relative_to(exports))] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def read_table(path: Path) -> dict[str, str]:
    rows = (line.split() for line in path.read_text(encoding="utf-8").splitlines() if line)
    return {name: digest for digest, name in rows}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exports", type=Path, default=REPO_ROOT / "exports")
    ap.add_argument(
        "--compare", type=Path, help="an earlier table: print file, sha256, same/different"
    )
    args = ap.parse_args(argv)
    now = digests(args.exports)
    if args.compare is None:
        for name, digest in now.items():
            print(f"{digest}  {name}")
        return 0
    before = read_table(args.compare)
    differ = 0
    for name in sorted(set(before) | set(now)):
        a, b = before.get(name), now.get(name)
        verdict = (
            "same"
            if a == b
            else ("missing-after" if b is None else "missing-before" if a is None else "different")
        )
        differ += verdict != "same"
        print(f"{name}\t{b or a}\t{verdict}")
    print(f"{len(now)} files after, {len(before)} before, {differ} not identical", file=sys.stderr)
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
