"""What `make run` does before its first step (pipelines.run_guard), piece by piece.

The end-to-end kill -9 test is tests/test_run_recovery.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from pipelines.run_guard import clean_exports

REPO = Path(__file__).resolve().parent.parent

_FIRST_RUN = """
import os, sys, time
from pathlib import Path
from pipelines.run_guard import instance_lock
go = float(sys.argv[2])
while time.time() < go:
    time.sleep(0.001)
print(len(instance_lock(Path(sys.argv[1])).get_runs()))
"""


def test_two_first_runs_on_a_fresh_dagster_home_both_initialise_cleanly(tmp_path):
    """Before: two processes creating the instance at once on a fresh home failed 3 times in 4
    ("table secondary_indexes already exists"; the issue saw "more than one head present").
    Now the creation runs under a file lock: both succeed, twice over."""
    for attempt in range(2):
        home = tmp_path / f"home{attempt}"
        home.mkdir()
        shutil.copyfile(REPO / "dagster.yaml", home / "dagster.yaml")
        env = {**os.environ, "DAGSTER_HOME": str(home)}
        go = str(time.time() + 4)  # both start the instance at the same instant
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _FIRST_RUN, str(home), go],
                cwd=REPO,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        for p in procs:
            out, err = p.communicate(timeout=300)
            assert p.returncode == 0, err[-2000:]
            assert out.strip() == "0"


def test_clean_exports_restores_a_moved_aside_release_and_removes_temp_entries(tmp_path):
    """A same-day rebuild killed between its two renames left the release only under
    `.<id>.old.<pid>` (latest dangling); killed writers left `.<id>.<random>` directories and a
    `.latest.<pid>` link. Release directories and `latest` itself are never touched."""
    exports = tmp_path / "exports"
    rid = "2026-11-26_faal_five_pillars_a26cd9de516a"
    (exports / f".{rid}.old.4242").mkdir(parents=True)
    (exports / f".{rid}.old.4242" / "country_index.csv").write_text("iso3\n")
    (exports / "latest").symlink_to(rid, target_is_directory=True)
    (exports / f".{rid}.k3j2h1").mkdir()
    (exports / f".{rid}.k3j2h1" / "weights.csv").write_text("partial")
    (exports / ".latest.4242").symlink_to(rid)
    (exports / "2026-11-25_equal_0123456789ab").mkdir()

    done = clean_exports(exports)

    assert (exports / "latest" / "country_index.csv").read_text() == "iso3\n"
    assert sorted(p.name for p in exports.iterdir()) == [
        ".write.lock",  # the release writer's lock, taken while cleaning
        "2026-11-25_equal_0123456789ab",
        rid,
        "latest",
    ]
    assert done[0] == f"restored {rid}" and len(done) == 3
