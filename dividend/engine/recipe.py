"""Recipes: an explicit, ordered list of steps with parameters, and running them.

A recipe is data (YAML in, YAML out), so any published result can be regenerated
from its recipe file, and a sensitivity analysis is "change one parameter, run
again". ``run_recipe`` works on numpy arrays end to end; DataFrames are built
only when a caller asks for a dataset (:meth:`Result.dset`).

YAML layout::

    name: ASEM (COINr example)
    inputs: {iData: ASEM_iData_17g.csv, iMeta: ASEM_iMeta_17g.csv}   # relative to the file
    steps:
      - step: Denominate                 # a name in dividend.engine.steps.REGISTRY
        dset: Raw                        # optional input dataset (default per step)
        write_to: Denominated            # optional output name (default per step)
        params: {}                       # optional; unknown keys are an error
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from dividend.engine.framework import Framework
from dividend.engine.steps import REGISTRY, Context, Dset, RecipeError
from dividend.engine.unit_data import UnitData
from dividend.safe_yaml import YamlError, load_yaml_text

__all__ = [
    "Recipe",
    "RecipeError",
    "Result",
    "Step",
    "load_inputs",
    "run_recipe",
    "run_recipe_file",
]


@dataclass(frozen=True)
class Step:
    """One step: registered step name, parameters and optional dataset names."""

    step: str
    params: Mapping[str, Any] = field(default_factory=dict)
    dset: str | None = None
    write_to: str | None = None

    def __post_init__(self) -> None:
        if self.step not in REGISTRY:
            raise RecipeError(f"unknown step {self.step!r}; known steps: {sorted(REGISTRY)}")
        unknown = sorted(set(self.params) - set(REGISTRY[self.step].defaults))
        if unknown:
            raise RecipeError(
                f"step {self.step!r}: unknown parameter(s) {unknown}; "
                f"valid: {sorted(REGISTRY[self.step].defaults)}"
            )

    @property
    def input_name(self) -> str:
        return self.dset or REGISTRY[self.step].dset

    @property
    def output_name(self) -> str:
        return self.write_to or REGISTRY[self.step].write_to

    def full_params(self) -> dict[str, Any]:
        """Parameters with the step's defaults filled in (what the log records)."""
        return {**REGISTRY[self.step].defaults, **self.params}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"step": self.step}
        if self.dset:
            out["dset"] = self.dset
        if self.write_to:
            out["write_to"] = self.write_to
        out["params"] = _plain(dict(self.params))
        return out


@dataclass(frozen=True)
class Recipe:
    """An ordered list of steps, plus optional input file paths and a name."""

    steps: tuple[Step, ...]
    name: str = ""
    inputs: Mapping[str, str] = field(default_factory=dict)
    base_dir: Path | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], base_dir: Path | None = None) -> Recipe:
        if not isinstance(d, Mapping) or "steps" not in d:
            raise RecipeError("recipe: top-level key 'steps' is required")
        unknown = sorted(set(d) - {"name", "inputs", "steps"})
        if unknown:
            raise RecipeError(f"recipe: unknown top-level key(s) {unknown}")
        steps = []
        for i, s in enumerate(d["steps"]):
            if not isinstance(s, Mapping) or "step" not in s:
                raise RecipeError(f"recipe.steps[{i}]: needs a 'step' key")
            bad = sorted(set(s) - {"step", "params", "dset", "write_to"})
            if bad:
                raise RecipeError(f"recipe.steps[{i}] ({s['step']}): unknown key(s) {bad}")
            steps.append(
                Step(s["step"], dict(s.get("params") or {}), s.get("dset"), s.get("write_to"))
            )
        return cls(tuple(steps), str(d.get("name", "")), dict(d.get("inputs") or {}), base_dir)

    @classmethod
    def from_yaml(cls, text: str, base_dir: Path | None = None, file: str = "<recipe>") -> Recipe:
        try:
            doc = load_yaml_text(text, file=file)
        except YamlError as exc:
            raise RecipeError(str(exc)) from None
        return cls.from_dict(doc, base_dir)

    @classmethod
    def load(cls, path: str | Path) -> Recipe:
        path = Path(path)
        if not path.is_file():
            raise RecipeError(f"recipe file not found: {path}")
        return cls.from_yaml(path.read_text(), base_dir=path.parent, file=str(path))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.name:
            out["name"] = self.name
        if self.inputs:
            out["inputs"] = dict(self.inputs)
        out["steps"] = [s.to_dict() for s in self.steps]
        return out

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    def index(self, step: str | int) -> int:
        """Position of a step given its position, its name, or its output dataset name."""
        if isinstance(step, int):
            return step
        hits = [i for i, s in enumerate(self.steps) if s.step == step or s.output_name == step]
        if not hits:
            raise RecipeError(f"recipe has no step {step!r}")
        return hits[0]

    def with_params(self, step: str | int, **params: Any) -> Recipe:
        """A copy with some parameters of one step replaced (for sensitivity runs)."""
        i = self.index(step)
        s = self.steps[i]
        new = replace(s, params={**s.params, **params})
        return replace(self, steps=(*self.steps[:i], new, *self.steps[i + 1 :]))

    def path(self, key: str) -> Path:
        """Resolve an input file path relative to the recipe file."""
        if key not in self.inputs:
            raise RecipeError(f"recipe.inputs: key {key!r} is required")
        p = Path(self.inputs[key])
        return p if p.is_absolute() or self.base_dir is None else self.base_dir / p


