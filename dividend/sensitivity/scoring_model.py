"""The signed-dividend sensitivity model: :mod:`dividend.engine.scoring` under uncertain inputs."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from dividend.engine.scoring import ScoringSpec, indicator_scores, score
from dividend.sensitivity.batch import (
    RunFailures,
    aggregate_runs,
    level_slices,
    memberships,
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
    survey_deltas,
)
from dividend.sensitivity.model_base import BlockOutput, ModelBase
from dividend.sensitivity.signed_means import SIGNED_METHODS, signed_level


def centred_in_range(u: np.ndarray, bounds: np.ndarray, nominal: np.ndarray) -> np.ndarray:
    """Runs x indicators: code u in [0, 1] -> a value in each documented range [lo, hi] whose
    median is the published (nominal) value: u = 0.5 is the nominal, u -> 0 moves linearly to
    lo and u -> 1 to hi. Why not lo + u (hi - lo): a range need not be centred on the
    published value (the 3 % SDG cost target is the low end of [3, 5]), and the plain map
    would then move most runs away from the published index, so a published rank could fall
    outside its own 5-95 % interval. A one-sided range keeps half the runs at the nominal
    value. ``bounds`` rows are (lo, hi) per indicator, with lo <= nominal <= hi."""
    lo, hi = bounds[:, 0], bounds[:, 1]
    nominal = np.asarray(nominal, dtype=np.float64)
    bad = (nominal < lo) | (nominal > hi)
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise SensitivityError(
            f"documented range [{lo[j]:g}, {hi[j]:g}] does not contain the nominal value "
            f"{nominal[j]:g} (indicator {j} of the input)"
        )
    t = 2.0 * np.asarray(u, dtype=np.float64)[:, None] - 1.0  # -1 .. 1; 0 = nominal
    return nominal + np.where(t < 0, t * (nominal - lo), t * (hi - nominal))


class ScoringModel(ModelBase):
    """Signed dividend model: :mod:`dividend.engine.scoring` with uncertain neutrals, goalposts,
    weights, indicator set and data table; the target is the dividend of ``target``.

    Ranks follow the index's rule (:func:`dividend.index.unit_tables.score_framework`): a unit is
    ranked only where its coverage of the target's scored indicators is at least
    ``rank_min_coverage`` (the framework's ``rank_min_coverage``) and, with
    ``rank_pillars = (pillars, k)``, at least k of those pillars are observed; ties share
    the best rank. Units below it keep their scores (intervals, net-loss probability) but no rank.
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
        rank_pillars: tuple[tuple[str, ...], int] = ((), 0),
    ) -> None:
        for key, v in (("min_coverage", min_coverage), ("rank_min_coverage", rank_min_coverage)):
            if not 0.0 <= v <= 1.0:
                raise SensitivityError(f"{key}: must be in [0, 1], got {v}")
        self.spec, self.data, self.peer_group = spec, data, peer_group
        self.min_coverage, self.rank_min_coverage = min_coverage, rank_min_coverage
        self.rank_pillars = rank_pillars  # (aggregates counted, how many must be observed)
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
            if isinstance(inp, StepChoice | StepRange):
                raise SensitivityError(
                    f"inputs.{inp.name}: kind 'step' needs a recipe; the scoring model has no steps"
                )
            if isinstance(inp, AggregationChoice):
                bad = [m for m in inp.choices if m not in SIGNED_METHODS]
                levels = inp.levels or tuple(range(3, self.framework.levels + 1))
                if bad or min(levels) < 3:
                    raise SensitivityError(
                        f"inputs.{inp.name}: the signed dividend varies its aggregation of pillar "
                        f"dividends only (levels >= 3, methods {list(SIGNED_METHODS)}); got "
                        f"methods {list(inp.choices)}, levels {list(levels)}"
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
        self._sv = [k for k, i in enumerate(self.inputs) if isinstance(i, SurveyDraws)]
        children = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, 7919))
        for k, child in zip(self._sv, children.spawn(len(self._sv)), strict=True):
            inp = self.inputs[k]
            assert isinstance(inp, SurveyDraws) and inp.table is not None
            d = survey_deltas(
                inp.table,
                self.units,
                self.spec.indicators,
                inp.n_sets,
                np.random.default_rng(child),
            )
            self.inputs = (*self.inputs[:k], replace(inp, deltas=d), *self.inputs[k + 1 :])
        self._up = [k for k, i in enumerate(self.inputs) if isinstance(i, DataChoice)]
        self._sc = [k for k, i in enumerate(self.inputs) if isinstance(i, ScoringFactor)]
        self._agg = [k for k, i in enumerate(self.inputs) if isinstance(i, AggregationChoice)]
        return self

    def upstream(self, key: tuple[float, ...] | None):
        """(raw x, neutral0, coverage masks, universe rows) for one data table, cached.

        ``key`` None is the nominal table."""
        with self._lock:
            return self._upstream(key)

    def _scored(self, data: pd.DataFrame):
        """The nominal :func:`dividend.engine.scoring.score` of a table (checks it, gives units,
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
        counted, need = self.rank_pillars
        if need:  # the index's sufficiency rule: enough pillars observed
            rankable &= (cov[list(counted)].fillna(0).to_numpy() > 0).sum(axis=1) >= need
        if key is not None and any(
            getattr(self.inputs[k], "keep_coverage", False) and code
            for k, code in zip(self._up, key, strict=True)
        ):  # imputed table: coverage is the observed data's
            _, _, masks, rows0, _, rankable = self._upstream(None)
            if not np.array_equal(rows, rows0):
                out = "imputed table: its units differ from the observed table's"
                self._cache[key] = out
                return out
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
            if inp.bounds is not None:  # absolute values from documented ranges
                g0 = self.spec.goalpost[cols]
                nominal = self.spec.neutral[cols] if inp.what == "neutral" else g0
                v = centred_in_range(P[:, k], np.asarray(inp.bounds, dtype=np.float64), nominal)
                if inp.what == "neutral":
                    shift[:, cols] += (v - self.spec.neutral[cols]) / g0
                else:
                    scale[:, cols] *= v / g0
                continue
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
            if self._sv:  # survey redraws: per-run raw values
                xr = np.broadcast_to(x, (runs.size, *x.shape)).copy()
                for k in self._sv:
                    d = self.inputs[k].deltas  # type: ignore[union-attr]
                    xr += d[P[runs, k].astype(np.intp)][:, rows]
            if self._sc or self._sv:
                shift, scale = self._factors(P[runs])
                neutral = n0[None] + (shift * g0)[:, None, :]
                xs = xr if self._sv else x[None]
                S = indicator_scores(xs, neutral, (g0 * scale)[:, None, :]) * self.sign
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
                cache=None if (self._sc or self._sv) else tcache,
            )
            if self._agg:
                self._reaggregate(
                    levels, P[runs], np.where(fails.failed[runs, None], 1.0, W[runs]), masks
                )
            scores[np.ix_(runs, rows)] = levels[self.target_level][:, :, self.target_col]
        scores[fails.failed] = np.nan
        return BlockOutput(scores, fails.failed, fails.message, rankable)

    def _reaggregate(self, levels, P: np.ndarray, W: np.ndarray, masks) -> None:
        """Levels >= 3 again for the runs whose aggregation choice is not the arithmetic mean
        (:mod:`dividend.sensitivity.signed_means`); a loop over the few choices only."""
        slices = level_slices(self.framework)
        for k in self._agg:
            inp = self.inputs[k]
            assert isinstance(inp, AggregationChoice)
            varied = inp.levels or tuple(range(3, self.framework.levels + 1))
            code = P[:, k].astype(np.intp)
            for c, method in enumerate(inp.choices):
                runs = np.flatnonzero(code == c)
                if method == "amean" or runs.size == 0:
                    continue
                V = levels[2][runs]
                for lev in range(3, self.target_level + 1):
                    M = memberships(self.framework)[lev]
                    if lev in varied:
                        V = signed_level(V, W[runs][:, slices[lev]], M, method)
                    else:
                        V = signed_level(V, W[runs][:, slices[lev]], M, "amean")
                    if lev in masks:
                        V = np.where(masks[lev], V, np.nan)
                    levels[lev][runs] = V

    def cells_per_run(self) -> int:
        """Floats per run in a block: indicator scores are per run when neutrals or
        goalposts vary, else shared."""
        per_run = self._sc or getattr(self, "_sv", None)
        width = len(self.spec.indicators) if per_run else len(self.framework.codes[1]) + 8
        return self.units.size * width

    def nominal(self) -> np.ndarray:
        """The nominal dividend from :func:`dividend.engine.scoring.score` (an independent code path)."""
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
