"""Treat outliers: thin recipe wrapper around :func:`dividend.methods.treat.treat`.

The kernel (COINr's skew/kurtosis test, winsorisation, log_CT fallback) lives in
``dividend.methods``; this step only picks the dataset and records the treatment table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dividend.steps.base import Context, Dset, RecipeError, register


@register(
    "Treat",
    dset="Screened",
    write_to="Treated",
    winmax=5,
    skew_thresh=2.0,
    kurt_thresh=3.5,
    f2="log_CT",
    overrides=None,
    disable=False,
)
def treat_step(
    ctx: Context,
    x: Dset,
    winmax: int = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    f2: str = "log_CT",
    overrides: Mapping[str, Any] | None = None,
    disable: bool = False,
) -> tuple[Dset, dict[str, Any]]:
    """Winsorise / transform indicators that fail COINr's skew-and-kurtosis test."""
    if disable:
        return x, {"treated": []}
    from dividend.methods.treat import treat  # imported here: the kernel is a separate module

    if overrides:
        unknown = sorted(set(overrides) - set(x.columns))
        if unknown:
            raise RecipeError(f"Treat.overrides: unknown indicator(s) {unknown}")
    try:
        out, table = treat(
            x.values,
            list(x.columns),
            winmax=winmax,
            skew_thresh=skew_thresh,
            kurt_thresh=kurt_thresh,
            f2=f2,
            overrides=dict(overrides) if overrides else None,
        )
    except (TypeError, KeyError) as exc:
        raise RecipeError(f"Treat: bad parameters: {exc}") from None
    ctx.analysis["Treated"] = table
    return x.with_values(out), {}
