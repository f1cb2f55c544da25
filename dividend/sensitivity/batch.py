"""Batched aggregation up a framework: many weight sets (runs) in one pass per level.

Weighted power means (``amean``, ``gmean``, ``hmean``, ``genmean``) are
``finv(sum_c w_c f(x_c) / sum_c w_c)`` over the available children, so a whole level
for R runs is two matrix products: with values shared by all runs (level 2 of a recipe
run) ``F (units × children) @ (W ∘ M) (children × runs·parents)``; with per-run values
(higher levels) one batched ``matmul``. Missing children drop out and the remaining
weights renormalise, exactly as :func:`dividend.engine.methods.aggregate.aggregate_many` (and
COINr) do; ``dat_thresh`` and ``genmean``'s no-skip rule too.

``copeland`` and ``mazziotta_pareto`` are not power means; they go through
``aggregate_many`` (all runs at once when the values are shared, else one call per run).

Why the power means are not simply ``aggregate_many`` too: that kernel takes one weight
matrix per call and a whole tree level for thousands of runs is two matrix products here;
``aggregate_many`` stays the reference (tests compare the two on ASEM). The signed
dividend's own aggregation (:mod:`dividend.engine.scoring`) is a third path for a reason
given there.

A run is *failed*, never NaN-filled silently, when a geometric / harmonic / negative-p
mean meets a value it is undefined for (COINr stops the whole regeneration there), or
when all weights of a group are zero; its message names the level, unit and child.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np

from dividend.engine.framework import Framework
from dividend.engine.methods.aggregate import aggregate, aggregate_many

POWER_MEANS = ("amean", "gmean", "hmean", "genmean")
SMALL = 4_000_000  # multiply-adds below which numpy's own loops beat (threaded) BLAS


def _mm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` (2-D or batched 3-D); small products avoid BLAS, whose idle threads spin
    and slow everything else on a busy machine."""
    work = a.size * b.shape[-1]
    if work >= SMALL:
        return np.matmul(a, b)
    if a.ndim == 2 and b.ndim == 2:
        return np.einsum("ij,jk->ik", a, b, optimize=False)
    if a.ndim == 2:
        return np.einsum("uc,rcp->rup", a, b, optimize=False)
    return np.einsum("ruc,rcp->rup", a, b, optimize=False)


@lru_cache(maxsize=64)
def memberships(fw: Framework) -> dict[int, np.ndarray]:
    """Level -> float membership matrix (children × parents), computed once per framework."""
    return {lev: fw.membership(lev).astype(np.float64) for lev in range(2, fw.levels + 1)}


def weight_codes(fw: Framework) -> tuple[str, ...]:
    """Column order of run weight matrices: every node below the top, level by level."""
    return tuple(c for level in fw.codes[:-1] for c in level)


def level_slices(fw: Framework) -> dict[int, slice]:
    """Level l (2..L) -> the slice of :func:`weight_codes` holding its children's weights."""
    out, start = {}, 0
    for lev in range(2, fw.levels + 1):
        n = len(fw.codes[lev - 2])
        out[lev] = slice(start, start + n)
        start += n
    return out


class RunFailures:
    """Per-run failure flags and the first message for each failed run."""

    def __init__(self, n: int) -> None:
        self.failed = np.zeros(n, dtype=bool)
        self.message = np.full(n, "", dtype=object)

    def add(self, mask: np.ndarray, msg: str | np.ndarray) -> None:
        new = mask & ~self.failed
        self.message[new] = msg if isinstance(msg, str) else msg[new]
        self.failed |= mask


