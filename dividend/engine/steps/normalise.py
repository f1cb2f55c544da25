"""Normalise: thin recipe wrapper around :func:`dividend.engine.methods.normalise.normalise`.

Multiplies each indicator by its direction first (as COINr does), fills the
iMeta-driven parameters (``Target`` for ``dist2targ``, goalpost columns for
``goalposts``), resolves a reference ``uCode`` for ``dist2ref`` and lets single
indicators use their own method via ``indiv``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dividend.engine.methods.normalise import normalise
from dividend.engine.steps.base import (
    Context,
    Dset,
    RecipeError,
    directions_of,
    register,
    strip_prefix,
)

# COINr's get_iMeta_norm_paras(): the iMeta columns behind f_n_para = "use_iMeta", and
# the kernel parameter each one fills (pairs become one (k, 2) / (k, 3) array).
IMETA_PARAMS: dict[str, dict[str, tuple[str, ...]]] = {
    "minmax": {"l_u": ("minmax_lower", "minmax_upper")},
    "scaled": {"npara": ("scaled_lower", "scaled_upper")},
    "zscore": {"m_sd": ("zscore_mean", "zscore_sd")},
    "dist2targ": {"targets": ("Target",), "cap_max": ("dist2targ_cap_max",)},
    "goalposts": {
        "gposts": ("goalpost_lower", "goalpost_upper", "goalpost_scale"),
        "trunc2posts": ("goalpost_trunc2posts",),
    },
}
# iMeta columns COINr lets you leave out (dist2targ_cap_max: "assumed as FALSE")
OPTIONAL_IMETA = {"dist2targ_cap_max", "goalpost_trunc2posts"}


def _imeta_params(
    ctx: Context, cols: tuple[str, ...], method: str, params: Mapping[str, Any], use_imeta: bool
) -> dict[str, Any]:
    """Parameters read from iMeta, per indicator, for those not given explicitly.

    With ``params: use_iMeta`` every parameter COINr maps comes from iMeta; otherwise only
    the ones that have no sensible global value (``Target``, goalposts) do.
    """
    fw = ctx.framework
    wanted = IMETA_PARAMS.get(method, {})
    if use_imeta and not wanted:
        raise RecipeError(
            f"Normalise.params: use_iMeta is not supported for {method!r} (COINr supports "
            f"{sorted(IMETA_PARAMS)})"
        )
    out: dict[str, Any] = {}
    for key, names in wanted.items():
        if key in params or not (use_imeta or method in ("dist2targ", "goalposts")):
            continue
        missing = [c for c in names if c not in fw.meta.columns]
        if missing and set(missing) <= OPTIONAL_IMETA:
            continue  # kernel default (cap_max = FALSE, trunc2posts = TRUE), as COINr
        if missing:
            raise RecipeError(
                f"Normalise ({method}): needs params.{key} or iMeta column(s) {missing}"
            )
        vals = np.column_stack([fw.column(c, cols).to_numpy(np.float64) for c in names])
        bad = np.isnan(vals).any(axis=1)
        if bad.any():
            raise RecipeError(
                f"Normalise ({method}): iMeta {list(names)} missing for indicator "
                f"{cols[int(np.argmax(bad))]!r}"
            )
        out[key] = vals.astype(bool)[:, 0] if key in ("cap_max", "trunc2posts") else vals
    if "targets" in out:
        out["targets"] = out["targets"][:, 0]
    return out


def _kernel_params(
    ctx: Context,
    x: Dset,
    cols: tuple[str, ...],
    method: str,
    params: Mapping[str, Any] | str,
    directions: np.ndarray,
) -> dict[str, Any]:
    """Fill the parameters COINr takes from iMeta or unit codes."""
    use_imeta = params == "use_iMeta"
    p = {} if use_imeta else dict(params)
    p.update(_imeta_params(ctx, cols, method, p, use_imeta))
    if method in ("dist2targ", "goalposts"):
        p.setdefault("directions", directions)
    elif method == "dist2ref":
        ref = p.pop("iref", None)
        if ref is None:
            raise RecipeError("Normalise.params.iref: dist2ref needs a reference uCode")
        if isinstance(ref, str):
            hits = np.flatnonzero(ctx.ucode(x) == ref)
            if len(hits) == 0:
                raise RecipeError(f"Normalise.params.iref: uCode {ref!r} is not in the dataset")
            ref = int(hits[0])
        p["iref"] = int(ref)
    return p


@register("Normalise", dset="Treated", write_to="Normalised")
def normalise_step(
    ctx: Context,
    x: Dset,
    method: str = "minmax",
    params: Mapping[str, Any] | None = None,
    indiv: Mapping[str, Mapping[str, Any]] | None = None,
    directions: Mapping[str, int] | None = None,
) -> tuple[Dset, dict[str, Any]]:
    """Normalise every indicator with ``method`` (COINr ``n_*`` names accepted) and ``params``.

    Args:
        params: kernel parameters, e.g. ``{"l_u": [0, 100]}`` for minmax, or
            ``"use_iMeta"`` to read them per indicator from iMeta columns, as COINr's
            ``f_n_para = "use_iMeta"`` (``minmax_lower``/``minmax_upper``,
            ``scaled_*``, ``zscore_mean``/``zscore_sd``, ``Target``/``dist2targ_cap_max``,
            ``goalpost_lower``/``_upper``/``_scale``/``_trunc2posts``).
        indiv: per-indicator overrides ``{iCode: {"method": ..., "params": {...}}}``.
        directions: per-indicator direction overrides (default iMeta ``Direction``).
    """
    d = directions_of(ctx, x)
    if directions:
        unknown = sorted(set(directions) - set(x.columns))
        if unknown:
            raise RecipeError(f"Normalise.directions: unknown indicator(s) {unknown}")
        d = d.copy()
        for code, val in directions.items():
            if val not in (1, -1):
                raise RecipeError(f"Normalise.directions.{code}: must be 1 or -1, got {val!r}")
            d[x.columns.index(code)] = val
    indiv = dict(indiv or {})
    unknown = sorted(set(indiv) - set(x.columns))
    if unknown:
        raise RecipeError(f"Normalise.indiv: unknown indicator(s) {unknown}")
    flipped = x.values * d
    groups: dict[tuple[str, str], list[int]] = {}
    specs: dict[tuple[str, str], tuple[str, Mapping[str, Any]]] = {}
    for j, code in enumerate(x.columns):  # bucket indicators by spec: one kernel call per spec
        spec = indiv.get(code)
        m, pr = (
            (method, params or {})
            if spec is None
            else (spec.get("method", method), spec.get("params", {}))
        )
        key = (m, pr if isinstance(pr, str) else repr(sorted(pr.items())))
        groups.setdefault(key, []).append(j)
        specs[key] = (m, pr)
    out = np.empty_like(flipped)
    for key, cols_list in groups.items():
        m, pr = specs[key]
        m = strip_prefix(m, "n_")
        cols = np.array(cols_list)
        codes = tuple(x.columns[j] for j in cols_list)
        kp = _kernel_params(ctx, x, codes, m, pr, d[cols])
        try:
            out[:, cols] = normalise(flipped[:, cols], m, codes=codes, **kp)
        except ValueError as exc:
            raise RecipeError(f"Normalise ({m}, indicators {list(codes)[:5]}): {exc}") from None
    return x.with_values(out), {}
