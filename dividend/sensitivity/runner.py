"""Run an uncertainty or sensitivity analysis: plan, evaluate blocks of runs, summarise.

The three phases are separate so the same blocks can run here or on a Dask cluster
(:mod:`dividend.sensitivity.distributed`) with identical results:

1. :func:`prepare` validates the inputs against the model, draws the design from
   ``SeedSequence(seed)`` and fixes the block boundaries (a function of the problem
   size only, never of the number of workers);
2. :func:`~dividend.sensitivity.blocks.evaluate_block` turns one block of design rows into scores and ranks
   (pure: same block in, same numbers out, wherever it runs);
3. :func:`summarise` stacks the blocks and computes the per-unit and per-input tables.

:func:`run_sensitivity` does all three locally, with an optional progress callback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from dividend.engine.ranking import rank_rows
from dividend.sensitivity.blocks import Analysis, BlockResult, Collector, Progress, evaluate_block
from dividend.sensitivity.design import make_design, seeds
from dividend.sensitivity.distributed import evaluate_on_dask
from dividend.sensitivity.inputs import SensitivityError, UncertainInput
from dividend.sensitivity.models import Model, RecipeModel, ScoringModel, leave_one_out
from dividend.sensitivity.results import SensitivityResult, build_result

if TYPE_CHECKING:
    from distributed import Client

BLOCK_CELLS = 16_000_000  # floats held per block (see Model.cells_per_run): bounds memory


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
    score_dtype: str = "float64",
) -> Analysis:
    """Validate, draw the design and the inputs' random parts, and cut the runs into blocks.

    ``score_dtype="float32"`` halves the memory of the stored scores for very large runs
    (the computation stays float64)."""
    if score_dtype not in ("float64", "float32"):
        raise SensitivityError(f"score_dtype: 'float64' or 'float32', got {score_dtype!r}")
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
        block_runs = max(1, BLOCK_CELLS // max(1, model.cells_per_run()))
    elif block_runs < 1:
        raise SensitivityError(f"block_runs: must be >= 1, got {block_runs}")
    blocks = [(a, min(a + block_runs, des.n_runs)) for a in range(0, des.n_runs, block_runs)]
    nominal = model.nominal()
    rankable = model.nominal_rankable()
    return Analysis(
        model,
        bound,
        des,
        codes,
        int(seed),
        blocks,
        nominal,
        rank_rows(nominal, rankable),
        nboot,
        conf,
        score_dtype,
        rankable,
    )


def summarise(
    analysis: Analysis, blocks: Collector | Sequence[BlockResult], loo: bool = True
) -> SensitivityResult:
    """Collect block results (any order) and build every output table."""
    if not isinstance(blocks, Collector):
        col = Collector(analysis)
        for b in blocks:
            col.add(b)
        blocks = col
    if sorted(blocks.seen) != analysis.blocks:
        raise SensitivityError("summarise: block results do not cover the planned blocks")
    loo_out = leave_one_out(analysis.model) if loo else None
    _, _, ss_boot = seeds(analysis.seed)
    return build_result(
        analysis,
        blocks.scores,
        blocks.ranks,
        blocks.failed,
        blocks.message,
        blocks.target,
        loo_out,
        np.random.default_rng(ss_boot),
    )


def run_sensitivity(
    model: Model,
    inputs: Sequence[UncertainInput],
    n: int,
    seed: int,
    *plan: Any,
    progress: Progress | None = None,
    leave_one_out: bool = True,
    client: Client | None = None,
    **plan_kw: Any,
) -> SensitivityResult:
    """Plan, evaluate every block, and summarise. ``progress(done_runs, total_runs)``.

    ``plan`` / ``plan_kw``: design, sampler, nboot, conf, block_runs, score_dtype, as
    :func:`prepare`. ``client``: a ``distributed.Client`` to evaluate the blocks on
    (:mod:`dividend.sensitivity.distributed`); the result is the same as here.
    """
    analysis = prepare(model, inputs, n, seed, *plan, **plan_kw)
    col = Collector(analysis)
    if client is not None:
        evaluate_on_dask(client, analysis, col, progress)
    else:
        for a, b in analysis.blocks:  # blocks bound memory; each is vectorised over its runs
            col.add(evaluate_block(analysis, a, b))
            if progress is not None:
                progress(b, analysis.design.n_runs)
    return summarise(analysis, col, loo=leave_one_out)


def run_sensitivity_dask(client: Client, *args: Any, **kwargs: Any) -> SensitivityResult:
    """:func:`run_sensitivity` (same arguments), its blocks evaluated on ``client``."""
    return run_sensitivity(*args, client=client, **kwargs)
