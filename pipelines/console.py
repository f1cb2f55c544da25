"""The console of `make run`: one line per step (`step n of N`, asset, seconds), the first real
error in full, and every Dagster event (DEBUG included) in a log file instead of the terminal.

Installed as the jobs' `console` logger, replacing Dagster's colored DEBUG stream.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import dagster as dg


@dataclass
class Progress:
    """Shared by the runs of one `make run`, so steps are numbered across all of them."""

    total: int = 0
    done: int = 0
    failed: list[str] = field(default_factory=list)
    started: dict[str, float] = field(default_factory=dict)
    log_file: Path | None = None
    partition: str | None = None  # the scenario of the current run, shown after its steps
    out: TextIO = sys.stdout


PROGRESS = Progress()


def step_label(step_key: str) -> str:
    """`staged__staged_x` -> `staged/staged_x`; checks keep their name after the asset."""
    return step_key.replace("__", "/")


def innermost(error) -> object:
    """The user code's own exception under Dagster's wrappers (the error's cause chain)."""
    while getattr(error, "cause", None) is not None:
        error = error.cause
    return error


class _StepHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is None:
            return
        kind, key = event.event_type_value, event.step_key or ""
        p = PROGRESS
        if kind == "STEP_START":
            p.started[key] = time.perf_counter()
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            p.done += 1
            took = time.perf_counter() - p.started.pop(key, time.perf_counter())
            status = "ok" if kind == "STEP_SUCCESS" else "FAILED"
            label = step_label(key) + (f" [{p.partition}]" if p.partition else "")
            print(
                f"step {p.done} of {p.total}  {label:<72} {took:6.1f} s  {status}",
                file=p.out,
                flush=True,
            )
            if kind == "STEP_FAILURE":
                p.failed.append(key)
                if len(p.failed) == 1:  # the first real error, in full
                    err = innermost(event.event_specific_data.error)
                    print(f"\n{step_label(key)} failed:\n{err.to_string()}", file=p.out, flush=True)


@dg.logger(
    config_schema={"log_file": dg.Field(str)},
    description="make run's console: step lines and the first error; DEBUG to a log file.",
)
def step_console(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.getLogger(f"dividend.make_run.{id(init_context)}")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    path = Path(init_context.logger_config["log_file"])
    path.parent.mkdir(parents=True, exist_ok=True)
    to_file = logging.FileHandler(path, encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(to_file)
    logger.addHandler(_StepHandler())
    return logger


def run_config(log_file: Path) -> dict:
    return {"loggers": {"console": {"config": {"log_file": str(log_file)}}}}
