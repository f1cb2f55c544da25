"""The architecture rules of dividend/ (pyproject.toml, [tool.importlinter]) hold, and bite.

`.ci/run` runs `make test`, so a broken contract fails CI here even if nobody runs
`make lint`. The second test proves the contracts are not vacuous: a copy of the package
with one forbidden import and one cycle added must break them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.import_graph import cycles, module_graph

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)} if pythonpath else None
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_import_contracts_hold():
    res = _lint(ROOT)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "5 kept, 0 broken" in res.stdout, res.stdout


def test_contracts_catch_a_forbidden_import_and_a_cycle(tmp_path):
    shutil.copytree(ROOT / "dividend", tmp_path / "dividend")
    shutil.copyfile(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / "dividend" / "engine" / "ranking.py").open("a", encoding="utf-8") as f:
        f.write("\nimport sources.catalogue  # noqa\nimport dividend.portal.site  # noqa\n")
    res = _lint(tmp_path, tmp_path)
    assert res.returncode != 0
    out = " ".join(res.stdout.split())
    assert "imports nothing from the product or the data layer BROKEN" in out
    assert "does not import sources, pipelines or Dagster" in out and "BROKEN" in out
    assert "No import cycle anywhere in dividend (between siblings at every depth) BROKEN" in out
    assert "0 broken" not in out


def test_dividend_module_graph_has_no_cycle():
    graph = module_graph()
    assert "dividend.engine.ranking" in graph and "dividend.sensitivity.runner" in graph
    assert cycles(graph) == []
    # the graph search itself finds a cycle when there is one
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
