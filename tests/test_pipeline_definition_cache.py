"""The pipeline's definition cache hands back the same read only while every file is the same."""

from __future__ import annotations

import shutil

import yaml

from dividend.paths import WEIGHTS_DIR
from pipelines.definition_cache import current_definition


def test_an_edited_added_or_removed_weight_file_is_read_anew(tmp_path, monkeypatch):
    weights = tmp_path / "weights"
    shutil.copytree(WEIGHTS_DIR, weights)
    monkeypatch.setenv("DIVIDEND_WEIGHTS_DIR", str(weights))
    first = current_definition()
    assert current_definition() is first  # nothing changed: the same object

    path = weights / "equal.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["pillars"]["political"] = 3.0
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    edited = current_definition()
    assert edited is not first
    assert edited.scenarios["equal"].sha256 != first.scenarios["equal"].sha256

    doc["scenario"] = "mine"
    (weights / "mine.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    added = current_definition()
    assert "mine" in added.scenarios and "mine" not in edited.scenarios

    (weights / "mine.yaml").unlink()
    assert "mine" not in current_definition().scenarios
