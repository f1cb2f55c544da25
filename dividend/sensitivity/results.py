"""Output tables of a sensitivity analysis: per unit, per input, per run, leave-one-out.

* ``units``: nominal score and rank, mean and median rank, 5th-95th percentile rank,
  5th/50th/95th percentile score, the number of runs with a value and, for the signed
  dividend, ``p_net_loss`` = share of those runs with a dividend < 0. For a Saltelli
  design only the A and B rows count (the AB_i rows are not independent draws), as in
  COINr's ``RankStats``.
* ``inputs`` (design ``sa``): first-order ``Si`` and total-order ``STi`` of the target
  (mean absolute rank change against the nominal ranks) with bootstrap intervals.
* ``unit_indices`` (design ``sa``): ``Si`` / ``STi`` of each unit's score, with bootstrap
  intervals (``Si_lo`` ... ``STi_hi``) when ``nboot`` > 0 (:func:`unit_sobol`).
* ``runs``: one row per run: design block, every input's code and readable value,
  status (``ok`` / ``failed``), the error of a failed run and the target value.
  ``dividend.sensitivity.runner`` can recompute any run from its codes.
* ``leave_one_out``: per indicator, the mean and largest absolute rank shift of the
  target when the indicator's weight is zero (``dropped``: what was left out; a pillar
  whose only indicator it is goes too, its parent renormalising over the other pillars); ``loo_shifts`` per unit (nominal rank
  minus new rank, COINr's sign).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dividend.engine.ranking import rank_rows
from dividend.sensitivity.blocks import Analysis
from dividend.sensitivity.inputs import SensitivityError
from dividend.sensitivity.sobol import sobol_indices, split

MAX_CSV_CELLS = 5_000_000  # scores/ranks matrices larger than this are written as .npy


@dataclass
class SensitivityResult:
    """All outputs; ``scores``/``ranks`` are runs × units (NaN for failed runs)."""

    units: pd.DataFrame
    runs: pd.DataFrame
    inputs: pd.DataFrame | None
    unit_indices: pd.DataFrame | None
    leave_one_out: pd.DataFrame | None
    loo_shifts: pd.DataFrame | None
    scores: np.ndarray
    ranks: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_failed(self) -> int:
        return int((self.runs["status"] == "failed").sum())

    def to_csv(self, out: str | Path) -> list[Path]:
        """Write every table as CSV (plus scores/ranks, as .npy when very large) and meta.json."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        tables = {
            "units": self.units,
            "runs": self.runs,
            "inputs": self.inputs,
            "unit_indices": self.unit_indices,
            "leave_one_out": self.leave_one_out,
            "loo_shifts": self.loo_shifts,
        }
        for name, t in tables.items():
            if t is not None:
                p = out / f"{name}.csv"
                t.to_csv(p, index=name == "loo_shifts", float_format="%.10g")
                written.append(p)
        units = self.units["uCode"].astype(str).tolist()
        for name, arr in (("scores", self.scores), ("ranks", self.ranks)):
            if arr.size <= MAX_CSV_CELLS:
                p = out / f"{name}.csv"
                frame = pd.DataFrame(arr, columns=units)
                frame.insert(0, "run", np.arange(arr.shape[0]))
                frame.to_csv(p, index=False, float_format="%.10g")
            else:
                p = out / f"{name}.npy"
                np.save(p, arr)
            written.append(p)
        p = out / "meta.json"
        p.write_text(json.dumps(self.meta, indent=2, default=str))
        written.append(p)
        return written


def column_stats(a: np.ndarray, q: list[float], chunk: int = 256) -> dict[str, np.ndarray]:
    """Per column of ``a`` (runs × units, NaN = no value): count, mean, quantiles ``q``
    and the share of negative values, in chunks of units so memory stays bounded."""
    k = a.shape[1]
    out = {
        "count": np.zeros(k, dtype=np.int64),
        "mean": np.full(k, np.nan),
        "q": np.full((len(q), k), np.nan),
        "neg": np.full(k, np.nan),
    }
    for s in range(0, k, chunk):  # chunks of units, each vectorised over runs
        block = np.asarray(a[:, s : s + chunk], dtype=np.float64)
        ok = ~np.isnan(block)
        cnt = ok.sum(axis=0)
        has = cnt > 0
        out["count"][s : s + chunk] = cnt
        with np.errstate(invalid="ignore", divide="ignore"):
            out["mean"][s : s + chunk] = np.where(has, np.where(ok, block, 0).sum(0) / cnt, np.nan)
            out["neg"][s : s + chunk] = np.where(has, (block < 0).sum(0) / cnt, np.nan)
        if ok.all():
            out["q"][:, s : s + chunk] = np.quantile(block, q, axis=0)
        elif has.any():
            # NaN sorts last: the quantile of the first cnt values, vectorised per column
            srt = np.sort(block, axis=0)
            for i, p in enumerate(q):  # R's type 7, numpy's default "linear"
                pos = p * (cnt - 1)
                lo = np.floor(pos).astype(np.intp)
                hi = np.minimum(lo + 1, np.maximum(cnt - 1, 0))
                cols = np.arange(block.shape[1])
                lo_v, hi_v = srt[np.maximum(lo, 0), cols], srt[hi, cols]
                val = lo_v + (pos - lo) * (hi_v - lo_v)
                out["q"][i, s : s + chunk] = np.where(has, val, np.nan)
    return out


