"""Impute missing values (COINr's ``Impute`` and ``impute_panel``), vectorised.

Methods (COINr names ``i_*`` are accepted too):

* by column: ``mean``, ``median``, ``mean_grp``, ``median_grp`` (group = a unit
  group column such as ``EurAsia_group``); a column with no observed value is an
  error (COINr's ``Impute.numeric``: "Input is all NAs"), a group within a column with
  no observed value stays missing, as in COINr's ``i_mean_grp``, and is reported in the
  step notes;
  units whose group label is missing are left untouched (COINr's ``skip_f_na``);
* by row: ``mean``, ``median`` over the unit's indicators, optionally within the
  indicator groups of a framework level (``group_level``; a unit with no value in a
  group is an error, as in COINr); by default the columns
  are min-max scaled first (after applying directions) and scaled back afterwards,
  as COINr does for ``impute_by = "row"``;
* panel data (needs ``Time``): ``latest`` carries the latest earlier value forward
  up to ``max_time`` time points back; ``linear`` (or ``constant``) interpolates
  between observations in time and holds the nearest value beyond the ends (COINr's
  ``approx(rule = 2)``), optionally only within ``max_time`` points of an observation.
* multivariate normal: ``em`` (or ``EM``) fills each unit's missing indicators with their
  conditional mean given its observed ones, under the mean and covariance estimated by
  EM from all units of the dataset (:mod:`dividend.methods.impute_em`; with a ``Time``
  column all unit-years are pooled); ``em: {max_iter, tol, ridge}`` tunes the kernel.

Whatever the method, observed values are never changed: the output is
``where(missing, imputed, observed)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dividend.engine.methods.impute_em import impute_em
from dividend.engine.steps.base import (
    Context,
    Dset,
    RecipeError,
    directions_of,
    register,
    strip_prefix,
)

COLUMN_METHODS = ("mean", "median", "mean_grp", "median_grp")
ROW_METHODS = ("mean", "median")
PANEL_METHODS = ("latest", "linear", "constant")
EM_METHODS = ("em", "EM")


def _nanstat(v: np.ndarray, how: str, axis: int) -> np.ndarray:
    """Mean/median ignoring NaN; all-NaN slices give NaN without warnings."""
    ok = ~np.isnan(v)
    n = ok.sum(axis=axis)
    if how == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(ok, v, 0.0).sum(axis=axis) / np.where(n > 0, n, np.nan)
    # median: sort NaN to the end, then pick the middle of the observed part per slice
    s = np.sort(v, axis=axis)
    if axis == 1:
        s = s.T
    lo = np.maximum((n - 1) // 2, 0)
    hi = np.minimum(n // 2, s.shape[0] - 1)
    cols = np.arange(s.shape[1])
    med = (s[lo, cols] + s[hi, cols]) / 2
    return np.where(n > 0, med, np.nan)


def _by_column(v: np.ndarray, method: str, labels: np.ndarray | None) -> np.ndarray:
    how = method.removesuffix("_grp")
    if labels is None:
        return np.broadcast_to(_nanstat(v, how, axis=0), v.shape)
    fill = np.full_like(v, np.nan)
    known = ~pd.isna(labels)
    for g in np.unique(labels[known]):  # loop over a handful of groups, vectorised over units
        m = labels == g
        fill[m] = _nanstat(v[m], how, axis=0)
    return fill


def _no_data_error(bad: np.ndarray, names, what: str, cols: np.ndarray | None = None) -> None:
    """COINr's Impute.numeric stops with "Input is all NAs - cannot impute": so do we, by name."""
    if bad.any():
        where = "" if cols is None else f" in indicator group starting at column {int(cols[0])}"
        raise RecipeError(
            f"Impute: {what} {names[int(np.argmax(bad))]!r} has no observed value{where}; "
            "cannot impute (as COINr)"
        )


def _by_row(
    v: np.ndarray,
    units: np.ndarray,
    method: str,
    col_groups: list[np.ndarray],
    directions: np.ndarray,
    normalise_first: bool,
) -> np.ndarray:
    w = v * directions if normalise_first else v
    if normalise_first:
        with np.errstate(invalid="ignore"):
            mn, mx = np.nanmin(w, axis=0), np.nanmax(w, axis=0)
        w = (w - mn) / (mx - mn)
    fill = np.full_like(v, np.nan)
    for cols in col_groups:  # loop over indicator groups, vectorised over units
        _no_data_error(np.isnan(v[:, cols]).all(axis=1), units, "unit", cols)
        fill[:, cols] = _nanstat(w[:, cols], method, axis=1)[:, None]
    if normalise_first:
        fill = (fill * (mx - mn) + mn) * directions
    return fill


