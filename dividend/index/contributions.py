"""How each published number was computed: per unit, every scored indicator's value, the
break-even actually used, the goalpost, the score, its weight share and its contribution to
its pillar; every pillar's weight share and contribution to the index.

Taken from the scoring result itself (:class:`dividend.engine.scoring.DividendResult`), not
recomputed: the neutral is the one the scorer used (the peer median where relative), the
score is the scorer's. Only the weight shares are derived here, with the scorer's rule
(weights renormalised over the children that have a value, docs/scoring.md), and a test
checks that the contributions add up to the published pillar and index dividends.

Sign convention: ``contribution`` is what the row adds to its parent's dividend, so a cost
above break-even has a negative contribution, and per unit the indicator contributions of a
pillar sum to the pillar dividend and the pillar contributions sum to the index dividend.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dividend.engine.framework import Framework
from dividend.engine.scoring import DividendResult, ScoringSpec

CONTRIBUTION_COLUMNS = [
    "scenario",
    "framework",
    "geo",
    "reference_year",
    "level",
    "code",
    "parent",
    "role",
    "value",
    "neutral",
    "neutral_rule",
    "goalpost",
    "score",
    "weight",
    "weight_share",
    "contribution",
]


def _shares(w: np.ndarray, has: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Units × children: each child's weight over the weights of its siblings with a value."""
    wh = has * w[None, :]
    den = wh @ member.astype(np.float64)  # units × parents
    den_c = den @ member.T.astype(np.float64)  # back to children
    return np.divide(wh, den_c, out=np.full(wh.shape, np.nan), where=den_c > 0)


def contributions(
    scenario: str, framework_name: str, spec: ScoringSpec, data: pd.DataFrame, res: DividendResult
) -> pd.DataFrame:
    """One row per unit and scored indicator with a value, and per unit and pillar."""
    fw: Framework = spec.framework
    units = res.scores.index
    scored = list(res.scores.columns)
    pos = [fw.indicators.index(c) for c in scored]
    role = spec.role[pos]
    w_ind = np.array([fw.weight[c] for c in scored])
    scores = res.scores.to_numpy(dtype=np.float64)
    obs = ~np.isnan(scores)
    pillars = fw.codes[1]
    member = np.zeros((len(scored), len(pillars)), dtype=bool)
    member[np.arange(len(scored)), [pillars.index(fw.parent[c]) for c in scored]] = True
    share = _shares(w_ind, obs, member)
    sign = np.where(role == "cost", -1.0, 1.0)
    ind = pd.DataFrame(
        {
            "geo": np.repeat(units.to_numpy(), len(scored)),
            "code": np.tile(scored, len(units)),
            "parent": np.tile([fw.parent[c] for c in scored], len(units)),
            "role": np.tile(role, len(units)),
            "value": data.reindex(index=units, columns=scored).to_numpy(dtype=float).ravel(),
            "neutral": res.neutral.to_numpy(dtype=float).ravel(),
            "neutral_rule": np.tile(
                np.where(res.relative.to_numpy(), "peer median", "fixed"), len(units)
            ),
            "goalpost": np.tile(spec.goalpost[pos], len(units)),
            "score": scores.ravel(),
            "weight": np.tile(w_ind, len(units)),
            "weight_share": share.ravel(),
            "contribution": (share * scores * sign[None, :]).ravel(),
        }
    )
    ind = ind[obs.ravel()]
    ind.insert(3, "level", "indicator")

    # pillars: their share of the index is the product of the renormalised shares up the tree
    div = res.dividend
    eff = np.ones((len(units), len(pillars)))
    has_child = div.reindex(columns=list(pillars)).notna().to_numpy()
    children = pillars
    for lev in range(3, fw.levels + 1):
        parents = fw.codes[lev - 1]
        m = fw.membership(lev)
        sh = _shares(np.array([fw.weight[c] for c in children]), has_child, m)
        # carry each pillar's share down: multiply by its ancestor's share at this level
        anc = [p if lev == 3 else fw.ancestors(p)[lev - 4] for p in pillars]
        col = [children.index(a) for a in anc]
        eff = eff * sh[:, col]
        has_child = div.reindex(columns=list(parents)).notna().to_numpy()
        children = parents
    pdiv = div.reindex(columns=list(pillars)).to_numpy(dtype=float)
    pil = pd.DataFrame(
        {
            "geo": np.repeat(units.to_numpy(), len(pillars)),
            "level": "pillar",
            "code": np.tile(pillars, len(units)),
            "parent": fw.index_code,
            "role": "",
            "value": np.nan,
            "neutral": np.nan,
            "neutral_rule": "",
            "goalpost": np.nan,
            "score": pdiv.ravel(),
            "weight": np.tile([fw.weight[p] for p in pillars], len(units)),
            "weight_share": eff.ravel(),
            "contribution": (eff * pdiv).ravel(),
        }
    )
    pil = pil[~np.isnan(pdiv.ravel())]
    out = pd.concat([ind, pil], ignore_index=True)
    out.insert(0, "framework", framework_name)
    out.insert(0, "scenario", scenario)
    out["reference_year"] = pd.array([pd.NA] * len(out), dtype="Int64")  # set by score_panel
    return out[CONTRIBUTION_COLUMNS]


NUMERIC = ["value", "neutral", "goalpost", "score", "weight", "weight_share", "contribution"]


def typed_contributions(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Frames stacked with float numeric columns (an empty frame of a context-only framework
    must not turn them into text, which the CSV writer would then quote as a formula)."""
    parts = [f for f in frames if len(f)]
    out = (
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=CONTRIBUTION_COLUMNS)
    )
    return out.astype(dict.fromkeys(NUMERIC, "float64"))