# Per-unit intervals are a secondary output computed for every unit (hundreds): they use at
# most this many resamples, which keeps a scenario's sensitivity run within the 5 s budget
# for re-running everything downstream of a weight file; the per-input intervals (the
# headline Sobol table) use the full nboot.
UNIT_NBOOT = 250
BOOT_CELLS = 4_000_000  # bootstrap indices held at once: nboot × inputs × units of a chunk


def unit_sobol(
    scores: np.ndarray,
    units: np.ndarray,
    inputs: tuple,
    n: int,
    nboot: int,
    conf: float,
    seed: int,
) -> pd.DataFrame:
    """Si / STi of every unit's score, with percentile bootstrap intervals when ``nboot``.

    The estimators are vectorised over units. The bootstrap resamples design rows, so
    units are bootstrapped together in groups that share their complete rows (one group
    unless a unit is missing from some runs), in chunks of units that bound memory at
    :data:`BOOT_CELLS`; every chunk uses the same resamples (same ``seed``), so the
    intervals do not depend on the chunking. Units with fewer than two complete rows, or
    whose score never varies (0/0), get NaN.
    """
    d = len(inputs)
    ya, yb, yab = split(scores, n, d)
    ok = np.isfinite(ya) & np.isfinite(yb) & np.all(np.isfinite(yab), axis=0)  # (n, units)
    out = {
        k: np.full((d, units.size), np.nan)
        for k in ("Si", "Si_lo", "Si_hi", "STi", "STi_lo", "STi_hi")
    }
    used = ok.sum(axis=0)
    patterns, group = np.unique(ok.T, axis=0, return_inverse=True)
    chunk = max(1, BOOT_CELLS // max(1, nboot * d))
    for g, pattern in enumerate(patterns):  # distinct sets of complete rows: a handful
        if pattern.sum() < 2:
            continue
        cols = np.flatnonzero(group.reshape(-1) == g)
        for a in range(0, cols.size, chunk):  # chunks of units, each vectorised
            c = cols[a : a + chunk]
            ind = sobol_indices(scores[:, c], n, d, nboot, conf, np.random.default_rng(seed))
            out["Si"][:, c], out["STi"][:, c] = ind.S1, ind.ST
            if nboot:
                out["Si_lo"][:, c], out["Si_hi"][:, c] = ind.S1_lo, ind.S1_hi
                out["STi_lo"][:, c], out["STi_hi"][:, c] = ind.ST_lo, ind.ST_hi
    table = {
        "uCode": np.tile(units, d),
        "input": np.repeat([i.name for i in inputs], units.size),
        "Si": out["Si"].ravel(),
    }
    if nboot:
        table |= {"Si_lo": out["Si_lo"].ravel(), "Si_hi": out["Si_hi"].ravel()}
    table["STi"] = out["STi"].ravel()
    if nboot:
        table |= {"STi_lo": out["STi_lo"].ravel(), "STi_hi": out["STi_hi"].ravel()}
    table["n_used"] = np.tile(used, d)
    return pd.DataFrame(table)


def build_result(
    analysis: Analysis,
    scores: np.ndarray,
    ranks: np.ndarray,
    failed: np.ndarray,
    message: np.ndarray,
    y: np.ndarray,
    loo: tuple[np.ndarray, np.ndarray, np.ndarray, list[str], list[str]] | None,
    rng: np.random.Generator,
) -> SensitivityResult:
    """Assemble every table from the stacked block results."""
    model, des, inputs = analysis.model, analysis.design, analysis.inputs
    if failed.all():
        raise SensitivityError(
            f"every one of the {failed.size} runs failed; first error: {message[0]}"
        )
    units = model.units
    signed = model.mode == "scoring"

    # ---------------------------------------------------------------- per unit
    # failed runs are NaN rows, so they drop out of every statistic without a copy
    use = slice(0, 2 * des.n) if des.kind == "sa" else slice(None)
    rs = column_stats(ranks[use], [0.05, 0.5, 0.95])
    ss = column_stats(scores[use], [0.05, 0.5, 0.95])
    table: dict[str, Any] = {
        "uCode": units,
        "nominal_score": analysis.nominal_scores,
        "nominal_rank": analysis.nominal_ranks,
        "n_runs": ss["count"],
        "mean_rank": rs["mean"],
        "median_rank": rs["q"][1],
        "rank_q05": rs["q"][0],
        "rank_q95": rs["q"][2],
        "score_q05": ss["q"][0],
        "score_median": ss["q"][1],
        "score_q95": ss["q"][2],
    }
    if signed:
        table["p_net_loss"] = ss["neg"]
    unit_table = pd.DataFrame(table)

    # ---------------------------------------------------------------- per run
    runs: dict[str, Any] = {
        "run": np.arange(des.n_runs),
        "block": des.block_labels([i.name for i in inputs]),
    }
    for k, inp in enumerate(inputs):  # loop over inputs; labels via the few distinct codes
        col = analysis.codes[:, k]
        uniq, inv = np.unique(col, return_inverse=True)
        labels = np.array([inp.label(c) for c in uniq], dtype=object)
        runs[f"{inp.name}.code"] = col
        runs[inp.name] = labels[inv.reshape(-1)]
    runs["status"] = np.where(failed, "failed", "ok")
    runs["error"] = np.where(failed, message, "")
    runs["mean_abs_rank_change"] = y
    run_table = pd.DataFrame(runs)

    # ---------------------------------------------------------------- sobol
    inp_table = unit_idx = None
    if des.kind == "sa":
        ind = sobol_indices(y, des.n, des.d, analysis.nboot, analysis.conf, rng)
        inp_table = pd.DataFrame(
            {
                "input": [i.name for i in inputs],
                "kind": [type(i).__name__ for i in inputs],
                "Si": ind.S1[:, 0],
                "STi": ind.ST[:, 0],
                "n_used": int(ind.n_used[0]),
            }
        )
        if analysis.nboot:
            inp_table.insert(3, "Si_lo", ind.S1_lo[:, 0])
            inp_table.insert(4, "Si_hi", ind.S1_hi[:, 0])
            inp_table["STi_lo"] = ind.ST_lo[:, 0]
            inp_table["STi_hi"] = ind.ST_hi[:, 0]
        unit_seed = int(rng.integers(2**63)) if analysis.nboot else 0  # after the inputs' draws
        unit_nboot = min(analysis.nboot, UNIT_NBOOT)
        unit_idx = unit_sobol(scores, units, inputs, des.n, unit_nboot, analysis.conf, unit_seed)

    # ---------------------------------------------------------------- leave one out
    loo_table = loo_shifts = None
    if loo is not None:
        l_scores, l_failed, l_msg, codes, dropped = loo
        l_ranks = rank_rows(l_scores, analysis.rankable)
        shift = analysis.nominal_ranks[None, :] - l_ranks.astype(np.float64)
        absd = np.abs(shift)
        cnt = (~np.isnan(absd)).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_abs = np.where(cnt > 0, np.nansum(absd, axis=1) / np.maximum(cnt, 1), np.nan)
        max_abs = np.where(
            cnt > 0, np.nanmax(np.where(np.isnan(absd), -np.inf, absd), axis=1), np.nan
        )
        loo_table = pd.DataFrame(
            {
                "indicator": codes,
                "dropped": dropped,
                "mean_abs_rank_shift": mean_abs,
                "max_abs_rank_shift": max_abs,
                "status": np.where(l_failed, "failed", "ok"),
                "error": np.where(l_failed, l_msg, ""),
            }
        )
        loo_shifts = pd.DataFrame(shift.T, index=pd.Index(units, name="uCode"), columns=codes)

    meta = {
        "mode": model.mode,
        "target": model.target,
        "design": des.kind,
        "sampler": des.sampler,
        "n": des.n,
        "d": des.d,
        "n_runs": des.n_runs,
        "n_failed": int(failed.sum()),
        "seed": analysis.seed,
        "nboot": analysis.nboot,
        "conf": analysis.conf,
        "blocks": len(analysis.blocks),
        "inputs": [i.name for i in inputs],
    }
    return SensitivityResult(
        unit_table, run_table, inp_table, unit_idx, loo_table, loo_shifts, scores, ranks, meta
    )
