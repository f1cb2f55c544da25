"""What `make run` does before its first step, so that a run killed with -9 never blocks the next.

- `instance_lock`: the first `DagsterInstance` initialisation (creating runs.db, the event log
  and schedule databases) happens under an exclusive file lock, so two first runs on a fresh
  `.dagster_home` cannot both create and stamp runs.db ("more than one head present").
- `run_lock`: one `make run` at a time per `.dagster_home`. The second waits with a message.
  While it is held, no other `make run` is alive, so any run that an earlier `make run` left
  STARTED is an orphan.
- `release_orphans`: marks those orphans failed and frees the `duckdb` pool slots they held
  (a dead run otherwise holds the only slot forever: "Step blocked by limit for pool duckdb").
- `clean_exports`: removes the hidden temporary entries a killed release writer left in
  `exports/`, after putting back a release that a crash between its two renames had moved aside.
"""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster._core.storage.dagster_run import DagsterRunStatus, RunsFilter

from dividend.release.writer import clean_stale, write_lock

LAUNCHER_TAG = "dividend/launcher"
LAUNCHER = "make-run"
UNFINISHED = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
]


@contextmanager
def _flock(path: Path, waiting: str) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(waiting, file=sys.stderr, flush=True)
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME", Path.cwd() / ".dagster_home"))


def instance_lock(home: Path) -> dg.DagsterInstance:
    """The persistent instance, created and its storage initialised under a file lock."""
    with _flock(
        home / ".instance-init.lock",
        "waiting for another process to finish initialising the Dagster instance …",
    ):
        instance = dg.DagsterInstance.get()
        instance.get_runs(limit=1)  # run storage created and migrated while locked
        instance.event_log_storage.get_concurrency_keys()
    return instance


@contextmanager
def run_lock(home: Path) -> Iterator[None]:
    with _flock(home / ".make-run.lock", f"another `make run` is using {home}; waiting for it …"):
        yield


def release_orphans(instance: dg.DagsterInstance) -> list[str]:
    """Fail every unfinished run an earlier `make run` started and free its pool slots.

    Call only while holding `run_lock`: then no other `make run` is alive, so none of these
    runs can still be executing. Runs launched from the UI carry no launcher tag and are left
    to Dagster's own run monitoring.
    """
    orphans = instance.get_runs(
        filters=RunsFilter(statuses=UNFINISHED, tags={LAUNCHER_TAG: LAUNCHER})
    )
    for run in orphans:
        instance.report_run_failed(
            run,
            message="orphaned: the `make run` that started it died (killed?); marked failed "
            "by the next `make run`",
        )
    freed = {run.run_id for run in orphans}
    # a dead run's slots may outlive its status (killed between claim and status update)
    storage = instance.event_log_storage
    for pool in storage.get_concurrency_keys():
        info = storage.get_concurrency_info(pool)
        holders = {s.run_id for s in info.claimed_slots} | {s.run_id for s in info.pending_steps}
        for run_id in holders:
            run = instance.get_run_by_id(run_id)
            if run is None or run.is_finished:
                freed.add(run_id)
    for run_id in freed:
        storage.free_concurrency_slots_for_run(run_id)
    return sorted(freed)


def clean_exports(exports: Path) -> list[str]:
    """Restore releases moved aside by an interrupted rebuild, then remove hidden temp entries;
    under the release writer's own lock, so a `dividend build` writing right now is waited
    for, never cut short (one implementation: dividend.release.writer.clean_stale)."""
    if not exports.is_dir():
        return []
    with write_lock(exports):
        return clean_stale(exports)
