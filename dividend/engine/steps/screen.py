"""Screen units by data availability and/or share of zeros (COINr's ``Screen``).

Availability is the share of non-missing indicators per unit; the zero share is
taken over the non-missing values, as COINr does. Forced units override the rules.
The summary (``analysis["Screened"]``) has COINr's ``DataSummary`` columns, in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from dividend.engine.steps.base import Context, Dset, RecipeError, register

RULES = ("byNA", "byzeros", "byNAandzeros", "none")


@register("Screen", dset="Imputed", write_to="Screened")
def screen(
    ctx: Context,
    x: Dset,
    unit_screen: str = "byNA",
    dat_thresh: float = 2 / 3,
    nonzero_thresh: float = 0.05,
    force: Mapping[str, bool] | None = None,
) -> tuple[Dset, dict[str, Any]]:
    """Drop units below the availability threshold (``byNA``), the non-zero threshold
    (``byzeros``) or either (``byNAandzeros``); ``force`` maps uCode -> True (keep) / False (drop)."""
    if unit_screen not in RULES:
        raise RecipeError(f"Screen.unit_screen: {unit_screen!r} is not one of {list(RULES)}")
    for key, v in (("dat_thresh", dat_thresh), ("nonzero_thresh", nonzero_thresh)):
        if not 0 <= float(v) <= 1:
            raise RecipeError(f"Screen.{key}: must be within [0, 1], got {v}")
    v = x.values
    n = v.shape[1]
    n_na = np.isnan(v).sum(axis=1)
    n_zero = (v == 0).sum(axis=1)
    avail = 1 - n_na / n
    with np.errstate(invalid="ignore", divide="ignore"):
        nonzero = 1 - n_zero / (n - n_na)
    low_data = avail < dat_thresh
    low_nonzero = nonzero < nonzero_thresh
    keep = {
        "byNA": ~low_data,
        "byzeros": ~low_nonzero,
        "byNAandzeros": ~(low_data | low_nonzero),
        "none": np.ones(len(v), dtype=bool),
    }[unit_screen]
    codes = ctx.ucode(x)
    if force:
        pos = pd.Index(codes).get_indexer(list(force))
        if (pos < 0).any():
            unknown = [c for c, p in zip(force, pos, strict=True) if p < 0]
            raise RecipeError(f"Screen.force: uCode(s) {unknown} not in the dataset")
        keep = keep.copy()
        keep[pos] = np.array([bool(b) for b in force.values()])
    ctx.analysis["Screened"] = pd.DataFrame(
        {
            "uCode": codes,
            "N_missing": n_na,
            "N_zero": n_zero,
            "N_miss_or_zero": n_na + n_zero,
            "Dat_Avail": avail,
            "Non_Zero": nonzero,
            "LowData": low_data,
            "LowNonZero": low_nonzero,
            "LowDatOrZeroFlag": low_data | low_nonzero,
            "Included": keep,
        }
    )
    removed = codes[~keep].tolist()
    return Dset(x.rows[keep], x.columns, x.values[keep]), {"removed_units": removed}
