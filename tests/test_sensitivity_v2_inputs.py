"""Issue 12's sensitivity inputs on a constructed framework whose answers are known by hand:
weight noise after the scenario choice, leave-one-out of a single-indicator pillar, the
aggregation of pillar dividends, documented break-even ranges, imputation, and the paired
change between two reference years (P(improved))."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dividend.engine.framework import Framework
from dividend.engine.scoring import ScoringSpec
from dividend.index.uncertainty import change_table, imputed_tables
from dividend.sensitivity import ScoringModel, parse_inputs, run_sensitivity
from dividend.sensitivity.inputs import DataChoice, SensitivityError
from dividend.sensitivity.scoring_model import centred_in_range
from dividend.sensitivity.signed_means import signed_level

# i1 (benefit), i2 (cost) -> pillar p1; i3 (benefit) alone -> pillar p2; p1, p2 -> dim -> index
META = pd.DataFrame(
    {
        "iCode": ["i1", "i2", "i3", "p1", "p2", "dim", "index"],
        "Level": [1, 1, 1, 2, 2, 3, 4],
        "Parent": ["p1", "p1", "p2", "dim", "dim", "index", None],
        "Weight": [1, 1, 1, 1, 1, 1, 1],
        "Direction": [1, -1, 1, 1, 1, 1, 1],
        "Type": ["Indicator"] * 3 + ["Aggregate"] * 4,
        "Role": ["benefit", "cost", "benefit", None, None, None, None],
        "Neutral": [0.0, 0.0, 0.0, None, None, None, None],
        "Goalpost": [10.0, 10.0, 10.0, None, None, None, None],
    }
)
# scores (x / 10 * 100, cost negated): a: p1 = (50 - 20)/2 = 15, p2 = -60 -> index -22.5
DATA = pd.DataFrame(
    {
        "uCode": ["a", "b", "c", "d"],
        "i1": [5.0, -3.0, 8.0, np.nan],
        "i2": [2.0, 1.0, -4.0, 0.0],
        "i3": [-6.0, 2.0, 9.0, 0.0],
    }
)


def _model(data: pd.DataFrame = DATA) -> ScoringModel:
    return ScoringModel(ScoringSpec.from_framework(Framework.from_imeta(META)), data)


def _scores(res) -> pd.DataFrame:
    return pd.DataFrame(res.scores, columns=res.units["uCode"])


def test_weight_noise_acts_after_the_scenario_choice():
    """The scenario choice replaces weights; noise drawn before it used to be overwritten,
    so weight noise had Si = STi = 0. Now every noise set changes the run weights."""
    inputs = parse_inputs(
        {
            "weight_noise": {"kind": "weights_noise", "noise": {1: 0.4, 2: 0.4}, "n_sets": 20},
            "weight_scenario": {
                "kind": "weights_scenarios",
                "choices": [{"i1": 1, "i2": 1, "i3": 1}, {"i1": 2, "i2": 1, "i3": 1}],
            },
        }
    )
    res = run_sensitivity(_model(), inputs, 64, 5, nboot=0)
    model = res.meta  # the analysis bound the inputs
    assert model["inputs"] == ["weight_noise", "weight_scenario"]
    idx = res.inputs.set_index("input")
    assert idx.loc["weight_noise", "STi"] > 0.01
    assert idx.loc["weight_noise", "Si"] != 0
    m = _model().bind(inputs, np.random.SeedSequence(1))
    P = np.array([[0.0, 1.0], [1.0, 1.0]])  # same scenario, two noise sets
    W = m.run_weights(P)
    assert not np.allclose(W[0], W[1])


def test_leave_one_out_drops_a_single_indicator_pillar():
    res = run_sensitivity(
        _model(),
        parse_inputs({"n": {"kind": "neutral", "range": [-0.1, 0.1]}}),
        8,
        1,
        design="ua",
        nboot=0,
    )
    loo = res.leave_one_out.set_index("indicator")
    assert loo.loc["i3", "status"] == "ok", loo.loc["i3", "error"]
    assert "p2 (emptied, level 2)" in loo.loc["i3", "dropped"]
    assert loo.loc["i1", "dropped"] == "i1"
    # without i3 the index is p1's dividend alone: unit c, p1 = (80 + 40) / 2 = 60 is then
    # the best (rank 1); nominally c has index (60 + 90) / 2 = 75, also rank 1 -> shift 0;
    # then p1 alone ranks c 60, a 15, d (i1 missing, i2 0) 0, b (-30 - 10)/2 = -20
    shifts = res.loo_shifts["i3"]
    nominal = res.units.set_index("uCode")["nominal_rank"]
    new = nominal - shifts
    assert new.to_dict() == {"a": 2, "b": 4, "c": 1, "d": 3}


def test_signed_aggregation_is_non_compensatory_and_matches_the_formula():
    V = np.array([[[15.0, -60.0], [40.0, 40.0]]])  # 1 run, 2 units, 2 pillars
    W, M = np.array([[1.0, 1.0]]), np.ones((2, 1))
    am = signed_level(V, W, M, "amean")[0, :, 0]
    gm = signed_level(V, W, M, "gmean")[0, :, 0]
    mp = signed_level(V, W, M, "mazziotta_pareto")[0, :, 0]
    assert am[0] == pytest.approx(-22.5)
    # y = (s + 200) / 100: 2.15 and 1.4 -> GM = sqrt(2.15 * 1.4) = 1.7349..
    assert gm[0] == pytest.approx(100 * np.sqrt(2.15 * 1.4) - 200)
    m, v = (2.15 + 1.4) / 2, ((2.15 - 1.4) / 2) ** 2
    assert mp[0] == pytest.approx(100 * (m - v / m) - 200)
    assert mp[0] < gm[0] < am[0]
    assert am[1] == pytest.approx(40) and gm[1] == pytest.approx(40) and mp[1] == pytest.approx(40)


def test_aggregation_choice_in_the_model_lowers_unbalanced_units_only():
    inputs = parse_inputs(
        {"aggregation": {"kind": "aggregation", "choices": ["amean", "gmean", "mazziotta_pareto"]}}
    )
    res = run_sensitivity(_model(), inputs, 16, 2, design="ua", nboot=0)
    s = _scores(res)
    label = res.runs["aggregation"]
    by = s.groupby(label.to_numpy()).first()
    assert by.loc["amean", "a"] == pytest.approx(-22.5)
    assert by.loc["gmean", "a"] == pytest.approx(100 * np.sqrt(2.15 * 1.4) - 200)
    assert (by.loc["mazziotta_pareto"] <= by.loc["gmean"] + 1e-12).all()
    assert (by.loc["gmean"] <= by.loc["amean"] + 1e-12).all()


def test_aggregation_of_indicators_is_refused():
    inputs = parse_inputs({"agg": {"kind": "aggregation", "choices": ["gmean"], "levels": [2]}})
    with pytest.raises(ValueError, match="levels >= 3"):
        run_sensitivity(_model(), inputs, 4, 1, design="ua", nboot=0)


def test_documented_neutral_range_moves_scores_the_expected_way():
    """A higher break-even lowers a benefit's score and raises a cost's (less cost)."""
    inputs = parse_inputs(
        {"neutral_range": {"kind": "neutral", "bounds": {"i1": [-2, 2], "i2": [-1, 1]}}}
    )
    res = run_sensitivity(_model(), inputs, 32, 4, design="ua", nboot=0)
    u = res.runs["neutral_range.code"].to_numpy()
    s = _scores(res)
    lo, hi = np.argmin(u), np.argmax(u)
    # a: p1 = (10 (5 - n1) - 10 (2 - n2)) / 2 -> at the top of both ranges: (30 - 10)/2 = 10
    assert s.loc[hi, "a"] < s.loc[lo, "a"]
    n1, n2 = -2 + 4 * u[hi], -1 + 2 * u[hi]
    assert s.loc[hi, "a"] == pytest.approx(((10 * (5 - n1) - 10 * (2 - n2)) / 2 - 60) / 2)


def test_goalpost_range_widens_and_narrows():
    inputs = parse_inputs({"goalpost_range": {"kind": "goalpost", "bounds": {"i3": [5, 20]}}})
    res = run_sensitivity(_model(), inputs, 32, 4, design="ua", nboot=0)
    u = res.runs["goalpost_range.code"].to_numpy()
    s = _scores(res)
    # the published goalpost (10) is the median: u = 0.5 -> 10, u = 0 -> 5, u = 1 -> 20
    g = np.where(u < 0.5, 10 - (1 - 2 * u) * 5, 10 + (2 * u - 1) * 10)
    assert (g[u < 0.5] < 10).all() and (g[u > 0.5] > 10).all()
    # unit a: i3 = -6 -> score max(-100, -600 / g); index = (15 + that) / 2
    expect = (15 + np.maximum(-100, -600 / g)) / 2
    np.testing.assert_allclose(s["a"].to_numpy(), expect)


def test_imputation_fills_gaps_of_ranked_units_only_and_keeps_coverage():
    fill = np.array([True, True, True, True])
    tables, labels = imputed_tables(DATA.set_index("uCode"), ["i1", "i2", "i3"], fill, None)
    assert labels[:2] == ["none", "group_mean"]
    # group mean of i1 = (5 - 3 + 8) / 3 = 10/3 -> unit d's i1 score +33.3 > its observed 0
    assert tables[1].loc["d", "i1"] == pytest.approx(10 / 3)
    assert tables[0]["i1"].isna().sum() == 1
    none_fill = imputed_tables(DATA.set_index("uCode"), ["i1", "i2", "i3"], ~fill, None)[0]
    assert none_fill[1]["i1"].isna().sum() == 1  # not rankable: never imputed
    choice = DataChoice(
        "imputation",
        tuple(t.reset_index() for t in tables),
        tuple(labels),
        keep_coverage=True,
    )
    res = run_sensitivity(_model(), [choice], 16, 3, design="ua", nboot=0)
    s = _scores(res)
    lab = res.runs["imputation"].to_numpy()
    assert (s.loc[lab == "none", "d"] == 0).all()
    assert (s.loc[lab == "group_mean", "d"] > 0).all()  # the expected direction


def test_p_improved_with_zero_noise_is_the_nominal_change():
    """With an input that cannot move anything, every run equals the nominal score, so the
    paired change is the nominal change in every run and P(improved) is 0 or 1."""
    later = DATA.assign(i1=DATA["i1"] + [1.0, -1.0, 0.0, 0.0])
    inputs = parse_inputs({"w": {"kind": "weights_noise", "noise": {1: 0.0}, "n_sets": 4}})
    r0 = run_sensitivity(_model(DATA), inputs, 16, 9, design="ua", nboot=0)
    r1 = run_sensitivity(_model(later), inputs, 16, 9, design="ua", nboot=0)
    ch = change_table(r1, r0).set_index("uCode")
    assert ch.loc["a", "nominal_change"] == pytest.approx(2.5)  # i1 +1 -> p1 +5 -> index +2.5
    assert ch.loc["a", "p_improved"] == 1.0
    assert ch.loc["b", "p_improved"] == 0.0
    assert ch.loc["c", "p_improved"] == 0.0  # no change is not an improvement
    np.testing.assert_allclose(ch["change_median"], ch["nominal_change"])


def test_p_improved_counts_paired_runs():
    later = DATA.assign(i3=DATA["i3"] + 0.5)
    inputs = parse_inputs({"w": {"kind": "weights_noise", "noise": {1: 0.5, 2: 0.5}, "n_sets": 30}})
    r0 = run_sensitivity(_model(DATA), inputs, 32, 9, design="ua", nboot=0)
    r1 = run_sensitivity(_model(later), inputs, 32, 9, design="ua", nboot=0)
    np.testing.assert_array_equal(r0.runs["w.code"], r1.runs["w.code"])  # same design rows
    d = r1.scores - r0.scores
    ch = change_table(r1, r0).set_index("uCode")
    assert ch.loc["a", "p_improved"] == pytest.approx((d[:, 0] > 0).mean())
    assert ch.loc["a", "p_improved"] == 1.0  # i3 is a benefit: every weighting rises


def test_survey_sampling_redraws_net_balances_with_their_sample_size():
    """Net balance 100 (p+ - p-) redrawn from Multinomial(N, ...): centred on the published
    value, with the sampling spread sqrt(p+ + p- - d^2) / sqrt(N) (d = p+ - p-)."""
    from dividend.sensitivity.inputs import SurveyDraws, survey_deltas

    table = pd.DataFrame(
        {
            "uCode": ["a", "b"],
            "indicator": ["i1", "i1"],
            "p_pos": [0.5, 0.5],
            "p_neg": [0.2, 0.2],
            "n": [100, 2500],
        }
    )
    d = survey_deltas(
        table, np.array(["a", "b", "c"]), ["i1", "i2"], 4000, np.random.default_rng(1)
    )
    sd = 100 * np.sqrt((0.7 - 0.3**2) / np.array([100, 2500]))
    np.testing.assert_allclose(d[:, :2, 0].std(axis=0), sd, rtol=0.05)
    assert abs(d[:, 0, 0].mean()) < 4 * sd[0] / np.sqrt(4000)
    assert (d[:, 2] == 0).all() and (d[:, :, 1] == 0).all()  # only the listed cells move
    # in the model: unit a's index moves with its redrawn i1 (score = 10 x value / goalpost 10)
    inp = SurveyDraws("survey_sampling", table=table.assign(indicator="i1"), n_sets=50)
    res = run_sensitivity(_model(), [inp], 32, 2, design="ua", nboot=0)
    s = _scores(res)
    assert s["a"].std() > s["b"].std() > 0  # the smaller sample moves more
    assert (s["c"] == s["c"].iloc[0]).all()  # no survey data: no sampling error


def test_design_ab_is_the_a_and_b_rows_of_sa():
    """A panel's non-headline years run only the A and B rows of the Saltelli design: the same
    points, so the per-unit table (which uses A and B only) is identical, and a change
    between an ``sa`` year and an ``ab`` year pairs the same runs."""
    inputs = parse_inputs(
        {
            "w": {"kind": "weights_noise", "noise": {1: 0.5, 2: 0.5}, "n_sets": 30},
            "n": {"kind": "neutral", "range": [-0.3, 0.3]},
        }
    )
    sa = run_sensitivity(_model(), inputs, 32, 11, design="sa", nboot=0)
    ab = run_sensitivity(_model(), inputs, 32, 11, design="ab", nboot=0)
    assert len(ab.runs) == 64 and ab.inputs is None
    np.testing.assert_array_equal(ab.scores, sa.scores[:64])
    pd.testing.assert_frame_equal(ab.units, sa.units)
    ch = change_table(sa, ab)
    np.testing.assert_array_equal(ch["change_median"], 0.0)  # same data: every run unchanged
    assert (ch["p_improved"] == 0).all()


def test_documented_range_keeps_the_published_value_at_the_median():
    """One-sided range (the 3 % SDG cost target is the low end of [3, 5]): half the runs stay
    at the published break-even, the other half spread to the top; a range that does not
    contain the published value is refused."""
    u = np.linspace(0, 1, 101)
    v = centred_in_range(u, np.array([[3.0, 5.0], [-2.0, 2.0]]), np.array([3.0, 0.0]))
    assert np.median(v[:, 0]) == 3.0 and v[:, 0].max() == 5.0 and (v[:50, 0] == 3.0).all()
    np.testing.assert_allclose(v[:, 1], -2 + 4 * u)  # centred range: the plain linear map
    with pytest.raises(SensitivityError, match=r"\[3, 5\] does not contain the nominal value 6"):
        centred_in_range(u, np.array([[3.0, 5.0]]), np.array([6.0]))
