"""What both sensitivity models share: run weight matrices, the upstream cache, block output.

A model turns a block of runs (one row of input codes per run) into the target score of
every unit, cheaply: runs are grouped by their *upstream* choices (the recipe steps
before Aggregate, or the data table), each distinct upstream result is computed once
and cached, and all runs of a group are aggregated together by
:func:`dividend.sensitivity.batch.aggregate_runs`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np

from dividend.engine.framework import Framework
from dividend.sensitivity.batch import (
    RunFailures,
    check_zero_groups,
    weight_codes,
)
from dividend.sensitivity.inputs import (
    IndicatorSwitch,
    SensitivityError,
    UncertainInput,
    WeightNoise,
    WeightScenarios,
    noise_multipliers,
)

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


class ModelBase:
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
        keys, inv = distinct_rows(P, self._up)
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
        # scenario choices first: they *replace* weights, so noise or switches applied
        # before them would be overwritten (issue 12: weight noise had Si = STi = 0)
        order = sorted(
            range(len(self.inputs)), key=lambda k: not isinstance(self.inputs[k], WeightScenarios)
        )
        for k in order:  # loop over inputs, vectorised over runs
            inp = self.inputs[k]
            code = P[:, k].astype(np.intp)
            if isinstance(inp, WeightScenarios):
                vals, mask = self._scen[inp.name]
                W = np.where(mask[code], vals[code], W)
            elif isinstance(inp, WeightNoise):
                W = W * inp.multipliers[code]
            elif isinstance(inp, IndicatorSwitch):
                W[:, self._pos[inp.indicator]] *= 1 - code
        return W


def distinct_rows(P: np.ndarray, cols: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of ``P[:, cols]`` and each run's group index."""
    if not cols:
        return np.zeros((1, 0)), np.zeros(P.shape[0], dtype=np.intp)
    keys, inv = np.unique(P[:, cols], axis=0, return_inverse=True)
    return keys, inv.reshape(-1)
