"""Normalise: thin recipe wrapper around :func:`dividend.methods.normalise.normalise`.

Multiplies each indicator by its direction first (as COINr does), fills the
iMeta-driven parameters (``Target`` for ``dist2targ``, goalpost columns for
``goalposts``), resolves a reference ``uCode`` for ``dist2ref`` and lets single
indicators use their own method via ``indiv``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dividend.steps.base import Context, Dset, RecipeError, register, strip_prefix

GOALPOST_COLUMNS = ("goalpost_lower", "goalpost_upper", "goalpost_scale")


def _kernel_params(
    ctx: Context,
    x: Dset,
    cols: tuple[str, ...],
    method: str,
    params: Mapping[str, Any],
    directions: np.ndarray,
) -> dict[str, Any]:
    """Fill the parameters COINr takes from iMeta or unit codes."""
    p = dict(params)
    fw = ctx.framework
    if method == "dist2targ":
        p.setdefault("directions", directions)
        if "targets" not in p:
            t = (
                fw.column("Target", cols).to_numpy(dtype=np.float64)
                if "Target" in fw.meta
                else None
            )
            if t is None or np.isnan(t).any():
                raise RecipeError(
                    "Normalise: method 'dist2targ' needs iMeta column 'Target' for every indicator"
                )
            p["targets"] = t
    elif method == "goalposts":
        p.setdefault("directions", directions)
        if "gposts" not in p:
            missing = [c for c in GOALPOST_COLUMNS if c not in fw.meta.columns]
            if missing:
                raise RecipeError(
                    f"Normalise: method 'goalposts' needs params.gposts or iMeta columns {missing}"
                )
            p["gposts"] = np.column_stack(
                [fw.column(c, cols).to_numpy(np.float64) for c in GOALPOST_COLUMNS]
            )
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


@register(
    "Normalise",
    dset="Treated",
    write_to="Normalised",
    method="minmax",
    params=None,
    indiv=None,
    directions=None,
)
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
        params: kernel parameters, e.g. ``{"l_u": [0, 100]}`` for minmax.
        indiv: per-indicator overrides ``{iCode: {"method": ..., "params": {...}}}``.
        directions: per-indicator direction overrides (default iMeta ``Direction``).
    """
    from dividend.methods.normalise import normalise

    fw = ctx.framework
    d = (
        fw.directions
        if x.columns == fw.indicators
        else fw.column("Direction", x.columns).to_numpy(float)
    )
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
        key = (m, repr(sorted(pr.items())))
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