def check_zero_groups(fw: Framework, W: np.ndarray, fails: RunFailures) -> None:
    """Runs where every child weight of some group is zero (e.g. all indicators excluded),
    unless the group itself has weight zero in that run (dropped, as leave-one-out does
    for a pillar with a single indicator)."""
    slices = level_slices(fw)
    for lev, sl in slices.items():
        zero = _mm(W[:, sl], memberships(fw)[lev]) == 0  # (R, parents)
        if lev + 1 in slices:  # the group's own weight (the top has none)
            zero &= W[:, slices[lev + 1]] != 0
        if zero.any():
            j = zero.argmax(axis=1)
            msg = np.array(
                [f"all weights of the children of {fw.codes[lev - 1][k]!r} are zero" for k in j],
                dtype=object,
            )
            fails.add(zero.any(axis=1), msg)


def _first_bad(bad: np.ndarray, units, children, what: str, lev: int) -> np.ndarray:
    """Per-run message naming the first offending unit/child (bad: (R, U, C))."""
    flat = bad.reshape(bad.shape[0], -1).argmax(axis=1)
    u, c = np.divmod(flat, bad.shape[2])
    return np.array(
        [
            f"level {lev}: {what} undefined for unit {units[i]!r}, child {children[j]!r}"
            for i, j in zip(u, c, strict=True)
        ],
        dtype=object,
    )


def _flags(bad: np.ndarray, units, kids, what: str, lev: int) -> tuple[np.ndarray, np.ndarray]:
    """Per leading row (1 for shared values, else per run): hit flag and message."""
    b3 = bad[None] if bad.ndim == 2 else bad
    return b3.reshape(b3.shape[0], -1).any(axis=1), _first_bad(b3, units, kids, what, lev)


def _transform(V, A, M, method, p, nonpositive, units, kids, lev):
    """f(values) of a power mean, the gmean shift per group, and undefined-value flags.

    Works on shared (U, C) or per-run (R, U, C) values; nothing here depends on weights,
    so for shared values it is computed once per upstream configuration and cached."""
    lead = V.shape[:-2]
    V0 = np.where(A, V, 1.0)
    shift = np.zeros((*lead, M.shape[1]))
    flags = None
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "amean":
            F = V0
        elif method == "gmean":
            bad = A & (V0 <= 0)
            if bad.any() and nonpositive == "shift":
                # the engine's documented rule: per group, add 1 - min when a value is <= 0
                for j in range(M.shape[1]):
                    cols = np.flatnonzero(M[:, j])
                    flat = (*lead, -1)
                    hit = bad[..., cols].reshape(flat).any(axis=-1)
                    mn = np.where(A[..., cols], V0[..., cols], np.inf).reshape(flat).min(axis=-1)
                    shift[..., j] = np.where(hit, 1.0 - mn, 0.0)
                V0 = V0 + (shift @ M.T)[..., None, :]
            elif bad.any():
                flags = _flags(bad, units, kids, "geometric mean", lev)
            F = np.log(V0)
        elif method == "hmean":
            if (A & (V0 == 0)).any():
                flags = _flags(A & (V0 == 0), units, kids, "harmonic mean", lev)
            F = 1.0 / V0
        else:  # genmean
            if p is None or p == 0:
                raise ValueError("genmean needs a non-zero exponent p (Aggregate.params.p)")
            if p < 0 and (A & (V0 <= 0)).any():
                flags = _flags(A & (V0 <= 0), units, kids, f"generalised mean (p={p})", lev)
            F = V0**p
    F = np.where(A & np.isfinite(F), F, 0.0)  # non-finite only in flagged runs
    return F, A.astype(np.float64), bool(A.all()), shift, flags


