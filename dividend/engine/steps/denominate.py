"""Denominate: turn extensive indicators into intensive ones (e.g. per capita).

Follows COINr's ``Denominate``: ``x / (denominator / ScaleFactor)`` for each
indicator with a denominator, other indicators untouched. Denominators come from
the unit data (iData columns of Type Denominator) or from an external table
matched on ``uCode`` (e.g. COINr's ``WorldDenoms``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dividend.engine.steps.base import Context, Dset, RecipeError, register


def _external_denoms(
    ctx: Context, x: Dset, denoms: str | pd.DataFrame, needed: set[str]
) -> dict[str, np.ndarray]:
    table = pd.read_csv(denoms) if isinstance(denoms, str | Path) else denoms
    where = str(denoms) if isinstance(denoms, str | Path) else "denoms table"
    if "uCode" not in table.columns:
        raise RecipeError(f"Denominate.denoms ({where}): no 'uCode' column")
    missing_cols = sorted(needed - set(table.columns))
    if missing_cols:
        raise RecipeError(
            f"Denominate.denoms ({where}): denominator column(s) {missing_cols} not found"
        )
    codes = ctx.ucode(x)
    idx = pd.Index(table["uCode"].astype(str)).get_indexer(codes)
    if (idx < 0).any():
        raise RecipeError(
            f"Denominate.denoms ({where}): uCode(s) {list(codes[idx < 0][:5])} not found"
        )
    return {d: pd.to_numeric(table[d], errors="raise").to_numpy(np.float64)[idx] for d in needed}


@register("Denominate", dset="Raw", write_to="Denominated")
def denominate(
    ctx: Context,
    x: Dset,
    denomby: Mapping[str, str] | None = None,
    scale_factors: Mapping[str, float] | None = None,
    denoms: str | pd.DataFrame | None = None,
) -> tuple[Dset, dict[str, Any]]:
    """Divide indicators by their denominators.

    Args:
        denomby: indicator -> denominator iCode; default iMeta's Denominator column.
        scale_factors: indicator -> factor the result is multiplied by (COINr's ScaleFactor); default 1.
        denoms: optional CSV path / DataFrame with ``uCode`` and denominator columns; default the
            Denominator columns of the unit data.
    """
    spec = dict(ctx.framework.denominators if denomby is None else denomby)
    sf = dict(scale_factors or {})
    pos = {c: i for i, c in enumerate(x.columns)}
    bad = sorted(set(spec) - set(pos))
    if bad:
        raise RecipeError(f"Denominate.denomby: indicator(s) {bad} not in dataset")
    bad = sorted(set(sf) - set(spec))
    if bad:
        raise RecipeError(f"Denominate.scale_factors: {bad} have no denominator")
    needed = set(spec.values())
    if denoms is None:
        missing = sorted(needed - set(ctx.data.denominators))
        if missing:
            raise RecipeError(f"Denominate: denominator column(s) {missing} not in the unit data")
        table = {d: ctx.data.denominators[d][x.rows] for d in needed}
    else:
        table = _external_denoms(ctx, x, denoms, needed)
    out = x.values.copy()
    for code, dcode in spec.items():  # loop over indicators, vectorised over units
        d = table[dcode] / float(sf.get(code, 1.0))
        col = out[:, pos[code]]
        zero = (d == 0) & ~np.isnan(col)
        if zero.any():
            u = ctx.ucode(x)[np.flatnonzero(zero)[0]]
            raise RecipeError(
                f"Denominate: denominator {dcode!r} is zero for uCode {u!r} (indicator {code!r})"
            )
        out[:, pos[code]] = col / d
    notes = {
        "denominated": sorted(spec),
        "missing_denominators": int(sum(np.isnan(t).sum() for t in table.values())),
    }
    return x.with_values(out), notes
