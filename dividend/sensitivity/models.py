"""What a sensitivity run evaluates: a recipe (COINr's pipeline) or the signed dividend scoring.

A model turns a block of runs (one row of input codes per run) into the target score of
every unit, cheaply: runs are grouped by their *upstream* choices (the recipe steps
before Aggregate, or the data table), each distinct upstream result is computed once
and cached, and all runs of a group are aggregated together by
:func:`dividend.sensitivity.batch.aggregate_runs`. Only the loop over the handful of
distinct upstream configurations is in Python.

Both models align results on a fixed *unit universe* (the nominal unit table); a unit
missing from an alternative data table is absent (NaN) in those runs and the per-unit
tables count the runs it has.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from dividend.data import UnitData
from dividend.framework import Framework
from dividend.recipe import Recipe, RecipeError, Result, run_recipe
from dividend.scoring import ScoringSpec, indicator_scores, score
from dividend.sensitivity.batch import (
    RunFailures,
    aggregate_runs,
    aggregate_target,
    check_zero_groups,
    level_slices,
    linear_ok,
    weight_codes,
)
from dividend.sensitivity.inputs import (
    AggregationChoice,
    DataChoice,
    IndicatorSwitch,
    ScoringFactor,
    SensitivityError,
    StepChoice,
    StepRange,
    UncertainInput,
    WeightNoise,
    WeightScenarios,
    expand_include,
    noise_multipliers,
)
from dividend.steps.aggregate import per_level
from dividend.steps.base import strip_prefix

CACHE_SIZE = 256  # distinct upstream configurations kept per process


@dataclass
class BlockOutput:
    """Scores (runs × universe units) of a block of runs and their failures.

    ``rankable`` (runs × units, or None = every unit with a score): the units that take
    part in the ranking, so a model can apply its index's ranking rule (coverage)."""

    scores: np.ndarray
    failed: np.ndarray
    message: np.ndarray
    rankable: np.ndarray | None = None


class _ModelBase:
    """Shared by both models: run weight matrices (nominal weights, scenarios, noise sets,
    indicator switches) and pickling for Dask workers without the per-process caches."""

    framework: Framework
    inputs: tuple[UncertainInput, ...]
    base_weights: np.ndarray
    units: np.ndarray
    _up: list[int]
    _caches: ClassVar[dict[str, Callable[[], Any]]] = {}  # attribute -> empty value

    def __getstate__(self) -> dict[str, Any]:  # ship to workers without caches or lock
        state = dict(self.__dict__)
        for name, empty in self._caches.items():
            state[name] = empty()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()  # threaded Dask workers share one model object

    def _bind_weights(self, ss: np.random.SeedSequence) -> None:
        fw = self.framework
        codes = weight_codes(fw)
        pos = {c: i for i, c in enumerate(codes)}
        level = {c: fw.level_of(c) for c in codes}
        bound: list[UncertainInput] = []
        children = ss.spawn(len(self.inputs))
        self._scen: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for inp, child in zip(self.inputs, children, strict=True):
            if isinstance(inp, WeightNoise):
                bad = sorted(lev for lev in inp.noise if not 1 <= lev < fw.levels)
                if bad:
                    raise SensitivityError(
                        f"inputs.{inp.name}.noise: level(s) {bad} have no weights; valid 1..{fw.levels - 1}"
                    )
                mult = noise_multipliers(
                    inp.noise, inp.n_sets, codes, level, np.random.default_rng(child)
                )
                inp = replace(inp, multipliers=mult)
            elif isinstance(inp, WeightScenarios):
                vals = np.tile(self.base_weights, (inp.n_choices, 1))
                mask = np.zeros_like(vals, dtype=bool)
                for k, ws in enumerate(inp.choices):
                    unknown = sorted(set(ws) - set(pos))
                    if unknown:
                        raise SensitivityError(
                            f"inputs.{inp.name}: weight set {inp.labels[k]!r} names unknown iCode(s) {unknown}"
                        )
                    for c, v in ws.items():
                        if not np.isfinite(v) or v < 0:
                            raise SensitivityError(
                                f"inputs.{inp.name}: weight set {inp.labels[k]!r}, {c!r}: weight {v} must be >= 0"
                            )
                        vals[k, pos[c]], mask[k, pos[c]] = v, True
                self._scen[inp.name] = (vals, mask)
            elif isinstance(inp, IndicatorSwitch) and inp.indicator not in fw.indicators:
                raise SensitivityError(
                    f"inputs.{inp.name}: {inp.indicator!r} is not an indicator of the framework"
                )
            bound.append(inp)
        self.inputs = tuple(bound)
        self._pos = pos

    def _start(self, P: np.ndarray) -> tuple[np.ndarray, RunFailures, np.ndarray]:
        """A block's empty scores, its failures (runs with an all-zero weight group fail)
        and its run weights."""
        scores = np.full((P.shape[0], self.units.size), np.nan)
        fails = RunFailures(P.shape[0])
        W = self.run_weights(P)
        check_zero_groups(self.framework, W, fails)
        return scores, fails, W

    def _upstream_groups(
        self, P: np.ndarray, fails: RunFailures
    ) -> Iterator[tuple[np.ndarray, Any]]:
        """(runs, upstream result) per distinct upstream configuration (a handful); runs
        whose upstream failed are recorded as failed with its message and skipped."""
        keys, inv = _group(P, self._up)
        for g, key in enumerate(keys):
            runs = np.flatnonzero(inv == g)
            up = self.upstream(tuple(key.tolist()))
            if isinstance(up, str):
                fails.add(np.isin(np.arange(P.shape[0]), runs), up)
                continue
            yield runs, up

    def run_weights(self, P: np.ndarray) -> np.ndarray:
        """(runs, len(weight_codes)) weights for the code rows ``P``."""
        W = np.tile(self.base_weights, (P.shape[0], 1))
        for k, inp in enumerate(self.inputs):  # loop over inputs, vectorised over runs
            code = P[:, k].astype(np.intp)
            if isinstance(inp, WeightScenarios):
                vals, mask = self._scen[inp.name]
                W = np.where(mask[code], vals[code], W)
            elif isinstance(inp, WeightNoise):
                W = W * inp.multipliers[code]
            elif isinstance(inp, IndicatorSwitch):
                W[:, self._pos[inp.indicator]] *= 1 - code
        return W


