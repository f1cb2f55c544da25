"""Treat outliers: thin recipe wrapper around :func:`dividend.engine.methods.treat.treat`.

The kernel (COINr's skew/kurtosis test, winsorisation, log_CT / Box-Cox fallback)
lives in ``dividend.engine.methods``; this step only picks the dataset and keeps COINr's
``Dets_Table`` in ``Result.analysis["Treated"]``, our fuller log in
``analysis["Treated_details"]`` and COINr's ``Treated_Points`` (lazily built) in
``analysis["Treated_Points"]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dividend.engine.methods.treat import dets_table, treat
from dividend.engine.steps.base import Context, Dset, RecipeError, register


@register("Treat", dset="Screened", write_to="Treated")
def treat_step(
    ctx: Context,
    x: Dset,
    winmax: int | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    f1: str | None = "winsorise",
    f2: str | None = "log_CT",
    overrides: Mapping[str, Any] | None = None,
    boxcox_lambda: float | None = None,
    force_win: bool = False,
    combine_treat: bool = False,
    disable: bool = False,
) -> tuple[Dset, dict[str, Any]]:
    """Winsorise / transform indicators that fail COINr's skew-and-kurtosis test.

    ``overrides`` maps an iCode to ``"none"`` or to a dict of per-indicator settings.
    """
    if disable:
        return x, {"treated": []}
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
            f1=f1,
            f2=f2,
            overrides=dict(overrides) if overrides else None,
            boxcox_lambda=boxcox_lambda,
            force_win=force_win,
            combine_treat=combine_treat,
        )
    except (ValueError, TypeError, KeyError) as exc:
        raise RecipeError(f"Treat: {exc}") from None
    ctx.analysis["Treated"] = dets_table(table)  # COINr's Dets_Table, its layout exactly
    ctx.analysis["Treated_details"] = table  # plus our columns: what finally happened
    ctx.analysis["Treated_Points"] = table.attrs["treated_points"]  # built only on request
    how = dict(zip(table["iCode"], table["Treatment"], strict=True))
    return x.with_values(out), {"treated": {c: t for c, t in how.items() if t != "none"}}
