"""A temporary copy of sources/raw and sources/catalogue.yaml with some files mutated and
re-catalogued, for tests that run the real pipeline on hostile input (DIVIDEND_RAW_DIR and
DIVIDEND_CATALOGUE point the pipeline at it)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import yaml

from sources.catalogue import CATALOGUE_PATH, RAW_DIR, sha256_of


def mutated_sources(
    tmp_path: Path, ds_id: str, mutations: dict[str, Callable[[Path], None]]
) -> tuple[Path, Path]:
    """(raw_dir, catalogue_path) of a copy where `mutations[name](path)` edited each file of
    `ds_id` in place and the catalogue records the edited files' sha256 and size."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    doc = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    for entry in doc["datasets"][ds_id]["files"]:
        if entry["name"] in mutations:
            path = raw / ds_id / entry["name"]
            path.chmod(0o644)
            mutations[entry["name"]](path)
            entry["sha256"], entry["bytes"] = sha256_of(path), path.stat().st_size
    cat = tmp_path / "catalogue.yaml"
    cat.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return raw, cat
