"""Sensitivity configuration files (YAML), for the CLI and the Dagster assets.

Layout (paths relative to the file)::

    recipe: recipe.yaml          # recipe mode: a recipe ending with Aggregate
    # or, signed dividend mode:
    # scoring: {imeta: iMeta.csv, data: data.csv, peer_group: null, min_coverage: 0,
    #           rank_min_coverage: 0}
    target: Index                # optional, default the framework's top node
    design: sa                   # ua | sa
    sampler: sobol               # sobol | random
    n: 100
    seed: 1
    nboot: 1000
    conf: 0.9
    inputs: {...}                # see dividend.sensitivity.inputs

A bare recipe file is accepted too: it is analysed with :data:`DEFAULT_INPUTS`
(±25% multiplicative noise on the weights of every level, design ``ua``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from dividend.engine.framework import Framework
from dividend.engine.recipe import Recipe, load_inputs
from dividend.engine.scoring import ScoringSpec
from dividend.safe_yaml import YamlError, load_yaml
from dividend.sensitivity.inputs import SensitivityError, UncertainInput, parse_inputs
from dividend.sensitivity.models import Model, RecipeModel, ScoringModel

PLAN_KEYS = ("design", "sampler", "n", "seed", "nboot", "conf")  # run_sensitivity keywords
KEYS = {"recipe", "scoring", "target", "design", "sampler", "n", "seed", "nboot", "conf", "inputs"}
SCORING_KEYS = {"imeta", "data", "peer_group", "min_coverage", "rank_min_coverage"}


def default_inputs(levels: int) -> dict[str, Any]:
    """±25% weight noise on every level that has weights."""
    return {"Weights": {"kind": "weights_noise", "noise": dict.fromkeys(range(1, levels), 0.25)}}


@dataclass
class SensitivityConfig:
    """A parsed configuration: the model, the inputs and the design settings."""

    model: Model
    inputs: tuple[UncertainInput, ...]
    design: str = "sa"
    sampler: str = "sobol"
    n: int = 100
    seed: int = 1
    nboot: int = 1000
    conf: float = 0.90
    source: str = ""

    def plan(self) -> dict[str, Any]:
        """The design settings as keywords of :func:`dividend.sensitivity.run_sensitivity`."""
        return {k: getattr(self, k) for k in PLAN_KEYS}


def _path(base: Path, value: Any, key: str) -> Path:
    if not isinstance(value, str | Path) or not str(value):
        raise SensitivityError(f"{key}: must be a file path, got {value!r}")
    p = Path(value)
    p = p if p.is_absolute() else base / p
    if not p.is_file():
        raise SensitivityError(f"{key}: file not found: {p}")
    return p


def from_dict(doc: Mapping[str, Any], base: Path, source: str = "") -> SensitivityConfig:
    """Build a configuration from a parsed YAML document."""
    if not isinstance(doc, Mapping):
        raise SensitivityError(f"{source}: a sensitivity config must be a mapping")
    if "steps" in doc:  # a bare recipe
        recipe = Recipe.from_dict(doc, base)
        data, fw = load_inputs(recipe)
        model = RecipeModel(recipe, data, fw)
        return SensitivityConfig(
            model, parse_inputs(default_inputs(fw.levels)), design="ua", source=source
        )
    unknown = sorted(set(doc) - KEYS)
    if unknown:
        raise SensitivityError(f"{source}: unknown key(s) {unknown}; valid: {sorted(KEYS)}")
    if ("recipe" in doc) == ("scoring" in doc):
        raise SensitivityError(f"{source}: give exactly one of 'recipe' or 'scoring'")
    target = doc.get("target")
    if "recipe" in doc:
        recipe = Recipe.load(_path(base, doc["recipe"], "recipe"))
        data, fw = load_inputs(recipe)
        model: Model = RecipeModel(recipe, data, fw, target)
    else:
        sc = doc["scoring"]
        if not isinstance(sc, Mapping):
            raise SensitivityError("scoring: must be a mapping with imeta and data")
        bad = sorted(set(sc) - SCORING_KEYS)
        if bad:
            raise SensitivityError(f"scoring: unknown key(s) {bad}; valid: {sorted(SCORING_KEYS)}")
        fw = Framework.from_csv(_path(base, sc.get("imeta"), "scoring.imeta"))
        table = pd.read_csv(_path(base, sc.get("data"), "scoring.data"))
        model = ScoringModel(
            ScoringSpec.from_framework(fw),
            table,
            sc.get("peer_group"),
            float(sc.get("min_coverage", 0.0)),
            target,
            float(sc.get("rank_min_coverage", 0.0)),
        )
    inputs = doc.get("inputs")
    if inputs is None:
        inputs = default_inputs(model.framework.levels)
    cfg = SensitivityConfig(model, parse_inputs(inputs, base), source=source)
    for key in PLAN_KEYS:
        if key in doc:
            setattr(cfg, key, doc[key])
    return cfg


def load_config(path: str | Path) -> SensitivityConfig:
    """Read a sensitivity config (or a bare recipe) from a YAML file."""
    path = Path(path)
    if not path.is_file():
        raise SensitivityError(f"sensitivity config not found: {path}")
    try:
        doc = load_yaml(path)
    except YamlError as exc:
        raise SensitivityError(str(exc)) from None
    return from_dict(doc, path.parent, str(path))
