"""Where every benchmark keeps its last figures: ``benchmarks/results/<name>.json``.

One writer and one reader, so `run_all` renders into the README exactly what each
benchmark wrote, and a benchmark that has not run yet reads as empty.
"""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def save_result(name: str, data: dict) -> Path:
    """Write ``data`` as ``results/<name>.json`` (indented, newline-terminated)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def load_result(name: str) -> dict:
    """The last figures of benchmark ``name``; ``{}`` if it never ran."""
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
