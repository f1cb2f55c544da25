"""Aggregate: walk the framework level by level, calling the method kernels per group.

Output layout follows COINr's ``Aggregate.coin``: the input columns, then for each
level the aggregates in sorted order of their codes (COINr groups with ``tapply``,
which sorts parent codes). Methods, parameters and ``dat_thresh`` may be given once
or per level (a list ordered from level 2 up, or a mapping level -> value).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from dividend.engine.methods.aggregate import aggregate
from dividend.engine.steps.base import Context, Dset, RecipeError, register, strip_prefix


def r_sorted(codes: Sequence[str]) -> list[str]:
    """Approximate R's locale-aware ``sort`` of codes: case-insensitive, lower case first on ties."""
    return sorted(codes, key=lambda s: (s.casefold(), s.swapcase()))


def per_level(value: Any, levels: range, key: str) -> dict[int, Any]:
    """Expand a scalar / per-level list / {level: value} mapping to {level: value}."""
    if isinstance(value, Mapping):
        out = {int(k): v for k, v in value.items()}
        bad = sorted(set(out) - set(levels))
        if bad:
            raise RecipeError(f"Aggregate.{key}: level(s) {bad} outside {list(levels)}")
        return out
    if isinstance(value, list | tuple) and key != "params":
        if len(value) != len(levels):
            raise RecipeError(
                f"Aggregate.{key}: needs 1 or {len(levels)} values (one per level), got {len(value)}"
            )
        return dict(zip(levels, value, strict=True))
    return dict.fromkeys(levels, value)


@register("Aggregate", dset="Normalised", write_to="Aggregated")
def aggregate_step(
    ctx: Context,
    x: Dset,
    method: str | Sequence[str] | Mapping[int, str] | None = None,
    weights: Mapping[str, float] | None = None,
    dat_thresh: float | Sequence[float] | Mapping[int, float] | None = None,
    params: Mapping[str, Any] | Mapping[int, Mapping[str, Any]] | None = None,
) -> tuple[Dset, dict[str, Any]]:
    """Aggregate indicators up to the index.

    Args:
        method: default the framework's per-level methods, else ``amean``; or ``gmean``, ``hmean``, ``genmean``, ``copeland``,
            ``mazziotta_pareto`` (COINr ``a_*`` names accepted); one or one per level.
        weights: iCode -> weight overrides on top of iMeta's weights (renormalised per group).
        dat_thresh: minimum share of non-missing children, else the aggregate is missing.
        params: kernel parameters (e.g. ``{"p": 2}``), or ``{level: {...}}``.
    """
    fw = ctx.framework if not weights else ctx.framework.with_weights(weights)
    levels = range(2, fw.levels + 1)
    if method is None:  # the framework's per-level methods, else COINr's default
        methods = {lev: fw.methods.get(lev, "amean") for lev in levels}
    else:
        methods = per_level(method, levels, "method")
    threshs = per_level(dat_thresh, levels, "dat_thresh")
    if params and all(isinstance(k, int) for k in params):
        paras = per_level(params, levels, "params")
    else:
        paras = dict.fromkeys(levels, params)
    missing = [c for c in fw.indicators if c not in x.columns]
    if missing:
        raise RecipeError(f"Aggregate: indicator(s) {missing} not in dataset")
    pos = {c: i for i, c in enumerate(x.columns)}
    ucode = ctx.ucode(x)
    blocks = [x.values]
    columns = list(x.columns)
    cur = x.values[:, [pos[c] for c in fw.indicators]]
    for (
        lev
    ) in levels:  # loop over levels and their (few) groups; each call is vectorised over units
        m = strip_prefix(str(methods.get(lev, "amean")), "a_")
        parents = fw.codes[lev - 1]
        new = np.empty((cur.shape[0], len(parents)))
        w_all = fw.weights_at(lev - 1)
        for j, (parent, kids) in enumerate(fw.group_slices(lev)):
            try:
                new[:, j] = aggregate(
                    cur[:, kids],
                    w_all[kids],
                    m,
                    threshs.get(lev),
                    units=ucode,
                    children=[fw.codes[lev - 2][k] for k in kids],
                    **dict(paras.get(lev) or {}),
                )
            except (ValueError, TypeError) as exc:
                raise RecipeError(f"Aggregate level {lev} ({m}), group {parent!r}: {exc}") from None
        order = r_sorted(parents)
        idx = [parents.index(c) for c in order]
        blocks.append(new[:, idx])
        columns.extend(order)
        cur = new
    return Dset(x.rows, tuple(columns), np.hstack(blocks)), {}
