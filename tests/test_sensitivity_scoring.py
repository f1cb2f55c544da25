"""Sensitivity of the signed dividend (scoring mode), checked run by run against
:func:`dividend.engine.scoring.score` on ASEM's raw data with a break-even spec derived from it."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dividend.engine.framework import Framework
from dividend.engine.scoring import ScoringSpec, score
from dividend.sensitivity import ScoringModel, parse_inputs, run_sensitivity
from dividend.sensitivity.batch import weight_codes

ASEM = Path(__file__).resolve().parents[1] / "examples" / "asem"
PEER = ("LPI", "Flights")  # scored against the Europe/Asia peer median


@pytest.fixture(scope="module")
def setup():
    meta = pd.read_csv(ASEM / "ASEM_iMeta_17g.csv")
    data = pd.read_csv(ASEM / "ASEM_iData_17g.csv")
    ind = meta["Type"] == "Indicator"
    codes = meta.loc[ind, "iCode"].tolist()
    x = data[codes]
    meta["Role"] = np.where(meta["Direction"] == 1, "benefit", "cost")
    meta.loc[meta["iCode"] == "StMob", "Role"] = "context"
    med = x.median()
    meta["Neutral"] = meta["iCode"].map(med).astype(object)
    meta.loc[meta["iCode"].isin(PEER), "Neutral"] = "peer_median"
    half_iqr = (x.quantile(0.75) - x.quantile(0.25)) / 2
    meta["Goalpost"] = meta["iCode"].map(half_iqr.where(half_iqr > 0, x.std()))
    fw = Framework.from_imeta(meta)
    spec = ScoringSpec.from_framework(fw)
    numeric = [c for c in codes if c not in PEER and c != "StMob"]
    inputs = parse_inputs(
        {
            "Neutral": {"kind": "neutral", "range": [-0.5, 0.5], "indicators": numeric},
            "Goalposts": {"kind": "goalpost", "values": [0.8, 1.0, 1.25]},
            "Weights": {"kind": "weights_noise", "noise": {1: 0.5, 2: 0.25}, "n_sets": 50},
            "Drop": {"kind": "include", "indicators": ["Goods", "Tariff"]},
        }
    )
    model = ScoringModel(spec, data, peer_group="EurAsia_group")
    res = run_sensitivity(model, inputs, 32, 3, nboot=100)
    return spec, data, model, res, numeric


def _score_run(spec, data, model, codes_row, numeric):
    """One run through the ordinary scoring code path."""
    fw = spec.framework
    shift = np.zeros(len(spec.indicators))
    scale = np.ones(len(spec.indicators))
    wc = weight_codes(fw)
    weights = {c: fw.weight[c] for c in wc}
    for k, inp in enumerate(model.inputs):
        code = codes_row[k]
        if inp.name == "Neutral":
            for c in numeric:
                shift[spec.indicators.index(c)] += code
        elif inp.name == "Goalposts":
            scale *= inp.values[int(code)]
        elif inp.name == "Weights":
            for j, c in enumerate(wc):
                weights[c] *= inp.multipliers[int(code)][j]
        elif inp.name.startswith("Drop:") and code == 1:
            weights[inp.indicator] = 0.0
    g = spec.goalpost
    neutral = {
        c: spec.neutral[i] + shift[i] * g[i]
        for i, c in enumerate(spec.indicators)
        if spec.scored[i] and c not in PEER
    }
    goal = {c: g[i] * scale[i] for i, c in enumerate(spec.indicators) if spec.scored[i]}
    spec_r = ScoringSpec.from_framework(fw, neutral=neutral, goalpost=goal)
    return score(data, spec_r, weights, peer_group="EurAsia_group").dividend["Index"]


@pytest.mark.parametrize("run", [0, 5, 40, 77, 150, 191])
def test_runs_equal_the_scoring_code_path(setup, run):
    spec, data, model, res, numeric = setup
    codes = res.runs.filter(like=".code").to_numpy()[run]
    ref = _score_run(spec, data, model, codes, numeric).reindex(model.units)
    np.testing.assert_allclose(res.scores[run], ref.to_numpy(), rtol=1e-10, atol=1e-10)


def test_nominal_and_net_loss_probability(setup):
    spec, data, model, res, _ = setup
    nominal = score(data, spec, peer_group="EurAsia_group").dividend["Index"]
    np.testing.assert_allclose(res.units["nominal_score"], nominal.reindex(model.units))
    ab = res.scores[: 2 * 32]
    np.testing.assert_allclose(res.units["p_net_loss"], (ab < 0).mean(axis=0))
    assert 0 < res.units["p_net_loss"].mean() < 1
    assert res.inputs["input"].tolist() == [
        "Neutral",
        "Goalposts",
        "Weights",
        "Drop:Goods",
        "Drop:Tariff",
    ]
    assert res.inputs["STi"].notna().all()


def test_leave_one_out_matches_zero_weight_scoring(setup):
    spec, data, model, res, _ = setup
    nominal = score(data, spec, peer_group="EurAsia_group").dividend["Index"]
    w = {"Goods": 0.0}
    dropped = score(data, spec, w, peer_group="EurAsia_group").dividend["Index"]
    shift = nominal.rank(ascending=False, method="min") - dropped.rank(
        ascending=False, method="min"
    )
    np.testing.assert_allclose(res.loo_shifts["Goods"], shift.reindex(model.units))
    ctx = res.leave_one_out.set_index("indicator").loc["StMob"]
    assert ctx["mean_abs_rank_shift"] == 0  # a context indicator never moves the dividend
