"""The COINr-style sensitivity model: a recipe ending with Aggregate, scored at a target."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from dividend.engine.framework import Framework
from dividend.engine.methods.normalise import METHODS as NORMALISE_METHODS
from dividend.engine.recipe import Recipe, RecipeError, Result, run_recipe
from dividend.engine.steps.aggregate import per_level
from dividend.engine.steps.base import strip_prefix
from dividend.engine.steps.impute import COLUMN_METHODS, EM_METHODS, PANEL_METHODS
from dividend.engine.unit_data import UnitData
from dividend.sensitivity.batch import (
    RunFailures,
    aggregate_runs,
    aggregate_target,
    linear_ok,
    weight_codes,
)
from dividend.sensitivity.inputs import (
    AggregationChoice,
    DataChoice,
    ScoringFactor,
    SensitivityError,
    StepChoice,
    StepRange,
    SurveyDraws,
    UncertainInput,
    expand_include,
)
from dividend.sensitivity.model_base import CACHE_SIZE, BlockOutput, ModelBase, distinct_rows


class RecipeModel(ModelBase):
    """COINr-style model: run ``recipe`` (ending with Aggregate) and score ``target``.

    Inputs of kind step / data change the steps before Aggregate; aggregation, weights
    and include inputs act in the batched aggregation.
    """

    mode = "recipe"
    _caches: ClassVar[dict[str, Callable[[], Any]]] = {"_cache": OrderedDict, "_results": list}

    def __init__(
        self,
        recipe: Recipe,
        data: UnitData,
        framework: Framework,
        target: str | None = None,
    ) -> None:
        try:
            agg = recipe.index("Aggregate")
        except RecipeError:
            raise SensitivityError("recipe: sensitivity needs an Aggregate step") from None
        if agg != len(recipe.steps) - 1:
            raise SensitivityError(
                f"recipe: Aggregate must be the last step, found {recipe.steps[agg + 1].step!r} after it"
            )
        self.recipe, self.data, self.framework = recipe, data, framework
        self.pre = replace(recipe, steps=recipe.steps[:agg])
        step = recipe.steps[agg]
        p = step.full_params()
        self.agg_input = step.input_name
        fw = framework
        levels = range(2, fw.levels + 1)
        if p["method"] is None:
            self.methods = {lev: fw.methods.get(lev, "amean") for lev in levels}
        else:
            self.methods = per_level(p["method"], levels, "method")
        self.methods = {k: strip_prefix(str(v), "a_") for k, v in self.methods.items()}
        self.dat_thresh = per_level(p["dat_thresh"], levels, "dat_thresh")
        prm = p["params"]
        if prm and all(isinstance(k, int) for k in prm):
            self.params = per_level(prm, levels, "params")
        else:
            self.params = dict.fromkeys(levels, prm)
        fw_w = fw.with_weights(p["weights"]) if p["weights"] else fw
        self.base_weights = np.array([fw_w.weight[c] for c in weight_codes(fw)])
        self.target = target or fw.index_code
        lev = fw.level_of(self.target) if self.target in fw.parent else 0
        if lev < 2:
            raise SensitivityError(
                f"target: {self.target!r} is not an aggregate of the framework (level >= 2)"
            )
        self.target_level = lev
        self.target_col = fw.codes[lev - 1].index(self.target)
        self.units = np.asarray(data.ucode, dtype=object)
        self.inputs: tuple[UncertainInput, ...] = ()
        self._cache: OrderedDict = OrderedDict()
        self._results: list[Result] = []
        self._lock = threading.RLock()  # threaded Dask workers share one model object

    # ------------------------------------------------------------------ binding
    def bind(self, inputs: Sequence[UncertainInput], ss: np.random.SeedSequence) -> RecipeModel:
        """Validate ``inputs`` against the recipe and framework and draw their random parts."""
        self.inputs = expand_include(inputs, self.framework.indicators)
        fw = self.framework
        for inp in self.inputs:
            if isinstance(inp, ScoringFactor | SurveyDraws):
                what = inp.what if isinstance(inp, ScoringFactor) else "survey"
                raise SensitivityError(
                    f"inputs.{inp.name}: kind {what!r} needs the scoring model, not a recipe"
                )
            if isinstance(inp, DataChoice) and inp.keep_coverage:
                raise SensitivityError(
                    f"inputs.{inp.name}: imputed tables (keep_coverage) need the scoring model"
                )
            if isinstance(inp, StepChoice | StepRange):
                if inp.step == "Aggregate":
                    raise SensitivityError(
                        f"inputs.{inp.name}: vary Aggregate through kinds aggregation / weights_*"
                    )
                try:
                    self.pre.index(inp.step)
                    options = (
                        inp.choices if isinstance(inp, StepChoice) else ({inp.param: inp.low},)
                    )
                    for o in options:
                        self.pre.with_params(inp.step, **o)
                        _check_method(inp.name, inp.step, o)
                except RecipeError as exc:
                    raise SensitivityError(f"inputs.{inp.name}: {exc}") from None
            if isinstance(inp, AggregationChoice) and inp.levels is not None:
                bad = [lev for lev in inp.levels if not 2 <= lev <= fw.levels]
                if bad:
                    raise SensitivityError(
                        f"inputs.{inp.name}.levels: {bad} outside 2..{fw.levels}"
                    )
        self._data_alt: dict[str, list[UnitData]] = {}
        for inp in self.inputs:
            if isinstance(inp, DataChoice):
                loaded = []
                for c, label in zip(inp.choices, inp.labels, strict=True):
                    try:
                        loaded.append(
                            UnitData.from_idata(c, fw, label)
                            if isinstance(c, pd.DataFrame)
                            else UnitData.from_csv(c, fw)
                        )
                    except ValueError as exc:
                        raise SensitivityError(f"inputs.{inp.name}: {exc}") from None
                self._data_alt[inp.name] = loaded
        self._bind_weights(ss)
        self._up = [
            k
            for k, i in enumerate(self.inputs)
            if isinstance(i, StepChoice | StepRange | DataChoice)
        ]
        self._agg = [k for k, i in enumerate(self.inputs) if isinstance(i, AggregationChoice)]
        return self

    # --------------------------------------------------------------- upstream
    def _config(self, key: tuple[float, ...]) -> tuple[Recipe, UnitData]:
        rec, data = self.pre, self.data
        for k, code in zip(self._up, key, strict=True):
            inp = self.inputs[k]
            if isinstance(inp, DataChoice):
                data = self._data_alt[inp.name][int(code)]
            else:
                rec = rec.with_params(inp.step, **inp.params(code))  # type: ignore[union-attr]
        return rec, data

    def upstream(self, key: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, dict] | str:
        """(indicator matrix, universe row of each of its units, transform cache) or the
        error message."""
        with self._lock:
            return self._upstream(key)

    def _upstream(self, key: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, dict] | str:
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        rec, data = self._config(key)
        try:
            res = run_recipe(rec, data, self.framework, reuse=self._best_reuse(rec, data))
            ds = res.dsets[self.agg_input]
            pos = {c: i for i, c in enumerate(ds.columns)}
            X = ds.values[:, [pos[c] for c in self.framework.indicators]]
            rows = (
                ds.rows
                if data is self.data
                else pd.Index(self.units).get_indexer(data.ucode[ds.rows])
            )
            keep = rows >= 0
            out: tuple[np.ndarray, np.ndarray, dict] | str = (X[keep], rows[keep], {})
            self._results = [*self._results[-3:], res]
        except (ValueError, KeyError) as exc:
            out = f"{type(exc).__name__}: {exc}"
        self._cache[key] = out
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return out

    # ---------------------------------------------------------------- evaluate
    def level_methods(self, P: np.ndarray) -> dict[int, str]:
        """Aggregation method per level for one code row (only aggregation inputs matter)."""
        methods = dict(self.methods)
        for k in self._agg:
            inp = self.inputs[k]
            assert isinstance(inp, AggregationChoice)
            for lev in inp.levels or methods:
                methods[lev] = inp.choices[int(P[k])]
        return methods

    def evaluate(self, P: np.ndarray) -> BlockOutput:
        """Target scores for the code rows ``P`` (runs × inputs)."""
        R = P.shape[0]
        scores, fails, W = self._start(P)
        for runs, up in self._upstream_groups(P, fails):
            X, rows, tcache = up
            akeys, ainv = distinct_rows(P[runs], self._agg)
            for a, _ in enumerate(akeys):
                sub = runs[ainv == a]
                sub_f = RunFailures(sub.size)
                methods = self.level_methods(P[sub[0]])
                Wsub = np.where(fails.failed[sub, None], 1.0, W[sub])
                if linear_ok(methods, self.dat_thresh, self.params, X, self.target_level):
                    y = aggregate_target(
                        self.framework,
                        X,
                        Wsub,
                        methods[2],
                        dict(self.params.get(2) or {}),
                        self.target_level,
                        self.target_col,
                        sub_f,
                        self.units[rows],
                        tcache,
                    )
                    self._record(scores, fails, sub, rows, y, sub_f)
                    continue
                try:
                    levels = aggregate_runs(
                        self.framework,
                        X,
                        Wsub,
                        methods,
                        sub_f,
                        dat_thresh=self.dat_thresh,
                        params=self.params,
                        units=self.units[rows],
                        upto=self.target_level,
                        cache=tcache,
                    )
                except ValueError as exc:
                    fails.add(np.isin(np.arange(R), sub), f"aggregation: {exc}")
                    continue
                y = levels[self.target_level][:, :, self.target_col]
                self._record(scores, fails, sub, rows, y, sub_f)
        scores[fails.failed] = np.nan
        return BlockOutput(scores, fails.failed, fails.message)

    @staticmethod
    def _record(scores, fails, sub, rows, y, sub_f) -> None:
        """Write a group's target scores and failures into the block arrays."""
        scores[np.ix_(sub, rows)] = y
        R = scores.shape[0]
        m = np.zeros(R, dtype=bool)
        m[sub] = sub_f.failed
        msg = np.full(R, "", dtype=object)
        msg[sub] = sub_f.message
        fails.add(m, msg)

    def _best_reuse(self, rec: Recipe, data: UnitData) -> Result | None:
        return max(
            (r for r in self._results if r.data is data),
            key=lambda r: _common(r.log, rec),
            default=None,
        )

    def cells_per_run(self) -> int:
        """Floats held per run while a block is evaluated (values shared by all runs at
        level 2, so a run costs its aggregates, not its indicators)."""
        return self.units.size * (len(self.framework.codes[1]) + 8)

    def nominal(self) -> np.ndarray:
        """Target scores of the recipe as given (an ordinary engine run, Aggregate step
        included, so it checks the batched path), on the universe."""
        res = run_recipe(
            self.recipe, self.data, self.framework, reuse=self._best_reuse(self.recipe, self.data)
        )
        self._results = [*self._results[-3:], res]
        out = np.full(self.units.size, np.nan)
        name = self.recipe.steps[-1].output_name
        out[res.dsets[name].rows] = res.values(name)[:, res.columns(name).index(self.target)]
        return out

    def nominal_rankable(self) -> None:
        """Every unit with a score takes part in the ranking (COINr's rule)."""
        return None

    def nominal_upstream(self) -> tuple[np.ndarray, np.ndarray]:
        """The recipe's own indicator matrix before Aggregate (for leave-one-out)."""
        res = run_recipe(
            self.pre, self.data, self.framework, reuse=self._best_reuse(self.pre, self.data)
        )
        ds = res.dsets[self.agg_input]
        pos = {c: i for i, c in enumerate(ds.columns)}
        return ds.values[:, [pos[c] for c in self.framework.indicators]], ds.rows


def _check_method(name: str, step: str, params: dict[str, Any]) -> None:
    """Catch a misspelt normalisation / imputation method up front, not as 600 failed runs."""
    method = params.get("method")
    if method is None:
        return
    if step == "Normalise":
        bare, known = strip_prefix(str(method), "n_"), [*NORMALISE_METHODS, "none"]
    elif step == "Impute":
        bare = strip_prefix(str(method), "i_")
        known = [*COLUMN_METHODS, *PANEL_METHODS, *EM_METHODS]
    else:
        return
    if bare not in known:
        raise SensitivityError(
            f"inputs.{name}: unknown {step} method {method!r}; choose one of {sorted(known)}"
        )


def _common(log: list[dict[str, Any]], rec: Recipe) -> int:
    """Number of leading steps of ``rec`` identical to a previous run's log."""
    n = 0
    for old, s in zip(log, rec.steps, strict=False):
        if old["step"] != s.step or old["params"] != s.full_params():
            break
        n += 1
    return n
