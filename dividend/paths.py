"""The repository root and the folders under it that the library reads or writes by default."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
INDICATORS_DIR = REPO_ROOT / "indicators"
WEIGHTS_DIR = INDICATORS_DIR / "weights"
EXPORTS_DIR = REPO_ROOT / "exports"