def _panel(ctx: Context, x: Dset, method: str, max_time: int | None) -> np.ndarray:
    if ctx.data.time is None:
        raise RecipeError(f"Impute.method {method!r}: the unit data have no 'Time' column")
    t_all = ctx.data.time[x.rows]
    times, ti = np.unique(t_all, return_inverse=True)
    units, ui = np.unique(ctx.ucode(x).astype(str), return_inverse=True)
    cube = np.full((len(times), len(units), x.values.shape[1]), np.nan)
    cube[ti, ui] = x.values
    obs = ~np.isnan(cube)
    k = np.arange(len(times))[:, None, None]
    prev = np.maximum.accumulate(np.where(obs, k, -1), axis=0)
    nxt = np.minimum.accumulate(np.where(obs, k, len(times))[::-1], axis=0)[::-1]
    has_prev, has_next = prev >= 0, nxt < len(times)
    limit = np.inf if max_time is None else max_time
    ok_prev = has_prev & (k - prev <= limit)
    ok_next = has_next & (nxt - k <= limit)
    take = lambda idx: np.take_along_axis(cube, np.clip(idx, 0, len(times) - 1), axis=0)  # noqa: E731
    vp, vn = take(prev), take(nxt)
    if method == "latest":
        fill = np.where(ok_prev, vp, np.nan)
    else:
        tp, tn = times[np.clip(prev, 0, len(times) - 1)], times[np.clip(nxt, 0, len(times) - 1)]
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = (times[:, None, None] - tp) / (tn - tp)
        inner = vp + frac * (vn - vp) if method == "linear" else vp
        fill = np.where(
            ok_prev & ok_next,
            inner,
            np.where(ok_prev & ~has_next, vp, np.where(ok_next & ~has_prev, vn, np.nan)),
        )
    return fill[ti, ui]


def _em(x: Dset, use_group: str | None, options: dict[str, Any]) -> tuple[Dset, dict[str, Any]]:
    """EM imputation over all indicators jointly; the kernel's diagnostics go to the notes."""
    if use_group is not None:
        raise RecipeError("Impute.use_group: only valid with a *_grp method, not 'em'")
    unknown = sorted(set(options) - {"max_iter", "tol", "ridge"})
    if unknown:
        raise RecipeError(f"Impute.em: unknown option(s) {unknown}; valid: max_iter, tol, ridge")
    missing = np.isnan(x.values)
    _no_data_error(missing.all(axis=0), x.columns, "indicator")
    try:
        res = impute_em(x.values, codes=x.columns, **options)
    except ValueError as exc:
        raise RecipeError(f"Impute.em: {exc}") from exc
    return x.with_values(res.X), {
        "imputed": int(missing.sum()),
        "remaining_missing": 0,
        "em_iterations": res.iterations,
        "em_converged": res.converged,
        "em_loglik": float(res.loglik[-1]),
        "em_floored": res.floored,
    }


@register("Impute", dset="Denominated", write_to="Imputed")
def impute(
    ctx: Context,
    x: Dset,
    method: str = "mean",
    impute_by: str = "column",
    use_group: str | None = None,
    group_level: int | None = None,
    normalise_first: bool | None = None,
    max_time: int | None = None,
    em: dict[str, Any] | None = None,
    disable: bool = False,
) -> tuple[Dset, dict[str, Any]]:
    """Fill missing values; see the module docstring for the methods."""
    v = x.values
    missing = np.isnan(v)
    if disable or method == "none" or not missing.any():
        return x, {"imputed": 0, "remaining_missing": int(missing.sum())}
    method = strip_prefix(method, "i_")
    if method in EM_METHODS:
        return _em(x, use_group, em or {})
    if em is not None:
        raise RecipeError(f"Impute.em: only valid with method 'em', not {method!r}")
    if method in PANEL_METHODS:
        if max_time is not None and (int(max_time) != max_time or max_time < 1):
            raise RecipeError(f"Impute.max_time: must be a positive integer, got {max_time!r}")
        fill = _panel(ctx, x, method, max_time)
    elif impute_by == "column":
        if method not in COLUMN_METHODS:
            raise RecipeError(
                f"Impute.method: {method!r} is not one of {[*COLUMN_METHODS, *PANEL_METHODS]}"
            )
        labels = None
        if method.endswith("_grp"):
            if use_group is None:
                raise RecipeError(f"Impute.use_group: required for method {method!r}")
            if use_group not in ctx.data.groups:
                raise RecipeError(
                    f"Impute.use_group: {use_group!r} is not a group column of the unit data"
                )
            labels = ctx.data.groups[use_group][x.rows]
        elif use_group is not None:
            raise RecipeError(f"Impute.use_group: only valid with a *_grp method, not {method!r}")
        fill = _by_column(v, method, labels)
    elif impute_by == "row":
        if method not in ROW_METHODS:
            raise RecipeError(
                f"Impute.method: {method!r} is not one of {list(ROW_METHODS)} for impute_by='row'"
            )
        fw = ctx.framework
        if group_level is None:
            col_groups = [np.arange(v.shape[1])]
        else:
            if not 2 <= group_level <= fw.levels:
                raise RecipeError(
                    f"Impute.group_level: must be in 2..{fw.levels}, got {group_level}"
                )
            anc = [fw.ancestors(c)[group_level - 2] for c in x.columns]
            col_groups = [np.flatnonzero(np.array(anc) == a) for a in dict.fromkeys(anc)]
        directions = directions_of(ctx, x)
        fill = _by_row(
            v,
            ctx.ucode(x),
            method,
            col_groups,
            directions,
            True if normalise_first is None else bool(normalise_first),
        )
    else:
        raise RecipeError(f"Impute.impute_by: {impute_by!r} is not 'column' or 'row'")
    if method in ("mean", "median") and impute_by == "column":
        _no_data_error(np.isnan(v).all(axis=0), x.columns, "indicator")
    out = np.where(missing, fill, v)
    remaining = int(np.isnan(out).sum())
    return x.with_values(out), {
        "imputed": int(missing.sum()) - remaining,
        "remaining_missing": remaining,
    }