def _power_level(V, A, W, M, method, kw, thresh, units, kids, lev, fails, cache):
    """One level of a power mean. V: (U, C) shared or (R, U, C); W: (R, C); M: (C, P)."""
    shared = V.ndim == 2
    R, C, P = W.shape[0], M.shape[0], M.shape[1]
    p, nonpositive = kw.get("p"), kw.get("nonpositive", "raise")
    skipna = kw.get("genmean_skipna", False)
    key = (lev, method, p, nonpositive)
    if shared and cache is not None and key in cache:
        F, Af, complete, shift, flags = cache[key]
    else:
        F, Af, complete, shift, flags = _transform(
            V, A, M, method, p, nonpositive, units, kids, lev
        )
        if shared and cache is not None:
            cache[key] = (F, Af, complete, shift, flags)
    if flags is not None:
        hit, msg = flags
        fails.add(np.broadcast_to(hit, (R,)), msg[0] if shared else msg)
    WM = W[:, :, None] * M[None, :, :]  # (R, C, P)
    if shared:
        WM2 = WM.transpose(1, 0, 2).reshape(C, R * P)
        num = _mm(F, WM2).reshape(-1, R, P).transpose(1, 0, 2)
        den = None if complete else _mm(Af, WM2).reshape(-1, R, P).transpose(1, 0, 2)
    else:  # per-run values: scale by the run's weights, then one 2-D product with M
        num = _mm((F * W[:, None, :]).reshape(-1, C), M).reshape(R, -1, P)
        den = None if complete else _mm((Af * W[:, None, :]).reshape(-1, C), M).reshape(R, -1, P)
    if den is None:
        den = np.broadcast_to(_mm(W, M)[:, None, :], num.shape)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        m = num / den
        if method == "amean":
            Y = m
        elif method == "gmean":
            Y = np.exp(m) - (shift[None, None, :] if shared else shift[:, None, :])
        elif method == "hmean":
            Y = 1.0 / m
        else:
            Y = m ** (1.0 / p)
    Y = np.where(den > 0, Y, np.nan)
    if thresh is not None or (method == "genmean" and not skipna):
        cnt = M.sum(axis=0)
        have = _mm(Af, M) if Af.ndim == 2 else _mm(Af.reshape(-1, C), M).reshape(R, -1, P)
        if thresh is not None:
            Y = np.where(have / cnt < thresh, np.nan, Y)
        if method == "genmean" and not skipna:
            Y = np.where(have < cnt, np.nan, Y)
    return Y


def _other_level(V, A, W, fw, lev, method, thresh, kw, units, fails):
    """copeland / mazziotta_pareto through the engine's kernels."""
    R = W.shape[0]
    P = len(fw.codes[lev - 1])
    U = V.shape[-2]
    out = np.full((R, U, P), np.nan)
    kids_all = fw.codes[lev - 2]
    for j, (_parent, kids) in enumerate(fw.group_slices(lev)):
        names = [kids_all[k] for k in kids]
        if V.ndim == 2:
            try:
                out[:, :, j] = aggregate_many(
                    V[:, kids], W[:, kids], method, thresh, units=units, children=names, **kw
                )
            except ValueError as exc:
                fails.add(np.ones(R, dtype=bool), f"level {lev} ({method}): {exc}")
        else:
            for r in range(R):  # per-run values: one kernel call per run (slow path)
                try:
                    out[r, :, j] = aggregate(
                        V[r][:, kids], W[r, kids], method, thresh, units=units, children=names, **kw
                    )
                except ValueError as exc:
                    m = np.zeros(R, dtype=bool)
                    m[r] = True
                    fails.add(m, f"level {lev} ({method}): {exc}")
    return out


