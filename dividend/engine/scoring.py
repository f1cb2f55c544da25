"""Signed migration-dividend scoring: benefits minus costs, on a break-even scale.

COINr (and the Handbook's usual normalisations) put every indicator on a 0-100
scale where 0 means "worst observed unit", so a composite can never say
*net loss*. Faal defines the migration dividend as the surplus of benefits over
the costs and inputs of migration; this module therefore scores each indicator
relative to a declared **neutral** (break-even / parity) value, so zero means
"benefits exactly offset costs" and a negative result means a net migration loss.

Per indicator ``i`` (iMeta columns ``Role``, ``Neutral``, ``Goalpost``):

* ``Role`` is ``benefit``, ``cost`` or ``context``. Context indicators are
  reported (raw values) but never scored.
* ``score_i = clip((x_i - neutral_i) / goalpost_i, -1, 1) * 100``. For a benefit,
  a positive score is a benefit above break-even; for a cost, a positive score is
  a cost above break-even (it *lowers* the dividend).
* ``Neutral`` blank / ``peer_median``: no natural break-even exists, so the
  neutral is the median of the unit's peer group (or of all units) and the result
  is flagged *relative*: its sign then says "better/worse than peers", not
  "gain/loss".

Per aggregate at level 2 (pillar) and unit, with nominal weights ``w`` and the set
``O`` of scored indicators the unit has observed::

    W = sum_{i in O} w_i
    B = sum_{benefit i in O} w_i * score_i / W
    C = sum_{cost i in O}    w_i * score_i / W
    dividend = B - C                       in [-100, 100]

i.e. a single signed weighted mean in which cost scores enter negatively, with
the weights renormalised over *all* observed scored indicators of the pillar (as
COINr's arithmetic mean drops missing values). ``B`` and ``C`` are the benefit
and cost *contributions* on that common denominator, so ``dividend = B - C``
exactly, and ``dividend < 0`` means the weighted costs outweigh the weighted
benefits (``net_loss``). Why not ``mean(benefits) - mean(costs)``? That ranges
over [-200, 200] and gives one cost indicator the same pull as all benefits of
the pillar together, whatever their weights say. Higher aggregates (sub-index,
index) are weighted means of their children's ``B``, ``C`` and ``dividend``
(renormalised over children with a value), so the identity holds at every level.

Everything is vectorised over units and, in :func:`score_many`, over thousands of
weight vectors at once (one batched matrix product per level).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from dividend.engine.analysis._input import units_and_matrix
from dividend.engine.framework import Framework

ROLES = ("benefit", "cost", "context")
PEER_MEDIAN = "peer_median"


class ScoringError(ValueError):
    """Invalid scoring specification or input; the message names the element."""


def _is_blank(v: object) -> bool:
    return (
        v is None
        or (isinstance(v, float) and np.isnan(v))
        or (isinstance(v, str) and not v.strip())
    )


@dataclass(frozen=True, eq=False)
class ScoringSpec:
    """Role, neutral and goalpost per indicator, on top of a validated framework.

    Attributes:
        framework: the indicator tree (weights, parents).
        role: per indicator (framework order) one of :data:`ROLES`.
        neutral: per indicator break-even value; NaN means peer median (relative).
        goalpost: per indicator distance from neutral that scores ±100 (NaN for context).
    """

    framework: Framework
    role: np.ndarray
    neutral: np.ndarray
    goalpost: np.ndarray

    @classmethod
    def from_framework(
        cls,
        framework: Framework,
        role: dict[str, str] | None = None,
        neutral: dict[str, float | str | None] | None = None,
        goalpost: dict[str, float] | None = None,
    ) -> ScoringSpec:
        """Read ``Role``/``Neutral``/``Goalpost`` from iMeta, overridden by the dicts given."""
        codes = framework.indicators
        cols = framework.meta.set_index("iCode")

        def pick(name: str, override: dict | None) -> list[object]:
            override = override or {}
            unknown = sorted(set(override) - set(codes))
            if unknown:
                raise ScoringError(f"{name}: unknown indicator code(s) {unknown}")
            base = cols[name] if name in cols.columns else pd.Series(dtype=object)
            out = []
            for c in codes:
                if c in override:
                    out.append(override[c])
                elif c in base.index:
                    out.append(base[c])
                else:
                    raise ScoringError(f"indicator {c!r}: no {name} given (iMeta column {name!r})")
            return out

        roles = np.array(
            [str(r).strip().lower() if not _is_blank(r) else "" for r in pick("Role", role)],
            dtype=object,
        )
        bad = [c for c, r in zip(codes, roles, strict=True) if r not in ROLES]
        if bad:
            i = codes.index(bad[0])
            raise ScoringError(
                f"indicator {bad[0]!r}: Role {roles[i]!r} is not one of {list(ROLES)}"
            )
        scored = roles != "context"

        neutrals = np.full(len(codes), np.nan)
        for i, (c, v) in enumerate(zip(codes, pick("Neutral", neutral), strict=True)):
            if (
                not scored[i]
                or _is_blank(v)
                or (isinstance(v, str) and v.strip().lower() == PEER_MEDIAN)
            ):
                continue
            try:
                neutrals[i] = float(v)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise ScoringError(
                    f"indicator {c!r}: Neutral {v!r} is neither a number nor {PEER_MEDIAN!r}"
                ) from None
            if not np.isfinite(neutrals[i]):
                raise ScoringError(f"indicator {c!r}: Neutral {v!r} is not finite")

        goals = np.full(len(codes), np.nan)
        for i, (c, v) in enumerate(zip(codes, pick("Goalpost", goalpost), strict=True)):
            if not scored[i]:
                continue
            try:
                g = float(v)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                g = np.nan
            if not np.isfinite(g) or g <= 0:
                raise ScoringError(f"indicator {c!r}: Goalpost {v} must be a positive number")
            goals[i] = g
        if not scored.any():
            raise ScoringError("no benefit or cost indicators: every indicator has Role 'context'")
        return cls(framework, roles, neutrals, goals)

    # ------------------------------------------------------------ derived
    @property
    def indicators(self) -> tuple[str, ...]:
        return self.framework.indicators

    @cached_property
    def scored(self) -> np.ndarray:
        """Boolean per indicator: benefit or cost."""
        return self.role != "context"

    @cached_property
    def relative(self) -> pd.Series:
        """Per scored indicator: True where the neutral is the peer median."""
        return pd.Series(
            np.isnan(self.neutral) & self.scored, index=list(self.indicators), name="relative"
        )

    @cached_property
    def weight_codes(self) -> tuple[str, ...]:
        """Column order of a weights matrix for :func:`score_many`: every node below the top."""
        return tuple(c for level in self.framework.codes[:-1] for c in level)

    @cached_property
    def nominal_weights(self) -> np.ndarray:
        """Nominal weights in :attr:`weight_codes` order."""
        return np.array([self.framework.weight[c] for c in self.weight_codes], dtype=np.float64)

    @cached_property
    def _subtree(self) -> list[np.ndarray]:
        """Per level >= 2: indicators × aggregates boolean, indicator lies under aggregate."""
        out, acc = [], None
        for lev in range(2, self.framework.levels + 1):
            m = self.framework.membership(lev).astype(np.float64)
            acc = m if acc is None else acc @ m
            out.append(acc > 0)
        return out


@dataclass(frozen=True, eq=False)
class DividendResult:
    """Signed scores for one weight set; all frames are indexed by uCode.

    Attributes:
        scores: units × scored indicators, in [-100, 100] (NaN where not observed).
        context: units × context indicators, raw values (reported, never scored).
        neutral: units × scored indicators, the neutral actually used.
        relative: per scored indicator, True if scored against the peer median.
        benefit, cost, dividend: units × aggregates (every level >= 2, the index last);
            ``dividend = benefit - cost``, each in [-100, 100].
        coverage: units × aggregates, share of the scored indicators underneath observed.
        relative_share: units × aggregates, weight share of relative indicators in the value.
        net_loss: units × aggregates, nullable boolean ``dividend < 0`` (NA where no value).
    """

    scores: pd.DataFrame
    context: pd.DataFrame
    neutral: pd.DataFrame
    relative: pd.Series
    benefit: pd.DataFrame
    cost: pd.DataFrame
    dividend: pd.DataFrame
    coverage: pd.DataFrame
    relative_share: pd.DataFrame
    net_loss: pd.DataFrame

    @property
    def index(self) -> pd.Series:
        """The overall (top-level) dividend per unit."""
        return self.dividend.iloc[:, -1]

    def summary(self) -> pd.DataFrame:
        """One row per unit: overall dividend, benefit, cost, coverage, net_loss, relative share."""
        top = self.dividend.columns[-1]
        return pd.DataFrame(
            {
                "dividend": self.dividend[top],
                "benefit": self.benefit[top],
                "cost": self.cost[top],
                "coverage": self.coverage[top],
                "relative_share": self.relative_share[top],
                "net_loss": self.net_loss[top],
            }
        )


# ------------------------------------------------------------------ inputs
def _unit_matrix(data: pd.DataFrame, codes: tuple[str, ...]) -> tuple[pd.Index, np.ndarray]:
    """Units × indicators float matrix; uCode from a column or the index (unique)."""
    units, _, x = units_and_matrix(
        data,
        codes,
        error=ScoringError,
        unique_units=True,
        missing_fmt="data is missing indicator column(s) {}",
    )
    return units, x


def _peer_labels(data: pd.DataFrame, units: pd.Index, peer_group: str | pd.Series | None):
    if peer_group is None:
        return None
    if isinstance(peer_group, str):
        if peer_group not in data.columns:
            raise ScoringError(f"peer_group column {peer_group!r} not found in data")
        labels = pd.Series(data[peer_group].to_numpy(), index=units)
    else:
        labels = pd.Series(peer_group).reindex(units)
    if labels.isna().any():
        raise ScoringError(
            f"peer group label missing for uCode(s) {labels.index[labels.isna()].tolist()}"
        )
    return labels


def neutral_matrix(spec: ScoringSpec, x: np.ndarray, peers: pd.Series | None = None) -> np.ndarray:
    """Units × indicators neutral values; peer medians (group-wise) where Neutral is blank."""
    neutral = np.broadcast_to(spec.neutral, x.shape).copy()
    rel = np.flatnonzero(spec.relative.to_numpy())
    if rel.size:
        if peers is None:
            neutral[:, rel] = np.nanmedian(x[:, rel], axis=0) if len(x) else np.nan
        else:
            frame = pd.DataFrame(x[:, rel])
            neutral[:, rel] = frame.groupby(peers.to_numpy()).transform("median").to_numpy()
    return neutral


def indicator_scores(x: np.ndarray, neutral: np.ndarray, goalpost: np.ndarray) -> np.ndarray:
    """``clip((x - neutral) / goalpost, -1, 1) * 100`` elementwise (NaN stays NaN)."""
    return np.clip((x - neutral) / goalpost, -1.0, 1.0) * 100.0


def _check_weight_matrix(spec: ScoringSpec, w: np.ndarray) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64)
    if w.ndim == 1:
        w = w[None, :]
    k = len(spec.weight_codes)
    if w.ndim != 2 or w.shape[1] != k:
        raise ScoringError(
            f"weights must have shape (n_sets, {k}) over spec.weight_codes, got {w.shape}"
        )
    if not np.isfinite(w).all():
        r, c = np.argwhere(~np.isfinite(w))[0]
        raise ScoringError(f"weight set {r}, {spec.weight_codes[c]!r}: weight is not finite")
    if (w < 0).any():
        r, c = np.argwhere(w < 0)[0]
        raise ScoringError(
            f"weight set {r}, {spec.weight_codes[c]!r}: weight {w[r, c]} is negative"
        )
    fw, start = spec.framework, 0
    for lev in range(2, fw.levels + 1):
        n = len(fw.codes[lev - 2])
        sums = w[:, start : start + n] @ fw.membership(lev)
        if (sums == 0).any():
            r, j = np.argwhere(sums == 0)[0]
            raise ScoringError(
                f"weight set {r}: all weights of the children of {fw.codes[lev - 1][j]!r} are zero"
            )
        start += n
    return w


def weights_matrix(spec: ScoringSpec, weight_sets: list[dict[str, float]]) -> np.ndarray:
    """Build a (n_sets, len(weight_codes)) matrix from dicts overriding the nominal weights."""
    base = spec.nominal_weights
    out = np.tile(base, (len(weight_sets), 1))
    pos = {c: i for i, c in enumerate(spec.weight_codes)}
    for r, ws in enumerate(weight_sets):
        unknown = sorted(set(ws) - set(pos))
        if unknown:
            raise ScoringError(f"weight set {r}: unknown code(s) {unknown}")
        for c, v in ws.items():
            out[r, pos[c]] = v
    return out


# ------------------------------------------------------------------ engine
@dataclass(frozen=True, eq=False)
class DividendBatch:
    """Aggregates for many weight sets: arrays of shape (n_sets, n_units, n_aggregates).

    ``aggregates`` lists the aggregate codes (level 2 upwards, index last); ``units``
    the uCodes. ``coverage`` (n_units, n_aggregates) does not depend on the weights.
    """

    units: pd.Index
    aggregates: tuple[str, ...]
    benefit: np.ndarray
    cost: np.ndarray
    dividend: np.ndarray
    relative_share: np.ndarray
    coverage: np.ndarray

    @property
    def index(self) -> np.ndarray:
        """(n_sets, n_units) overall dividend."""
        return self.dividend[:, :, -1]


def _prepare(spec, data, peer_group):
    units, x = _unit_matrix(data, spec.indicators)
    peers = _peer_labels(data, units, peer_group)
    neutral = neutral_matrix(spec, x, peers)
    scores = indicator_scores(x, neutral, spec.goalpost)
    scores[:, ~spec.scored] = np.nan
    return units, x, neutral, scores


def _aggregate(spec, scores, w, min_coverage):
    """Batched signed aggregation; w is (K, len(weight_codes)).

    Deliberately not the sensitivity batch (:func:`dividend.sensitivity.batch.aggregate_runs`),
    although both take weighted arithmetic means over observed children: this path returns
    what the index publishes for every aggregate (benefit and cost contributions, relative
    share, coverage), the batch only the target's dividend for thousands of runs (with the
    effective-weights shortcut, :func:`~dividend.sensitivity.batch.aggregate_target`). The
    sensitivity model scores its nominal configuration through this path, so the two
    implementations check each other on every analysis (``nominal_score`` vs the runs).
    """
    fw = spec.framework
    obs = ~np.isnan(scores)  # scored and observed
    s0 = np.where(obs, scores, 0.0)
    ben = s0 * (spec.role == "benefit")
    cst = s0 * (spec.role == "cost")
    rel = obs * spec.relative.to_numpy()
    of = obs.astype(np.float64)
    n_scored = spec.scored.astype(np.float64)

    outs_b, outs_c, outs_r, covs = [], [], [], []
    start = 0
    vals = None
    for lev in range(2, fw.levels + 1):
        n = len(fw.codes[lev - 2])
        wl = w[:, start : start + n]
        start += n
        wm = wl[:, :, None] * fw.membership(lev)[None, :, :]  # (K, children, parents)
        sub = spec._subtree[lev - 2]
        total = n_scored @ sub
        cov = np.divide(
            of @ sub, total, out=np.full((of.shape[0], sub.shape[1]), np.nan), where=total > 0
        )
        if lev == 2:
            den = of @ wm
            parts = [ben @ wm, cst @ wm, rel @ wm]
        else:
            b_prev, c_prev, r_prev = vals
            has = ~np.isnan(b_prev)
            den = has.astype(np.float64) @ wm
            parts = [np.where(has, v, 0.0) @ wm for v in (b_prev, c_prev, r_prev)]
        ok = (den > 0) & (cov >= min_coverage)[None]
        vals = [np.divide(p, den, out=np.full(den.shape, np.nan), where=ok) for p in parts]
        outs_b.append(vals[0])
        outs_c.append(vals[1])
        outs_r.append(vals[2])
        covs.append(cov)
    b = np.concatenate(outs_b, axis=2)
    c = np.concatenate(outs_c, axis=2)
    return b, c, b - c, np.concatenate(outs_r, axis=2), np.concatenate(covs, axis=1)


def score_many(
    data: pd.DataFrame,
    spec: ScoringSpec,
    weights: np.ndarray,
    peer_group: str | pd.Series | None = None,
    min_coverage: float = 0.0,
) -> DividendBatch:
    """Signed dividends for many weight sets at once (for sensitivity analysis).

    Args:
        data: units × indicators (uCode column or index), raw values.
        spec: roles, neutrals and goalposts.
        weights: (n_sets, len(spec.weight_codes)) nominal weights, one row per set, columns
            in ``spec.weight_codes`` order (indicators, then pillars, ... below the index).
            Any positive scaling of a row gives the same result.
        peer_group: column of ``data`` (or Series by uCode) defining the peer groups for
            ``peer_median`` neutrals; None means all units are peers.
        min_coverage: an aggregate is NaN for a unit whose share of observed scored
            indicators underneath is below this (COINr's ``dat_thresh`` idea).

    Scores do not depend on the weights, so they are computed once; each level is
    then one batched matmul. Memory is ``n_sets × n_units × n_aggregates`` floats per output.
    """
    w = _check_weight_matrix(spec, weights)
    if not 0.0 <= min_coverage <= 1.0:
        raise ScoringError(f"min_coverage must be in [0, 1], got {min_coverage}")
    units, _x, _neutral, scores = _prepare(spec, data, peer_group)
    return _batch(spec, units, scores, w, min_coverage)


def _batch(spec, units, scores, w, min_coverage) -> DividendBatch:
    b, c, d, r, cov = _aggregate(spec, scores, w, min_coverage)
    aggs = tuple(code for level in spec.framework.codes[1:] for code in level)
    return DividendBatch(units, aggs, b, c, d, r, cov)


def score(
    data: pd.DataFrame,
    spec: ScoringSpec,
    weights: dict[str, float] | None = None,
    peer_group: str | pd.Series | None = None,
    min_coverage: float = 0.0,
) -> DividendResult:
    """Signed dividend per unit for one weight set (nominal weights, optionally overridden).

    A positive dividend is a net migration gain (weighted benefits above break-even
    exceed weighted costs above break-even); negative is a net migration loss. Where
    ``relative_share`` > 0 part of that sign is "relative to peers" rather than absolute.
    """
    w = _check_weight_matrix(spec, weights_matrix(spec, [weights or {}]))
    if not 0.0 <= min_coverage <= 1.0:
        raise ScoringError(f"min_coverage must be in [0, 1], got {min_coverage}")
    units, x, neutral, scores = _prepare(spec, data, peer_group)
    batch = _batch(spec, units, scores, w, min_coverage)
    codes = np.array(spec.indicators, dtype=object)
    sc, cx = spec.scored, ~spec.scored
    aggs = list(batch.aggregates)

    def frame(a: np.ndarray, cols) -> pd.DataFrame:
        return pd.DataFrame(a, index=units, columns=list(cols))

    div = frame(batch.dividend[0], aggs)
    net = (div < 0).astype("boolean").mask(div.isna())
    return DividendResult(
        scores=frame(scores[:, sc], codes[sc]),
        context=frame(x[:, cx], codes[cx]),
        neutral=frame(neutral[:, sc], codes[sc]),
        relative=spec.relative[sc],
        benefit=frame(batch.benefit[0], aggs),
        cost=frame(batch.cost[0], aggs),
        dividend=div,
        coverage=frame(batch.coverage, aggs),
        relative_share=frame(batch.relative_share[0], aggs),
        net_loss=net,
    )