@dataclass(eq=False)
class Result:
    """Every dataset written by the run, analysis tables (treatment, screening) and the log."""

    framework: Framework
    data: UnitData
    dsets: dict[str, Dset]
    analysis: dict[str, Any]
    log: list[dict[str, Any]]

    @property
    def names(self) -> list[str]:
        return list(self.dsets)

    def dset(self, name: str) -> pd.DataFrame:
        """A dataset in COINr's layout: ``uCode`` then COINr's column names."""
        if name not in self.dsets:
            raise RecipeError(f"no dataset {name!r}; available: {self.names}")
        return self.dsets[name].frame(self.data.ucode)

    def values(self, name: str) -> np.ndarray:
        """The raw units × columns array of a dataset (no copy)."""
        return self.dsets[name].values

    def ucode(self, name: str) -> np.ndarray:
        return self.data.ucode[self.dsets[name].rows]

    def columns(self, name: str) -> tuple[str, ...]:
        return self.dsets[name].columns


def _plain(obj: Any) -> Any:
    """Make parameters YAML/JSON friendly (tuples, numpy scalars and arrays)."""
    if isinstance(obj, Mapping):
        return {str(k) if not isinstance(k, int) else k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, pd.DataFrame):
        return "<DataFrame>"
    return obj


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(_plain(a) == _plain(b))
    except (ValueError, TypeError):  # e.g. DataFrame parameters: never assume equal
        return False


def run_recipe(
    recipe: Recipe, data: UnitData, framework: Framework, reuse: Result | None = None
) -> Result:
    """Run every step in order and return all datasets and the log.

    The log has one entry per step with the full parameters (defaults filled in),
    the input and output dataset names and step notes, so it regenerates the run.

    ``reuse``: a previous result on the same ``data`` and ``framework`` objects; its
    leading steps that are identical (name, datasets, parameters) are not re-run.
    Sensitivity loops that vary a late step (e.g. aggregation) then skip treatment.
    """
    ctx = Context(framework, data)
    ctx.dsets["Raw"] = Dset(np.arange(data.n_units), data.indicators, data.values)
    log: list[dict[str, Any]] = []
    start = 0
    if reuse is not None and reuse.data is data and reuse.framework is framework:
        for s, old in zip(recipe.steps, reuse.log, strict=False):
            same = (old["step"], old["dset"], old["write_to"]) == (
                s.step,
                s.input_name,
                s.output_name,
            )
            if not (same and _same(old["params"], s.full_params())):
                break
            ctx.dsets[s.output_name] = reuse.dsets[s.output_name]
            for key, table in reuse.analysis.items():  # e.g. "Treated", "Treated_details"
                if key == s.output_name or key.startswith(f"{s.output_name}_"):
                    ctx.analysis[key] = table
            log.append(old)
            start += 1
    for i, s in enumerate(recipe.steps[start:], start=start):
        spec = REGISTRY[s.step]
        src = s.input_name
        if src not in ctx.dsets:
            raise RecipeError(
                f"recipe.steps[{i}] ({s.step}): input dataset {src!r} does not exist yet; "
                f"available: {list(ctx.dsets)}"
            )
        params = s.full_params()
        out, notes = spec.fn(ctx, ctx.dsets[src], **params)
        ctx.dsets[s.output_name] = out
        log.append(
            {
                "step": s.step,
                "dset": src,
                "write_to": s.output_name,
                "params": params,
                "notes": notes,
            }
        )
    return Result(framework, data, ctx.dsets, ctx.analysis, log)


def load_inputs(recipe: Recipe) -> tuple[UnitData, Framework]:
    """Read the iMeta and iData files named in ``recipe.inputs``."""
    fw = Framework.from_csv(recipe.path("iMeta"))
    return UnitData.from_csv(recipe.path("iData"), fw), fw


def run_recipe_file(path: str | Path) -> Result:
    """Load a recipe file and its inputs, and run it."""
    recipe = Recipe.load(path)
    data, fw = load_inputs(recipe)
    return run_recipe(recipe, data, fw)


def log_document(recipe: Recipe, result: Result) -> dict[str, Any]:
    """Recipe plus run log as a plain dict (written next to the CSVs by the CLI)."""
    return {"recipe": recipe.to_dict(), "log": _plain(copy.deepcopy(result.log))}