def aggregate_runs(
    fw: Framework,
    X: np.ndarray,
    W: np.ndarray,
    methods: Mapping[int, str] | np.ndarray,
    fails: RunFailures,
    *,
    dat_thresh: Mapping[int, float | None] | None = None,
    params: Mapping[int, Mapping[str, Any] | None] | None = None,
    masks: Mapping[int, np.ndarray] | None = None,
    units: np.ndarray | None = None,
    upto: int | None = None,
    cache: dict | None = None,
) -> dict[int, np.ndarray]:
    """Aggregate indicators ``X`` (units × indicators, or runs × units × indicators) for every
    run's weights ``W`` (runs × :func:`weight_codes`) with ``methods[level]``.

    Returns level -> (runs, units, parents at that level) for levels 2..``upto``.
    ``masks[level]`` (units × parents, bool) blanks aggregates (scoring coverage).
    ``cache``: a dict kept per (shared) ``X`` so f(X) of each mean is computed once.
    """
    dat_thresh = dat_thresh or {}
    params = params or {}
    upto = upto or fw.levels
    units = units if units is not None else np.arange(X.shape[-2])
    V = X
    out: dict[int, np.ndarray] = {}
    for lev, sl in level_slices(fw).items():  # loop over levels only
        if lev > upto:
            break
        method = methods[lev]
        M = memberships(fw)[lev]
        if V.ndim == 2 and cache is not None:
            if ("A", lev) not in cache:
                cache[("A", lev)] = ~np.isnan(V)
            A = cache[("A", lev)]
        else:
            A = ~np.isnan(V)
        kw = dict(params.get(lev) or {})
        kids = fw.codes[lev - 2]
        if method in POWER_MEANS:
            Y = _power_level(
                V, A, W[:, sl], M, method, kw, dat_thresh.get(lev), units, kids, lev, fails, cache
            )
        else:
            Y = _other_level(V, A, W[:, sl], fw, lev, method, dat_thresh.get(lev), kw, units, fails)
        if masks is not None and lev in masks:
            Y = np.where(masks[lev], Y, np.nan)
        out[lev] = Y
        V = Y
    return out


def linear_ok(methods: Mapping[int, str], dat_thresh, params, X: np.ndarray, upto: int) -> bool:
    """Whether :func:`aggregate_target` applies: one power mean with the same parameters at
    every level up to the target, no data threshold, no shifting, and complete values."""
    levels = range(2, upto + 1)
    ms = {methods[lev] for lev in levels}
    if len(ms) != 1 or next(iter(ms)) not in POWER_MEANS:
        return False
    kws = [dict((params or {}).get(lev) or {}) for lev in levels]
    if any(k != kws[0] for k in kws) or kws[0].get("nonpositive", "raise") == "shift":
        return False
    if any((dat_thresh or {}).get(lev) is not None for lev in levels):
        return False
    return X.ndim == 2 and not np.isnan(X).any()


def aggregate_target(
    fw: Framework,
    X: np.ndarray,
    W: np.ndarray,
    method: str,
    kw: Mapping[str, Any],
    level: int,
    col: int,
    fails: RunFailures,
    units: np.ndarray,
    cache: dict | None = None,
) -> np.ndarray:
    """(runs, units) target scores when :func:`linear_ok`: a power mean of power means is the
    same power mean with the *effective* weights (products of the group-normalised weights
    down the tree), so the whole tree is ``finv(f(X) @ w_eff)``: one matrix product for all
    runs and no per-level arrays. Equal to the level-by-level path up to rounding."""
    M2 = memberships(fw)[2]
    p = kw.get("p")
    key = ("target", method, p)
    if cache is not None and key in cache:
        F, flags = cache[key]
    else:
        A = np.ones(X.shape, dtype=bool)
        F, _, _, _, flags = _transform(X, A, M2, method, p, "raise", units, fw.codes[0], 2)
        if cache is not None:
            cache[key] = (F, flags)
    if flags is not None:
        fails.add(np.broadcast_to(flags[0], (W.shape[0],)), flags[1][0])
    E = None
    for lev, sl in level_slices(fw).items():  # levels only; each step is batched over runs
        if lev > level:
            break
        M = memberships(fw)[lev]
        w = W[:, sl]
        with np.errstate(invalid="ignore", divide="ignore"):
            wn = w / _mm(w, M)[:, np.argmax(M, axis=1)]  # normalised within each group
        step = wn[:, :, None] * M[None]  # (R, children, parents)
        E = step if E is None else np.matmul(E, step)
    eff = E[:, :, col]  # (R, indicators)
    m = _mm(F, np.ascontiguousarray(eff.T)).T  # (R, U)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if method == "amean":
            return m
        if method == "gmean":
            return np.exp(m)
        if method == "hmean":
            return 1.0 / m
        return m ** (1.0 / p)
