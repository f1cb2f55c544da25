"""Shared plumbing for recipe steps: the dataset container, run context and step registry.

A step is a plain function ``fn(ctx, x, **params) -> (Dset, notes)``. Keeping the
data as numpy arrays with a row-position vector (``rows`` into the original unit
table) lets steps look up groups and denominators for the surviving units without
any pandas work, which is what keeps a whole recipe run in milliseconds.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dividend.engine.framework import Framework
from dividend.engine.unit_data import UnitData


class RecipeError(ValueError):
    """Invalid recipe or step parameter; the message names the step and the config key."""


@dataclass(frozen=True, eq=False)
class Dset:
    """One named dataset: ``values`` (units × columns) for the units at ``rows`` of the unit data."""

    rows: np.ndarray
    columns: tuple[str, ...]
    values: np.ndarray

    def with_values(self, values: np.ndarray) -> Dset:
        return Dset(self.rows, self.columns, values)

    def frame(self, ucode: np.ndarray) -> pd.DataFrame:
        """COINr layout: ``uCode`` first, then the columns."""
        out = pd.DataFrame(self.values, columns=list(self.columns))
        out.insert(0, "uCode", ucode[self.rows])
        return out


@dataclass(eq=False)
class Context:
    """What a step can see: framework, unit data, datasets written so far, analysis tables."""

    framework: Framework
    data: UnitData
    dsets: dict[str, Dset] = field(default_factory=dict)
    analysis: dict[str, Any] = field(default_factory=dict)

    def ucode(self, x: Dset) -> np.ndarray:
        return self.data.ucode[x.rows]


StepFn = Callable[..., tuple[Dset, dict[str, Any]]]


@dataclass(frozen=True)
class StepSpec:
    """A registered step: its function, parameter defaults and default input/output names."""

    name: str
    fn: StepFn
    defaults: Mapping[str, Any]
    dset: str
    write_to: str


REGISTRY: dict[str, StepSpec] = {}


def register(name: str, dset: str, write_to: str) -> Callable[[StepFn], StepFn]:
    """Decorator adding a step to :data:`REGISTRY` under ``name`` (COINr's function name).

    The parameter defaults are read from the function's own keyword defaults (everything
    after ``ctx`` and ``x``), so they are written once.
    """

    def deco(fn: StepFn) -> StepFn:
        params = list(inspect.signature(fn).parameters.values())[2:]
        REGISTRY[name] = StepSpec(name, fn, {p.name: p.default for p in params}, dset, write_to)
        return fn

    return deco


def strip_prefix(method: str, prefix: str) -> str:
    """Accept COINr's function names (``n_minmax``, ``a_amean``, ``i_mean_grp``) and bare ones."""
    return method[len(prefix) :] if method.startswith(prefix) else method


def indicator_positions(x: Dset, codes: tuple[str, ...]) -> np.ndarray:
    """Column positions of ``codes`` in ``x``."""
    pos = {c: i for i, c in enumerate(x.columns)}
    return np.array([pos[c] for c in codes], dtype=np.intp)


def directions_of(ctx: Context, x: Dset) -> np.ndarray:
    """iMeta ``Direction`` (+1/-1) for the columns of ``x`` (cached for the full indicator set)."""
    fw = ctx.framework
    if x.columns == fw.indicators:
        return fw.directions
    return fw.column("Direction", x.columns).to_numpy(np.float64)
