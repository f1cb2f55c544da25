"""Count the functions one pillar weight passes through from its YAML file to country_index.csv.

Method (reproducible, no judgement calls): copy ``indicators/weights/`` to a scratch folder,
set one pillar weight of one scenario to a sentinel value that occurs nowhere else
(default ``faal_five_pillars``, ``pillars.financial`` = 1.000000123456789), run one
``dividend build`` of that scenario under ``sys.setprofile``, and record every call of a
function defined in ``dividend/`` whose arguments or return value hold the sentinel: as the
number itself, or inside a dict / list / tuple / set, a dataclass or plain object's fields,
a pandas Series / DataFrame or a numpy array (searched up to three levels deep). A second
count leaves out methods that only see the weight through ``self`` (an object holding it):
what remains are the calls the weight is passed into or returned from. Weights
renormalised by the engine (the sentinel divided by a sum) are no longer the YAML number
and are not followed; the count is the path of the number as written in the file.

Counting stops at the call that writes ``country_index.csv`` (a second table covers the whole
build: workbook, data package, portal). Comprehension frames are not counted.

Prints the distinct functions (module.qualname, calls), the number of modules, the total
number of calls, and how often YAML files were read and ``Framework`` objects were built.

    python -m benchmarks.trace_weight [--warehouse data/warehouse.duckdb]
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parent.parent
PKG = str(REPO_ROOT / "dividend") + os.sep
SENTINEL = 1.000000123456789
CSV = "country_index.csv"
YAML_INIT = os.sep.join(("yaml", "__init__.py"))


def holds(obj, depth: int = 3, seen: set | None = None) -> bool:
    """True if ``obj`` is, or contains, the sentinel value."""
    seen = set() if seen is None else seen
    if isinstance(obj, bool) or obj is None or isinstance(obj, str | bytes | Path):
        return False
    if isinstance(obj, float | int | np.floating):
        return obj == SENTINEL
    if id(obj) in seen or depth < 0:
        return False
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return obj.dtype.kind == "f" and bool((obj == SENTINEL).any())
    if isinstance(obj, pd.Series):
        return obj.dtype.kind == "f" and bool((obj.to_numpy() == SENTINEL).any())
    if isinstance(obj, pd.DataFrame):
        num = obj.select_dtypes("float")
        return num.shape[1] > 0 and bool((num.to_numpy() == SENTINEL).any())
    if isinstance(obj, dict):
        return any(holds(v, depth - 1, seen) for v in obj.values())
    if isinstance(obj, list | tuple | set | frozenset):
        return any(holds(v, depth - 1, seen) for v in obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return any(
            holds(getattr(obj, f.name, None), depth - 1, seen) for f in dataclasses.fields(obj)
        )
    d = getattr(obj, "__dict__", None)
    if (
        isinstance(d, dict)
        and not isinstance(obj, type)
        and type(obj).__module__.startswith("dividend")
    ):
        return any(holds(v, depth - 1, seen) for v in d.values())
    return False


def trace(warehouse: Path, scenario: str, pillar: str) -> dict:
    scratch = Path(tempfile.mkdtemp(prefix="trace_weight_"))
    weights = scratch / "weights"
    shutil.copytree(REPO_ROOT / "indicators" / "weights", weights)
    path = weights / f"{scenario}.yaml"
    text = path.read_text(encoding="utf-8")
    new, n = re.subn(rf"(\b{pillar}: )[0-9.]+", rf"\g<1>{SENTINEL!r}", text, count=1)
    if n != 1:
        raise SystemExit(f"{path}: no pillar weight {pillar!r} to replace")
    path.write_text(new, encoding="utf-8")
    os.environ["DIVIDEND_WEIGHTS_DIR"] = str(weights)  # the portal's switcher reads these too

    import yaml

    from dividend.cli import main

    hits: collections.Counter[tuple[str, str]] = collections.Counter()  # up to the CSV write
    whole: collections.Counter[tuple[str, str]] = collections.Counter()  # the whole build
    passed: collections.Counter[tuple[str, str]] = collections.Counter()  # not only via self
    state = {"csv_written": False, "writer": None}
    counts = {"yaml_reads": 0, "framework_builds": 0}

    def profiler(frame, event, arg):
        code = frame.f_code
        if event == "call" and code.co_name == "__init__":
            cls = type(frame.f_locals.get("self"))
            if cls.__name__ == "Framework" and cls.__module__.startswith("dividend."):
                counts["framework_builds"] += 1  # dataclass __init__: its code is not in dividend/
        if event == "call" and code.co_name == "load" and code.co_filename.endswith(YAML_INIT):
            counts["yaml_reads"] += 1
        if not code.co_filename.startswith(PKG):
            return
        if code.co_name.startswith("<"):  # comprehensions and generator expressions
            return
        name = (frame.f_globals.get("__name__", "?"), code.co_qualname)
        if event == "call":
            args = frame.f_locals.values()
            if not state["csv_written"] and any(
                isinstance(v, Path) and v.name == CSV for v in args
            ):
                state["csv_written"] = True  # the call that writes country_index.csv: last one
                state["writer"] = name
                hits[name] += 1
                whole[name] += 1
            elif any(holds(v) for v in args):
                whole[name] += 1
                if not state["csv_written"]:
                    hits[name] += 1
                    own = {k: v for k, v in frame.f_locals.items() if k not in ("self", "cls")}
                    if any(holds(v) for v in own.values()):
                        passed[name] += 1
        elif event == "return" and holds(arg):
            whole[name] += 1
            if not state["csv_written"]:
                hits[name] += 1
                passed[name] += 1

    out = scratch / "exports"
    sys.setprofile(profiler)
    try:
        rc = main(
            ["build", "--weights", str(path), "--warehouse", str(warehouse), "--exports", str(out)]
        )
    finally:
        sys.setprofile(None)
    csv = next(out.glob(f"*_{scenario}_*")) / "country_index.csv"
    shutil.rmtree(scratch, ignore_errors=True)
    assert rc == 0 and yaml is not None
    return {"hits": hits, "passed": passed, "whole": whole, **counts, **state, "csv": csv.name}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", type=Path, default=REPO_ROOT / "data" / "warehouse.duckdb")
    ap.add_argument("--scenario", default="faal_five_pillars")
    ap.add_argument("--pillar", default="financial")
    args = ap.parse_args(argv)
    res = trace(args.warehouse, args.scenario, args.pillar)
    tables = (
        ("YAML -> country_index.csv", res["hits"]),
        ("YAML -> country_index.csv, passed in or returned (not only held by self)", res["passed"]),
        ("whole build", res["whole"]),
    )
    for label, hits in tables:
        print(f"## {label}")
        for (module, qualname), n in sorted(hits.items()):
            print(f"{n:5d}  {module}.{qualname}")
        print(
            f"{label}: {len(hits)} distinct functions in {len({m for m, _ in hits})} modules, "
            f"{sum(hits.values())} call/return events carrying the weight"
        )
    print(f"country_index.csv written by {'.'.join(res['writer'])}")
    print(
        f"yaml.load calls: {res['yaml_reads']}; Framework objects built: {res['framework_builds']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
