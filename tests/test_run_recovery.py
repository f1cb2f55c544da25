"""`make run` after kill -9: the next run completes unattended (issue 13, crashes).

Before: a killed run stayed STARTED in runs.db holding the only `duckdb` pool slot, so the
next `make run` waited forever ("Step blocked by limit for pool duckdb"), and the killed
release writer's temporary directory stayed in exports/. Now `pipelines.run_guard` fails the
orphaned runs, frees their slots and removes the temp entries before the first step.

The runs are real `python -m pipelines.run_all` subprocesses on a temporary DAGSTER_HOME,
warehouse and exports, with only the default weight scenario (DIVIDEND_WEIGHTS_DIR) to keep
the test short. They are killed when the console reports given steps, so the kill lands
inside the next step: a source asset, the indicator tables' DuckDB write, the release.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.dagster_run import DagsterRunStatus, RunsFilter

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SCENARIO = "faal_five_pillars"
RUN_TIMEOUT_S = 900  # a hang ("blocked by limit for pool duckdb") fails instead of waiting


@pytest.fixture
def run_env(tmp_path) -> dict[str, str]:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(REPO / "dagster.yaml", home / "dagster.yaml")
    weights = tmp_path / "weights"
    weights.mkdir()
    shutil.copyfile(
        REPO / "indicators" / "weights" / f"{DEFAULT_SCENARIO}.yaml",
        weights / f"{DEFAULT_SCENARIO}.yaml",
    )
    return {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "DIVIDEND_WAREHOUSE": str(tmp_path / "data" / "warehouse.duckdb"),
        "DIVIDEND_EXPORTS": str(tmp_path / "exports"),
        "DIVIDEND_WEIGHTS_DIR": str(weights),
        "PYTHONUNBUFFERED": "1",
    }


def _start(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.run_all"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _run_and_kill(
    env: dict[str, str],
    when: Callable[[str], bool],
    delay: float = 0.0,
    until: Callable[[], bool] | None = None,
) -> list[str]:
    """Start `make run`'s main; after the first console line `when` accepts, wait `delay` s,
    or until `until()` holds (polled every 10 ms), then kill -9 it."""
    proc = _start(env)
    lines = []
    deadline = time.monotonic() + RUN_TIMEOUT_S
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if when(line):
            time.sleep(delay)
            while until is not None and not until():
                assert proc.poll() is None, "the run ended before the kill point"
                time.sleep(0.01)
            proc.send_signal(signal.SIGKILL)
            break
        assert time.monotonic() < deadline, "".join(lines[-20:])
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "".join(lines[-30:])
    return lines


def _step(name: str) -> Callable[[str], bool]:
    pattern = re.compile(rf"^step \d+ of \d+\s+{re.escape(name)}\b.*\bok$")
    return lambda line: bool(pattern.match(line.strip()))


@pytest.mark.e2e
def test_make_run_completes_unattended_after_kill_9_at_three_points(run_env):
    exports = Path(run_env["DIVIDEND_EXPORTS"])
    # 1. during the sources: killed while the fourth step (a raw or staged source) runs
    _run_and_kill(run_env, lambda line: line.startswith("step 3 of "), delay=0.2)
    # 2. inside the indicator tables' asset, which ends in one DuckDB write transaction
    second = _run_and_kill(run_env, _step("staged/study_cities"), delay=1.5)
    assert any(line.startswith("recovered: marked") for line in second), "".join(second[:5])

    # 3. during the release: killed as soon as the writer's temporary directory exists
    def temp_entries() -> list[str]:  # the writer's lock file is not a temp entry
        return [
            p.name
            for p in exports.iterdir()
            if p.name.startswith(".") and not p.name.endswith(".lock")
        ]

    def writing() -> bool:
        return exports.is_dir() and bool(temp_entries())

    _run_and_kill(run_env, _step("sensitivity/dividend_sensitivity"), until=writing)
    assert writing(), "no temp entry to clean"

    final = subprocess.run(
        [sys.executable, "-m", "pipelines.run_all"],
        cwd=REPO,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    assert final.returncode == 0, final.stdout[-3000:] + final.stderr[-3000:]
    assert "recovered: marked 1 run(s)" in final.stdout
    assert "recovered: exports/" in final.stdout
    latest = exports / "latest"
    assert (latest / "country_index.csv").is_file() and (latest / "datapackage.json").is_file()
    assert not temp_entries()

    instance = dg.DagsterInstance.from_config(run_env["DAGSTER_HOME"])
    try:
        unfinished = instance.get_runs(
            filters=RunsFilter(statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.STARTING])
        )
        assert unfinished == []
        failed = instance.get_runs(filters=RunsFilter(statuses=[DagsterRunStatus.FAILURE]))
        assert len(failed) == 3  # the three killed runs, marked failed by their successors
        for pool in instance.event_log_storage.get_concurrency_keys():
            info = instance.event_log_storage.get_concurrency_info(pool)
            assert not info.claimed_slots and not info.pending_steps
    finally:
        instance.dispose()