def _group(P: np.ndarray, cols: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of ``P[:, cols]`` and each run's group index."""
    if not cols:
        return np.zeros((1, 0)), np.zeros(P.shape[0], dtype=np.intp)
    keys, inv = np.unique(P[:, cols], axis=0, return_inverse=True)
    return keys, inv.reshape(-1)


class RecipeModel(_ModelBase):
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
            if isinstance(inp, ScoringFactor):
                raise SensitivityError(
                    f"inputs.{inp.name}: kind {inp.what!r} needs the scoring model, not a recipe"
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
            akeys, ainv = _group(P[runs], self._agg)
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
        from dividend.methods.normalise import METHODS as known

        bare, known = strip_prefix(str(method), "n_"), [*known, "none"]
    elif step == "Impute":
        from dividend.steps.impute import COLUMN_METHODS, EM_METHODS, PANEL_METHODS

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


class ScoringModel(_ModelBase):
    """Signed dividend model: :mod:`dividend.scoring` with uncertain neutrals, goalposts,
    weights, indicator set and data table; the target is the dividend of ``target``.

    Ranks follow the index's rule (:func:`dividend.index.score_framework`): a unit is
    ranked only where its coverage of the target's scored indicators is at least
    ``rank_min_coverage`` (the framework's ``rank_min_coverage``); ties share the best
    rank. Units below it keep their scores (intervals, net-loss probability) but no rank.
    """

    mode = "scoring"
    _caches: ClassVar[dict[str, Callable[[], Any]]] = {"_cache": dict}

    def __init__(
        self,
        spec: ScoringSpec,
        data: pd.DataFrame,
        peer_group: str | pd.Series | None = None,
        min_coverage: float = 0.0,
        target: str | None = None,
        rank_min_coverage: float = 0.0,
    ) -> None:
        for key, v in (("min_coverage", min_coverage), ("rank_min_coverage", rank_min_coverage)):
            if not 0.0 <= v <= 1.0:
                raise SensitivityError(f"{key}: must be in [0, 1], got {v}")
        self.spec, self.data, self.peer_group = spec, data, peer_group
        self.min_coverage, self.rank_min_coverage = min_coverage, rank_min_coverage
        self.framework = fw = spec.framework
        self.base_weights = spec.nominal_weights.copy()
        self.target = target or fw.index_code
        lev = fw.level_of(self.target) if self.target in fw.parent else 0
        if lev < 2:
            raise SensitivityError(f"target: {self.target!r} is not an aggregate (level >= 2)")
        self.target_level, self.target_col = lev, fw.codes[lev - 1].index(self.target)
        self.sign = np.where(spec.role == "cost", -1.0, 1.0)
        self.sign[~spec.scored] = np.nan
        self.inputs = ()
        self._cache: dict = {}
        self._lock = threading.RLock()
        try:  # the universe: the nominal table's units
            self.units = self._scored(data).dividend.index.to_numpy(dtype=object)
        except ValueError as exc:
            raise SensitivityError(f"data: {exc}") from None

    def bind(self, inputs: Sequence[UncertainInput], ss: np.random.SeedSequence) -> ScoringModel:
        self.inputs = expand_include(inputs, self.framework.indicators)
        for inp in self.inputs:
            if isinstance(inp, StepChoice | StepRange | AggregationChoice):
                raise SensitivityError(
                    f"inputs.{inp.name}: kind {'aggregation' if isinstance(inp, AggregationChoice) else 'step'!r} "
                    "needs a recipe; the scoring model aggregates with its signed arithmetic mean"
                )
            if isinstance(inp, ScoringFactor) and inp.indicators is not None:
                bad = [c for c in inp.indicators if c not in self.spec.indicators]
                if bad:
                    raise SensitivityError(f"inputs.{inp.name}.indicators: unknown {bad}")
        self._tables: dict[str, list[pd.DataFrame]] = {}
        for inp in self.inputs:
            if isinstance(inp, DataChoice):
                tabs = [c if isinstance(c, pd.DataFrame) else pd.read_csv(c) for c in inp.choices]
                self._tables[inp.name] = tabs
        self._bind_weights(ss)
        self._up = [k for k, i in enumerate(self.inputs) if isinstance(i, DataChoice)]
        self._sc = [k for k, i in enumerate(self.inputs) if isinstance(i, ScoringFactor)]
        return self

    def upstream(self, key: tuple[float, ...] | None):
        """(raw x, neutral0, coverage masks, universe rows) for one data table, cached.

        ``key`` None is the nominal table."""
        with self._lock:
            return self._upstream(key)

    def _scored(self, data: pd.DataFrame):
        """The nominal :func:`dividend.scoring.score` of a table (checks it, gives units,
        neutrals and coverage: the index's own numbers)."""
        return score(data, self.spec, None, self.peer_group, self.min_coverage)

    def _upstream(self, key: tuple[float, ...] | None):
        if key in self._cache:
            return self._cache[key]
        data = self.data
        for k, code in zip(self._up, key, strict=True) if key is not None else ():
            data = self._tables[self.inputs[k].name][int(code)]
        try:
            res = self._scored(data)
        except ValueError as exc:
            out: Any = f"{type(exc).__name__}: {exc}"
            self._cache[key] = out
            return out
        codes = list(self.spec.indicators)
        x = data[codes].apply(pd.to_numeric).to_numpy(dtype=np.float64)  # checked by score
        neutral = res.neutral.reindex(columns=codes).to_numpy(dtype=np.float64)  # NaN: context
        rows = pd.Index(self.units).get_indexer(res.dividend.index)
        keep = rows >= 0
        x, neutral, rows = x[keep], neutral[keep], rows[keep]
        cov = res.coverage.iloc[keep]
        fw = self.framework
        masks = {
            lev: (cov[list(fw.codes[lev - 1])].to_numpy() >= self.min_coverage)  # NaN: False
            for lev in range(2, fw.levels + 1)
        }
        rankable = cov[self.target].to_numpy() >= self.rank_min_coverage
        out = (x, neutral, masks, rows, {}, rankable)
        self._cache[key] = out
        return out

    def _factors(self, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per run and indicator: neutral shift (goalpost units) and goalpost scale."""
        n_ind = len(self.spec.indicators)
        shift = np.zeros((P.shape[0], n_ind))
        scale = np.ones((P.shape[0], n_ind))
        for k in self._sc:
            inp = self.inputs[k]
            assert isinstance(inp, ScoringFactor)
            cols = (
                np.arange(n_ind)
                if inp.indicators is None
                else np.array([self.spec.indicators.index(c) for c in inp.indicators])
            )
            f = inp.factor(P[:, k])[:, None]
            if inp.what == "neutral":
                shift[:, cols] += f
            else:
                scale[:, cols] *= f
        return shift, scale

    def evaluate(self, P: np.ndarray) -> BlockOutput:
        scores, fails, W = self._start(P)
        g0 = self.spec.goalpost
        rankable = np.zeros(scores.shape, dtype=bool)
        methods = dict.fromkeys(range(2, self.framework.levels + 1), "amean")
        for runs, up in self._upstream_groups(P, fails):
            x, n0, masks, rows, tcache, rank_ok = up
            rankable[np.ix_(runs, rows)] = rank_ok[None, :]
            if self._sc:
                shift, scale = self._factors(P[runs])
                neutral = n0[None] + (shift * g0)[:, None, :]
                S = indicator_scores(x[None], neutral, (g0 * scale)[:, None, :]) * self.sign
            else:
                S = indicator_scores(x, n0, g0) * self.sign
            sub_f = RunFailures(runs.size)
            levels = aggregate_runs(
                self.framework,
                S,
                np.where(fails.failed[runs, None], 1.0, W[runs]),
                methods,
                sub_f,
                masks=masks,
                units=self.units[rows],
                upto=self.target_level,
                cache=None if self._sc else tcache,
            )
            scores[np.ix_(runs, rows)] = levels[self.target_level][:, :, self.target_col]
        scores[fails.failed] = np.nan
        return BlockOutput(scores, fails.failed, fails.message, rankable)

    def cells_per_run(self) -> int:
        """Floats per run in a block: indicator scores are per run when neutrals or
        goalposts vary, else shared."""
        width = len(self.spec.indicators) if self._sc else len(self.framework.codes[1]) + 8
        return self.units.size * width

    def nominal(self) -> np.ndarray:
        """The nominal dividend from :func:`dividend.scoring.score` (an independent code path)."""
        res = score(self.data, self.spec, None, self.peer_group, self.min_coverage)
        out = res.dividend[self.target].reindex(self.units).to_numpy(dtype=np.float64)
        return out

    def nominal_upstream(self):
        x, n0, _masks, rows, _, _ = self.upstream(None)
        return indicator_scores(x, n0, self.spec.goalpost) * self.sign, rows

    def nominal_rankable(self) -> np.ndarray:
        """Universe units that the index ranks (coverage at least ``rank_min_coverage``)."""
        *_, rows, _, rank_ok = self.upstream(None)
        out = np.zeros(self.units.size, dtype=bool)
        out[rows] = rank_ok
        return out


Model = RecipeModel | ScoringModel


def leave_one_out(model: Model) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Target scores with each indicator's weight set to zero, nominal everything else.

    Returns (scores: indicators × universe units, failed, messages, indicator codes).
    One batched aggregation for all indicators.
    """
    fw = model.framework
    X, rows = model.nominal_upstream()
    codes = list(fw.indicators)
    W = np.tile(model.base_weights, (len(codes), 1))
    W[np.arange(len(codes)), np.arange(len(codes))] = 0.0  # indicators lead weight_codes
    fails = RunFailures(len(codes))
    check_zero_groups(fw, W, fails)
    if isinstance(model, RecipeModel):
        methods, kw = model.methods, {"dat_thresh": model.dat_thresh, "params": model.params}
    else:
        methods = dict.fromkeys(range(2, fw.levels + 1), "amean")
        kw = {"masks": model.upstream(None)[2]}
    levels = aggregate_runs(
        fw,
        X,
        np.where(fails.failed[:, None], 1.0, W),
        methods,
        fails,
        units=model.units[rows],
        upto=model.target_level,
        **kw,
    )
    out = np.full((len(codes), model.units.size), np.nan)
    out[:, rows] = levels[model.target_level][:, :, model.target_col]
    out[fails.failed] = np.nan
    assert level_slices(fw)[2].start == 0
    return out, fails.failed, fails.message, codes
