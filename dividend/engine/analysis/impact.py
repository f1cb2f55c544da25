"""Impact of removing each indicator or aggregate (COINr ``remove_elements``).

"Removing" means setting the element's weight to zero and regenerating the results
from the Aggregate step on (COINr's ``Regen``), then comparing the ranks of a target
column (default: the index) with the nominal ranks. The summary is the mean absolute
rank change over units. Units whose target is missing in either run are left out of
that mean (COINr's ``colMeans`` would return NA for the whole element).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dividend.engine.analysis._input import AnalysisError
from dividend.engine.analysis.ranks import rank
from dividend.engine.framework import Framework, FrameworkError
from dividend.engine.recipe import Recipe, Result, run_recipe
from dividend.engine.steps.base import REGISTRY, Context


@dataclass(frozen=True)
class RemovalImpact:
    """COINr's ``remove_elements`` outputs, indexed by uCode; one column per removed element.

    ``Scores``/``Ranks`` also hold the ``Nominal`` column; ``RankDiffs`` = nominal rank
    minus new rank; ``MeanAbsDiff`` the mean over units of ``|RankDiffs|``.
    """

    Scores: pd.DataFrame
    Ranks: pd.DataFrame
    RankDiffs: pd.DataFrame
    RankAbsDiffs: pd.DataFrame
    MeanAbsDiff: pd.Series


def _rerun_from(recipe: Recipe, nominal: Result, start: int, framework: Framework) -> Result:
    """Run ``recipe.steps[start:]`` on the datasets the nominal run had before that step."""
    keep = {s.output_name for s in recipe.steps[:start]} | {"Raw"}
    ctx = Context(framework, nominal.data, {k: v for k, v in nominal.dsets.items() if k in keep})
    for s in recipe.steps[start:]:
        out, _ = REGISTRY[s.step].fn(ctx, ctx.dsets[s.input_name], **s.full_params())
        ctx.dsets[s.output_name] = out
    return Result(framework, nominal.data, ctx.dsets, ctx.analysis, [])


def remove_elements(
    recipe: Recipe,
    nominal: Result,
    level: int,
    target: str | None = None,
    dset: str = "Aggregated",
) -> RemovalImpact:
    """Zero each element of ``level`` in turn and measure the rank change of ``target``.

    Args:
        recipe: the recipe that produced ``nominal``; must contain an Aggregate step.
        nominal: the nominal run (``run_recipe(recipe, data, framework)``).
        level: 1 (indicators) up to the level below the index.
        target: column of ``dset`` whose ranks are compared (default: the index).
    """
    fw = nominal.framework
    if not 1 <= level < fw.levels:
        raise AnalysisError(f"level must be in 1..{fw.levels - 1}, got {level}")
    target = target or fw.index_code
    if dset not in nominal.dsets or target not in nominal.columns(dset):
        raise AnalysisError(f"nominal result has no column {target!r} in dataset {dset!r}")
    start = recipe.index("Aggregate")
    base_w = dict(recipe.steps[start].full_params().get("weights") or {})

    def column(res: Result) -> np.ndarray:
        return res.values(dset)[:, res.columns(dset).index(target)]

    units = pd.Index(nominal.ucode(dset), name="uCode")
    scores = {"Nominal": column(nominal)}
    for code in fw.codes[level - 1]:  # one regeneration per element (a few dozen at most)
        try:
            fw_i = fw.with_weights({**base_w, code: 0.0})
        except FrameworkError as exc:
            raise AnalysisError(f"cannot remove {code!r}: {exc}") from None
        rec_i = recipe.with_params(start, weights={**base_w, code: 0.0})
        scores[code] = column(_rerun_from(rec_i, nominal, start, fw_i))
    sc = pd.DataFrame(scores, index=units)
    rk = rank(sc)
    diffs = rk.rsub(rk["Nominal"], axis=0)
    absd = diffs.abs()
    return RemovalImpact(sc, rk, diffs, absd, absd.mean(axis=0, skipna=True))


def run_and_remove(
    recipe: Recipe, data, framework: Framework, level: int, target: str | None = None
) -> RemovalImpact:
    """Convenience: run the recipe, then :func:`remove_elements`."""
    return remove_elements(recipe, run_recipe(recipe, data, framework), level, target)
