"""The one clock a release reads: ``SOURCE_DATE_EPOCH`` when set, else the current time.

``SOURCE_DATE_EPOCH`` is the reproducible-builds convention
(https://reproducible-builds.org/specs/source-date-epoch/): with it set, two runs on the same
inputs write byte-identical files, which is how a refactor proves it changed no output.
"""

from __future__ import annotations

import datetime as dt
import os
import time


def source_date_epoch() -> int | None:
    """Seconds since 1970 from ``SOURCE_DATE_EPOCH``, or None when it is unset or empty."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"SOURCE_DATE_EPOCH must be an integer, got {raw!r}") from exc


def release_created() -> dt.datetime:
    """The UTC time a release says it was created."""
    epoch = source_date_epoch()
    if epoch is None:
        return dt.datetime.now(dt.UTC)
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


def zip_entry_time() -> tuple[int, int, int, int, int, int]:
    """The date_time of a zip member: local time now (zipfile's default), or the fixed epoch in UTC."""
    epoch = source_date_epoch()
    if epoch is None:
        return time.localtime(time.time())[:6]
    return time.gmtime(epoch)[:6]
