"""Run an uncertainty or sensitivity analysis: plan, evaluate blocks of runs, summarise.

The three phases are separate so the same blocks can run here or on a Dask cluster
(:mod:`dividend.sensitivity.distributed`) with identical results:

1. :func:`prepare` validates the inputs against the model, draws the design from
   ``SeedSequence(seed)`` and fixes the block boundaries (a function of the problem
   size only, never of the number of workers);
2. :func:`evaluate_block` turns one block of design rows into scores and ranks
   (pure: same block in, same numbers out, wherever it runs);
3. :func:`summarise` stacks the blocks and computes the per-unit and per-input tables.

:func:`run_sensitivity` does all three locally, with an optional progress callback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from dividend.sensitivity.design import Design, make_design, seeds
from dividend.sensitivity.inputs import SensitivityError, UncertainInput
from dividend.sensitivity.models import Model, RecipeModel, ScoringModel, leave_one_out
from dividend.sensitivity.results import SensitivityResult, build_result

BLOCK_CELLS = 16_000_000  # runs × units × indicators per block: bounds memory per block

Progress = Callable[[int, int], None]


def rank_rows(scores: np.ndarray) -> np.ndarray:
    """Rank every row (1 = highest, ties share the minimum rank, NaN stays NaN), float32.

    One argsort for the whole block; COINr's ``rank(-x, ties.method = "min")``.
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim == 1:
        return rank_rows(s[None])[0]
    order = np.argsort(-s, axis=1, kind="stable")
    srt = np.take_along_axis(s, order, axis=1)
    new = np.ones(srt.shape, dtype=bool)
    new[:, 1:] = srt[:, 1:] != srt[:, :-1]
    start = np.where(new, np.arange(s.shape[1])[None, :], 0)
    r = (np.maximum.accumulate(start, axis=1) + 1).astype(np.float32)
    r[np.isnan(srt)] = np.nan
    out = np.empty_like(r)
    np.put_along_axis(out, order, r, axis=1)
    return out


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


@dataclass
class BlockResult:
    start: int
    stop: int
    scores: np.ndarray
    ranks: np.ndarray
    failed: np.ndarray
    message: np.ndarray


def prepare(
    model: Model,
    inputs: Sequence[UncertainInput],
    n: int,
    seed: int,
    design: str = "sa",
    sampler: str = "sobol",
    nboot: int = 1000,
    conf: float = 0.90,
    block_runs: int | None = None,
) -> Analysis:
    """Validate, draw the design and the inputs' random parts, and cut the runs into blocks."""
    if not isinstance(model, RecipeModel | ScoringModel):
        raise SensitivityError(
            f"model: expected RecipeModel or ScoringModel, got {type(model).__name__}"
        )
    if isinstance(nboot, bool) or not isinstance(nboot, int) or nboot < 0:
        raise SensitivityError(f"nboot: must be a non-negative integer, got {nboot!r}")
    if not 0 < conf < 1:
        raise SensitivityError(f"conf: must be in (0, 1), got {conf}")
    _, ss_inputs, _ = seeds(seed)
    model.bind(list(inputs), ss_inputs)
    bound = model.inputs
    des = make_design(n, len(bound), seed, design, sampler)
    codes = np.column_stack([inp.codes(des.u[:, k]) for k, inp in enumerate(bound)])
    if block_runs is None:
        cells = max(1, model.units.size * len(model.framework.indicators))
        block_runs = max(1, BLOCK_CELLS // cells)
    elif block_runs < 1:
        raise SensitivityError(f"block_runs: must be >= 1, got {block_runs}")
    blocks = [(a, min(a + block_runs, des.n_runs)) for a in range(0, des.n_runs, block_runs)]
    nominal = model.nominal()
    return Analysis(
        model, bound, des, codes, int(seed), blocks, nominal, rank_rows(nominal), nboot, conf
    )


def evaluate_block(analysis: Analysis, start: int, stop: int) -> BlockResult:
    """Scores and ranks of runs ``start:stop`` (deterministic; runs anywhere)."""
    out = analysis.model.evaluate(analysis.codes[start:stop])
    return BlockResult(start, stop, out.scores, rank_rows(out.scores), out.failed, out.message)


def summarise(
    analysis: Analysis, blocks: Sequence[BlockResult], loo: bool = True
) -> SensitivityResult:
    """Stack block results (in run order) and build every output table."""
    blocks = sorted(blocks, key=lambda b: b.start)
    if [(b.start, b.stop) for b in blocks] != analysis.blocks:
        raise SensitivityError("summarise: block results do not cover the planned blocks")
    scores = np.vstack([b.scores for b in blocks])
    ranks = np.vstack([b.ranks for b in blocks])
    failed = np.concatenate([b.failed for b in blocks])
    message = np.concatenate([b.message for b in blocks])
    loo_out = leave_one_out(analysis.model) if loo else None
    _, _, ss_boot = seeds(analysis.seed)
    return build_result(
        analysis, scores, ranks, failed, message, loo_out, np.random.default_rng(ss_boot)
    )


def run_sensitivity(
    model: Model,
    inputs: Sequence[UncertainInput],
    n: int,
    seed: int,
    design: str = "sa",
    sampler: str = "sobol",
    nboot: int = 1000,
    conf: float = 0.90,
    progress: Progress | None = None,
    block_runs: int | None = None,
    leave_one_out: bool = True,
) -> SensitivityResult:
    """Plan, evaluate every block here, and summarise. ``progress(done_runs, total_runs)``."""
    analysis = prepare(model, inputs, n, seed, design, sampler, nboot, conf, block_runs)
    results = []
    for a, b in analysis.blocks:  # a few blocks; each is vectorised over its runs
        results.append(evaluate_block(analysis, a, b))
        if progress is not None:
            progress(b, analysis.design.n_runs)
    return summarise(analysis, results, loo=leave_one_out)
