"""The frameworks and weight scenarios, read once per content in a process.

Why: an in-process run (``make run``, the benchmarks, a Launchpad run with the in-process
executor) reads the definition in the sensitivity step and again in the release step. With a
handful of scenario files that is 0.1-0.2 s each time: every scenario's trees are built and
validated. The key is the sha256 of every framework and scenario file, so an edited, added or
removed file is always read anew; the cached object is never modified by its users (frozen
dataclasses, scenarios with overrides are new objects).
"""

from __future__ import annotations

import hashlib

from dividend.index.definition import (
    FRAMEWORK_FILES,
    IndexDefinition,
    load_definition,
    scenario_paths,
)
from dividend.paths import INDICATORS_DIR

_KEEP = 4  # definitions kept (a run sees one; tests switch weight directories)
_CACHE: dict[tuple[tuple[str, str], ...], IndexDefinition] = {}


def current_definition() -> IndexDefinition:
    """:func:`load_definition` of the current files (``$DIVIDEND_WEIGHTS_DIR``), cached by
    their content."""
    paths = [INDICATORS_DIR / f for f in FRAMEWORK_FILES] + list(scenario_paths().values())
    try:
        key = tuple((str(p), hashlib.sha256(p.read_bytes()).hexdigest()) for p in paths)
    except OSError:
        return load_definition()  # a missing or unreadable file: its own error, uncached
    if key not in _CACHE:
        if len(_CACHE) >= _KEEP:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = load_definition()
    return _CACHE[key]
