"""What a sensitivity run evaluates: a recipe (COINr's pipeline) or the signed dividend scoring.

A model turns a block of runs (one row of input codes per run) into the target score of
every unit, cheaply: runs are grouped by their *upstream* choices (the recipe steps
before Aggregate, or the data table), each distinct upstream result is computed once
and cached, and all runs of a group are aggregated together by
:func:`dividend.sensitivity.batch.aggregate_runs`. Only the loop over the handful of
distinct upstream configurations is in Python.

The models live in :mod:`~dividend.sensitivity.recipe_model` and
:mod:`~dividend.sensitivity.scoring_model`, their shared machinery in
:mod:`~dividend.sensitivity.model_base`; this module names the pair and runs the
leave-one-indicator-out analysis for either.

Both models align results on a fixed *unit universe* (the nominal unit table); a unit
missing from an alternative data table is absent (NaN) in those runs and the per-unit
tables count the runs it has.
"""

from __future__ import annotations

import numpy as np

from dividend.engine.framework import Framework
from dividend.sensitivity.batch import (
    RunFailures,
    aggregate_runs,
    check_zero_groups,
    level_slices,
    weight_codes,
)
from dividend.sensitivity.model_base import BlockOutput
from dividend.sensitivity.recipe_model import RecipeModel
from dividend.sensitivity.scoring_model import ScoringModel

__all__ = ["BlockOutput", "Model", "RecipeModel", "ScoringModel", "leave_one_out"]

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
    dropped = drop_emptied_groups(fw, W, codes)
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
    return out, fails.failed, fails.message, codes, dropped


def drop_emptied_groups(fw: Framework, W: np.ndarray, codes: list[str]) -> list[str]:
    """Row k of ``W`` leaves out ``codes[k]``; where that empties a group (a pillar with a
    single indicator), drop the group too (weight 0, so its parent renormalises over the
    remaining siblings) instead of failing with "all weights of the children are zero".

    Returns, per row, what was dropped ("x" or "x, p (emptied, level 2)"). A loop over indicators
    and tree levels only."""
    pos = {c: i for i, c in enumerate(weight_codes(fw))}
    out = []
    for k, code in enumerate(codes):
        gone, node = [code], code
        while True:
            parent = fw.parent.get(node)
            if parent is None or parent not in pos:  # the index itself is never dropped
                break
            if any(W[k, pos[c]] > 0 for c in fw.children(parent)):
                break
            W[k, pos[parent]] = 0.0
            gone.append(f"{parent} (emptied, level {fw.level_of(parent)})")
            node = parent
        out.append(", ".join(gone))
    return out
