"""A planned analysis and its blocks of runs: what a worker needs, and how results come back.

:func:`evaluate_block` is pure (same block in, same numbers out, wherever it runs), so the
runner evaluates blocks here or on a Dask cluster (:mod:`dividend.sensitivity.distributed`)
and the :class:`Collector` places them in run order either way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dividend.engine.ranking import rank_rows
from dividend.sensitivity.design import Design
from dividend.sensitivity.inputs import UncertainInput
from dividend.sensitivity.models import Model

Progress = Callable[[int, int], None]


@dataclass
class Analysis:
    """Everything a worker needs to evaluate a block (picklable)."""

    model: Model
    inputs: tuple[UncertainInput, ...]
    design: Design
    codes: np.ndarray  # (n_runs, d) per-run input codes
    seed: int
    blocks: list[tuple[int, int]]
    nominal_scores: np.ndarray
    nominal_ranks: np.ndarray
    nboot: int
    conf: float
    score_dtype: str = "float64"
    rankable: np.ndarray | None = None  # units the nominal ranking includes (None: all)


@dataclass
class BlockResult:
    """One block's runs: scores and ranks (runs × units), failures, mean |rank change|."""

    start: int
    stop: int
    scores: np.ndarray
    ranks: np.ndarray
    failed: np.ndarray
    message: np.ndarray
    target: np.ndarray


class Collector:
    """Preallocated run arrays that blocks are written into as they arrive (any order).

    Holding the blocks and stacking them at the end would need twice the memory."""

    def __init__(self, analysis: Analysis) -> None:
        n, u = analysis.design.n_runs, analysis.model.units.size
        self.analysis = analysis
        self.scores = np.full((n, u), np.nan, dtype=analysis.score_dtype)
        self.ranks = np.full((n, u), np.nan, dtype=np.float32)
        self.failed = np.zeros(n, dtype=bool)
        self.message = np.full(n, "", dtype=object)
        self.target = np.full(n, np.nan)
        self.seen: list[tuple[int, int]] = []

    def add(self, b: BlockResult) -> None:
        sl = slice(b.start, b.stop)
        self.scores[sl], self.ranks[sl] = b.scores, b.ranks
        self.failed[sl], self.message[sl], self.target[sl] = b.failed, b.message, b.target
        self.seen.append((b.start, b.stop))


def mean_abs_rank_change(ranks: np.ndarray, nominal_ranks: np.ndarray) -> np.ndarray:
    """Per run, the mean over units of |rank - nominal rank| (units with both ranks)."""
    d = np.abs(ranks.astype(np.float64) - nominal_ranks[None, :])
    ok = ~np.isnan(d)
    n = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.where(ok, d, 0.0).sum(axis=1) / n, np.nan)


def evaluate_block(analysis: Analysis, start: int, stop: int) -> BlockResult:
    """Scores, ranks and target of runs ``start:stop`` (deterministic; runs anywhere)."""
    out = analysis.model.evaluate(analysis.codes[start:stop])
    ranks = rank_rows(out.scores, out.rankable)
    y = mean_abs_rank_change(ranks, analysis.nominal_ranks)
    y[out.failed] = np.nan
    return BlockResult(
        start,
        stop,
        out.scores.astype(analysis.score_dtype, copy=False),
        ranks,
        out.failed,
        out.message,
        y,
    )
